"""The whole import path with real files (issue 18): a LimeSurvey export and an XLSForm
become draft surveys with translated copies under the right library, nothing published, the
page history saying where they came from; a dry run and a rejected file create nothing; the
command line does the same; an imported survey, once published, is answered like any other;
and a survey exported to XLSForm imports back to the same survey."""

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from wagtail.models import PageLogEntry
from wagtail.users.models import UserProfile

from surveys.importing.services import survey_export_xlsform, survey_import
from surveys.keys import assign_keys
from surveys.models import Response, SurveyPage
from surveys.schema import compile_schema
from surveys.selectors import survey_draft_schema
from tests import factories
from tests.wizard import Walk

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data" / "import"
LSS = DATA / "limesurvey" / "innsikt_sample_6x.lss"
XLSX = DATA / "xlsform" / "library_survey.xlsx"


def _keys(page: SurveyPage) -> list[str]:
    schema = survey_draft_schema(page)
    return [s["key"] for s in schema["steps"]] + [
        q["key"] for s in schema["steps"] for q in s["questions"]
    ]


@pytest.mark.parametrize("path", [LSS, XLSX], ids=["limesurvey", "xlsform"])
def test_a_file_becomes_a_draft_survey_with_its_translations(library_a, library_b, path):
    outcome = survey_import(library_a, path.name, path.read_bytes())
    assert not outcome.rejected
    page = outcome.page
    assert page is not None and not page.live and page.has_unpublished_changes
    assert page.get_parent().pk == library_a.pk
    assert page.locale.language_code == "nb"
    assert outcome.languages == ["nb", "nn", "en"]
    copies = {p.locale.language_code: p for p in outcome.translations}
    assert set(copies) == {"nn", "en"}
    for copy in copies.values():
        assert not copy.live
        assert copy.translation_key == page.translation_key
        # Each copy sits under its language's home page, in library A's tree.
        assert copy.get_parent().specific.translation_key == library_a.translation_key
        assert _keys(copy) == _keys(page)
        assert copy.title != page.title  # the copy has its own language's words
    assert outcome.steps >= 3 and outcome.questions >= 15
    assert outcome.counts["as_is"] > 0
    assert outcome.counts["changed"] > 0 and outcome.counts["not_imported"] > 0
    # The page's history says where it came from, with the report's counts.
    entry = PageLogEntry.objects.get(page=page, action="innsikt.survey_import")
    assert entry.data["file"] == path.name and entry.data["as_is"] == outcome.counts["as_is"]
    # Nothing landed in the other library.
    assert not SurveyPage.objects.descendant_of(library_b).exists()


def test_a_dry_run_and_a_rejected_file_create_nothing(library_a):
    before = SurveyPage.objects.count()
    checked = survey_import(library_a, LSS.name, LSS.read_bytes(), dry_run=True)
    assert not checked.rejected and checked.page is None and checked.translations == []
    assert checked.questions >= 15 and checked.counts["as_is"] > 0
    refused = survey_import(library_a, "broken.lss", b"<?xml version='1.0'?><document>")
    assert refused.rejected and refused.page is None and refused.report == []
    assert SurveyPage.objects.count() == before
    assert not PageLogEntry.objects.filter(action="innsikt.survey_import").exists()


def test_the_slug_of_a_second_import_is_free(library_a):
    first = survey_import(library_a, LSS.name, LSS.read_bytes()).page
    second = survey_import(library_a, LSS.name, LSS.read_bytes()).page
    assert first and second and first.slug != second.slug
    assert second.slug.startswith(first.slug)


def test_the_command_imports_checks_and_rejects(library_a, tmp_path, capsys):
    call_command("import_survey", str(LSS), "--library", "localhost", "--dry-run")
    out = capsys.readouterr().out
    assert "can be imported" in out and "[NOT IMPORTED]" in out
    assert not SurveyPage.objects.exists()

    call_command("import_survey", str(XLSX), "--library", "localhost", "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["imported"] and report["source"] == "XLSForm"
    assert report["languages"] == ["nb", "nn", "en"]
    assert len(report["translation_ids"]) == 2
    assert {line["status"] for line in report["report"]} == {"as_is", "changed", "not_imported"}
    assert SurveyPage.objects.get(pk=report["page_id"]).live is False

    call_command("import_survey", str(LSS), "--library", "localhost", "--dry-run")
    assert "[NOT IMPORTED] Spørsmål" in capsys.readouterr().out  # Bokmål by default

    bad = tmp_path / "survey.xlsx"
    bad.write_bytes(LSS.read_bytes())
    with pytest.raises(SystemExit) as exit_status:
        call_command("import_survey", str(bad), "--library", "localhost", "--language", "en")
    assert exit_status.value.code == 2
    assert "but it is a LimeSurvey survey" in capsys.readouterr().err
    assert SurveyPage.objects.count() == 3  # the XLSForm's page and its two copies


def _two_page_form() -> bytes:
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label::Norsk bokmål (nb)", "required", "relevant"])
    survey.append(["begin group", "first", "Om deg", "", ""])
    survey.append(["select_one yn", "card", "Har du lånekort?", "yes", ""])
    survey.append(["integer", "loans_per_year", "Hvor mange lån i året?", "", ""])
    survey.append(["end group", "", "", "", ""])
    survey.append(["begin group", "second", "Kortet", "", ""])
    survey.append(["text", "card_use", "Hva bruker du kortet til?", "yes", "${card} = 'yes'"])
    survey.append(["text", "why_not", "Hvorfor ikke?", "", "${card} = 'no'"])
    survey.append(["end group", "", "", "", ""])
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label::Norsk bokmål (nb)"])
    choices.append(["yn", "yes", "Ja"])
    choices.append(["yn", "no", "Nei"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "default_language"])
    settings.append(["Lånekortet", "Norsk bokmål (nb)"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_imported_in_the_admin_published_and_answered(client, library_a):
    """A researcher imports a form in the admin, publishes the draft, and a respondent's
    answer is stored under the form's own names."""
    researcher = factories.researcher("forsker", library_a)
    profile = UserProfile.get_for_user(researcher)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(researcher)
    upload = SimpleUploadedFile("lanekort.xlsx", _two_page_form())
    report = client.post(reverse("surveys_import"), {"library": library_a.pk, "file": upload})
    html = report.content.decode()
    assert report.status_code == 200, html[:2000]
    page = SurveyPage.objects.get()
    assert reverse("wagtailadmin_pages:edit", args=[page.pk]) in html
    assert 'id="import-report"' in html and "Imported as it was" in html
    assert not page.live
    page.get_latest_revision().publish()

    respondent = Client()
    walk = Walk(respondent, SurveyPage.objects.get().url).open()
    assert "Har du lånekort?" in walk.html
    walk.submit({"card": "yes", "loans_per_year": "2"})
    assert "Hva bruker du kortet til?" in walk.html and "Hvorfor ikke?" not in walk.html
    walk.submit({"card_use": "Lese aviser"})
    response = Response.objects.get()
    assert response.answers == {"card": "yes", "loans_per_year": 2, "card_use": "Lese aviser"}


def test_an_exported_survey_imports_back_to_the_same_survey(client, library_a):
    """Export (the admin's download) then import: the same pages, questions, options,
    rules and keys, in every language."""
    page = survey_import(library_a, LSS.name, LSS.read_bytes()).page
    assert page is not None
    researcher = factories.researcher("forsker", library_a)
    client.force_login(researcher)
    download = client.get(reverse("surveys_xlsform", args=[page.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="{page.slug}.xlsx"'
    workbook = download.content
    assert workbook == survey_export_xlsform(page)
    sheets = load_workbook(io.BytesIO(workbook), read_only=True).sheetnames
    assert {"survey", "choices", "settings"} <= set(sheets)

    again = survey_import(library_a, "again.xlsx", workbook)
    assert not again.rejected and again.page is not None
    originals = {p.locale.language_code: p for p in page.get_translations(inclusive=True)}
    copies = {p.locale.language_code: p for p in again.page.get_translations(inclusive=True)}
    assert set(copies) == set(originals) == {"nb", "nn", "en"}
    for language, original in originals.items():
        before = survey_draft_schema(original.specific)
        after = compile_schema(assign_keys(copies[language].specific.body.get_prep_value()))
        assert after == before, (language, list(_diff(before, after))[:10])


def _diff(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for k in set(a) | set(b):
            yield from _diff(a.get(k), b.get(k), f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            yield from _diff(x, y, f"{path}[{i}]")
    elif a != b:
        yield f"{path}: {a!r} != {b!r}"


SAMPLES = sorted(p for p in DATA.rglob("*") if p.suffix in (".lss", ".xlsx", ".xls"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_file_can_be_imported(library_a, path):
    """Each public sample (tests/data/import/SOURCES.md) passes the whole path's checks."""
    outcome = survey_import(library_a, path.name, path.read_bytes(), dry_run=True)
    assert not outcome.rejected, outcome.rejected
    assert outcome.questions >= 1 and outcome.report
