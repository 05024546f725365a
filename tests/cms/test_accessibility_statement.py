"""The accessibility statement against the 47 WCAG criteria (cms.wcag): the list, the fill
from the automated tests' results, the export for uustatus.no and the public page."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cms import wcag
from cms.models import AccessibilityStatementPage
from tests import factories

DATE = "2026-12-07T20:00:00+00:00"
KEYBOARD_TEST = "tests/e2e/test_respondent.py::test_keyboard_only_on_a_phone_through_the_branch"


def axe(url: str, *, passes=(), violations=(), incomplete=()) -> dict:
    def rules(items):
        return [{"id": rule, "tags": ["wcag2aa", *tags]} for rule, tags in items]

    return {
        "kind": "axe",
        "test": "tests/e2e/test_accessibility.py::test_no_wcag_violations[nb-home]",
        "url": url,
        "date": DATE,
        "passes": rules(passes),
        "violations": rules(violations),
        "incomplete": rules(incomplete),
    }


RESULTS = {
    "version": 1,
    "records": [
        axe(
            "/",
            passes=[("color-contrast", ["wcag143"]), ("image-alt", ["wcag111", "section508"])],
            violations=[("link-name", ["wcag244", "wcag412"])],
            incomplete=[("aria-hidden-focus", ["wcag131"])],
        ),
        axe("/tilgjengelighet/", passes=[("color-contrast", ["wcag143"])]),
        {
            "kind": "test",
            "test": KEYBOARD_TEST,
            "date": DATE,
            "outcome": "passed",
            "criteria": ["2.1.1", "2.4.3"],
        },
    ],
}


# ---- the 47 criteria ------------------------------------------------------------------------


def test_the_list_has_the_47_criteria_the_regulation_requires():
    numbers = [c.number for c in wcag.CRITERIA]
    assert len(numbers) == len(set(numbers)) == 47
    for excluded in ("1.2.3", "1.2.4", "1.2.5"):
        assert excluded not in numbers
    for wcag21 in ("1.3.4", "1.3.5", "1.4.10", "1.4.11", "1.4.12", "1.4.13", "2.1.4"):
        assert wcag21 in numbers
    for wcag21 in ("2.5.1", "2.5.2", "2.5.3", "2.5.4", "4.1.3"):
        assert wcag21 in numbers
    assert numbers == sorted(numbers, key=wcag.sort_key)
    levels = [c.level for c in wcag.CRITERIA]
    assert (levels.count("A"), levels.count("AA")) == (
        29,
        18,
    )  # WCAG 2.1: 30 A and 20 AA, less 1.2.3 (A), 1.2.4 and 1.2.5 (AA)
    by_principle = [sum(c.principle == p.number for c in wcag.CRITERIA) for p in wcag.PRINCIPLES]
    assert by_principle == [17, 17, 10, 3]
    assert wcag.BY_NUMBER["1.4.3"].name("nb") == "Kontrast (minimum)"
    assert wcag.BY_NUMBER["1.4.3"].name("en") == "Contrast (Minimum)"
    assert not any(c.level == "AAA" for c in wcag.CRITERIA)


@pytest.mark.parametrize(
    ("tag", "number"),
    [
        ("wcag111", "1.1.1"),
        ("wcag143", "1.4.3"),
        ("wcag1410", "1.4.10"),
        ("wcag412", "4.1.2"),
        ("wcag2aa", None),
        ("wcag21a", None),
        ("wcag123", None),  # not required in Norway
        ("wcag2411", None),  # WCAG 2.2, outside the 47
        ("best-practice", None),
    ],
)
def test_axe_tags_name_criteria(tag, number):
    assert wcag.criterion_of_tag(tag) == number


def test_outcomes_from_results():
    outcomes = wcag.criteria_outcomes(RESULTS)
    assert set(outcomes) == {"1.1.1", "1.4.3", "2.1.1", "2.4.3", "2.4.4", "4.1.2"}
    assert outcomes["1.4.3"].status == wcag.MET
    assert outcomes["1.4.3"].checks == "axe-core color-contrast: /, /tilgjengelighet/"
    assert outcomes["2.4.4"].status == wcag.NOT_MET
    assert outcomes["2.4.4"].checks == "axe-core link-name: /"
    assert outcomes["2.1.1"].checks.startswith("test tests/e2e/test_respondent.py::")
    assert "1.3.1" not in outcomes  # incomplete decides nothing
    # A later run of the same check on the same page replaces the earlier one.
    fixed = axe("/", passes=[("link-name", ["wcag244", "wcag412"])])
    fixed["date"] = "2026-12-08T10:00:00+00:00"
    later = wcag.criteria_outcomes({"records": [*RESULTS["records"], fixed]})
    assert later["2.4.4"].status == wcag.MET
    assert later["2.4.4"].checked_on == "2026-12-08"


def test_axe_runs_on_admin_pages_decide_nothing():
    admin = axe("/admin/pages/3/edit/", violations=[("label", ["wcag412"])])
    assert wcag.criteria_outcomes({"records": [admin]}) == {}


def test_a_criterion_not_met_needs_to_say_what_is_wrong(statement):
    from django.core.exceptions import ValidationError

    row = statement.criteria.get(criterion="2.4.4")
    row.status, row.problem, row.evidence = "not_met", "", ""
    with pytest.raises(ValidationError, match="hva som er feil"):
        row.full_clean()


def test_a_failed_named_test_makes_its_criteria_not_met():
    failed = {**RESULTS["records"][2], "outcome": "failed"}
    outcomes = wcag.criteria_outcomes({"records": [failed]})
    assert outcomes["2.1.1"].status == wcag.NOT_MET


@pytest.mark.parametrize(
    "data",
    [[], {"records": "x"}, {"records": [{"kind": "other"}]}, {"records": [{"kind": "test"}]}],
)
def test_unusable_results_are_named(data):
    assert wcag.results_problems(data)


# ---- the fill command ------------------------------------------------------------------------


@pytest.fixture
def statement(library_a):
    return factories.accessibility_statement(
        library_a,
        rows=[
            {"criterion": "1.2.1", "status": "not_applicable", "evidence": "Ingen video."},
            {"criterion": "2.4.4", "status": "met", "evidence": "Sjekket for hånd."},
            {"criterion": "1.4.4", "status": "met", "evidence": "Zoom 200 % i Firefox."},
        ],
    )


@pytest.fixture
def results_file(tmp_path):
    path = tmp_path / "a11y.json"
    path.write_text(json.dumps(RESULTS), encoding="utf-8")
    return path


def _rows(page) -> dict:
    page = AccessibilityStatementPage.objects.get(pk=page.pk)
    return {row.criterion: row for row in page.criteria.all()}


def fill(results_file, *extra) -> str:
    out = io.StringIO()
    call_command(
        "accessibility_statement_fill",
        "--library",
        "localhost",
        "--results",
        str(results_file),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def test_fill_sets_covered_criteria_and_keeps_manual_entries(statement, results_file):
    output = fill(results_file)
    assert "6 criteria changed" in output
    rows = _rows(statement)
    assert rows["1.4.3"].status == "met"
    assert rows["1.4.3"].evidence == (
        "Automatisk test, 2026-12-07: axe-core color-contrast: /, /tilgjengelighet/"
    )
    # A violation: not met, with the page and the rule as evidence (over the editor's "met":
    # the tests cover this criterion).
    assert rows["2.4.4"].status == "not_met"
    assert rows["2.4.4"].problem == "axe-core link-name: /"
    assert rows["4.1.2"].status == "not_met"
    assert rows["2.1.1"].status == "met" and "test_keyboard_only" in rows["2.1.1"].evidence
    # Criteria the tests do not cover keep what editors set.
    assert (rows["1.2.1"].status, rows["1.2.1"].evidence) == ("not_applicable", "Ingen video.")
    assert (rows["1.4.4"].status, rows["1.4.4"].evidence) == ("met", "Zoom 200 % i Firefox.")
    assert "1.3.1" not in rows
    # Published: the live page shows it, and no draft waits.
    page = AccessibilityStatementPage.objects.get(pk=statement.pk)
    assert page.live and not page.has_unpublished_changes


def test_fill_fills_each_translation_in_its_language(statement, results_file):
    english = factories.translation(statement, "en")
    output = fill(results_file)
    assert "6 criteria changed on “Tilgjengelighetserklæring” (nb)" in output
    assert "(en)" in output
    rows = _rows(english)
    assert rows["1.4.3"].evidence.startswith("Automated test, 2026-12-07: ")
    assert rows["1.2.1"].status == "not_applicable"  # copied with the page, kept
    assert _rows(statement)["1.4.3"].evidence.startswith("Automatisk test, 2026-12-07: ")


def test_fill_is_idempotent(statement, results_file):
    fill(results_file)
    revisions = statement.revisions.count()
    assert "0 criteria changed" in fill(results_file)
    assert statement.revisions.count() == revisions


def test_dry_run_changes_nothing(statement, results_file):
    revisions = statement.revisions.count()
    output = fill(results_file, "--dry-run")
    assert "[nb] 2.4.4: met → not_met" in output
    assert "6 criteria would change" in output
    assert statement.revisions.count() == revisions
    assert _rows(statement)["2.4.4"].status == "met"


def test_fill_leaves_an_editors_draft_as_a_draft(statement, results_file):
    draft = statement.get_latest_revision_as_object()
    draft.intro = "<p>Utkast.</p>"
    draft.save_revision()
    fill(results_file)
    page = AccessibilityStatementPage.objects.get(pk=statement.pk)
    assert page.has_unpublished_changes
    latest = page.get_latest_revision_as_object()
    assert latest.intro == "<p>Utkast.</p>"
    assert {r.criterion: r.status for r in latest.criteria.all()}["2.4.4"] == "not_met"
    assert _rows(statement)["2.4.4"].status == "met"  # the live page waits for the editor


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--library", "nowhere.example"], "no library"),
        (["--library", "baerum.localhost"], "no accessibility statement"),
    ],
)
def test_fill_bad_library(statement, library_b, results_file, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("accessibility_statement_fill", *arguments, "--results", str(results_file))


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("{not json", "not JSON"), ('{"records": 1}', "records")],
)
def test_fill_bad_results(statement, tmp_path, content, message):
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        fill(path)


# ---- the export and the public page -----------------------------------------------------------


def test_csv_export(client, statement, researcher_a, results_file):
    fill(results_file)
    client.force_login(researcher_a)
    response = client.get(reverse("cms_accessibility_export", args=[statement.pk, "csv"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["criterion", "name", "level", "status", "comment"]
    assert len(rows) == 47
    by_number = {row["criterion"]: row for row in rows}
    assert by_number["1.4.3"]["status"] == "Ja"
    assert by_number["1.4.3"]["name"] == "Kontrast (minimum)"
    assert by_number["2.4.4"]["status"] == "Nei"
    assert "link-name" in by_number["2.4.4"]["comment"]
    assert by_number["1.2.1"]["status"] == "Ikkje aktuelt"
    assert by_number["3.3.4"]["status"] == "Ikkje testa"
    assert "1.2.3" not in by_number


def test_the_page_menu_offers_the_exports(client, statement, researcher_a):
    client.force_login(researcher_a)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[statement.pk])).content.decode()
    for fmt in ("csv", "json"):
        assert reverse("cms_accessibility_export", args=[statement.pk, fmt]) in edit
    assert "Eksporter til uustatus.no (CSV)" in edit


def test_json_export(client, statement, researcher_a):
    client.force_login(researcher_a)
    response = client.get(reverse("cms_accessibility_export", args=[statement.pk, "json"]))
    document = json.loads(response.content)
    assert document["contact"] == "post@example.no"
    assert document["date"] == "2026-12-01"
    assert [c["criterion"] for c in document["criteria"]] == [c.number for c in wcag.CRITERIA]
    assert document["criteria"][0] == {
        "criterion": "1.1.1",
        "name": "Ikke-tekstlig innhold",
        "level": "A",
        "status": "Ikkje testa",
        "comment": "",
    }


def test_export_refuses_other_libraries_and_formats(client, statement, researcher_b):
    client.force_login(researcher_b)
    for fmt in ("csv", "json"):
        url = reverse("cms_accessibility_export", args=[statement.pk, fmt])
        assert client.get(url).status_code == 404
    client.logout()
    url = reverse("cms_accessibility_export", args=[statement.pk, "csv"])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(factories.researcher("forsker-a2", statement.get_parent()))
    url = reverse("cms_accessibility_export", args=[statement.pk, "xml"])
    assert client.get(url).status_code == 404


def test_a_formula_in_a_comment_is_defused(client, statement, researcher_a):
    row = statement.criteria.get(criterion="1.2.1")
    row.evidence = '=HYPERLINK("http://evil")'
    row.save()
    client.force_login(researcher_a)
    text = client.get(reverse("cms_accessibility_export", args=[statement.pk, "csv"])).content
    assert b"'=HYPERLINK" in text


@pytest.mark.parametrize(("prefix", "heading"), [("", "Mulig å oppfatte"), ("/en", "Perceivable")])
def test_public_page_groups_by_principle_with_a_summary(
    client, statement, results_file, prefix, heading
):
    fill(results_file)
    if prefix:
        factories.translation(AccessibilityStatementPage.objects.get(pk=statement.pk))
    response = client.get(f"{prefix}/tilgjengelighet/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"1 {heading}" in html
    assert html.count("<h3>") == 47
    if prefix:
        assert "5 criteria met" in html and "2 criteria not met" in html
        assert "Contrast (Minimum)" in html
    else:
        assert "5 kriterier oppfylt" in html and "2 kriterier ikke oppfylt" in html
        assert "Kontrast (minimum)" in html
        assert "mailto:post@example.no" in html


def test_editor_can_add_the_page_and_a_criterion_once(client, library_a, researcher_a):
    client.force_login(researcher_a)
    url = reverse(
        "wagtailadmin_pages:add", args=["cms", "accessibilitystatementpage", library_a.pk]
    )
    form = client.get(url)
    assert form.status_code == 200
    assert "1.4.3 Kontrast (minimum) (AA)" in form.content.decode()  # the editor's language
    data = {
        "title": "Tilgjengelighetserklæring",
        "slug": "tilgjengelighet",
        "contact_email": "post@example.no",
        "statement_date": "2026-12-01",
        "assessment": "Gjennomgang.",
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for index in range(2):
        data.update(
            {
                f"criteria-{index}-criterion": "1.2.1",
                f"criteria-{index}-status": "not_applicable",
                f"criteria-{index}-evidence": "",
                f"criteria-{index}-problem": "",
                f"criteria-{index}-fix_by": "",
                f"criteria-{index}-ORDER": str(index),
                f"criteria-{index}-DELETE": "",
                f"criteria-{index}-id": "",
            }
        )
    response = client.post(url, data)
    assert response.status_code == 200  # the form again, with an error
    assert not AccessibilityStatementPage.objects.exists()
    data["criteria-1-criterion"] = "1.2.2"
    response = client.post(url, data)
    assert response.status_code == 302
    page = AccessibilityStatementPage.objects.get()
    assert sorted(
        page.get_latest_revision_as_object().criteria.values_list("criterion", flat=True)
    ) == ["1.2.1", "1.2.2"]


def test_the_browser_tests_records_are_what_the_fill_reads(monkeypatch, tmp_path):
    from tests.e2e import a11y_results

    path = tmp_path / "results" / "a11y.json"
    monkeypatch.setenv(a11y_results.VARIABLE, str(path))
    response = {  # as axe-core answers (fewer fields)
        "passes": [{"id": "document-title", "tags": ["wcag2a", "wcag242"], "nodes": []}],
        "violations": [{"id": "html-has-lang", "tags": ["wcag2a", "wcag311"], "nodes": []}],
        "incomplete": [],
    }
    a11y_results.axe_record("t::axe", "http://localhost:41234/en/?x=1", response)
    a11y_results.test_record(
        "t::kb[js]", "test_keyboard_only_on_a_phone_through_the_branch", "passed"
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    assert [r["kind"] for r in data["records"]] == ["axe", "test"]
    assert data["records"][0]["url"] == "/en/"
    assert wcag.results_problems(data) == []
    outcomes = wcag.criteria_outcomes(data)
    assert outcomes["2.4.2"].status == wcag.MET
    assert outcomes["3.1.1"].status == wcag.NOT_MET
    assert outcomes["3.1.1"].checks == "axe-core html-has-lang: /en/"
    assert {n for n, o in outcomes.items() if o.status == wcag.MET} == {
        "2.1.1",
        "2.1.2",
        "2.4.2",
        "2.4.3",
    }
