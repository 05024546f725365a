"""Members' rights, whole: "my data" shows and exports everything held about a member
(every model that points at a member is in the export), withdrawing the linking consent
deletes what was linked, and erasure leaves no value derived from the member in any
table of the database."""

import json
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Site

from panel.loans import card_hash
from panel.models import (
    AccessLog,
    Campaign,
    ConsentRecord,
    ConsentText,
    Invitation,
    PanelMember,
    Reminder,
)
from panel.services import (
    consent_withdraw,
    loans_import,
    member_contact_block,
    member_erase,
    member_export,
    my_data_token,
)
from research.models import Excerpt, InterviewBooking, InterviewNote, InterviewParticipant
from surveys.models import Response
from tests import factories

pytestmark = pytest.mark.django_db
CARD = "N123456789"
# Where each model that points at a member appears in the export (a new one must be added
# here and to panel.services.my_data.member_export, or this test fails).
EXPORTED = {
    "panel.ConsentRecord": "consents",
    "panel.Invitation": "invitations",
    "panel.ContactBlock": "do_not_contact_records",
    "research.InterviewParticipant": "interview_participation",
}


@pytest.fixture
def kari(study, settings, admin_user):
    """A member with one of everything: screener answers, a card hash and loan band with
    the linking consent, a sent invitation and reminder, a do-not-contact record, a staff
    view, a pseudonymous answer, and an interview booking with a note and a passage."""
    member = study.members[0]
    site = study.site
    linking = ConsentText.objects.create(
        library=site, purpose="loan_linking", text_nb="Kobling", text_en="Linking"
    )
    ConsentRecord.objects.create(member=member, purpose="loan_linking", text=linking, given=True)
    PanelMember.objects.filter(pk=member.pk).update(
        card_hash=card_hash(CARD, settings.INNSIKT_CARD_HMAC_KEY),
        attributes={"student": "yes", "loan_band": "1-3", "loan_year": 2026},
    )
    survey = factories.survey(site.root_page, factories.BRANCHING, slug="panel-survey")
    campaign = Campaign.objects.create(
        library=site,
        name="Vårundersøkelsen",
        survey=survey,
        segment=study.campaign.segment,
        starts_at=timezone.now() - timedelta(days=5),
        status=Campaign.Status.RUNNING,
    )
    invitation = Invitation.objects.create(
        campaign=campaign, member=member, state="sent", sent_at=timezone.now()
    )
    Reminder.objects.create(invitation=invitation, number=1, state="sent", sent_at=timezone.now())
    member_contact_block(member=member, blocked=False, reason="Ba om å få e-post igjen", staff=None)
    AccessLog.objects.create(staff=admin_user, library=site, member_id=member.pk, action="view")
    factories.responses(survey, 1, pseudonym=member.pseudonym)
    participant = InterviewParticipant.objects.create(
        campaign=study.campaign, member=member, invitation=study.invitations[0], number=7
    )
    InterviewBooking.objects.create(participant=participant, slot=study.slots[0])
    note = InterviewNote.objects.create(
        participant=participant,
        question_key=study.guide.guide_sections()[0].questions[0].key,
        text="Jeg leser mest på mobilen.",
    )
    Excerpt.objects.create(note=note, text="leser mest på mobilen", quotable=True)
    member.refresh_from_db()
    return member


def test_the_export_holds_everything_held_about_the_member(kari):
    export = member_export(member=kari)
    assert export["member"]["email"] == kari.email
    assert export["member"]["screener_answers"] == {"student": "yes"}
    assert export["loan_statistics"] == {
        "library_card_hash_held": True,
        "loan_band": "1-3",
        "loan_year": 2026,
    }
    assert {c["purpose"] for c in export["consents"]} == {"panel", "interviews", "loan_linking"}
    spring = next(i for i in export["invitations"] if i["campaign"] == "Vårundersøkelsen")
    assert spring["state"] == "sent" and spring["sent"] and spring["answered"] is None
    assert spring["reminders"] == [
        {"number": 1, "state": "sent", "sent": spring["reminders"][0]["sent"]}
    ]
    assert export["do_not_contact_records"][0]["reason"] == "Ba om å få e-post igjen"
    assert [a["action"] for a in export["staff_access"]] == ["view"]
    assert export["answers_under_your_pseudonym"] == 1
    assert export["interview_participation"][0]["code"] == "P-007"
    assert export["interview_bookings"] and export["interview_notes"]
    assert export["interview_passages"][0]["passage"] == "leser mest på mobilen"
    # Every model that points at a member has its section (no hard-coded empty lists).
    pointing = {
        model._meta.label
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is PanelMember
    }
    assert pointing == set(EXPORTED)
    for section in EXPORTED.values():
        assert export[section], section


def test_the_my_data_page_shows_invitations_and_the_card_hash(client, kari):
    signin = reverse("panel_my_data_signin", args=[my_data_token(kari)])
    client.post(signin, HTTP_HOST="localhost")
    html = client.get(reverse("panel_my_data"), HTTP_HOST="localhost").content.decode()
    assert "Panel-Survey" in html and 'id="invitations"' in html  # what it was about
    assert 'id="card-hash-held"' in html and 'id="do-not-contact"' in html
    download = client.get(reverse("panel_my_data_download"), HTTP_HOST="localhost")
    assert json.loads(download.content)["loan_statistics"]["library_card_hash_held"] is True


def test_withdrawing_the_linking_consent_deletes_the_card_hash_and_loan_band(kari):
    assert consent_withdraw(member=kari, purpose="loan_linking")
    kari.refresh_from_db()
    assert kari.card_hash == "" and kari.attributes == {"student": "yes"}
    csv = f"card,year,loans\n{CARD},2027,12\n".encode()
    record, _again = loans_import(
        library=kari.library, uploaded_by=None, filename="2027.csv", content=csv
    )
    kari.refresh_from_db()
    assert record.matched == 0 and "loan_band" not in kari.attributes


def _values(member: PanelMember) -> list[str]:
    """Every value derived from the member that a table could hold."""
    return [str(member.pk), member.pk.hex, member.email, member.pseudonym, member.card_hash]


def _holding(values: list[str]) -> list[str]:
    """(table, column) of every text-like column of every table that holds one of values."""
    found = []
    for model in apps.get_models():
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(
                f, models.CharField | models.TextField | models.UUIDField | models.JSONField
            )
        ]
        for field in fields:
            text = Cast(field.attname, TextField())
            query = Q()
            for value in values:
                query |= Q(_scan__icontains=value)
            if model._base_manager.annotate(_scan=text).filter(query).exists():
                found.append(f"{model._meta.db_table}.{field.column}")
    return found


def test_erasure_leaves_no_value_derived_from_the_member_in_any_table(kari):
    values = _values(kari)
    assert len(_holding(values)) >= 5  # the scan sees the member before erasure
    member_erase(member=kari)
    assert _holding(values) == []
    # The answer stays, anonymous; the staff's access stays logged, under a stand-in.
    assert Response.objects.filter(survey__slug="panel-survey", pseudonym="").count() == 1
    stand_in = AccessLog.objects.get().member_id
    assert isinstance(stand_in, uuid.UUID) and stand_in != kari.pk
    site = Site.objects.get(pk=kari.library_id)
    assert Invitation.objects.filter(campaign__library=site, member__isnull=True).exists()
