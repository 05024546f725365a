"""What every PDF document of Innsikt shares (findings reports, interview guides): the
language it is written in, and the library's logo for its cover."""

from pathlib import Path
from typing import Any

from cms.formatting import supported_language
from cms.models import LibrarySettings


def report_language(page: Any) -> str:
    """The language a document page is written in: its locale's, as one of
    settings.LANGUAGES ("en-gb" → "en"); the default language when it has none."""
    return supported_language(getattr(getattr(page, "locale", None), "language_code", ""))


def library_logo_uri(site: Any) -> str | None:
    """The library's logo as a file URI for WeasyPrint, or None."""
    if site is None:
        return None
    logo = LibrarySettings.for_site(site).logo
    if logo is None:
        return None
    try:
        return Path(logo.get_rendition("max-600x240").file.path).as_uri()
    except Exception:  # a missing image file must not stop the document
        return None
