"""The admin menu follows the researcher's work — surveys and results, panel, interviews,
findings — with none of it under Wagtail's "Snippets"; create forms take the library from
the user's own, in Bokmål."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from wagtail.admin.menu import SubmenuMenuItem, admin_menu
from wagtail.models import Site
from wagtail.snippets.views.snippets import get_snippet_models_for_index_view

from cms.services import researchers_group_ensure
from cms.tenancy import PROJECT_APPS
from panel.models import Segment
from research.interviews.models import InterviewTheme

pytestmark = pytest.mark.django_db

GROUPS = {
    "surveys": [],
    "panel": [
        "Panelmedlemmer",
        "Segmenter",
        "Kampanjer",
        "Samtykketekster",
        "Påmeldingskanaler",
        "Importer lånestatistikk",
    ],
    "interviews": ["Runder og tider", "Kodebok", "Temaer"],
    "findings": ["Prosjekter og rapporter", "Eksporter", "Populasjonsfordelinger"],
}


def _menu(user) -> dict[str, list[str]]:
    request = RequestFactory().get("/admin/")
    request.user = user
    found = {}
    for item in admin_menu.menu_items_for_request(request):
        children = []
        if isinstance(item, SubmenuMenuItem):
            children = [str(child.label) for child in item.menu.menu_items_for_request(request)]
        found[item.name] = children
    return found


def test_the_menu_groups_the_researchers_work_and_no_project_model_is_a_snippet(researcher_a):
    with translation.override("nb"):
        menu = _menu(researcher_a)
    for name, children in GROUPS.items():
        assert name in menu, menu
        assert sorted(menu[name]) == sorted(children), (name, menu[name])
    assert "snippets" not in menu  # Wagtail's "Snutter": nothing of the researcher's is left
    assert not [m for m in get_snippet_models_for_index_view() if m._meta.app_label in PROJECT_APPS]


def test_every_menu_address_opens_for_a_researcher(client, researcher_a):
    client.force_login(researcher_a)
    for name in (
        "surveys_index",
        "panel_members:index",
        "wagtailsnippets_panel_segment:list",
        "wagtailsnippets_panel_campaign:list",
        "wagtailsnippets_panel_consenttext:list",
        "panel_signup_channels",
        "panel_loan_import",
        "research_interviews",
        "wagtailsnippets_research_interviewcode:list",
        "wagtailsnippets_research_interviewtheme:list",
        "research_findings",
        "research_exports_index",
        "wagtailsnippets_research_populationmargin:list",
        "research_margins_upload",
    ):
        assert client.get(reverse(name)).status_code == 200, name


def test_a_one_library_researcher_creates_without_choosing_a_library(
    client, researcher_a, library_a
):
    client.force_login(researcher_a)
    url = reverse("wagtailsnippets_panel_segment:add")
    html = client.get(url).content.decode()
    assert 'name="library"' not in html and "---------" not in html
    assert "Ny: Utvalg" in html and "New:" not in html  # Wagtail's header, in Bokmål
    response = client.post(url, {"name": "Studenter", "match": "all", "rules-count": "0"})
    assert response.status_code == 302, response.content.decode()[:3000]
    segment = Segment.objects.get(name="Studenter")
    assert segment.library == Site.objects.get(root_page=library_a)


def test_a_tampered_library_is_ignored_for_a_one_library_researcher(
    client, researcher_a, library_a, library_b
):
    client.force_login(researcher_a)
    other = Site.objects.get(root_page=library_b)
    url = reverse("wagtailsnippets_research_interviewtheme:add")
    client.post(url, {"name": "Ro", "description": "", "library": other.pk})
    assert InterviewTheme.objects.get(name="Ro").library.root_page_id == library_a.pk


def test_a_researcher_of_two_libraries_chooses_among_theirs(
    client, researcher_a, library_a, library_b
):
    researcher_a.groups.add(
        researchers_group_ensure(name=f"{library_b.slug} researchers", homes=[library_b])
    )
    client.force_login(researcher_a)
    html = client.get(reverse("wagtailsnippets_panel_segment:add")).content.decode()
    assert 'name="library"' in html and "---------" not in html
    assert "Velg et bibliotek" in html and ">Bibliotek<" in html.replace("\n", "")


def test_create_forms_name_their_empty_choices(client, researcher_a):
    client.force_login(researcher_a)
    html = client.get(reverse("wagtailsnippets_panel_consenttext:add")).content.decode()
    assert "---------" not in html and "Velg …" in html
