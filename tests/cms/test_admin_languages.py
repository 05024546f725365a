"""The admin in every interface language: Wagtail's own strings that its nb catalogue lacks
(and all of them for nn, which Wagtail has no catalogue for) come from locale_wagtail/, so a
researcher reading Bokmål or Nynorsk does not meet "21 Pages", "Search all pages…" or
"Collapse all" in English."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from wagtail.users.models import UserProfile

from tests.catalogues import untranslated

ROOT = Path(__file__).resolve().parents[2]
WAGTAIL_CATALOGUES = sorted((ROOT / "locale_wagtail").glob("*/LC_MESSAGES/*.po"))


def _admin_as(client, user, language: str):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client.force_login(user)
    return client


def test_nynorsk_is_an_admin_language():
    codes = [code for code, _name in settings.WAGTAILADMIN_PERMITTED_LANGUAGES]
    assert codes == [code for code, _name in settings.LANGUAGES] and "nn" in codes


@pytest.mark.parametrize(
    ("language", "search", "pages"),
    [
        ("nb", "Søk i alle sider …", 'side <span class="w-sr-only">opprettet i'),
        ("nn", "Søk i alle sider …", 'side <span class="w-sr-only">oppretta i'),
    ],
)
def test_the_dashboard_speaks_the_users_language(
    client, library_a, researcher_a, language, search, pages
):
    """The search field and the site summary ("1 Page created in …") of Wagtail's home."""
    html = _admin_as(client, researcher_a, language).get("/admin/").content.decode()
    assert f'<html lang="{language}"' in html
    assert f'placeholder="{search}"' in html and "Search all pages" not in html
    assert pages in " ".join(html.split()) and "created in" not in html


@pytest.mark.parametrize(
    ("language", "collapse", "expand"),
    [("nb", "Skjul alle", "Utvid alle"), ("nn", "Skjul alle", "Utvid alle")],
)
def test_the_admin_scripts_speak_the_users_language(
    client, library_a, researcher_a, language, collapse, expand
):
    """Wagtail's JavaScript catalogue (the editor's "Collapse all", "Expand all")."""
    js = _admin_as(client, researcher_a, language).get("/admin/jsi18n/").content.decode()
    assert f'"Collapse all": "{collapse}"' in js and f'"Expand all": "{expand}"' in js


@pytest.mark.parametrize("po", WAGTAIL_CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_wagtail_catalogues_are_complete(po):
    found = untranslated(po)
    assert found == "", found[:800]
    subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", str(po)], check=True)


def test_there_is_a_wagtail_catalogue_for_every_norwegian_language():
    assert {p.parent.parent.name for p in WAGTAIL_CATALOGUES} == {"nb", "nn"}


def _msgids(po: Path, translated: bool) -> set[tuple[str, str]]:
    """(context, msgid) of a catalogue's entries (only the translated ones if asked), as
    gettext's own msgattrib lists them."""
    flags = ["--translated", "--no-fuzzy"] if translated else []
    text = subprocess.run(
        ["msgattrib", *flags, "--no-obsolete", "--no-wrap", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found, context = set(), ""
    for line in text.splitlines():
        if line.startswith("msgctxt "):
            context = line[8:]
        elif line.startswith("msgid ") and line != 'msgid ""':
            found.add((context, line[6:]))
            context = ""
        elif line.startswith("msgid "):
            context = ""
    return found


def test_every_wagtail_admin_string_has_a_norwegian_translation():
    """Enumerates Wagtail's own strings (its English catalogues, for every Wagtail app
    installed): each has a Bokmål translation, Wagtail's or locale_wagtail/nb's, and each
    that Wagtail's nb catalogue lacks has a Nynorsk one in locale_wagtail/nn (the rest of
    Nynorsk's admin falls back to Wagtail's Bokmål). A Wagtail upgrade with new strings
    fails here until they are translated (docs/languages.md)."""
    import importlib  # the installed apps' packages, found from settings at test time

    missing: dict[str, list[str]] = {"nb": [], "nn": []}
    for app in settings.INSTALLED_APPS:
        if not app.startswith("wagtail"):
            continue
        package = Path(importlib.import_module(app).__file__).parent
        for source in sorted((package / "locale" / "en" / "LC_MESSAGES").glob("*.po")):
            wagtail_nb = package / "locale" / "nb" / "LC_MESSAGES" / source.name
            ours = {
                language: ROOT / "locale_wagtail" / language / "LC_MESSAGES" / source.name
                for language in ("nb", "nn")
            }
            have_nb = _msgids(wagtail_nb, True) if wagtail_nb.exists() else set()
            have = {k: _msgids(p, True) if p.exists() else set() for k, p in ours.items()}
            for key in _msgids(source, False) - have_nb:
                for language in ("nb", "nn"):
                    if key not in have[language]:
                        missing[language].append(f"{app} {source.name}: {key[1][:60]}")
    assert missing == {"nb": [], "nn": []}
