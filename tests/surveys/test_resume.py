"""Save and resume: a link/code that carries no identity, used once, expiring."""

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from surveys.models import Response, ResumeDraft
from surveys.services import drafts_purge_expired
from tests.wizard import Walk


def _save(respondent, survey):
    walk = Walk(respondent, survey.url).open()
    walk.submit({"card": "yes", "why": "author"})
    walk.submit({"loans": "few"}, extra={"wizard_save": "1"})
    link = re.search(r'<a href="(http[^"]+/fortsett/([^"/]+)/)">', walk.html)
    assert link, walk.html
    return link.group(1), link.group(2)


def test_resume_on_another_device_continues_where_saved(respondent, branching_survey):
    url, token = _save(respondent, branching_survey)
    draft = ResumeDraft.objects.get()
    assert token not in str(draft.data) and draft.token_hash != token
    other = Client(HTTP_HOST="localhost")
    path = url.split("localhost", 1)[1]
    assert (
        "Continue" in other.get(path).content.decode()
        or "Fortsett" in other.get(path).content.decode()
    )
    assert ResumeDraft.objects.count() == 1  # a GET (a mail scanner) does not use it up
    other.post(path)
    walk = Walk(other, branching_survey.url).open()
    assert walk.step == "loans"
    assert 'value="few" checked' in walk.html
    walk.submit({"loans": "few"}).submit({"satisfied": "4"})
    assert Response.objects.get().answers["why"] == "author"
    assert ResumeDraft.objects.count() == 0


def test_typed_code_works_and_is_single_use(respondent, branching_survey):
    _url, token = _save(respondent, branching_survey)
    other = Client(HTTP_HOST="localhost")
    page = other.get(branching_survey.url + "fortsett/", {"code": token})
    assert page.status_code == 302 and page["Location"].endswith(f"fortsett/{token}/")
    other.post(page["Location"])
    again = Client(HTTP_HOST="localhost").post(page["Location"])
    assert again.status_code == 404


def test_expired_drafts_are_refused_and_purged(respondent, branching_survey):
    _url, token = _save(respondent, branching_survey)
    ResumeDraft.objects.update(expires_on=timezone.localdate() - timedelta(days=1))
    response = Client(HTTP_HOST="localhost").post(branching_survey.url + f"fortsett/{token}/")
    assert response.status_code == 404
    assert drafts_purge_expired() == 1
    assert drafts_purge_expired() == 0
