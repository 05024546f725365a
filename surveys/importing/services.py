"""Import a questionnaire file as a draft survey (issue 18): the one write path the admin's
"New survey from file" and ``manage.py import_survey`` share.

The file's kind is told from its content (files), the reader runs in a child process held
to a time and a memory cap (bounded), and the survey it read is checked like an editor's
(every language's body through the survey's logic check) before anything is saved. Then,
in one transaction, a draft SurveyPage under the library's home page in the home page's
language, and a draft translated copy (same keys) for each other language the file has.
Nothing is published. A rejected file creates nothing; a dry run checks everything,
saves inside the transaction and rolls it back.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from anyascii import anyascii
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Locale, Page, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from ..keys import assign_keys
from ..logic import validate_schema
from ..models import SurveyPage
from ..schema import compile_schema
from ..selectors import survey_drafts_by_language
from . import limesurvey, xlsform
from .bounded import BoundedFailure, bounded_call
from .files import Kind, file_kind
from .model import ImportedSurvey, ImportRejected, ReportLine
from .xlsform_export import xlsform_write

SOURCE_NAMES = {"lss": "LimeSurvey", "xlsx": "XLSForm", "xls": "XLSForm"}


@dataclass
class ImportOutcome:
    """What became of a file: rejected (``rejected`` holds the one message; nothing was
    created), checked (``dry_run``: nothing was created) or imported (``page`` and
    ``translations`` are the new drafts)."""

    filename: str
    dry_run: bool
    kind: Kind | None = None
    rejected: str = ""
    report: list[ReportLine] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    steps: int = 0
    questions: int = 0
    page: SurveyPage | None = None
    translations: list[SurveyPage] = field(default_factory=list)
    seconds: float = 0.0
    extra_peak_kb: int = 0
    failure_detail: str = ""

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(line.status for line in self.report)
        return {status: counted.get(status, 0) for status in ("as_is", "changed", "not_imported")}

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.filename,
            "source": SOURCE_NAMES.get(self.kind or "", ""),
            "dry_run": self.dry_run,
            "imported": self.page is not None,
            "rejected": self.rejected,
            "languages": self.languages,
            "steps": self.steps,
            "questions": self.questions,
            "counts": self.counts,
            "page_id": self.page.pk if self.page else None,
            "translation_ids": [p.pk for p in self.translations],
            "report": [line.as_dict() for line in self.report],
        }


def _read(kind: Kind, content: bytes, language: str) -> ImportedSurvey:
    """The reader of ``kind``; ``language`` is the library's, for an XLSForm's plain
    ``label`` column when its settings name no language of ours."""
    if kind == "lss":
        return limesurvey.survey_read(content)
    return xlsform.survey_read(content, kind, fallback_language=language)


def survey_import(
    home: Page,
    filename: str,
    content: bytes,
    *,
    user: Any = None,
    dry_run: bool = False,
) -> ImportOutcome:
    """Read ``content`` (an uploaded ``filename``) and create a draft survey under ``home``
    (a library's home page; the caller checked the user may add pages there)."""
    outcome = ImportOutcome(filename=filename, dry_run=dry_run)
    try:
        outcome.kind = kind = file_kind(filename, content, settings.INNSIKT_IMPORT_MAX_BYTES)
        bounded = bounded_call(
            lambda: _read(kind, content, home.locale.language_code),
            seconds=settings.INNSIKT_IMPORT_MAX_SECONDS,
            megabytes=settings.INNSIKT_IMPORT_MAX_MEMORY_MB,
        )
        imported: ImportedSurvey = bounded.value
        outcome.seconds, outcome.extra_peak_kb = bounded.seconds, bounded.extra_peak_kb
        _survey_check(imported)
    except BoundedFailure as failure:
        outcome.rejected, outcome.failure_detail = str(failure), failure.detail
        return outcome
    except ImportRejected as rejected:
        outcome.rejected = str(rejected)
        return outcome
    outcome.report = list(imported.report)
    outcome.languages = imported.languages
    schema = compile_schema(imported.bodies[imported.base_language])
    outcome.steps = len(schema["steps"])
    outcome.questions = sum(
        1 for s in schema["steps"] for q in s["questions"] if q["type"] not in ("heading", "info")
    )
    try:
        with transaction.atomic(), disable_reference_index_auto_update():
            # Wagtail indexes a page's references on every save (the page, its revision,
            # each copy: ~60 % of an import's time); once per page at the end is enough.
            _pages_create(home, imported, outcome, user=user)
            for page in [outcome.page, *outcome.translations]:
                ReferenceIndex.create_or_update_for_object(page)
            if dry_run:
                transaction.set_rollback(True)
    except ValidationError as error:  # the page's own checks (e.g. a field too long)
        outcome.rejected = _("The survey could not be saved: %(errors)s") % {
            "errors": "; ".join(error.messages)
        }
        outcome.page, outcome.translations = None, []
    if dry_run:
        outcome.page, outcome.translations = None, []
    return outcome


def _survey_check(imported: ImportedSurvey) -> None:
    """Every language's body passes the survey logic check an editor's save runs; a reader
    must never hand over a survey the editor would refuse."""
    if not imported.bodies or imported.base_language not in imported.bodies:
        raise ImportRejected(_("The file holds no questionnaire in a language Innsikt has."))
    base_keys = _keys(imported.bodies[imported.base_language])
    for language, body in imported.bodies.items():
        if not body:
            raise ImportRejected(_("The file holds no questions."))
        errors = validate_schema(compile_schema(assign_keys(body)))
        if errors:
            raise ImportRejected(
                _("The survey's logic cannot be imported as it is: %(errors)s")
                % {"errors": " ".join(errors[:5])}
            )
        if _keys(body) != base_keys:  # a reader bug; never save languages that disagree
            raise BoundedFailure(f"keys of {language} differ from {imported.base_language}")


def _keys(body: list[dict[str, Any]]) -> list[str]:
    schema = compile_schema(body)
    return [s["key"] for s in schema["steps"]] + [
        q["key"] for s in schema["steps"] for q in s["questions"]
    ]


def _slug_free(parent: Page, title: str) -> str:
    base = slugify(anyascii(title))[:60].strip("-") or "survey"
    taken = set(parent.get_children().values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _fill(page: SurveyPage, imported: ImportedSurvey, language: str, fallback: str) -> None:
    page.title = (imported.titles.get(language) or imported.titles.get(fallback) or "")[:255]
    page.intro = imported.intros.get(language) or imported.intros.get(fallback) or ""
    page.thank_you_text = imported.thank_yous.get(language) or imported.thank_yous.get(fallback, "")
    page.body = imported.bodies.get(language) or imported.bodies[fallback]  # type: ignore[assignment]


def _pages_create(
    home: Page, imported: ImportedSurvey, outcome: ImportOutcome, *, user: Any
) -> None:
    home_language = home.locale.language_code
    base = imported.base_language
    first = home_language if home_language in imported.bodies else base
    if first != home_language:
        outcome.report.append(
            ReportLine(
                _("Languages"),
                "changed",
                _(
                    "The file has no text in the library's language (%(home)s): the survey "
                    "holds the %(first)s text until it is translated."
                )
                % {"home": home_language, "first": first},
            )
        )
    page = SurveyPage(live=False)
    _fill(page, imported, first, base)
    page.title = page.title or outcome.filename.rsplit(".", 1)[0][:255]
    page.slug = _slug_free(home, page.title)
    home.add_child(instance=page)
    page.save_revision(user=user, log_action=False)
    counts = outcome.counts
    log(
        instance=page,
        action="innsikt.survey_import",
        user=user,
        data={
            "file": outcome.filename[:200],
            "source": SOURCE_NAMES.get(outcome.kind or "", ""),
            **counts,
        },
    )
    outcome.page = page
    for language in imported.languages:
        if language == home_language:
            continue
        locale, _created = Locale.objects.get_or_create(language_code=language)
        copy = page.copy_for_translation(locale, copy_parents=True)
        copy = copy.specific
        _fill(copy, imported, language, base)
        copy.title = copy.title or page.title
        copy.save()
        copy.save_revision(user=user, log_action=False)
        outcome.translations.append(copy)


def survey_export_xlsform(page: SurveyPage) -> bytes:
    """The survey as last saved in the editor, with every translation, as an XLSForm
    workbook (surveys.importing.xlsform_export); importing it gives the same survey."""
    drafts = survey_drafts_by_language(page)
    return xlsform_write(
        {lang: compile_schema(assign_keys(d.body.get_prep_value())) for lang, d in drafts.items()},
        titles={lang: d.title for lang, d in drafts.items()},
        intros={lang: d.intro for lang, d in drafts.items()},
        thank_yous={lang: d.thank_you_text for lang, d in drafts.items()},
        base_language=page.locale.language_code,
        form_id=page.slug.replace("-", "_"),
    )
