"""The blocks of a findings report (research.models.FindingsReportPage).

Blocks hold what the researcher chose (a survey, a question key, a chart style). What they
show is built before the report renders, by research.reports.selectors.report_results, and
reaches each block's template as ``result`` — so the web page, the preview and the PDF show
the same figures through the same templates, always suppressed and scrubbed
(research/findings/findings.py). Blocks compute nothing.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.snippets.blocks import SnippetChooserBlock

from .interviews.choosers import InterviewQuoteChooserBlock
from .report_pickers import ReportQuestionSelect

QUESTION_HELP = _("A question of the chosen survey (as published).")


class ReportQuestionBlock(blocks.FieldBlock):
    """A question of one of the library's surveys, chosen from a list
    (research.report_pickers); stores its key."""

    def __init__(self, *, columns: bool = False, **kwargs: Any) -> None:
        self.field = forms.CharField(
            required=True, max_length=80, widget=ReportQuestionSelect(columns=columns)
        )
        super().__init__(**kwargs)


class ChartBlock(blocks.StructBlock):
    survey = blocks.PageChooserBlock(page_type="surveys.SurveyPage", label=_("Survey"))
    question = ReportQuestionBlock(label=_("Question"), help_text=QUESTION_HELP)
    chart = blocks.ChoiceBlock(
        label=_("Chart"),
        default="bar",
        choices=[
            ("bar", _("Bars (share of respondents)")),
            ("stacked", _("Stacked bar (scales and matrices)")),
            ("diverging", _("Diverging stacked bar (Likert)")),
        ],
    )
    segment = SnippetChooserBlock(
        "panel.Segment",
        required=False,
        label=_("Only this panel segment"),
        help_text=_("For panel surveys: answers of the segment's members only."),
    )
    heading = blocks.CharBlock(
        required=False, label=_("Heading"), help_text=_("Empty: the question's text.")
    )
    note = blocks.TextBlock(required=False, label=_("Comment under the chart"))

    class Meta:
        icon = "chart"
        label = _("Chart")
        template = "research/blocks/chart.html"


class CrossTabBlock(blocks.StructBlock):
    survey = blocks.PageChooserBlock(page_type="surveys.SurveyPage", label=_("Survey"))
    rows = ReportQuestionBlock(label=_("Rows"), help_text=QUESTION_HELP)
    columns = ReportQuestionBlock(
        columns=True,
        label=_("Columns"),
        help_text=_("A question of the chosen survey, the channel or the panel segment."),
    )
    segments = blocks.ListBlock(
        SnippetChooserBlock("panel.Segment"),
        required=False,
        default=[],
        label=_("Segments (for columns “segment”)"),
    )
    percent = blocks.ChoiceBlock(
        label=_("Percentages"),
        default="row",
        choices=[("row", _("Of each row")), ("column", _("Of each column")), ("none", _("None"))],
    )
    heading = blocks.CharBlock(required=False, label=_("Heading"))

    class Meta:
        icon = "table"
        label = _("Cross-tab")
        template = "research/blocks/crosstab.html"


class KeyFigureBlock(blocks.StructBlock):
    value = blocks.CharBlock(label=_("Figure"), max_length=40, help_text=_("E.g. 28 835"))
    label = blocks.CharBlock(label=_("What it counts"), max_length=160)
    source = blocks.CharBlock(required=False, label=_("Source"), max_length=160)


class KeyFiguresBlock(blocks.StructBlock):
    heading = blocks.CharBlock(required=False, label=_("Heading"))
    figures = blocks.ListBlock(KeyFigureBlock(), min_num=1, label=_("Figures"))

    class Meta:
        icon = "pick"
        label = _("Key figures")
        template = "research/blocks/key_figures.html"


class QuoteBlock(blocks.StructBlock):
    survey = blocks.PageChooserBlock(page_type="surveys.SurveyPage", label=_("Survey"))
    question = ReportQuestionBlock(label=_("Question"), help_text=QUESTION_HELP)
    text = blocks.TextBlock(
        label=_("Answer"),
        help_text=_(
            "Copy an answer from “Explore results”. It must be an answer to the question; "
            "personal data is removed when the report is shown."
        ),
    )

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "research/blocks/quote.html"


class InterviewQuoteBlock(blocks.StructBlock):
    excerpt = InterviewQuoteChooserBlock(
        label=_("Quote"),
        help_text=_(
            "A passage marked as a quote in an interview session. Personal data is removed "
            "and it is attributed only to a group of at least k participants."
        ),
    )

    class Meta:
        icon = "openquote"
        label = _("Interview quote")
        template = "research/blocks/interview_quote.html"


class MethodsBlock(blocks.StructBlock):
    note = blocks.TextBlock(required=False, label=_("Anything to add about the method"))

    class Meta:
        icon = "list-ul"
        label = _("Method (filled in automatically)")
        template = "research/blocks/methods.html"


REPORT_BLOCKS = [
    (
        "text",
        blocks.RichTextBlock(
            features=["h2", "h3", "bold", "italic", "ol", "ul", "link"],
            label=_("Text"),
            template="research/blocks/text.html",
        ),
    ),
    ("chart", ChartBlock()),
    ("crosstab", CrossTabBlock()),
    ("key_figures", KeyFiguresBlock()),
    ("quote", QuoteBlock()),
    ("interview_quote", InterviewQuoteBlock()),
    ("methods", MethodsBlock()),
]
