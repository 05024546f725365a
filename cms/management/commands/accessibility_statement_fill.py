"""Fill a library's accessibility statement from the automated tests' results
(docs/accessibility-statement.md)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from wagtail.models import Site

from cms.selectors import accessibility_statement_for_hostname
from cms.services import accessibility_statement_fill


class Command(BaseCommand):
    help = (
        "Set the WCAG criteria covered by the automated tests' results (axe-core, keyboard "
        "and no-JavaScript tests) on a library's accessibility statement. Criteria the "
        "results do not cover keep what editors set."
    )

    def add_arguments(self, parser):
        parser.add_argument("--library", required=True, help="the library site's hostname")
        parser.add_argument(
            "--results", required=True, help="the results file (INNSIKT_A11Y_RESULTS)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would change; change nothing"
        )

    def handle(self, *args, library, results, dry_run, **options):
        try:
            data = json.loads(Path(results).read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read {results}: {error.strerror}") from error
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CommandError(f"{results} is not JSON: {error}") from error
        try:
            page = accessibility_statement_for_hostname(library)
        except Site.DoesNotExist as error:
            raise CommandError(f"no library at hostname {library!r}") from error
        if page is None:
            raise CommandError(f"the library at {library!r} has no accessibility statement page")
        # The statement and each of its translations (their rows are their own).
        for statement in [page, *page.get_translations().specific().order_by("pk")]:
            try:
                changes = accessibility_statement_fill(
                    page=statement, results=data, dry_run=dry_run
                )
            except ValueError as error:
                raise CommandError(f"{results}: {error}") from error
            language = statement.locale.language_code
            for change in changes:
                before = change.before or "-"
                self.stdout.write(f"[{language}] {change.criterion}: {before} → {change.after}")
            verb = "would change" if dry_run else "changed"
            self.stdout.write(
                f"{len(changes)} criteria {verb} on “{statement.title}” ({language})."
            )
