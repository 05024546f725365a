"""Reading population margins: a user's margins (scoped to their libraries, cms.tenancy),
the survey questions a dimension can map to, and a margin's dimensions as raking margins."""

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext
from wagtail.models import Site

from cms.tenancy import library_id_for_page, library_object_or_404, library_q, library_scope
from surveys.models import SurveyPage
from surveys.presentation import option_label
from surveys.selectors import survey_questions

from .models import PopulationMargin

if TYPE_CHECKING:
    import pandas as pd

    from research.findings.representativeness import Representativeness
    from research.findings.weighting import Problem, RakingResult

#: The default trimming cap: no weight above 5 times the mean weight (docs/weighting.md).
DEFAULT_CAP = 5.0

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
    # The tenancy filter (one query), not library_id_for_page per survey of every library.
    pages = SurveyPage.objects.filter(library_q(SurveyPage, [library_id]))
    for page in pages.order_by("title", "pk"):
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


def margin_weights(
    margin: PopulationMargin, frame: "pd.DataFrame", *, cap: float | None = DEFAULT_CAP
) -> "RakingResult":
    """Rake the respondents (rows of ``frame``, research.selectors.survey_frame) to every
    dimension of ``margin`` (research.findings.weighting.rake; weights with mean 1).

    Each dimension is a raking margin over the question it maps to: the category's
    population counted under the option it is mapped to (categories mapped to the same
    option are added up: collapsing in the margin). Nothing is left out silently; each of
    these is a blocking problem of the result (no weights), with what to do:

    * a dimension not mapped to a question of this survey (the engine's missing column:
      weighting by fewer dimensions than the margin has would be a different weighting;
      make a margin with only the dimensions the survey asks about);
    * a category with a population but no option (its people could not be weighted to);
    * respondents whose answer is in no category, or who gave none (the engine's
      problems).

    Tenancy is the caller's: ``margin`` comes from margins_for_survey or
    margin_get_for_user, ``frame`` from a survey the user may see. Never raises for bad
    margins or answers.
    """
    # heavy: the findings modules load pandas and numpy
    from dataclasses import replace

    from research.findings.weighting import Margin, rake

    margins: list[Margin] = []
    unmapped: list[Problem] = []
    for dimension in margin.dimensions.all():
        # A dimension mapped to no question (or to one this survey does not ask) gets a
        # column name no question key can have, so the engine reports it as missing.
        column = dimension.question_key or f"margin dimension {dimension.key}"
        population: dict[Hashable, float] = {}
        labels: dict[str, list[str]] = {}
        for category in dimension.category_list():
            option = category["option"]
            if not option:
                # (a dimension mapped to no question is reported once, as a whole)
                if category["population"] > 0 and dimension.question_key:
                    unmapped.append(
                        _unmapped_category(
                            column, dimension.label, category["key"], category["label"]
                        )
                    )
                continue
            population[option] = population.get(option, 0.0) + category["population"]
            labels.setdefault(option, []).append(category["label"])
        margins.append(
            Margin(
                dimension=column,
                population=population,
                label=dimension.label or dimension.key,
                category_labels={option: " + ".join(names) for option, names in labels.items()},
            )
        )
    result = rake(_as_categories(frame, [m.dimension for m in margins]), margins, cap=cap)
    if not unmapped:
        return result
    return replace(
        result,
        weights=None,
        converged=False,
        problems=tuple(unmapped) + result.problems,
    )


def _as_categories(frame: "pd.DataFrame", columns: list[str]) -> "pd.DataFrame":
    """The mapped columns with answers as text (option keys) and no answer (None, "") as
    missing, which the engine counts and reports."""
    out = frame[[c for c in dict.fromkeys(columns) if c in frame.columns]].copy()
    for column in out.columns:
        values = out[column]
        given = values.notna() & (values.astype(str) != "")
        out[column] = values.where(given).map(lambda v: v if v != v else str(v))
    return out


def _unmapped_category(column: str, dimension: str, key: str, category: str) -> "Problem":
    # heavy: the findings modules load pandas and numpy, which most admin pages never need
    from research.findings.weighting import Problem

    message = gettext(
        "The category “%(category)s” of “%(dimension)s” has a population but is not mapped "
        "to an option of the survey question, so its people could not be weighted to. Map "
        "it on the “Map to a survey question” page (several categories may map to one "
        "option), or merge it into another category in the margin. No weights are used."
    ) % {"category": category, "dimension": dimension}
    return Problem("unmapped_category", message, column, key)
