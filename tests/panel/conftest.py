import pytest
from wagtail.models import Site

from panel.models import ConsentText, PanelSignupPage
from tests.factories import q


@pytest.fixture
def signup_page(library_a):
    site = Site.objects.get(root_page=library_a)
    ConsentText.objects.create(
        library=site,
        purpose="panel",
        text_nb="Jeg vil være med i brukerpanelet.",
        text_en="I want to join the user panel.",
    )
    ConsentText.objects.create(
        library=site,
        purpose="interviews",
        text_nb="Jeg kan bli spurt om intervju.",
        text_en="You may ask me for an interview.",
    )
    page = PanelSignupPage(
        title="Bli med i brukerpanelet",
        slug="panel",
        screener=[
            q("yes_no", "student", "Er du student?"),
            q("single_choice", "loans", "Hvor ofte låner du?", options=["0", "1-3", "4-plus"]),
        ],
    )
    library_a.add_child(instance=page)
    page.save_revision().publish()
    return PanelSignupPage.objects.get(pk=page.pk)


VALID = {
    "email": "Kari@Example.no",
    "mobile": "",
    "language": "nb",
    "age-band": "20-24",
    "student": "yes",
    "loans": "1-3",
    "consent-panel": "on",
}
