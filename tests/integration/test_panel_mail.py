"""Double opt-in with the real parts: a Celery worker sends the confirmation through a real
SMTP server; the link in the received mail confirms the membership."""

import re

import pytest
from django.test import Client
from wagtail.models import Site

from panel.models import ConsentText, PanelMember, PanelSignupPage
from tests import factories
from tests.integration.conftest import wait_for


@pytest.mark.integration
def test_signup_mail_is_sent_by_the_worker_and_its_link_confirms(celery_worker, smtp_server):
    home = factories.library("stavanger", "localhost", default=True)
    ConsentText.objects.create(
        library=Site.objects.get(root_page=home),
        purpose="panel",
        text_nb="Jeg vil være med.",
        text_en="I want to join.",
    )
    page = PanelSignupPage(title="Panel", slug="panel")
    home.add_child(instance=page)
    page.save_revision().publish()
    client = Client(HTTP_HOST="localhost")
    response = client.post(
        "/en/panel/",
        {
            "email": "ola@example.no",
            "language": "en",
            "age-band": "25-34",
            "consent-panel": "on",
        },
    )
    assert response.status_code == 302
    assert wait_for(lambda: smtp_server.messages), "no mail arrived"
    message = smtp_server.messages[0]
    assert message["To"] == "ola@example.no"
    assert "user panel" in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://localhost(/en/panel/bekreft/\S+/)", body).group(1)
    assert client.post(link).status_code == 200
    assert PanelMember.objects.get().status == "active"
