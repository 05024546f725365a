"""Build the Django form of one survey step from the frozen schema (DESIGN.md C3).

One ``create_<type>_field`` per question type, like Wagtail's FormBuilder. Django forms do
the validation; the templates render the fields from :meth:`StepForm.view` (plain dicts), which
is much cheaper than rendering Django widgets and lets every input carry its hint and error.
"""

import contextlib
import copy
import hashlib
import random
import re
from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .logic import PIPE_RE, pipe
from .schema import answerable

OTHER = "other"


NUMBER_RE = re.compile(r"^[+-]?\d{1,15}(?:[.,]\d{1,4})?$")


class NumberField(forms.DecimalField):
    """Plain written numbers only (“12”, “2,5”, “-3.75”): no exponents, NaN or infinity,
    which people do not type and which would otherwise slip through as huge values."""

    # django-stubs gives DecimalField no to_python of its own, so it inherits IntegerField's
    # `int | None`; Django's DecimalField.to_python returns a Decimal.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        text = str(value).strip().replace(" ", "").replace("\u00a0", "")
        if not NUMBER_RE.match(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(text.replace(",", "."))


def field_id(name: str) -> str:
    return "f-" + name.replace(".", "--")


def ordered_options(q: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """Options in display order: shuffled per respondent when asked, fixed ones stay put."""
    options = list(q.get("options") or [])
    if not q.get("randomise"):
        return options
    movable = [i for i, o in enumerate(options) if not o.get("fixed")]
    shuffled = [options[i] for i in movable]
    random.Random(f"{seed}:{q['key']}").shuffle(shuffled)
    for i, option in zip(movable, shuffled, strict=True):
        options[i] = option
    return options


def ordered_questions(step: dict[str, Any], seed: int) -> list[dict[str, Any]]:
    """A page's questions in display order: shuffled per respondent when the page asks
    for it; headings, texts and questions marked to keep their place stay put."""
    questions = list(step["questions"])
    if not step.get("shuffle"):
        return questions
    movable = [i for i, q in enumerate(questions) if answerable(q) and not q.get("fixed")]
    shuffled = [questions[i] for i in movable]
    random.Random(f"{seed}:{step['key']}").shuffle(shuffled)
    for i, q in zip(movable, shuffled, strict=True):
        questions[i] = q
    return questions


# A step's fields, built once per survey version, step, language, questions shown and
# answers piped into their labels, then reused: building them was a tenth of a survey
# POST's time (four translated messages per question, choices normalised by Django; a deep
# copy, as Django makes of a form class's declared fields, still half of it). Each form
# gets its own shallow copy of each field; what the copies share — widget, validators,
# messages, choices — nothing changes after the field is built. Options shuffled in a
# respondent's own order are not kept.
_BUILT: dict[tuple[Any, ...], tuple[dict[str, forms.Field], dict[str, list[dict[str, Any]]]]] = {}
BUILT_MAX = 1024


class StepForm(forms.Form):
    options: dict[str, list[dict[str, Any]]]  # each question's options, in display order

    def __init__(
        self,
        *args: Any,
        questions: list[dict[str, Any]],
        pipes: dict[str, str],
        seed: int,
        fields_key: Hashable | None = None,
        **kwargs: Any,
    ) -> None:
        """``fields_key``: what identifies ``questions`` for good, e.g. (version id, step
        key) of a frozen schema; given, the fields built for them are kept and reused."""
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.pipes = pipes
        self.seed = seed
        key = None if fields_key is None else self._built_key(fields_key)
        built = None if key is None else _BUILT.get(key)
        if built is not None:
            fields, self.options = built
            self.fields = {name: copy.copy(field) for name, field in fields.items()}
            return
        self.options = {}
        for q in questions:
            creator = getattr(self, f"create_{q['type']}_field", None)
            if creator is not None:
                creator(q)
            if q.get("other"):
                self.fields[f"{q['key']}.other"] = forms.CharField(
                    required=False,
                    max_length=500,
                    error_messages={
                        "max_length": _("Keep “Other” under 500 characters."),
                    },
                )
        if key is not None:
            if len(_BUILT) >= BUILT_MAX:
                del _BUILT[next(iter(_BUILT))]
            _BUILT[key] = (copy.deepcopy(self.fields), self.options)

    def _built_key(self, fields_key: Hashable) -> tuple[Any, ...] | None:
        """What the fields depend on besides ``fields_key``: the language, the questions
        shown and the answers piped into their labels; None when they are the
        respondent's own (shuffled options)."""
        if any(q.get("randomise") for q in self.questions):
            return None
        piped = sorted({k for q in self.questions for k in PIPE_RE.findall(q.get("label", ""))})
        return (
            fields_key,
            get_language(),
            tuple(q["key"] for q in self.questions),
            tuple((k, self.pipes.get(k, "")) for k in piped),
        )

    # ---- helpers ----------------------------------------------------------------------
    def _label(self, q: dict[str, Any]) -> str:
        return pipe(q.get("label", ""), self.pipes)

    def _messages(self, q: dict[str, Any], choose: bool = False) -> dict[str, str]:
        label = self._label(q)
        if choose:
            required = _("Choose an answer to “%(label)s”.") % {"label": label}
        else:
            required = _("Enter an answer to “%(label)s”.") % {"label": label}
        return {
            "required": required,
            "invalid_choice": _("Choose one of the answers given for “%(label)s”.")
            % {"label": label},
            "invalid": _("Check the answer to “%(label)s”.") % {"label": label},
        }

    def _choices(self, q: dict[str, Any]) -> list[tuple[str, str]]:
        options = ordered_options(q, self.seed)
        if q["type"] == "yes_no":
            labels = {"yes": _("Yes"), "no": _("No")}
            options = [{**o, "label": labels[o["key"]]} for o in options]
        if q.get("other"):
            options = [*options, {"key": OTHER, "label": _("Other, please specify"), "fixed": True}]
        self.options[q["key"]] = options
        return [(o["key"], o["label"]) for o in options]

    def _text_field(self, q: dict[str, Any], **extra: Any) -> forms.CharField:
        label = self._label(q)
        validators = []
        if q.get("pattern"):
            message = q.get("pattern_message") or _("Check the format of “%(label)s”.") % {
                "label": label
            }
            # An editor's broken pattern must not break the respondent's page.
            with contextlib.suppress(re.error):
                validators.append(
                    RegexValidator(re.compile(rf"^(?:{q['pattern']})$"), message, code="pattern")
                )
        field = forms.CharField(
            required=q["required"],
            max_length=q.get("max_length"),
            min_length=q.get("min_length"),
            validators=validators,
            error_messages={
                **self._messages(q),
                "max_length": _("“%(label)s” must be %(n)d characters or fewer.")
                % {"label": label, "n": q.get("max_length") or 0},
                "min_length": _("“%(label)s” must be at least %(n)d characters.")
                % {"label": label, "n": q.get("min_length") or 0},
            },
            **extra,
        )
        return field

    # ---- one creator per question type ---------------------------------------------------
    def create_short_text_field(self, q: dict[str, Any]) -> None:
        self.fields[q["key"]] = self._text_field(q)

    def create_long_text_field(self, q: dict[str, Any]) -> None:
        self.fields[q["key"]] = self._text_field(q)

    def create_email_field(self, q: dict[str, Any]) -> None:
        messages = self._messages(q)
        messages["invalid"] = _(
            "Enter an e-mail address in the right format, like name@example.no."
        )
        self.fields[q["key"]] = forms.EmailField(
            required=q["required"], max_length=254, error_messages=messages
        )

    def create_number_field(self, q: dict[str, Any]) -> None:
        label = self._label(q)
        lo, hi = q.get("min"), q.get("max")
        if lo is not None and hi is not None:
            range_msg = _("Enter a number from %(min)s to %(max)s for “%(label)s”.")
        elif lo is not None:
            range_msg = _("Enter a number of at least %(min)s for “%(label)s”.")
        else:
            range_msg = _("Enter a number of at most %(max)s for “%(label)s”.")
        range_msg = range_msg % {"min": _fmt(lo), "max": _fmt(hi), "label": label}
        messages = {
            **self._messages(q),
            "min_value": range_msg,
            "max_value": range_msg,
            "max_digits": _("Enter a smaller number for “%(label)s”.") % {"label": label},
            "max_decimal_places": _("Use at most 4 decimals for “%(label)s”.") % {"label": label},
            "max_whole_digits": _("Enter a smaller number for “%(label)s”.") % {"label": label},
        }
        common: dict[str, Any] = {
            "required": q["required"],
            "min_value": Decimal(str(lo)) if lo is not None else None,
            "max_value": Decimal(str(hi)) if hi is not None else None,
            "error_messages": messages,
        }
        if q.get("decimals") == "decimal":
            messages["invalid"] = _("Enter a number for “%(label)s”, like 2,5.") % {"label": label}
            self.fields[q["key"]] = NumberField(max_digits=19, decimal_places=4, **common)
        else:
            messages["invalid"] = _("Enter a whole number for “%(label)s”.") % {"label": label}
            self.fields[q["key"]] = NumberField(max_digits=15, decimal_places=0, **common)

    def create_date_field(self, q: dict[str, Any]) -> None:
        messages = self._messages(q)
        messages["invalid"] = _("Enter a real date for “%(label)s”, like 24.12.2026.") % {
            "label": self._label(q)
        }
        self.fields[q["key"]] = forms.DateField(
            required=q["required"],
            input_formats=["%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y"],
            error_messages=messages,
        )

    def _choice(self, q: dict[str, Any]) -> None:
        self.fields[q["key"]] = forms.ChoiceField(
            required=q["required"],
            choices=self._choices(q),
            error_messages=self._messages(q, choose=True),
        )

    create_single_choice_field = _choice
    create_dropdown_field = _choice
    create_yes_no_field = _choice
    create_likert_field = _choice
    create_nps_field = _choice
    create_rating_field = _choice

    def create_multiple_choice_field(self, q: dict[str, Any]) -> None:
        self.fields[q["key"]] = forms.MultipleChoiceField(
            required=q["required"],
            choices=self._choices(q),
            error_messages=self._messages(q, choose=True),
        )

    def create_matrix_field(self, q: dict[str, Any]) -> None:
        columns = [(c["key"], c["label"]) for c in q["columns"]]
        for row in q["rows"]:
            label = f"{self._label(q)}: {row['label']}"
            self.fields[f"{q['key']}.{row['key']}"] = forms.ChoiceField(
                required=q["required"],
                choices=columns,
                error_messages={
                    "required": _("Choose an answer for “%(label)s”.") % {"label": label},
                    "invalid_choice": _("Choose one of the answers given for “%(label)s”.")
                    % {"label": label},
                },
            )

    def create_ranking_field(self, q: dict[str, Any]) -> None:
        # Each place is its own select; completeness is checked once, in clean().
        self._choices(q)
        ranks = [(str(n), str(n)) for n in range(1, len(q["options"]) + 1)]
        for option in self.options[q["key"]]:
            label = f"{self._label(q)}: {option['label']}"
            self.fields[f"{q['key']}.{option['key']}"] = forms.ChoiceField(
                required=False,
                choices=[("", "–"), *ranks],
                error_messages={
                    "invalid_choice": _("Choose a place from the list for “%(label)s”.")
                    % {"label": label},
                },
            )

    def create_consent_field(self, q: dict[str, Any]) -> None:
        # Survey schemas always require it; the panel's optional consents do not.
        self.fields[q["key"]] = forms.BooleanField(
            required=q["required"],
            error_messages={
                "required": _("Tick the box to confirm: “%(label)s”.") % {"label": self._label(q)}
            },
        )

    # ---- cross-field rules -------------------------------------------------------------
    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data is None:  # a clean() returning None means "keep self.cleaned_data" (Django)
            data = self.cleaned_data
        if hasattr(self.data, "getlist"):
            for name, field in self.fields.items():
                if not isinstance(field, forms.MultipleChoiceField) and (
                    len(self.data.getlist(name)) > 1
                ):
                    self.add_error(name, _("Give only one answer here."))
        for q in self.questions:
            key, label = q["key"], self._label(q)
            value = data.get(key)
            if q.get("other"):
                chosen = OTHER in value if isinstance(value, list) else value == OTHER
                if chosen and not (data.get(f"{key}.other") or "").strip():
                    self.add_error(
                        key, _("Say what “Other” is for “%(label)s”.") % {"label": label}
                    )
            if q["type"] == "multiple_choice" and value:
                lo, hi = q.get("min_selections"), q.get("max_selections")
                if lo and len(value) < lo:
                    self.add_error(
                        key,
                        _("Choose at least %(n)d answers to “%(label)s”.")
                        % {"n": lo, "label": label},
                    )
                if hi and len(value) > hi:
                    self.add_error(
                        key,
                        _("Choose at most %(n)d answers to “%(label)s”.")
                        % {"n": hi, "label": label},
                    )
            if q["type"] == "ranking":
                names = [f"{key}.{o['key']}" for o in q["options"]]
                given = [data.get(n) for n in names if data.get(n)]
                if (given or q["required"]) and len(given) != len(names):
                    self.add_error(
                        names[0], _("Give every item in “%(label)s” a place.") % {"label": label}
                    )
                elif len(set(given)) != len(given):
                    self.add_error(
                        names[0],
                        _("Give each item in “%(label)s” a different place.") % {"label": label},
                    )
        return data

    # ---- output ------------------------------------------------------------------------
    def answers(self) -> dict[str, Any]:
        """The cleaned answers of this step as JSON values, keyed by question key."""
        data = self.cleaned_data
        result: dict[str, Any] = {}
        for q in self.questions:
            key, kind = q["key"], q["type"]
            if kind == "matrix":
                rows = {r["key"]: data.get(f"{key}.{r['key']}") for r in q["rows"]}
                rows = {k: v for k, v in rows.items() if v}
                if rows:
                    result[key] = rows
            elif kind == "ranking":
                ranks = {o["key"]: data.get(f"{key}.{o['key']}") for o in q["options"]}
                if all(ranks.values()):
                    result[key] = sorted(ranks, key=lambda k: int(ranks[k] or 0))
            elif key not in data or data[key] in (None, "", []):
                continue
            elif kind == "number":
                number = data[key]
                result[key] = int(number) if q.get("decimals") != "decimal" else float(number)
            elif kind in ("likert", "nps", "rating"):
                result[key] = int(data[key])
            elif kind == "date":
                result[key] = data[key].isoformat()
            elif kind == "multiple_choice":
                order = [o["key"] for o in q["options"]] + [OTHER]
                result[key] = sorted(data[key], key=order.index)
            elif kind == "consent":
                if data[key] is True:  # an optional consent left unticked is no consent
                    result[key] = True
            elif isinstance(data[key], str):
                result[key] = data[key].strip()
            if q.get("other") and OTHER in (result.get(key) or []):
                result[f"{key}.other"] = (data.get(f"{key}.other") or "").strip()
        return result

    def view_key(self) -> str | None:
        """What this form's rendered questions depend on besides the survey version and
        the language — the questions shown and the answers piped into their labels — or
        None when they also depend on the respondent: a bound form shows values and
        errors, and shuffled options are in the respondent's own order."""
        if self.is_bound or any(q.get("randomise") for q in self.questions):
            return None
        shown = ",".join(q["key"] for q in self.questions)
        if not self.pipes:
            return shown
        piped = hashlib.sha256(repr(sorted(self.pipes.items())).encode()).hexdigest()[:24]
        return f"{shown}:{piped}"

    def view(self) -> list[dict[str, Any]]:
        """Plain dicts for the step template: label, hint, inputs, values and errors."""
        out = []
        for q in self.questions:
            kind, key = q["type"], q["key"]
            item: dict[str, Any] = {"type": kind, "key": key, "q": q}
            if kind == "heading":
                item["text"] = pipe(q["text"], self.pipes)
                out.append(item)
                continue
            if kind == "info":
                item["html"] = q["html"]
                out.append(item)
                continue
            item.update(
                label=self._label(q),
                help=pipe(q.get("help", ""), self.pipes),
                required=q["required"],
                id=field_id(key),
                name=key,
                errors=self._errors_for(key),
                value=self._value(key),
            )
            if kind in ("matrix", "ranking"):
                subs = q["rows"] if kind == "matrix" else self.options[key]
                item["rows"] = [
                    {
                        "label": s["label"],
                        "name": f"{key}.{s['key']}",
                        "id": field_id(f"{key}.{s['key']}"),
                        "value": self._value(f"{key}.{s['key']}"),
                        "errors": self._errors_for(f"{key}.{s['key']}"),
                    }
                    for s in subs
                ]
                item["errors"] = [e for r in item["rows"] for e in r["errors"]]
                item["columns"] = q.get("columns") or [
                    {"key": str(n), "label": str(n)} for n in range(1, len(subs) + 1)
                ]
            elif key in self.options:
                item["left"] = q.get("left_label", "")
                item["right"] = q.get("right_label", "")
                item["scale"] = kind in ("likert", "nps", "rating")
                values = item["value"] if isinstance(item["value"], list) else [item["value"]]
                item["options"] = [
                    {
                        **o,
                        "id": f"{item['id']}-{i}",
                        "checked": o["key"] in values,
                    }
                    for i, o in enumerate(self.options[key])
                ]
                if q.get("other"):
                    item["other_name"] = f"{key}.other"
                    item["other_id"] = field_id(f"{key}.other")
                    item["other_value"] = self._value(f"{key}.other")
                    item["errors"] += self._errors_for(f"{key}.other")
            out.append(item)
        return out

    def _errors_for(self, name: str) -> list[str]:
        # Iterating an ErrorList yields its messages as str (ErrorList.__getitem__);
        # django-stubs types its items as ValidationError | str.
        return list(self.errors.get(name, [])) if self.is_bound else []  # type: ignore[arg-type]

    def _value(self, name: str) -> Any:
        if not self.is_bound:
            return self.initial.get(name, "")
        field = self.fields.get(name)
        if isinstance(field, forms.MultipleChoiceField):
            return self.data.getlist(name) if hasattr(self.data, "getlist") else []
        value = self.data.get(name, "")
        return value[-1] if isinstance(value, list) else value

    def error_list(self) -> list[dict[str, str]]:
        """(message, anchor) for the error summary, in page order."""
        items = []
        for item in self.view():
            if item.get("rows"):
                for row in item["rows"]:
                    items += [{"message": e, "href": f"#{row['id']}"} for e in row["errors"]]
            else:
                target = item.get("id", "")
                if item.get("options"):
                    target = item["options"][0]["id"]
                items += [{"message": e, "href": f"#{target}"} for e in item.get("errors", [])]
        for error in self.non_field_errors():
            items.append({"message": error, "href": "#main"})
        return items


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


class FlowPreviewForm(forms.Form):
    """The flow page's preview chooser: the page to start at and answers to earlier pages'
    questions (every one optional). Built from a compiled schema; the answers it returns are
    keyed like a response's, so the preview runs them through surveys.logic like the wizard.
    Option questions offer their options; anything else is typed."""

    def __init__(self, *args: Any, schema: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema
        steps = schema["steps"]
        self.fields["start"] = forms.TypedChoiceField(
            label=_("Start at"),
            coerce=int,
            choices=[
                (i, _("Page %(n)d") % {"n": i + 1} + (f": {s['title']}" if s.get("title") else ""))
                for i, s in enumerate(steps)
            ],
            initial=0,
        )
        self.groups: list[dict[str, Any]] = []
        for i, step in enumerate(steps[:-1]):
            names = []
            for q in step["questions"]:
                field = self._answer_field(q)
                if field is not None:
                    name = f"answer-{q['key']}"
                    self.fields[name] = field
                    names.append(name)
            if names:
                legend = _("Answers on page %(n)d") % {"n": i + 1}
                self.groups.append({"legend": legend, "names": names, "page": i})

    def _answer_field(self, q: dict[str, Any]) -> forms.Field | None:
        label = str(q.get("label") or q.get("text") or q["key"])
        if q["type"] in ("heading", "info", "matrix", "ranking"):
            return None
        if q.get("options") is not None:
            labels = {"yes": _("Yes"), "no": _("No")}
            choices = [
                (o["key"], o["label"] or labels.get(o["key"], o["key"])) for o in q["options"]
            ]
            if q.get("other"):
                choices.append((OTHER, _("Other")))
            if q["type"] == "multiple_choice":
                return forms.MultipleChoiceField(
                    label=label,
                    choices=choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
            return forms.ChoiceField(
                label=label, choices=[("", _("(no answer)")), *choices], required=False
            )
        return forms.CharField(label=label, required=False, max_length=500)

    def bound_groups(self) -> list[dict[str, Any]]:
        return [{**g, "fields": [self[name] for name in g["names"]]} for g in self.groups]

    def preview_request(self) -> tuple[int, dict[str, Any]]:
        """(start page index, answers to the pages before it); call after is_valid()."""
        start = int(self.cleaned_data.get("start") or 0)
        answers: dict[str, Any] = {}
        for group in self.groups:
            if group["page"] >= start:
                continue
            for name in group["names"]:
                value = self.cleaned_data.get(name)
                if value not in (None, "", []):
                    answers[name.removeprefix("answer-")] = value
        return start, answers
