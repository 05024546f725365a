"""axe-core on every public panel page and state, in every language of settings.LANGUAGES
(Norwegian Bokmål, Nynorsk, English), at phone size; the sign-up also works with the keyboard
and without JavaScript."""

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.models import Site

from panel.models import Campaign, ConsentText, Invitation, PanelMember, Segment
from panel.services import (
    confirmation_token,
    invitation_token,
    member_confirm,
    my_data_token,
    unsubscribe_token,
)
from tests import factories
from tests.e2e.browsing import PHONE, path_of
from tests.e2e.test_accessibility import AXE, WCAG_TAGS, visit

pytestmark = pytest.mark.e2e


def _signup_page(home, language: str = django_settings.LANGUAGE_CODE) -> str:
    page = factories.panel_signup(
        home,
        purposes=("panel", "loan_linking"),
        screener=[factories.q("yes_no", "student", "Er du student?")],
    )
    if language != django_settings.LANGUAGE_CODE:
        page = factories.translation(page, language)
    Site.clear_site_root_paths_cache()
    return path_of(page)


def _fill(tab, email="kari@example.no", age="20-24") -> None:
    tab.fill("#f-email", email)
    tab.check("#f-language-0")
    tab.check(f"#f-age-band-{['under-18', '18-19', '20-24'].index(age)}")
    tab.check("#f-student-0")
    tab.check("#f-consent-panel")


def _send(tab) -> None:
    with tab.expect_navigation():
        tab.locator(".btns button[type=submit]").click()


CHECK_EMAIL = {"nb": "Sjekk e-posten din", "nn": "Sjekk e-posten din", "en": "Check your e-mail"}
NEW_TERMS = {"nb": "Nye vilkår.", "nn": "Nye vilkår (nynorsk).", "en": "New terms."}

CASES = [
    "signup",
    "signup-errors",
    "check-email",
    "age-gate",
    "confirm",
    "welcome",
    "bad-link",
    "my-data-request",
    "my-data",
    "my-data-erase",
    "unsubscribe",
    "unsubscribed",
    "reconsent",
]


def _invitation(library_a, member, **fields) -> Invitation:
    """An invitation of a survey campaign to ``member`` (its link opens the panel pages)."""
    site = Site.objects.get(root_page=library_a)
    campaign = Campaign.objects.create(
        library=site,
        name="Test",
        survey=factories.survey(library_a, factories.BRANCHING, slug="panelsurvey"),
        segment=Segment.objects.create(library=site, name="Alle"),
        starts_at=timezone.now(),
    )
    return Invitation.objects.create(campaign=campaign, member=member, **fields)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("language", [code for code, _name in django_settings.LANGUAGES])
def test_no_wcag_violations_on_panel_pages(new_context, site_url, library_a, language, case):
    path = _signup_page(library_a, language)
    prefix = "" if language == django_settings.LANGUAGE_CODE else f"/{language}"
    tab = new_context(**PHONE).new_page()
    visit(tab, site_url + path)
    if case == "signup-errors":
        tab.fill("#f-email", "ikke-en-adresse")
        _send(tab)
        expect(tab.locator(".error-summary")).to_be_visible()
    elif case == "check-email":
        _fill(tab)
        _send(tab)
        expect(tab.locator("h1")).to_have_text(CHECK_EMAIL[language])
    elif case == "age-gate":
        _fill(tab, age="under-18")
        _send(tab)
        assert PanelMember.objects.count() == 0
    elif case in ("confirm", "welcome"):
        _fill(tab)
        _send(tab)
        token = confirmation_token(PanelMember.objects.get())
        visit(tab, f"{site_url}{prefix}/panel/bekreft/{token}/")
        if case == "welcome":
            _send(tab)
            assert PanelMember.objects.get().status == "active"
    elif case.startswith("my-data"):
        _fill(tab)
        _send(tab)
        member = PanelMember.objects.get()
        member_confirm(token=confirmation_token(member))
        if case == "my-data-request":
            visit(tab, f"{site_url}{prefix}/panel/mine-data/")
        else:
            visit(tab, f"{site_url}{prefix}/panel/mine-data/{my_data_token(member)}/")
            _send(tab)
            expect(tab.locator("h1")).to_be_visible()
            if case == "my-data-erase":
                with tab.expect_navigation():
                    tab.locator("form[action$='/slett/'] button").click()
    elif case.startswith("unsubscribe"):
        _fill(tab)
        _send(tab)
        invitation = _invitation(library_a, PanelMember.objects.get())
        visit(tab, f"{site_url}{prefix}/panel/avmeld/{unsubscribe_token(invitation.pk)}/")
        if case == "unsubscribed":
            _send(tab)
            assert PanelMember.objects.get().status == "left"
    elif case == "reconsent":
        _fill(tab)
        _send(tab)
        member = PanelMember.objects.get()
        member_confirm(token=confirmation_token(member))
        site = Site.objects.get(root_page=library_a)
        ConsentText.objects.create(
            library=site,
            purpose="panel",
            material=True,
            text_nb="Nye vilkår.",
            text_nn="Nye vilkår (nynorsk).",
            text_en="New terms.",
        )
        invitation = _invitation(library_a, member, reconsent=True)
        visit(tab, f"{site_url}{prefix}/panel/inv/{invitation_token(invitation.pk)}/")
        expect(tab.locator(".panel")).to_contain_text(NEW_TERMS[language])
    elif case == "bad-link":
        visit(tab, f"{site_url}{prefix}/panel/bekreft/{signing.b62_encode(42)}/")
        with tab.expect_navigation():
            tab.locator(".btns button").click()
    assert tab.locator("html").get_attribute("lang") == language
    results = AXE.run(tab, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_signup_with_the_keyboard(new_context, site_url, library_a, javascript):
    path = _signup_page(library_a)
    tab = new_context(**PHONE, java_script_enabled=javascript).new_page()
    visit(tab, site_url + path)
    tab.locator("#f-email").focus()
    tab.keyboard.type("ola@example.no")
    tab.keyboard.press("Tab")  # language radios
    tab.keyboard.press("Space")
    tab.keyboard.press("Tab")  # age radios
    tab.keyboard.press("ArrowDown")
    tab.keyboard.press("ArrowDown")  # 20–24
    tab.keyboard.press("Tab")  # library card number (optional; offered with loan linking)
    tab.keyboard.press("Tab")  # student yes/no
    tab.keyboard.press("Space")
    tab.keyboard.press("Tab")  # panel consent
    tab.keyboard.press("Space")
    with tab.expect_navigation():
        tab.keyboard.press("Enter")
    expect(tab.locator("h1")).to_have_text("Sjekk e-posten din")
    member = PanelMember.objects.get()
    assert (member.email, member.language, member.age_band) == ("ola@example.no", "nb", "20-24")
    assert member.attributes == {"student": "yes"}
