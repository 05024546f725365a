"""The blocks of a population margin's dimension: its categories with their population
counts and the survey option each maps to (research.margins.models)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

_KEY = RegexValidator(r"^[-a-zA-Z0-9_]+$", _("Letters, digits, hyphens and underscores only."))


class MarginCategoryBlock(blocks.StructBlock):
    key = blocks.CharBlock(
        max_length=64,
        label=_("Key"),
        validators=[_KEY],
        help_text=_("Short and stable, e.g. 20-29; used when the category is mapped."),
    )
    label = blocks.CharBlock(max_length=120, label=_("Label"))
    population = blocks.IntegerBlock(min_value=0, label=_("Population"))
    option = blocks.CharBlock(
        required=False,
        max_length=120,
        label=_("Survey option"),
        help_text=_("Set on the “Map to a survey question” page: the option key it matches."),
    )

    class Meta:
        icon = "list-ul"
        label = _("Category")


class MarginCategoriesBlock(blocks.StreamBlock):
    """At least two categories, each key once."""

    category = MarginCategoryBlock()

    class Meta:
        min_num = 2

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        seen: set[str] = set()
        errors: dict[int, Any] = {}
        for index, child in enumerate(value):
            key = child.value["key"]
            if key in seen:
                errors[index] = StructBlockValidationError(
                    {"key": ValidationError(_("This key is used by another category."))}
                )
            seen.add(key)
        if errors:
            raise blocks.StreamBlockValidationError(block_errors=errors)
        return value
