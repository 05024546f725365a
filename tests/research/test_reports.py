"""Findings reports: the same suppressed, scrubbed figures on the web page and in the PDF;
editors are told what a block cannot show; reports stay inside their library."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from research.models import ReportJob, ResearchLog
from research.reports.services import report_html, report_pdf
from research.services import report_run
from tests.reportdata import NATIONAL_ID


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_report_page_shows_findings_to_its_researchers_only(client, researcher_a, findings):
    report, _survey, _segment = findings
    assert client.get(report.url, HTTP_HOST="localhost").status_code == 404  # internal
    client.force_login(researcher_a)
    answer = client.get(report.url, HTTP_HOST="localhost")
    assert answer.status_code == 200 and "noindex" in answer["X-Robots-Tag"]
    html = answer.content.decode()
    assert "Har lånekort" in html and "28 835" in html
    assert NATIONAL_ID not in html and "912 34 567" not in html
    assert "Ring meg på [fjernet]" in html  # the quote and the free-text list, scrubbed
    assert "Celler med færre enn 5 svar er skjult." in html
    assert 'src="data:image/svg+xml;base64,' in html  # charts as images (CSP: no inline style)


def test_pdf_has_cover_contents_page_numbers_figures_and_no_personal_data(findings):
    report, _survey, _segment = findings
    content, pages = report_pdf(report, generated_by="Forsker A")
    text = pdf_text(content)
    assert pages >= 3 and f"1 / {pages}" not in text  # the cover has no page number
    assert f"2 / {pages}" in text
    assert "Funn: unge voksne" in text and "Innhold" in text and "Bakgrunn" in text
    assert "Har lånekort" in text and "Lånekort etter segment" in text and "28 835" in text
    assert "< 5" in text  # the segment of three
    assert NATIONAL_ID not in text.replace(" ", "") and "91234567" not in text.replace(" ", "")
    assert "Celler med færre enn 5 svar er skjult." in text
    assert "Metode" in text and "40" in text  # n in the methods section
    reader = PdfReader(io.BytesIO(content))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged for accessibility
    assert reader.metadata.title == "Funn: unge voksne"


def test_editor_is_told_what_a_block_cannot_show(findings, library_b):
    from tests import factories

    report, survey, _segment = findings
    other = factories.survey(library_b, factories.ALL_TYPES, slug="andre")
    body = list(report.body.raw_data)
    body.append({"type": "chart", "value": {"survey": survey.pk, "question": "finnes-ikke"}})
    body.append({"type": "chart", "value": {"survey": other.pk, "question": "kort"}})
    body.append(
        {"type": "quote", "value": {"survey": survey.pk, "question": "forslag", "text": "Diktet"}}
    )
    report.body = body
    problems = report.problems()
    assert any("finnes-ikke" in p and "kort" in p for p in problems)  # lists the keys
    assert any("another library" in p or "annet bibliotek" in p for p in problems)
    assert len(problems) == 2
    # Saving reads no answers: a quote that is not an answer is the block's own message.
    html = report_html(report)
    assert "Diktet" not in html
    assert "not an answer" in html or "ikke et svar" in html


def test_generate_pdf_in_the_admin_keeps_every_version_and_logs_downloads(
    client, researcher_a, findings, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    report, _survey, _segment = findings
    client.force_login(researcher_a)
    url = reverse("research_reports", args=[report.pk])
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert client.post(url).status_code == 302
        assert len(callbacks) == 1
    jobs = list(ReportJob.objects.order_by("created_at"))
    assert len(jobs) == 2 and all(j.revision_id == report.latest_revision.pk for j in jobs)
    assert report_run(job_id=jobs[0].pk) == "done"
    assert report_run(job_id=jobs[0].pk) == "done"  # safe to run twice
    html = client.get(url).content.decode()
    assert 'http-equiv="refresh"' in html  # the second one is still queued
    download = client.get(reverse("research_report_download", args=[jobs[0].pk]))
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF") and "Funn: unge voksne" in pdf_text(content)
    assert client.get(reverse("research_report_download", args=[jobs[1].pk])).status_code == 404
    logged = set(ResearchLog.objects.values_list("action", "object_id"))
    assert (ResearchLog.Action.REPORT, str(jobs[1].pk)) in logged
    assert (ResearchLog.Action.DOWNLOAD_REPORT, str(jobs[0].pk)) in logged


def test_researcher_of_another_library_cannot_generate_see_or_download(
    client, researcher_a, researcher_b, findings, settings, tmp_path
):
    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    report, _survey, _segment = findings
    client.force_login(researcher_a)
    client.post(reverse("research_reports", args=[report.pk]))
    job = ReportJob.objects.get()
    report_run(job_id=job.pk)
    client.force_login(researcher_b)
    assert client.get(report.url, HTTP_HOST="localhost").status_code == 404
    for answer in (
        client.get(reverse("research_reports", args=[report.pk])),
        client.post(reverse("research_reports", args=[report.pk])),
        client.get(reverse("research_report_download", args=[job.pk])),
    ):
        assert answer.status_code in (302, 403, 404)
    assert ReportJob.objects.count() == 1


@pytest.mark.parametrize("language", ["nb", "en"])
def test_methods_state_the_rule_in_the_reports_language(findings, language):
    from research.reports.selectors import ReportData

    report, _survey, _segment = findings
    methods = ReportData(report, language=language).methods()
    assert methods["surveys"][0]["n"] == "40"
    expected = {"nb": "Celler med færre enn 5 svar", "en": "Cells with fewer than 5 answers"}
    assert methods["rule"].startswith(expected[language])


def test_cover_carries_the_librarys_name_and_logo(findings, library_a, settings, tmp_path):
    import wagtail_factories
    from wagtail.models import Site

    from cms.models import LibrarySettings

    settings.MEDIA_ROOT = str(tmp_path / "media")
    report, _survey, _segment = findings
    values = LibrarySettings.for_site(Site.objects.get(root_page=library_a))
    values.library_name = "Sølvberget – Stavanger bibliotek og kulturhus"
    values.logo = wagtail_factories.ImageFactory(title="Logo")
    values.save()
    html = report_html(report)
    assert 'class="logo" src="file://' in html
    content, _pages = report_pdf(report)
    reader = PdfReader(io.BytesIO(content))
    assert reader.pages[0].images  # the logo, on the cover
    assert "Sølvberget – Stavanger bibliotek og kulturhus" in reader.pages[0].extract_text()


def test_running_heads_show_names_with_quotes_and_markup_as_written():
    """The PDFs' running heads are CSS strings: a guide title or library name with quotes,
    a backslash or markup is shown as written, and cannot end the style sheet."""
    import weasyprint
    from django.template.loader import render_to_string

    from research.templatetags.research_tags import css_string

    title = 'Studentintervju "vår" </style><b>'
    assert css_string(title) == '"Studentintervju \\22 vår\\22  \\3c /style\\3e \\3c b\\3e "'
    guide = type("Guide", (), {"title": title, "intro": "", "consent_script": "", "closing": ""})
    html = render_to_string(
        "research/interviews/guide_pdf.html",
        {"guide": guide, "library": "Sølvberget \\ bibliotek", "language": "nb", "sections": []},
    )
    assert html.count("</style>") == 1 and "<b>" not in html  # the title is never markup
    text = PdfReader(io.BytesIO(weasyprint.HTML(string=html).write_pdf())).pages[0].extract_text()
    assert "Sølvberget \\ bibliotek " + title in text


def test_saving_a_report_checks_its_keys_without_reading_answers(findings):
    """The report page's validation reads the surveys' questions, never their answers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report, _survey, _segment = findings
    with CaptureQueriesContext(connection) as queries:
        report.full_clean()
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert "surveys_surveyversion" in read  # the questions were checked
    assert "surveys_response" not in read


def test_report_data_is_built_before_the_templates_which_query_nothing(
    findings, django_assert_num_queries
):
    """A report's data flows down: its selector builds every block's figures, and the
    templates only show them."""
    from django.template.loader import render_to_string

    from research.reports.selectors import report_results

    report, _survey, _segment = findings
    results = report_results(report)
    kinds = {item.block.block_type for item in results.blocks if item.result is not None}
    assert {"chart", "crosstab", "quote", "methods"} <= kinds
    with django_assert_num_queries(0):
        html = render_to_string("research/report_body.html", {"page": report, "report": results})
    assert "Har lånekort" in html and "28 835" in html
