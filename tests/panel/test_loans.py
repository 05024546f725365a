"""Loan statistics import: card numbers hashed on reading and never stored, only members
who agreed to linking are matched, bad rows reported by line, the same file twice changes
nothing, and only a library's own staff can import for it."""

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import Site

from panel.loans import card_hash, loan_band, parse_loans_csv
from panel.models import ConsentRecord, ConsentText, LoanImport, PanelMember
from panel.services import consent_withdraw, loans_import
from tests import factories
from tests.panel.conftest import VALID

CARD = "N123456789"


@pytest.fixture
def linked(client, signup_page, settings):
    """Kari agreed to linking and gave her card; Ola agreed to linking by e-mail only; Per
    did not agree."""
    site = Site.objects.get(root_page=signup_page.get_parent())
    ConsentText.objects.create(
        library=site,
        purpose="loan_linking",
        text_nb="Dere kan koble med lån.",
        text_en="Link my loans.",
    )
    for email, card, linking in [
        ("kari@example.no", CARD, True),
        ("ola@example.no", "", True),
        ("per@example.no", "N999999999", False),
    ]:
        data = {**VALID, "email": email, "card": card}
        if linking:
            data["consent-loan-linking"] = "on"
        client.post(signup_page.url, data, HTTP_HOST="localhost")
    PanelMember.objects.update(status="active")
    return site


def test_band_and_hash():
    assert [loan_band(n) for n in (0, 1, 3, 4, 12, 13)] == [
        "0",
        "1-3",
        "1-3",
        "4-12",
        "4-12",
        "13-plus",
    ]
    assert card_hash(" n123 456789", "k") == card_hash(CARD, "k") != card_hash(CARD, "other")


def test_bad_rows_are_reported_line_by_line():
    data = (
        b"card;year;loans\nN123456789;2025;2\n;2025;1\nN1;2025;1\nN123456789;20x5;1\n"
        b"N123456789;2025;-4\n"
    )
    rows, problems = parse_loans_csv(data, "k")
    assert [r.line for r in rows] == [2]
    assert [line for line, _text in problems] == [3, 4, 5, 6]
    assert parse_loans_csv(b"name,count\nx,1\n", "k")[1][0][0] == 1


def test_only_consenting_members_are_matched_and_cards_never_stored(linked, admin_user):
    content = (
        f"card,email,year,loans\n{CARD},,2025,2\nN999999999,,2025,30\n"
        f",ola@example.no,2025,7\n".encode()
    )
    record, duplicate = loans_import(
        library=linked, uploaded_by=admin_user, filename="l.csv", content=content
    )
    assert not duplicate and (record.matched, record.changed) == (2, 2)
    bands = dict(PanelMember.objects.values_list("email", "attributes__loan_band"))
    assert bands == {"kari@example.no": "1-3", "ola@example.no": "4-12", "per@example.no": None}
    # The clear card number is nowhere in the database.
    for model in apps.get_models():
        for row in model.objects.values():
            assert CARD not in str(row), model
    again, duplicate = loans_import(
        library=linked, uploaded_by=admin_user, filename="l.csv", content=content
    )
    assert duplicate and again.pk == record.pk and LoanImport.objects.count() == 1


def test_withdrawn_linking_consent_stops_matching(linked, admin_user):
    kari = PanelMember.objects.get(email="kari@example.no")
    consent_withdraw(member=kari, purpose="loan_linking")
    record, _dup = loans_import(
        library=linked,
        uploaded_by=admin_user,
        filename="x.csv",
        content=f"card,year,band\n{CARD},2025,4-12\n".encode(),
    )
    assert record.matched == 0
    assert "loan_band" not in PanelMember.objects.get(email="kari@example.no").attributes
    assert ConsentRecord.objects.filter(member=kari, purpose="loan_linking").count() == 2


def test_import_page_for_own_library_only(client, linked, library_b):
    own = factories.researcher("forsker-a", linked.root_page)
    other = factories.researcher("forsker-b", library_b)
    url = reverse("panel_loan_import")
    client.force_login(other)
    upload = SimpleUploadedFile("l.csv", f"card,year,loans\n{CARD},2025,2\n".encode())
    response = client.post(url, {"library": str(linked.pk), "file": upload})
    assert response.status_code == 200 and LoanImport.objects.count() == 0  # not a choice
    client.force_login(own)
    upload = SimpleUploadedFile("l.csv", f"card,year,loans\n{CARD},2025,2\n".encode())
    html = client.post(url, {"library": str(linked.pk), "file": upload}).content.decode()
    assert 'id="result"' in html and LoanImport.objects.get().changed == 1
