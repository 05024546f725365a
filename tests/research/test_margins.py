"""Population margins (issue 19): the snippet under "Findings", the aggregate CSV upload
that refuses person-level files (nothing saved), the mapping of dimensions to survey
questions chosen from lists, and tenancy (library B never sees nor uses A's margins)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from research.findings.margins_csv import MAX_ROWS, MarginsRejected, margins_csv_read
from research.margins.blocks import MarginCategoriesBlock
from research.margins.models import MarginDimension, PopulationMargin
from research.margins.services import margin_create_from_csv
from tests import factories

GOOD = (
    "dimension,category,population\n"
    "Aldersgruppe,16-19,9 000\n"
    "Aldersgruppe,20-29,27000\n"
    "Aldersgruppe,30+,64000\n"
    "Lånekort,yes,61000\n"
    "Lånekort,no,39000\n"
).encode()


# ---- the CSV reader (pure) --------------------------------------------------------------


@pytest.fixture(autouse=True)
def _english():
    # The reasons are asserted in English (the catalogues translate them at merge).
    with translation.override("en"):
        yield


def test_aggregate_csv_gives_dimensions_in_file_order():
    dimensions = margins_csv_read(GOOD)
    assert [d.key for d in dimensions] == ["aldersgruppe", "lanekort"]
    assert dimensions[0].label == "Aldersgruppe"
    assert [(c.key, c.population) for c in dimensions[0].categories] == [
        ("16-19", 9000),
        ("20-29", 27000),
        ("30", 64000),
    ]
    assert [c.label for c in dimensions[0].categories][2] == "30+"


def test_semicolons_bom_and_windows_1252_as_excel_saves_them():
    text = "\ufeffdimension;category;population\nbydel;Hillevåg;12000\nbydel;Madla;9000\n"
    assert margins_csv_read(text.encode("utf-8"))[0].categories[0].label == "Hillevåg"
    latin = text.lstrip("\ufeff").encode("cp1252")
    assert margins_csv_read(latin)[0].categories[0].label == "Hillevåg"


def _people(rows: int, extra: str = "") -> bytes:
    lines = ["dimension,category,population" + (f",{extra}" if extra else "")]
    for i in range(rows):
        value = f",{i:05d}" if extra else ""
        lines.append(f"age,{i % 5},{i + 2}{value}")
    return "\n".join(lines).encode()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("navn,alder\nKari,34\nOla,51\n", "about persons"),
        ("dimension,category,population,E-post\nage,1,1,a@b.no\n", "about persons"),
        ("fødselsnummer,population\n01010112345,1\n", "about persons"),
        ("dimension,category,population,Fødselsdato\nage,1,3,1990-01-01\n", "about persons"),
        ("Telefon;dimension;category;population\n+4791234567;age;1;1\n", "about persons"),
        ("dimension,category,population,ref\nage,x,4,kari@example.no\n", "e-mail addresses"),
        ("dimension,category,population\nage,01010112345,4\nage,b,5\n", "identity numbers"),
        (_people(12, "borrower"), "different value in every row"),
        ("dimension,category\nage,16-19\nage,20-29\n", "no “population” column"),
        (_people(MAX_ROWS + 1), "rows"),
        (
            "dimension,category,population\nage,a,1\nage,b,1\nage,c,1\nage,d,7\n",
            "The population is 1 in 3 of 4 rows",
        ),
    ],
)
def test_person_level_files_are_refused_with_the_reason(content, why):
    data = content if isinstance(content, bytes) else content.encode()
    with pytest.raises(MarginsRejected) as refused:
        margins_csv_read(data)
    assert refused.value.person_level
    assert why in refused.value.message


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("", "empty"),
        ("dimension,category,population\n", "no rows"),
        ("dimension,category,population\nage,a,-3\nage,b,4\n", "not a whole number"),
        ("dimension,category,population\nage,a,2.5\nage,b,4\n", "not a whole number"),
        ("dimension,category,population\nage,a,3\nage,a,4\n", "comes twice"),
        ("dimension,category,population\nage,a,3\n", "only one category"),
        ("dimension,category,population,note\nage,a,3,x\nage,b,3,x\n", "Unexpected column"),
    ],
)
def test_malformed_aggregate_files_are_refused_as_such(content, why):
    with pytest.raises(MarginsRejected) as refused:
        margins_csv_read(content.encode())
    assert not refused.value.person_level
    assert why in refused.value.message


# ---- the model's categories -------------------------------------------------------------


def test_categories_need_unique_keys_and_counts_of_zero_or_more():
    block = MarginCategoriesBlock()

    def value(*rows):
        return block.to_python(
            [
                {"type": "category", "value": {"key": k, "label": k, "population": n, "option": ""}}
                for k, n in rows
            ]
        )

    block.clean(value(("a", 0), ("b", 5)))
    with pytest.raises(ValidationError):
        block.clean(value(("a", 1), ("a", 2)))
    with pytest.raises(ValidationError):
        block.clean(value(("a", -1), ("b", 2)))
    with pytest.raises(ValidationError):
        block.clean(value(("a", 1)))  # one category compares nothing


# ---- the admin --------------------------------------------------------------------------


def _upload(client, content: bytes, **fields):
    data = {
        "name": "Lånere 2025",
        "source": "SSB table 07459, Stavanger 2026",
        "date": "2026-01-01",
        "file": SimpleUploadedFile("margins.csv", content, content_type="text/csv"),
        **fields,
    }
    return client.post(reverse("research_margins_upload"), data)


@pytest.mark.django_db
def test_researcher_uploads_margins_for_own_library(client, researcher_a, library_a):
    client.force_login(researcher_a)
    listing = client.get(reverse("wagtailsnippets_research_populationmargin:list"))
    assert reverse("research_margins_upload") in listing.content.decode()
    response = _upload(client, GOOD)
    margin = PopulationMargin.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("research_margin_mapping", args=[margin.pk])
    assert margin.library.root_page_id == library_a.pk
    assert margin.source == "SSB table 07459, Stavanger 2026"
    dims = list(margin.dimensions.all())
    assert [d.key for d in dims] == ["aldersgruppe", "lanekort"]
    assert [c["population"] for c in dims[1].category_list()] == [61000, 39000]


@pytest.mark.django_db
def test_a_person_level_upload_saves_nothing_and_says_why(client, researcher_a):
    client.force_login(researcher_a)
    response = _upload(client, b"navn,e-post,alder\nKari,kari@example.no,34\n")
    html = response.content.decode()
    assert response.status_code == 200
    # The reason names the columns (the words are the catalogue's, in the user's language).
    error = html.split('class="error-message"')[1].split("</p>")[0]
    assert "navn, e-post" in error
    assert not PopulationMargin.objects.exists() and not MarginDimension.objects.exists()


@pytest.mark.django_db
def test_findings_menu_lists_population_margins(client, researcher_a):
    client.force_login(researcher_a)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("wagtailsnippets_research_populationmargin:list") in html


def _margin(home, name="Stavanger margins"):
    from wagtail.models import Site

    return margin_create_from_csv(
        library=Site.objects.get(root_page=home),
        name=name,
        source="library system",
        on=date(2026, 1, 1),
        content=GOOD,
    )


@pytest.mark.django_db
def test_another_librarys_researcher_neither_sees_nor_uses_the_margins(
    client, researcher_a, researcher_b, library_a, library_b
):
    margin = _margin(library_a, "Sølvberget borrowers")
    client.force_login(researcher_b)
    listing = client.get(reverse("wagtailsnippets_research_populationmargin:list"))
    assert listing.status_code == 200 and "Sølvberget borrowers" not in listing.content.decode()
    for url in (
        reverse("wagtailsnippets_research_populationmargin:edit", args=[margin.pk]),
        reverse("wagtailsnippets_research_populationmargin:delete", args=[margin.pk]),
        reverse("research_margin_mapping", args=[margin.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert PopulationMargin.objects.filter(pk=margin.pk).exists()
    # B's upload lands in B's library, whatever library id is posted.
    _upload(client, GOOD, library=margin.library_id)
    uploaded = PopulationMargin.objects.exclude(pk=margin.pk).get()
    assert uploaded.library.root_page_id == library_b.pk


@pytest.mark.django_db
def test_mapping_offers_the_librarys_questions_and_their_options(
    client, researcher_a, library_a, library_b, branching_survey
):
    foreign = factories.survey(
        library_b,
        [factories.step("s", factories.q("single_choice", "bydel", "Bydel", options=["x", "y"]))],
        slug="foreign",
    )
    margin = _margin(library_a)
    card = margin.dimensions.get(key="lanekort")
    age = margin.dimensions.get(key="aldersgruppe")
    url = reverse("research_margin_mapping", args=[margin.pk])
    client.force_login(researcher_a)
    html = client.get(url).content.decode()
    assert 'value="card"' in html and 'value="why"' in html and 'value="loans"' in html
    assert 'value="satisfied"' not in html  # a scale is not one category per respondent
    assert 'value="uses"' not in html  # multiple choice neither
    assert 'value="bydel"' not in html and foreign.title not in html
    # Choosing a question guesses each category's option from its key, to be checked.
    response = client.post(url, {f"q-{card.pk}": "card", f"q-{age.pk}": ""})
    assert response.status_code == 302
    card.refresh_from_db()
    assert card.question_key == "card"
    assert [c["option"] for c in card.category_list()] == ["yes", "no"]
    # The options are then chosen per category from the question's own.
    html = client.get(url).content.decode()
    assert f'name="o-{card.pk}-yes"' in html
    client.post(
        url,
        {
            f"q-{card.pk}": "card",
            f"o-{card.pk}-yes": "no",
            f"o-{card.pk}-no": "yes",
            f"q-{age.pk}": "",
        },
    )
    card.refresh_from_db()
    assert [c["option"] for c in card.category_list()] == ["no", "yes"]
    # A question of another library, or an option the question lacks, is refused.
    bad = client.post(url, {f"q-{card.pk}": "bydel"})
    assert bad.status_code == 200
    bad = client.post(
        url, {f"q-{card.pk}": "card", f"o-{card.pk}-yes": "maybe", f"o-{card.pk}-no": ""}
    )
    assert bad.status_code == 200
    both = client.post(
        url, {f"q-{card.pk}": "card", f"o-{card.pk}-yes": "yes", f"o-{card.pk}-no": "yes"}
    )
    assert both.status_code == 200 and "help-critical" in both.content.decode()
    card.refresh_from_db()
    assert [c["option"] for c in card.category_list()] == ["no", "yes"]
