"""Blocks of an interview guide: sections with estimated minutes, questions with stable
keys (notes are stored per key, so rewording a question keeps its notes) and probes.

Keys are surveys.keys' keys: made when the guide is first saved, shown read-only, and kept
by InterviewGuidePage.clean whatever the form sends, so editing a guide never moves notes
away from their question."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

from surveys.blocks import KeyBlock


class GuideQuestionBlock(blocks.StructBlock):
    key = KeyBlock(
        label=_("key"),
        help_text=_("Made automatically when you save; notes are stored under it."),
    )
    text = blocks.TextBlock(label=_("question"))
    probes = blocks.ListBlock(
        blocks.CharBlock(label=_("probe")),
        default=[],
        label=_("follow-up probes"),
        help_text=_("Short prompts to dig deeper, e.g. “Can you give an example?”"),
    )

    class Meta:
        icon = "help"
        label = _("Question")


class GuideSectionBlock(blocks.StructBlock):
    # No help text: KeyBlock's own speaks of survey conditions, which guides do not have.
    key = KeyBlock(label=_("key"), help_text="")
    title = blocks.CharBlock(label=_("section title"))
    minutes = blocks.IntegerBlock(min_value=1, max_value=240, default=5, label=_("minutes"))
    intro = blocks.TextBlock(required=False, label=_("note to the interviewer"))
    questions = blocks.ListBlock(GuideQuestionBlock(), label=_("questions"))

    class Meta:
        icon = "list-ol"
        label = _("Section")


GUIDE_BLOCKS = [("section", GuideSectionBlock())]


@dataclass(frozen=True)
class GuideQuestion:
    key: str
    text: str
    probes: tuple[str, ...]


@dataclass(frozen=True)
class GuideSection:
    title: str
    minutes: int
    intro: str
    questions: tuple[GuideQuestion, ...]


def guide_sections(stream: Any) -> list[GuideSection]:
    """The guide's sections as plain values (a StreamField value in, dataclasses out)."""
    return [
        GuideSection(
            title=section.value["title"],
            minutes=int(section.value["minutes"] or 0),
            intro=section.value.get("intro") or "",
            questions=tuple(
                GuideQuestion(
                    key=question["key"],
                    text=question["text"],
                    probes=tuple(p for p in question["probes"] if p),
                )
                for question in section.value["questions"]
                if question["key"]
            ),
        )
        for section in stream
    ]
