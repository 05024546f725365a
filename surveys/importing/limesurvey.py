"""LimeSurvey (.lss, LimeSurvey 3.x–6.x) → ImportedSurvey (issue 18).

Groups become pages (a group's relevance the page's condition, its description the page's
introduction); questions keep their codes as keys, answer options and sub-questions theirs;
relevance equations and the old conditions table become show-if conditions through
surveys.importing.expressions. When a condition names a question on the same page (which
LimeSurvey allows and Innsikt does not), the group is continued on a new page from that
question on, so the condition still works. Every language the survey has in Norwegian
Bokmål, Nynorsk or English becomes a body with the same keys. What cannot be carried over
is reported per element, never dropped silently; docs/import.md has the mapping table.

Pure: the file is read by surveys.importing.limesurvey_source (defusedxml, no DTDs or
entities); no database, no models.
"""

from typing import Any

from django.utils.translation import gettext as _

from . import model
from .expressions import QuestionRef, condition_from_limesurvey
from .limesurvey_questions import (
    BRACES_RE,
    STEP_TITLE_MAX,
    TITLE_MAX,
    QuestionMapper,
    Skip,
    Txt,
    plain,
    render,
    short,
)
from .limesurvey_source import Condition, Group, Question, source_read
from .model import ImportedSurvey, ImportRejected, key_from_code, rich_text


def _innsikt_language(code: str) -> str | None:
    base = code.lower().replace("_", "-").split("-")[0]
    if base in model.LANGUAGES:
        return base
    return "nb" if base == "no" else None


class _Reader(QuestionMapper):
    """One reading of a survey: languages, then group by group, question by question
    (so a condition or a piped answer can only name what was read before it)."""

    # ---- languages ---------------------------------------------------------------------

    def choose_languages(self) -> None:
        for code in self.source.languages:
            language = _innsikt_language(code)
            element = _("Language “%(code)s”") % {"code": code}
            if language is None:
                continue
            if language in self.languages:
                self.survey.note(
                    element,
                    "not_imported",
                    _("The survey already has %(language)s texts from “%(other)s”.")
                    % {"language": language, "other": self.languages[language]},
                )
                continue
            self.languages[language] = code
            if code.lower().split("-")[0] == "no":
                self.survey.note(element, "changed", _("Read as Norwegian Bokmål (nb)."))
        for code in self.source.languages:
            if _innsikt_language(code) is None:
                element = _("Language “%(code)s”") % {"code": code}
                if not self.languages and code == self.base:
                    self.languages["nb"] = code
                    self.survey.note(
                        element,
                        "changed",
                        _(
                            "Innsikt has surveys in Norwegian Bokmål, Nynorsk and English: "
                            "the texts in this language (the survey's own) were put in the "
                            "Norwegian Bokmål version. Translate them in Innsikt."
                        ),
                    )
                else:
                    self.survey.note(
                        element,
                        "not_imported",
                        _(
                            "Innsikt has surveys in Norwegian Bokmål, Nynorsk and English; "
                            "the texts in this language were left out."
                        ),
                    )
        own = _innsikt_language(self.base)
        self.survey.base_language = own if own in self.languages else next(iter(self.languages))
        self.base = self.languages[self.survey.base_language]

    # ---- logic -------------------------------------------------------------------------

    def condition_expression(self, conditions: list[Condition]) -> tuple[str, str]:
        """The old conditions table as one relevance equation: scenarios ORed, conditions
        within a scenario ANDed, conditions on the same field within a scenario ORed.
        Returns (expression, why it cannot be written)."""
        scenarios: dict[int, dict[str, list[str]]] = {}
        for c in conditions:
            target = self.source.questions.get(c.cqid)
            if c.cfieldname.startswith("{") or target is None:
                return "", _(
                    "a condition uses %(field)s, which is not a question of the survey"
                ) % {"field": c.cfieldname}
            if c.method not in ("==", "!=", "<", "<=", ">", ">="):
                return "", _("a condition uses “%(method)s”, which Innsikt cannot express") % {
                    "method": c.method
                }
            if len(c.value) > 1 and c.value.startswith("@") and c.value.endswith("@"):
                return "", _("a condition compares with another answer")
            field = c.cfieldname.lstrip("+")
            rest = ""
            for prefix in (f"{self.source.sid}X{target.gid}X{c.cqid}", f"Q{c.cqid}"):
                if field.startswith(prefix):
                    rest = field[len(prefix) :]
                    break
            if rest.startswith("_S") and rest[2:] in self.source.questions:
                rest = self.source.questions[rest[2:]].title
            rest = rest.lstrip("_")
            value = c.value.replace("\\", "\\\\").replace('"', '\\"')
            if c.cfieldname.startswith("+"):  # one option of a multiple choice, ticked
                term = f'{target.title}_{c.value} {c.method} "Y"'
            else:
                name = f"{target.title}_{rest}" if rest else target.title
                term = f'{name} {c.method} "{value}"'
            scenarios.setdefault(c.scenario, {}).setdefault(c.cfieldname, []).append(term)
        parts = [
            "(" + " and ".join("(" + " or ".join(terms) + ")" for terms in fields.values()) + ")"
            for _scenario, fields in sorted(scenarios.items())
        ]
        return " or ".join(parts), ""

    def show_if(self, expression: str, what: str, can_split: bool) -> dict[str, Any]:
        """A relevance equation as the condition of the element about to be added to the
        current page; a new page is started first when that makes it work."""
        expression = expression.strip()
        if not expression or expression == "1":
            return model.NO_CONDITION
        at = len(self.steps) - 1
        result = condition_from_limesurvey(expression, self.refs, at)
        if result.same_step and can_split and self.answerable_on_current_page():
            self.continue_page()
            result = condition_from_limesurvey(expression, self.refs, at + 1)
        if result.condition is not None:
            return result.condition
        self.changes.append(
            _(
                "Shown always: its %(what)s “%(expression)s” cannot be expressed in Innsikt, "
                "because %(reason)s Add the condition by hand if it is needed."
            )
            % {"what": what, "expression": expression[:300], "reason": result.reason}
        )
        return model.NO_CONDITION

    # ---- pages -------------------------------------------------------------------------

    def open_page(self, group: Group, shuffle: bool) -> None:
        self.steps.append(
            model.step(
                key_from_code(f"g{group.gid}", self.step_taken),
                [],
                title=self.ph(self.txt(group.texts, "group_name", self.label(STEP_TITLE_MAX))),
                intro=self.ph(self.txt(group.texts, "description", self.rich)),
                shuffle=shuffle,
            )
        )
        self.page_group = group

    def continue_page(self) -> None:
        """The rest of the current group on a new page (same heading and condition)."""
        previous = self.steps[-1]["value"]
        gid = self.page_group.gid if self.page_group else ""
        self.steps.append(
            model.step(
                key_from_code(f"g{gid}", self.step_taken),
                [],
                title=previous["title"],
                show_if=previous["show_if"],
                shuffle=previous["shuffle_questions"],
            )
        )
        self.pages_added += 1

    def answerable_on_current_page(self) -> bool:
        return any(b["type"] != "info" for b in self.steps[-1]["value"]["questions"])

    def read_group(self, number: int, group: Group) -> None:
        name = plain((group.texts.get(self.base) or {}).get("group_name", ""))
        element = _("Group %(n)d “%(name)s”") % {"n": number, "name": short(name)}
        self.changes = []
        self.pages_added = 0
        position = len(self.survey.report)
        random_groups = {q.attributes.get("random_group", "").strip() for q in group.questions}
        random_groups.discard("")
        first_page = len(self.steps)
        self.open_page(group, shuffle=bool(random_groups))
        self.rich_lost(group.texts, "description")
        self.steps[-1]["value"]["show_if"] = self.show_if(
            group.relevance, _("relevance equation"), can_split=False
        )
        if len(random_groups) > 1:
            self.changes.append(
                _(
                    "Its questions are shuffled together (LimeSurvey shuffled %(n)d sets "
                    "separately)."
                )
                % {"n": len(random_groups)}
            )
        if group.randomization.strip():
            self.changes.append(_("Innsikt keeps pages in order: the group is not shuffled."))
        group_changes = self.changes
        for question in group.questions:
            self.read_question(
                question,
                fixed=bool(random_groups)
                and not question.attributes.get("random_group", "").strip(),
            )
        self.changes = group_changes
        if not any(s["value"]["questions"] for s in self.steps[first_page:]):
            del self.steps[first_page:]
            self.survey.report.insert(
                position,
                model.ReportLine(
                    element, "not_imported", _("It has no questions Innsikt could import.")
                ),
            )
            return
        if self.pages_added:
            self.changes.append(
                _(
                    "Split into %(n)d pages so that conditions on answers from the same group "
                    "work (Innsikt's conditions use answers from earlier pages)."
                )
                % {"n": self.pages_added + 1}
            )
        details = list(dict.fromkeys(self.changes))
        self.survey.report.insert(
            position,
            model.ReportLine(element, "changed" if details else "as_is", " ".join(details)),
        )

    def read_question(self, q: Question, fixed: bool) -> None:
        self.changes = []
        element = self.question_name(q)
        conditions = self.source.conditions.get(q.qid)
        try:
            blocks, refs = self.question_blocks(q, fixed)
        except Skip as skipped:
            self.survey.note(element, "not_imported", str(skipped))
            return
        if conditions:
            expression, problem = self.condition_expression(conditions)
            if problem:
                self.changes.append(
                    _(
                        "Shown always: its LimeSurvey conditions cannot be expressed, because "
                        "%(reason)s."
                    )
                    % {"reason": problem}
                )
                show_if = model.NO_CONDITION
            else:
                show_if = self.show_if(expression, _("conditions"), can_split=True)
        else:
            show_if = self.show_if(q.relevance, _("relevance equation"), can_split=True)
        step_no = len(self.steps) - 1
        for block in blocks:
            block["value"]["show_if"] = show_if
        self.steps[-1]["value"]["questions"].extend(blocks)
        for name, ref in refs.items():
            placed = QuestionRef(ref.key, ref.kind, ref.options, step_no)
            self.refs[name] = placed
            self.refs_by_qid.setdefault(q.qid, placed)
        self.note(element)

    def note(self, element: str) -> None:
        details = list(dict.fromkeys(self.changes))
        self.survey.note(element, "changed" if details else "as_is", " ".join(details))

    # ---- the survey ----------------------------------------------------------------------

    def read(self) -> ImportedSurvey:
        self.choose_languages()
        settings = self.source.settings
        self.changes = []
        cut = self.cut(TITLE_MAX)
        titles = self.txt(settings, "surveyls_title", lambda raw: cut(plain(raw)))
        titles = Txt({k: v or _("Imported survey") for k, v in titles.items()})
        intros = self.txt(
            {
                lang: {
                    "t": row.get("surveyls_description", "") + row.get("surveyls_welcometext", "")
                }
                for lang, row in settings.items()
            },
            "t",
            rich_text,
        )
        thanks = self.txt(settings, "surveyls_endtext", rich_text)
        for name in ("surveyls_description", "surveyls_welcometext", "surveyls_endtext"):
            self.rich_lost(settings, name)
            if BRACES_RE.search((settings.get(self.base) or {}).get(name, "")):
                self.changes.append(
                    _("A {…} expression in the welcome or end text is kept as written.")
                )
        if self.source.format == "A":
            self.changes.append(
                _("LimeSurvey showed all groups on one page; Innsikt shows a page per group.")
            )
        survey_changes = self.changes
        for number, group in enumerate(self.source.groups, start=1):
            self.read_group(number, group)
        if not self.steps:
            raise ImportRejected(
                _(
                    "The survey has no questions Innsikt can import (it has no groups with "
                    "questions)."
                )
            )
        self.changes = survey_changes
        self.survey.report.insert(
            0,
            model.ReportLine(
                _("Survey “%(title)s”") % {"title": short(titles[self.survey.base_language])},
                "changed" if survey_changes else "as_is",
                " ".join(dict.fromkeys(survey_changes)),
            ),
        )
        for language, count in self.missing.items():
            self.survey.note(
                _("Language “%(code)s”") % {"code": self.languages[language]},
                "changed",
                _(
                    "%(n)d texts had no translation; the survey's own language is used for "
                    "them. Translate them in Innsikt."
                )
                % {"n": count},
            )
        for language in self.languages:
            self.survey.titles[language] = titles[language]
            self.survey.intros[language] = intros[language]
            self.survey.thank_yous[language] = thanks[language]
            self.survey.bodies[language] = render(self.steps, self.texts, language)
        return self.survey


def survey_read(content: bytes) -> ImportedSurvey:
    """The survey in a LimeSurvey .lss export (LimeSurvey 3.0 or later), one body per
    Innsikt language it has, with its import report. Raises ImportRejected when the file
    cannot be imported at all (not well-formed XML, a DTD or entities, not a survey
    export, a LimeSurvey older than 3.0, no questions). Pure; time grows linearly with the
    file."""
    return _Reader(source_read(content)).read()
