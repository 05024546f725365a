import pytest

from tests import factories
from tests.factories import q


@pytest.fixture
def signup_page(library_a):
    return factories.panel_signup(
        library_a,
        purposes=("panel", "interviews"),
        screener=[
            q("yes_no", "student", "Er du student?"),
            q("single_choice", "loans", "Hvor ofte låner du?", options=["0", "1-3", "4-plus"]),
        ],
    )


VALID = {
    "email": "Kari@Example.no",
    "language": "nb",
    "age-band": "20-24",
    "student": "yes",
    "loans": "1-3",
    "consent-panel": "on",
}
