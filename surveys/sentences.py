"""Logic in words: a survey's show-if and skip rules as sentences in the reader's language.

Pure (no models): a rule plus the compiled schema (surveys.schema) gives a sentence such as
nb «Vises hvis «Har du lånekort?» er «Nei»» / en “Shown if “Do you have a library card?”
is “No””. Questions and options are named by their labels, never their keys; a key the schema
does not know (a deleted question, a typo) is named as such, so a broken rule still reads.
The quotation marks come from the translation catalogue (« » in Norwegian, “ ” in English).
"""

from typing import Any

from django.utils.translation import gettext as _

from .logic import END
from .schema import Schema, answerable, questions_by_key

Rule = dict[str, Any]
Condition = dict[str, Any]
SHORT = 60


def quoted(text: str) -> str:
    """Text in the language's quotation marks."""
    return _("“%(text)s”") % {"text": text}


def _short(text: str, limit: int = SHORT) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def question_name(key: str, questions: dict[str, dict[str, Any]]) -> str:
    """A question's label (shortened) in quotation marks, or “unknown question …”."""
    q = questions.get(key)
    if q is None:
        return _("the unknown question %(key)s") % {"key": quoted(key)}
    return quoted(_short(q.get("label") or q.get("text") or key))


def option_text(q: dict[str, Any] | None, key: str) -> str:
    """An option's label; yes/no and “other” in the reader's language; the key otherwise."""
    if q is None:
        return key
    if q["type"] == "yes_no":
        return {"yes": _("Yes"), "no": _("No")}.get(key, key)
    if key == "other" and q.get("other"):
        return _("Other")
    for option in q.get("options") or []:
        if option["key"] == key:
            return str(option["label"]) or key
    return key


def _join_or(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return _("%(first)s or %(last)s") % {"first": ", ".join(parts[:-1]), "last": parts[-1]}


def rule_sentence(rule: Rule, questions: dict[str, dict[str, Any]]) -> str:
    """One rule as a clause: “Question” is “Option”."""
    q = questions.get(rule["question"])
    name = question_name(rule["question"], questions)
    op, value = rule.get("op", "equals"), str(rule.get("value") or "")
    values = {"question": name, "value": quoted(option_text(q, value))}
    if op == "equals":
        return _("%(question)s is %(value)s") % values
    if op == "not_equals":
        return _("%(question)s is not %(value)s") % values
    if op == "any_of":
        wanted = [quoted(option_text(q, v.strip())) for v in value.split(",") if v.strip()]
        return _("%(question)s is %(values)s") % {"question": name, "values": _join_or(wanted)}
    if op == "gt":
        return _("%(question)s is greater than %(number)s") % {"question": name, "number": value}
    if op == "lt":
        return _("%(question)s is less than %(number)s") % {"question": name, "number": value}
    if op == "ge":
        return _("%(question)s is at least %(number)s") % {"question": name, "number": value}
    if op == "le":
        return _("%(question)s is at most %(number)s") % {"question": name, "number": value}
    if op == "answered":
        return _("%(question)s is answered") % {"question": name}
    if op == "not_answered":
        return _("%(question)s is not answered") % {"question": name}
    return _("%(question)s: unknown operator") % {"question": name}


def condition_clause(condition: Condition | None, questions: dict[str, dict[str, Any]]) -> str:
    """The rules of a condition joined by “and” (all) or “or” (any); "" without rules."""
    rules = (condition or {}).get("rules") or []
    clauses = [rule_sentence(rule, questions) for rule in rules]
    if not clauses:
        return ""
    joiner = _(" or ") if (condition or {}).get("match") == "any" else _(" and ")
    return joiner.join(clauses)


def shown_if_sentence(condition: Condition | None, questions: dict[str, dict[str, Any]]) -> str:
    """“Shown if …”, or "" when the condition has no rules (always shown)."""
    clause = condition_clause(condition, questions)
    return _("Shown if %(condition)s") % {"condition": clause} if clause else ""


def step_name(schema: Schema, key: str) -> str:
    """“Page 3” (with its heading when it has one), the end, or an unknown page's key."""
    if key == END:
        return _("the end of the survey")
    for i, step in enumerate(schema["steps"]):
        if step["key"] == key:
            if step.get("title"):
                return _("page %(n)d (%(title)s)") % {
                    "n": i + 1,
                    "title": quoted(_short(step["title"], 40)),
                }
            return _("page %(n)d") % {"n": i + 1}
    return _("the unknown page %(key)s") % {"key": quoted(key)}


def skip_sentence(
    rule: dict[str, Any], schema: Schema, questions: dict[str, dict[str, Any]]
) -> str:
    """“Goes to page 4 if …” / “Ends the survey if …”."""
    clause = condition_clause(rule.get("when"), questions) or _("always")
    if rule.get("target") == END:
        return _("Ends the survey if %(condition)s") % {"condition": clause}
    return _("Goes to %(page)s if %(condition)s") % {
        "page": step_name(schema, str(rule.get("target") or "")),
        "condition": clause,
    }


def schema_sentences(schema: Schema) -> list[dict[str, Any]]:
    """Every rule of the survey in words, page by page: [{"page", "title", "rules":
    [{"where", "sentence"}]}] (pages without rules are left out)."""
    questions = questions_by_key(schema)
    pages = []
    for i, step in enumerate(schema["steps"]):
        rules = []
        page_rule = shown_if_sentence(step.get("show_if"), questions)
        if page_rule:
            rules.append({"where": _("This page"), "sentence": page_rule})
        for q in step["questions"]:
            sentence = shown_if_sentence(q.get("show_if"), questions)
            if sentence:
                label = q.get("label") if answerable(q) else q.get("text") or _("Text")
                rules.append({"where": quoted(_short(label or q["key"])), "sentence": sentence})
        for rule in step.get("skip") or []:
            if rule.get("when"):
                rules.append(
                    {
                        "where": _("After this page"),
                        "sentence": skip_sentence(rule, schema, questions),
                    }
                )
        if rules:
            pages.append({"page": i + 1, "title": step.get("title") or "", "rules": rules})
    return pages
