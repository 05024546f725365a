"""``manage.py import_survey PATH --library HOSTNAME [--dry-run] [--json] [--language nb]``:
the admin's "New survey from file" for batch migrations (surveys.importing.services).
Prints the import report; exit status 0 when the file was imported (or, with --dry-run,
could be), 2 when it was rejected. Creates nothing with --dry-run, nothing for a rejected
file."""

import json
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from wagtail.models import Site

from surveys.importing.services import survey_import

STATUS_WORDS = {"as_is": "as is", "changed": "CHANGED", "not_imported": "NOT IMPORTED"}


class Command(BaseCommand):
    help = "Import a LimeSurvey (.lss) or XLSForm (.xlsx/.xls) file as a draft survey."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .lss, .xlsx or .xls file")
        parser.add_argument(
            "--library", required=True, help="the library's site hostname (e.g. solvberget.no)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, create nothing"
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="print the report as JSON"
        )
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="the language of the report's messages (default: %(default)s)",
        )

    def handle(self, *args, path, library, dry_run, as_json, language, **options):
        site = Site.objects.filter(hostname=library).select_related("root_page").first()
        if site is None:
            known = ", ".join(Site.objects.values_list("hostname", flat=True).order_by("hostname"))
            raise CommandError(f"No library with the hostname {library!r}. Known: {known}.")
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file.")
        with file.open("rb") as handle:
            content = handle.read(settings.INNSIKT_IMPORT_MAX_BYTES + 1)
        with translation.override(language):
            outcome = survey_import(site.root_page.specific, file.name, content, dry_run=dry_run)
        if as_json:
            self.stdout.write(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._print(outcome)
        if outcome.rejected:
            sys.exit(2)

    def _print(self, outcome) -> None:
        write = self.stdout.write
        if outcome.rejected:
            self.stderr.write(f"{outcome.filename}: rejected — {outcome.rejected}")
            return
        verb = "can be imported" if outcome.dry_run else "imported as a draft"
        write(
            f"{outcome.filename}: {verb} — {outcome.questions} questions on {outcome.steps} "
            f"pages, languages: {', '.join(outcome.languages)}"
        )
        if outcome.page:
            write(f"  page {outcome.page.pk}: {outcome.page.title} ({outcome.page.url_path})")
            for copy in outcome.translations:
                write(f"  page {copy.pk}: {copy.title} ({copy.locale.language_code})")
        counts = outcome.counts
        write(
            f"  {counts['as_is']} as is, {counts['changed']} changed, "
            f"{counts['not_imported']} not imported"
        )
        for line in outcome.report:
            detail = f" — {line.detail}" if line.detail else ""
            write(f"  [{STATUS_WORDS[line.status]}] {line.element}{detail}")
