"""What kind of questionnaire file an upload is, told from its content and checked against
its name (pure). A file whose name and content disagree is refused rather than guessed at:
the researcher may have picked the wrong file."""

import io
import zipfile
from typing import Literal

from django.utils.translation import gettext as _

from .model import ImportRejected

Kind = Literal["lss", "xlsx", "xls"]
EXTENSIONS: dict[str, Kind] = {".lss": "lss", ".xml": "lss", ".xlsx": "xlsx", ".xls": "xls"}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a legacy Excel (.xls) compound file
ZIP_MAGIC = b"PK\x03\x04"


def _kind_names() -> dict[str, str]:
    return {
        "lss": _("a LimeSurvey survey (.lss)"),
        "xlsx": _("an Excel workbook (.xlsx)"),
        "xls": _("an old-format Excel workbook (.xls)"),
    }


def kind_of_content(content: bytes) -> Kind | None:
    """The kind the bytes say they are, or None for none of ours. Reads at most the start
    of the file and (for a zip) its central directory: never inflates anything."""
    if content.startswith(OLE2_MAGIC):
        return "xls"
    if content.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        return "xlsx" if "xl/workbook.xml" in names else None
    head = content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") and b"LimeSurveyDocType" in content[:65536]:
        return "lss"
    return None


def file_kind(filename: str, content: bytes, max_bytes: int) -> Kind:
    """The kind of an uploaded questionnaire; ImportRejected with the reason when it is too
    large, empty, of a kind we do not read, or not what its name says."""
    if len(content) > max_bytes:
        raise ImportRejected(
            _(
                "The file is %(size)d MB; files of up to %(limit)d MB can be imported. A "
                "questionnaire is rarely larger: export it without responses or media."
            )
            % {"size": -(-len(content) // 2**20), "limit": max_bytes // 2**20}
        )
    if not content:
        raise ImportRejected(_("The file is empty."))
    name = filename.lower()
    extension = next((ext for ext in EXTENSIONS if name.endswith(ext)), None)
    if extension is None:
        raise ImportRejected(
            _(
                "Innsikt imports LimeSurvey surveys (.lss) and XLSForms (.xlsx or .xls); "
                "“%(name)s” is neither."
            )
            % {"name": filename}
        )
    named = EXTENSIONS[extension]
    actual = kind_of_content(content)
    if actual is None:
        raise ImportRejected(
            _(
                "“%(name)s” is called %(kind)s, but its content is not one: it may be "
                "damaged, or another file renamed. Export it again and import the new file."
            )
            % {"name": filename, "kind": _kind_names()[named]}
        )
    if actual != named:
        raise ImportRejected(
            _(
                "“%(name)s” is called %(named)s, but it is %(actual)s. Check that you picked "
                "the file you meant, and give it the right ending."
            )
            % {"name": filename, "named": _kind_names()[named], "actual": _kind_names()[actual]}
        )
    return actual
