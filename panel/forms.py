"""The sign-up form as schema questions, so it renders and validates exactly like a survey
step (surveys.forms.StepForm and its templates)."""

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from surveys.schema import question

from .models import ConsentText, PanelSignupPage, Purpose

UNDER_18 = "under-18"
AGE_BANDS = [UNDER_18, "18-19", "20-24", "25-34", "35-49", "50-66", "67-plus"]


def _option(key: str, label: str) -> dict[str, Any]:
    return {"key": key, "label": label, "fixed": True}


def _consent_key(purpose: str) -> str:
    return f"consent-{purpose.replace('_', '-')}"


def signup_questions(
    page: PanelSignupPage, texts: dict[str, ConsentText | None], language: str
) -> list[dict[str, Any]]:
    """Minimum personal data, the page's screener, and one consent per purpose that has a
    text (only the panel consent is required)."""
    age_labels = {UNDER_18: _("Under 18"), "67-plus": _("67 or older")}
    fixed = [
        {
            "type": "email",
            "key": "email",
            "label": _("E-mail address"),
            "required": True,
            "help": _("We send a link to confirm it. We never share it."),
            "show_if": None,
        },
        {
            "type": "single_choice",
            "key": "language",
            "label": _("Language for our e-mails"),
            "required": True,
            "help": "",
            "show_if": None,
            "randomise": False,
            "other": False,
            # Every interface language, each named in itself (settings.LANGUAGES).
            "options": [_option(code, name) for code, name in settings.LANGUAGES],
        },
        {
            "type": "single_choice",
            "key": "age-band",
            "label": _("Your age"),
            "required": True,
            "help": _("You must be 18 or older to join on your own."),
            "show_if": None,
            "randomise": False,
            "other": False,
            "options": [_option(k, age_labels.get(k, k.replace("-", "–"))) for k in AGE_BANDS],
        },
    ]
    if texts.get(Purpose.LOAN_LINKING.value) is not None:
        fixed.append(
            {
                "type": "short_text",
                "key": "card",
                "label": _("Library card number"),
                "required": False,
                "show_if": None,
                "max_length": 24,
                "min_length": None,
                "help": _(
                    "Only if you agree below that we may link your answers with your "
                    "loans. We store a scrambled code, never the number."
                ),
                "pattern": r"[A-Za-z0-9 ]{4,24}",
                "pattern_message": _("Write the number on your library card, like N123456789."),
            }
        )
    screener = [question(item["type"], item["value"]) for item in page.screener.get_prep_value()]
    consents = []
    for purpose in Purpose:
        text = texts.get(purpose.value)
        if text is None:
            continue
        consents.append(
            {
                "type": "consent",
                "key": _consent_key(purpose.value),
                "label": text.text(language),
                "required": purpose == Purpose.PANEL,
                "help": "",
                "show_if": None,
            }
        )
    return [*fixed, *screener, *consents]


def signup_values(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
    """Split a valid form's answers into member fields, screener attributes and consents."""
    fixed = {"email", "language", "age-band", "card"}
    consent_keys = {_consent_key(p.value): p.value for p in Purpose}
    return {
        "email": answers["email"],
        "language": answers["language"],
        "age_band": answers["age-band"],
        "card": answers.get("card", ""),
        "attributes": {
            q["key"]: answers[q["key"]]
            for q in questions
            if q["key"] in answers and q["key"] not in fixed and q["key"] not in consent_keys
        },
        "consents": {purpose: bool(answers.get(key)) for key, purpose in consent_keys.items()},
    }
