"""The accessibility statement's export for uustatus.no, in the admin (CSV and JSON).

Access goes through cms.selectors.accessibility_statement_get_for_user (edit permission
on the page, one of the user's libraries); admin_gate has already refused another
library's page."""

import csv
import io
import json

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.text import slugify
from django.utils.translation import get_language

from . import wcag
from .selectors import accessibility_statement_get_for_user, accessibility_statement_rows

# A spreadsheet would run a cell starting with these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def accessibility_export(request: HttpRequest, page_id: int, fmt: str) -> HttpResponse:
    """The statement's 47 criteria as uustatus.no's form asks for them: number, name,
    level, answer (Ja / Nei / Ikkje aktuelt / Ikkje testa) and comment."""
    if fmt not in ("csv", "json"):
        raise Http404
    page = accessibility_statement_get_for_user(request.user, page_id)
    records = wcag.export_records(accessibility_statement_rows(page), get_language() or "nb")
    name = f"{slugify(page.title) or 'statement'}-wcag.{fmt}"
    if fmt == "json":
        document = {
            "statement": page.title,
            "date": page.statement_date.isoformat() if page.statement_date else None,
            "contact": page.contact_email,
            "assessment": page.assessment,
            "criteria": records,
        }
        response = HttpResponse(
            json.dumps(document, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=wcag.EXPORT_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for record in records:
            writer.writerow({key: _cell(value) for key, value in record.items()})
        # With a byte order mark, spreadsheet programs read æ, ø and å as UTF-8.
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
