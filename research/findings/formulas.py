"""Text that leaves as a spreadsheet cell is defused against formulas (CSV injection).

A cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR is a formula to Excel, LibreOffice
and Google Sheets: an answer such as ``=HYPERLINK(…)`` would run when a researcher opens the
export. Every writer of spreadsheet cells — the survey exports (Python and SQL paths,
research/exports/) and the interview exchange files — defuses text with this one rule:
a quote in front, which spreadsheets show as text. Pure: no models, no database.
"""

from typing import Any

# A text cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: Any) -> Any:
    """Defuse spreadsheet formulas in a text cell (CSV injection): prefix a quote. Anything
    that is not a string is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
