"""“New survey from file” in the admin (surveys.admin_views.survey_import_view): who may
import where, and files refused with one clear, accessible message, the form keeping what
was chosen, nothing created. The readers' own mappings are tested with their readers
(test_import_limesurvey.py, test_import_xlsform.py); the whole path with real files in
test_import_service.py."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.users.models import UserProfile

from surveys.models import SurveyPage
from tests import factories

pytestmark = pytest.mark.django_db


def _english(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "en"
    profile.save()
    return user


@pytest.fixture
def researcher(library_a, library_b):
    return _english(factories.researcher("forsker", library_a))


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def test_the_form_offers_only_the_researchers_own_libraries(client, researcher, library_a):
    client.force_login(researcher)
    html = client.get(reverse("surveys_import")).content.decode()
    assert f'value="{library_a.pk}" selected' in html
    assert "baerum" not in html.lower()
    # Reached from the home page's menu and from the surveys list.
    assert reverse("surveys_import") in client.get(reverse("surveys_index")).content.decode()
    listing = client.get(reverse("wagtailadmin_explore", args=[library_a.pk]))
    assert f"{reverse('surveys_import')}?library={library_a.pk}" in listing.content.decode()


def test_another_librarys_home_cannot_be_chosen(client, researcher, library_b):
    client.force_login(researcher)
    response = client.post(
        reverse("surveys_import"),
        {"library": library_b.pk, "file": _upload("s.lss", b"<document/>")},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not SurveyPage.objects.exists()


def test_someone_without_a_library_is_refused(client, library_a):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    user = get_user_model().objects.create_user("nobody", password="pw-nobody")
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(_english(user))
    response = client.get(reverse("surveys_import"), follow=True)
    # Wagtail answers a PermissionDenied in its admin with the dashboard and a message.
    assert response.redirect_chain[-1][0] == reverse("wagtailadmin_home")
    assert "Questionnaire file" not in response.content.decode()


def _zip_bomb_xlsx() -> bytes:
    """A valid-looking .xlsx whose sheet inflates to 400 MB of zeros (0.4 MB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b"\0" * 2**20
            for _ in range(400):
                sheet.write(chunk)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("huge.lss", b"<document>" + b" " * (50 * 2**20), "files of up to 10 MB"),
        ("survey.xlsx", b"<?xml version='1.0'?><document><LimeSurveyDocType>", "but it is"),
        ("survey.docx", b"PK\x03\x04", "is neither"),
        ("survey.lss", b"<html><body>Not a survey</body></html>", "its content is not one"),
        (
            "bomb.lss",
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b"<document><LimeSurveyDocType>Survey</LimeSurveyDocType>&b;</document>",
            "declares a DTD or entities",
        ),
        ("bomb.xlsx", _zip_bomb_xlsx, "unpacks to 400 MB"),
    ],
    ids=["50-MB", "lying-extension", "unknown-kind", "not-a-survey", "entities", "zip-bomb"],
)
def test_bad_files_get_one_clear_message_and_nothing_is_created(
    client, researcher, library_a, name, content, message
):
    client.force_login(researcher)
    content = content() if callable(content) else content
    response = client.post(
        reverse("surveys_import"),
        {"library": library_a.pk, "file": _upload(name, content), "check_only": ""},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html
    assert "Nothing was created" in html
    assert message in html
    # The library chosen is kept; the file must be chosen again (browsers never refill one).
    assert f'value="{library_a.pk}" selected' in html
    assert not SurveyPage.objects.exists()
