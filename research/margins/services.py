"""Writing population margins: from an aggregate CSV file, and their mapping to a survey
question. Typed, keyword-only; each validates before it writes."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Site

from research.findings.margins_csv import margins_csv_read

from .models import MarginDimension, PopulationMargin


@transaction.atomic
def margin_create_from_csv(
    *, library: Site, name: str, source: str, on: date, content: bytes
) -> PopulationMargin:
    """A new margin of ``library`` with the dimensions of an aggregate CSV file. Raises
    research.findings.margins_csv.MarginsRejected (nothing saved) for a file that is not
    such a table, or looks person-level."""
    dimensions = margins_csv_read(content)  # raises before anything is written
    margin = PopulationMargin(library=library, name=name, source=source, date=on)
    margin.full_clean()
    margin.save()
    for order, dimension in enumerate(dimensions):
        MarginDimension.objects.create(
            margin=margin,
            sort_order=order,
            key=dimension.key[:64],
            label=dimension.label[:200],
            categories=[
                (
                    "category",
                    {
                        "key": c.key[:64],
                        "label": c.label[:120],
                        "population": c.population,
                        "option": "",
                    },
                )
                for c in dimension.categories
            ],
        )
    return margin


def margin_dimension_map(
    *,
    dimension: MarginDimension,
    question_key: str,
    options: dict[str, str],
    allowed: dict[str, list[str]],
) -> MarginDimension:
    """Map ``dimension`` to the survey question ``question_key`` and each of its categories
    (by key) to one of the question's options (``options``: category key → option key;
    "" leaves the category unmapped). ``allowed`` is question key → option keys the user
    may choose from (research.margins.selectors.margin_questions). An empty
    ``question_key`` removes the mapping. Raises ValidationError for a question or option
    not offered, or an option given to two categories."""
    if question_key and question_key not in allowed:
        raise ValidationError(_("Choose a question from the list."))
    valid = set(allowed.get(question_key, []))
    chosen = [option for option in options.values() if option]
    if any(option not in valid for option in chosen):
        raise ValidationError(_("Choose each category's option from the question's options."))
    if len(chosen) != len(set(chosen)):
        raise ValidationError(_("Each option can match one category only."))
    categories = []
    for category in dimension.category_list():
        option = options.get(category["key"], "") if question_key else ""
        categories.append(("category", {**category, "option": option}))
    dimension.question_key = question_key
    dimension.categories = categories  # type: ignore[assignment]
    dimension.save(update_fields=["question_key", "categories"])
    return dimension
