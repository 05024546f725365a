"""Question blocks for SurveyPage.body: steps (pages) holding questions.

Every question, option, matrix row and step carries a stable ``key`` (KeyBlock): empty when an
editor adds the block, filled in when the page is saved (surveys.keys), then shown read-only
and never recomputed, so renaming a label never moves answers to another column.
"""

from typing import Any

from django import forms
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.stream_block import StreamBlockValidationError

from .editor import OptionCheckboxes, PageSelect, QuestionSelect, option_choices
from .keys import assign_keys
from .logic import validate_schema
from .schema import compile_schema

OPERATORS = [
    ("equals", _("equals")),
    ("not_equals", _("does not equal")),
    ("any_of", _("is any of (comma-separated)")),
    ("gt", _("is greater than")),
    ("lt", _("is less than")),
    ("ge", _("is at least")),
    ("le", _("is at most")),
    ("answered", _("is answered")),
    ("not_answered", _("is not answered")),
]


# A rule's operators in the survey editor, where options are picked rather than typed.
RULE_OPERATORS = [(op, _("is any of") if op == "any_of" else label) for op, label in OPERATORS]


class KeyBlock(blocks.FieldBlock):
    """A read-only, generated identifier. Editors see it (to write conditions) but cannot
    change it; surveys.keys fills it in on save."""

    def __init__(self, **kwargs: Any) -> None:
        self.field = forms.CharField(
            required=False,
            max_length=80,
            widget=forms.TextInput(attrs={"readonly": "readonly"}),
        )
        kwargs.setdefault("label", _("Key"))
        kwargs.setdefault(
            "help_text", _("Made when saved. Used in conditions, piping and exports.")
        )
        super().__init__(**kwargs)


class QuestionPickerBlock(blocks.FieldBlock):
    """A question of this survey, chosen from a list of its questions (surveys.editor);
    stores the question's key. Accepts any key: the survey's logic check reports a key that
    is not an earlier question, naming the place."""

    def __init__(self, **kwargs: Any) -> None:
        self.field = forms.CharField(required=True, max_length=80, widget=QuestionSelect())
        super().__init__(**kwargs)


class PagePickerBlock(blocks.FieldBlock):
    """A page of this survey or the end, chosen from a list (surveys.editor); stores the
    page's key or "end". Accepts any key: the logic check reports one that is not later."""

    def __init__(self, **kwargs: Any) -> None:
        self.field = forms.CharField(required=True, max_length=80, widget=PageSelect())
        super().__init__(**kwargs)


class _AnyChoices(forms.MultipleChoiceField):
    """The picked options as submitted: which of them belong to the rule's question is for
    the schema (surveys.schema.condition) and the logic check to say."""

    def valid_value(self, value: str) -> bool:
        return len(value) <= 200


class OptionPickerBlock(blocks.FieldBlock):
    """Options of the survey's choice questions as checkboxes grouped by question; stores
    ``question-key:option-key`` items (only those of the rule's own question count)."""

    def __init__(self, **kwargs: Any) -> None:
        self.field = _AnyChoices(choices=option_choices, required=False, widget=OptionCheckboxes())
        super().__init__(**kwargs)

    def get_default(self) -> list[str]:
        return []

    def to_python(self, value: Any) -> list[str]:
        return [str(v) for v in value] if isinstance(value, list) else []


class RuleBlock(blocks.StructBlock):
    question = QuestionPickerBlock(
        label=_("Question"),
        help_text=_(
            "A question on an earlier page (for a skip rule: this page or earlier). Save a "
            "draft to pick questions you have just added."
        ),
    )
    operator = blocks.ChoiceBlock(choices=RULE_OPERATORS, default="equals", label=_("Operator"))
    options = OptionPickerBlock(
        required=False,
        label=_("Option"),
        help_text=_("For a choice question: the answer to compare with (several for “is any of”)."),
    )
    value = blocks.CharBlock(
        required=False,
        max_length=400,
        label=_("Or a value"),
        help_text=_("For number and text questions: the number or text to compare with."),
    )


class ConditionBlock(blocks.StructBlock):
    match = blocks.ChoiceBlock(
        choices=[("all", _("All rules hold")), ("any", _("Any rule holds"))],
        default="all",
        label=_("Combine"),
    )
    rules = blocks.ListBlock(RuleBlock(), default=[], label=_("Rules"))

    class Meta:
        form_classname = "innsikt-condition"
        collapsed = True


class OptionBlock(blocks.StructBlock):
    label = blocks.CharBlock(max_length=300, label=_("Label"))
    key = KeyBlock()
    fixed = blocks.BooleanBlock(
        required=False,
        label=_("Keep in place"),
        help_text=_("Stays where it is when options are shuffled (e.g. “Don't know”)."),
    )


class QuestionBlock(blocks.StructBlock):
    """Fields every question shares."""

    label = blocks.CharBlock(
        max_length=500,
        label=_("Question"),
        help_text=_(
            "To show an earlier answer, use “Insert an earlier answer…” beside the text "
            "(it writes {question-key})."
        ),
    )
    key = KeyBlock()
    help_text = blocks.CharBlock(required=False, max_length=500, label=_("Hint"))
    required = blocks.BooleanBlock(required=False, default=True, label=_("Required"))
    show_if = ConditionBlock(
        required=False,
        label=_("Show only if"),
        help_text=_("Leave without rules to always show the question."),
    )
    fixed = blocks.BooleanBlock(
        required=False,
        label=_("Keep in place"),
        help_text=_("Stays where it is when the page shuffles its questions."),
    )

    class Meta:
        icon = "form"


class TextQuestionBlock(QuestionBlock):
    min_length = blocks.IntegerBlock(required=False, min_value=0, label=_("Minimum length"))
    max_length = blocks.IntegerBlock(
        required=False, min_value=1, max_value=5000, label=_("Maximum length")
    )
    pattern = blocks.CharBlock(
        required=False,
        max_length=200,
        label=_("Pattern (regular expression)"),
        help_text=_("The whole answer must match, e.g. [0-9]{4} for a postcode."),
    )
    pattern_message = blocks.CharBlock(
        required=False, max_length=200, label=_("Message when the pattern does not match")
    )


class ShortTextBlock(TextQuestionBlock):
    class Meta:
        label = _("Short text")
        icon = "pilcrow"


class LongTextBlock(TextQuestionBlock):
    class Meta:
        label = _("Long text")
        icon = "doc-full"


class NumberBlock(QuestionBlock):
    min_value = blocks.DecimalBlock(required=False, label=_("Smallest allowed"))
    max_value = blocks.DecimalBlock(required=False, label=_("Largest allowed"))
    decimals = blocks.ChoiceBlock(
        choices=[("integer", _("Whole numbers")), ("decimal", _("Decimals allowed"))],
        default="integer",
        label=_("Kind of number"),
    )

    class Meta:
        label = _("Number")
        icon = "plus-inverse"


class EmailQuestionBlock(QuestionBlock):
    class Meta:
        label = _("E-mail address")
        icon = "mail"


class DateQuestionBlock(QuestionBlock):
    class Meta:
        label = _("Date")
        icon = "date"


class ChoiceQuestionBlock(QuestionBlock):
    options = blocks.ListBlock(OptionBlock(), min_num=1, label=_("Options"))
    randomise = blocks.BooleanBlock(required=False, label=_("Shuffle options for each respondent"))


class SingleChoiceBlock(ChoiceQuestionBlock):
    other = blocks.BooleanBlock(required=False, label=_("Add “Other, please specify”"))

    class Meta:
        label = _("Single choice")
        icon = "radio-full"


class MultipleChoiceBlock(ChoiceQuestionBlock):
    other = blocks.BooleanBlock(required=False, label=_("Add “Other, please specify”"))
    min_selections = blocks.IntegerBlock(required=False, min_value=1, label=_("Choose at least"))
    max_selections = blocks.IntegerBlock(required=False, min_value=1, label=_("Choose at most"))

    class Meta:
        label = _("Multiple choice")
        icon = "tick-inverse"


class DropdownBlock(ChoiceQuestionBlock):
    class Meta:
        label = _("Dropdown")
        icon = "arrow-down-big"


class YesNoBlock(QuestionBlock):
    class Meta:
        label = _("Yes/no")
        icon = "help"


class LikertBlock(QuestionBlock):
    points = blocks.ChoiceBlock(
        choices=[("5", _("5 points")), ("7", _("7 points"))], default="5", label=_("Points")
    )
    left_label = blocks.CharBlock(max_length=100, label=_("Label of the lowest point"))
    right_label = blocks.CharBlock(max_length=100, label=_("Label of the highest point"))

    class Meta:
        label = _("Likert scale")
        icon = "order"


class MatrixBlock(QuestionBlock):
    rows = blocks.ListBlock(OptionBlock(), min_num=1, label=_("Rows (statements)"))
    columns = blocks.ListBlock(OptionBlock(), min_num=2, label=_("Scale (columns)"))

    class Meta:
        label = _("Matrix")
        icon = "table"


class NpsBlock(QuestionBlock):
    left_label = blocks.CharBlock(
        max_length=100, default="Not at all likely", label=_("Label of 0")
    )
    right_label = blocks.CharBlock(
        max_length=100, default="Extremely likely", label=_("Label of 10")
    )

    class Meta:
        label = _("Net Promoter Score (0–10)")
        icon = "pick"


class RatingBlock(QuestionBlock):
    left_label = blocks.CharBlock(required=False, max_length=100, label=_("Label of 1"))
    right_label = blocks.CharBlock(required=False, max_length=100, label=_("Label of 5"))

    class Meta:
        label = _("Rating (1–5)")
        icon = "pick"


class RankingBlock(ChoiceQuestionBlock):
    class Meta:
        label = _("Ranking")
        icon = "list-ol"


class ConsentBlock(QuestionBlock):
    """A statement the respondent must tick; ``required`` is always enforced."""

    class Meta:
        label = _("Consent / statement")
        icon = "lock"


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(max_length=200, label=_("Heading"))
    key = KeyBlock()
    show_if = ConditionBlock(required=False, label=_("Show only if"))

    class Meta:
        label = _("Heading (display only)")
        icon = "title"


class InfoTextBlock(blocks.StructBlock):
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol"], label=_("Text"))
    key = KeyBlock()
    show_if = ConditionBlock(required=False, label=_("Show only if"))

    class Meta:
        label = _("Text (display only)")
        icon = "doc-full"


QUESTION_BLOCKS = [
    ("short_text", ShortTextBlock()),
    ("long_text", LongTextBlock()),
    ("number", NumberBlock()),
    ("email", EmailQuestionBlock()),
    ("date", DateQuestionBlock()),
    ("single_choice", SingleChoiceBlock()),
    ("multiple_choice", MultipleChoiceBlock()),
    ("dropdown", DropdownBlock()),
    ("yes_no", YesNoBlock()),
    ("likert", LikertBlock()),
    ("matrix", MatrixBlock()),
    ("nps", NpsBlock()),
    ("rating", RatingBlock()),
    ("ranking", RankingBlock()),
    ("consent", ConsentBlock()),
    ("heading", HeadingBlock()),
    ("info", InfoTextBlock()),
]


class SkipRuleBlock(blocks.StructBlock):
    when = ConditionBlock(label=_("When"))
    target = PagePickerBlock(
        label=_("Go to"),
        help_text=_("A later page, or the end of the survey."),
    )


class StepBlock(blocks.StructBlock):
    """One page of the questionnaire."""

    title = blocks.CharBlock(required=False, max_length=200, label=_("Page heading"))
    key = KeyBlock()
    intro = blocks.RichTextBlock(
        required=False, features=["bold", "italic", "link"], label=_("Introduction")
    )
    questions = blocks.StreamBlock(QUESTION_BLOCKS, label=_("Questions"))
    shuffle_questions = blocks.BooleanBlock(
        required=False,
        label=_("Shuffle the questions for each respondent"),
        help_text=_(
            "Each respondent sees this page's questions in an order of their own; headings, "
            "texts and questions marked “Keep in place” stay where they are."
        ),
    )
    show_if = ConditionBlock(required=False, label=_("Show this page only if"))
    skip_rules = blocks.ListBlock(
        SkipRuleBlock(), default=[], label=_("After this page, skip ahead when…")
    )

    class Meta:
        label = _("Page")
        icon = "doc-empty"


class SurveyBodyBlock(blocks.StreamBlock):
    """The questionnaire: a sequence of pages. Cleaning checks the survey's logic so the
    editor sees every impossible rule at the top of the questions, before anything is saved
    (SurveyPage.clean repeats the check for code paths outside the admin)."""

    step = StepBlock()

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        # New blocks get their real keys when the page is saved; provisional ones suffice
        # here because no rule can refer to a block that has no key yet.
        errors = validate_schema(compile_schema(assign_keys(value.get_prep_value())))
        if errors:
            raise StreamBlockValidationError(non_block_errors=ErrorList(errors))
        return value
