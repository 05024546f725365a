from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from surveys.blocks import OPERATORS


class SegmentRuleBlock(blocks.StructBlock):
    field = blocks.CharBlock(
        max_length=80,
        label=_("Field"),
        help_text=_(
            "age_band, channel, language, or the key of a screener question "
            "(shown on the sign-up page's questions)."
        ),
    )
    operator = blocks.ChoiceBlock(choices=OPERATORS, default="equals", label=_("Operator"))
    value = blocks.CharBlock(
        required=False,
        max_length=400,
        label=_("Value"),
        help_text=_("An option key or a number; several separated by commas for “any of”."),
    )

    class Meta:
        icon = "filter"
