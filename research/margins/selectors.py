"""Reading population margins: a user's margins (scoped to their libraries, cms.tenancy),
the survey questions a dimension can map to, and a margin's dimensions as raking margins."""

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from wagtail.models import Site

from cms.tenancy import library_id_for_page, library_object_or_404, library_scope
from surveys.models import SurveyPage
from surveys.presentation import option_label
from surveys.selectors import survey_questions

from .models import PopulationMargin

if TYPE_CHECKING:
    import pandas as pd

    from research.findings.representativeness import Representativeness

# Questions a respondent answers with exactly one category: what a margin can compare.
MAPPABLE_TYPES = ("single_choice", "dropdown", "yes_no")


def margins_for_user(user: Any) -> "QuerySet[PopulationMargin]":
    return library_scope(PopulationMargin, user).prefetch_related("dimensions")


def margin_get_for_user(user: Any, pk: Any) -> PopulationMargin:
    """One margin of the user's libraries; Http404 for anyone else's."""
    return library_object_or_404(PopulationMargin.objects.all(), user, pk=pk)


def margins_for_survey(user: Any, page: SurveyPage) -> "QuerySet[PopulationMargin]":
    """The user's margins of the survey's own library (a survey is compared with its own
    library's population only)."""
    library_id = library_id_for_page(page)
    return margins_for_user(user).filter(library_id=library_id).order_by("name", "pk")


def margin_questions(library: Site | int) -> list[dict[str, Any]]:
    """The library's surveys' single-answer questions (single choice, dropdown, yes/no) a
    dimension can map to, one per key: key, label, survey title and options (key, label).
    Translations share keys, so each question is listed once."""
    library_id = library if isinstance(library, int) else library.pk
    found: dict[str, dict[str, Any]] = {}
    for page in SurveyPage.objects.order_by("title", "pk"):
        if library_id_for_page(page) != library_id:
            continue
        for q in survey_questions(page):
            if q["type"] not in MAPPABLE_TYPES or q["key"] in found:
                continue
            found[q["key"]] = {
                "key": q["key"],
                "label": str(q.get("label") or q["key"]),
                "survey": page.title,
                "options": [(o["key"], option_label(q, o["key"])) for o in q.get("options") or []],
            }
    return list(found.values())


def option_guess(category: dict[str, Any], options: list[tuple[str, str]]) -> str:
    """The option a category most likely matches (same key, or same label ignoring case);
    "" when none does — a starting point the researcher confirms."""
    for key, label in options:
        if key == category["key"] or label.casefold() == str(category["label"]).casefold():
            return key
    return ""


def margin_representativeness(
    margin: PopulationMargin, frame: "pd.DataFrame", k: int
) -> "Representativeness":
    """Respondents (the rows of ``frame``, research.selectors.survey_frame) vs the
    population on each of the margin's dimensions mapped to a question in the frame;
    suppressed with ``k`` (research.findings.representativeness)."""
    # heavy: the findings modules load pandas and numpy, which most admin pages never need
    from research.findings.representativeness import (
        CategoryInput,
        dimension_compare,
        representativeness,
        respondents_by_category,
    )

    rows = []
    for dimension in margin.dimensions.all():
        if not dimension.question_key or dimension.question_key not in frame.columns:
            continue
        categories = [c for c in dimension.category_list() if c["option"]]
        if not categories:
            continue
        counts, unmapped = respondents_by_category(
            list(frame[dimension.question_key]), {c["option"]: c["key"] for c in categories}
        )
        rows.append(
            dimension_compare(
                key=dimension.key,
                label=dimension.label,
                question_key=dimension.question_key,
                categories=[
                    CategoryInput(c["key"], c["label"], c["population"], counts[c["key"]])
                    for c in categories
                ],
                k=k,
                unmapped=unmapped,
            )
        )
    return representativeness(rows)
