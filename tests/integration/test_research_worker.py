"""A real Celery worker writes exports from the job rows the admin creates; the files are
read back with openpyxl/pandas and pyreadstat and compared to the stored answers."""

import zipfile

import pandas as pd
import pyreadstat
import pytest

from research.findings.filters import Filters
from research.models import ExportJob
from research.services import export_start
from surveys.models import Response
from tests import factories
from tests.integration.conftest import wait_for
from tests.realparts import worker_start, worker_stop


@pytest.mark.integration
def test_worker_writes_xlsx_and_sav_that_match_the_answers(
    transactional_db, tmp_path, settings, smtp_server
):
    from cms.celery import app

    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    home = factories.library("stavanger", "localhost", default=True)
    researcher = factories.researcher("forsker-a", home)
    page = factories.survey(home, factories.ALL_TYPES, slug="alle")
    factories.responses(page, 40, seed=7, forslag="Mer ro, ring 41234567")
    app.control.purge()
    worker = worker_start(
        tmp_path / "worker.log", smtp_server.port, INNSIKT_PRIVATE_ROOT=str(tmp_path / "private")
    )
    try:
        for fmt in ("xlsx", "sav"):
            export_start(survey=page, user=researcher, format=fmt, filters=Filters())
        assert wait_for(
            lambda: set(ExportJob.objects.values_list("status", flat=True)) == {"done"}
        ), list(ExportJob.objects.values("status", "error"))
    finally:
        worker_stop(worker)

    source = {r.answers["alder"] for r in Response.objects.filter(survey=page)}
    xlsx = ExportJob.objects.get(format="xlsx")
    data = pd.read_excel(xlsx.file.path, sheet_name="data")
    assert len(data) == 40 and set(data["alder"]) == source
    assert (data["forslag"] == "Mer ro, ring [fjernet]").all()
    assert "epost" not in data.columns

    sav = ExportJob.objects.get(format="sav")
    with zipfile.ZipFile(sav.file.path) as archive:
        (tmp_path / "data.sav").write_bytes(archive.read("data.sav"))
    frame, meta = pyreadstat.read_sav(str(tmp_path / "data.sav"))
    assert len(frame) == 40 and set(frame["alder"].astype(int)) == source
    assert meta.column_names_to_labels["kort"] == "Har du lånekort?"
    yes = int(sum(r.answers.get("kort") == "yes" for r in Response.objects.filter(survey=page)))
    assert int((frame["kort"] == 1).sum()) == yes


@pytest.mark.integration
def test_worker_renders_the_findings_pdf_from_the_admin_button(
    transactional_db, tmp_path, settings, smtp_server, client, findings, researcher_a
):
    """A researcher presses "Generate PDF"; a real worker renders it; the PDF read back has
    the figures, "< 5" for the segment of three, and no planted personal data."""
    from django.urls import reverse

    from cms.celery import app
    from research.models import ReportJob
    from tests.reportdata import NATIONAL_ID
    from tests.research.test_reports import pdf_text

    settings.INNSIKT_PRIVATE_ROOT = tmp_path / "private"
    report, _survey, _segment = findings
    app.control.purge()
    worker = worker_start(
        tmp_path / "worker.log", smtp_server.port, INNSIKT_PRIVATE_ROOT=str(tmp_path / "private")
    )
    try:
        client.force_login(researcher_a)
        assert client.post(reverse("research_reports", args=[report.pk])).status_code == 302
        assert wait_for(lambda: ReportJob.objects.get().status in ("done", "failed"), timeout=120)
    finally:
        worker_stop(worker)
    job = ReportJob.objects.get()
    assert job.status == "done", job.error
    download = client.get(reverse("research_report_download", args=[job.pk]))
    text = pdf_text(b"".join(download.streaming_content))
    assert "Lånekort etter segment" in text and "< 5" in text and "28 835" in text
    assert NATIONAL_ID not in text.replace(" ", "") and "91234567" not in text.replace(" ", "")
