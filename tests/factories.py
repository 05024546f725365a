"""Test data: libraries (sites), researchers and surveys, built the way editors build them."""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from cms.models import HomePage
from cms.services import researchers_group_ensure
from surveys.models import Channel, SurveyPage


def tree_root() -> Page:
    """Wagtail's tree root, made again if a transactional test's flush removed the one (and
    the nb locale) that the migrations made."""
    locale, _ = Locale.objects.get_or_create(language_code="nb")
    root = Page.get_first_root_node()
    if root is None:
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale))
    return root


def library(slug: str, hostname: str, default: bool = False) -> HomePage:
    """A library: a home page as the root of its own Wagtail site."""
    root = tree_root()
    home = HomePage(title=slug.title(), slug=slug)
    root.add_child(instance=home)
    home.save_revision().publish()
    Site.objects.filter(hostname=hostname, port=80).delete()
    if default:
        Site.objects.filter(is_default_site=True).update(is_default_site=False)
    Site.objects.create(
        hostname=hostname, port=80, root_page=home, is_default_site=default, site_name=slug.title()
    )
    return home


def researcher(username: str, home: Page):
    """A user in the library's researchers group (edit/publish under its home page only)."""
    group = researchers_group_ensure(name=f"{home.slug} researchers", homes=[home])
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    user.groups.add(group)
    return user


def q(kind: str, key: str, label: str = "", required: bool = True, **extra: Any) -> dict:
    value = {
        "key": key,
        "label": label or key,
        "required": required,
        "help_text": "",
        "show_if": extra.pop("show_if", {"match": "all", "rules": []}),
    }
    for name in ("options", "rows", "columns"):
        if name in extra:
            extra[name] = [
                {
                    "type": "item",
                    "value": {"key": o, "label": o.title(), "fixed": o in extra.get("fixed", [])},
                }
                for o in extra[name]
            ]
    extra.pop("fixed", None)
    value.update(extra)
    return {"type": kind, "value": value}


def cond(*rules: tuple[str, str, str], match: str = "all") -> dict:
    return {
        "match": match,
        "rules": [
            {"type": "item", "value": {"question": a, "operator": b, "value": c}}
            for a, b, c in rules
        ],
    }


def step(
    key: str,
    *questions: dict,
    title: str = "",
    show_if: dict | None = None,
    skip: list[tuple[dict, str]] | None = None,
) -> dict:
    return {
        "type": "step",
        "value": {
            "key": key,
            "title": title or key.title(),
            "intro": "",
            "questions": list(questions),
            "show_if": show_if or {"match": "all", "rules": []},
            "skip_rules": [
                {"type": "item", "value": {"when": w, "target": t}} for w, t in skip or []
            ],
        },
    }


def survey(
    home: Page,
    body: list[dict],
    slug: str = "survey",
    channels: list[tuple[str, str, str]] | None = None,
    **fields: Any,
) -> SurveyPage:
    page = SurveyPage(title=slug.title(), slug=slug, body=body, **fields)
    home.add_child(instance=page)
    for kind, name, origins in channels or []:
        page.channels.add(Channel(kind=kind, name=name, allowed_origins=origins))
    page.save_revision().publish()
    return SurveyPage.objects.get(pk=page.pk)


BRANCHING = [
    step(
        "about",
        q("yes_no", "card", "Do you have a library card?"),
        q(
            "single_choice",
            "why",
            "What brought you?",
            options=["author", "topic", "friends"],
            other=True,
        ),
    ),
    step(
        "loans",
        q("single_choice", "loans", "How often?", options=["never", "few", "many"]),
        q("multiple_choice", "uses", "Uses", required=False, options=["books", "wifi", "study"]),
        show_if=cond(("card", "equals", "yes")),
    ),
    step(
        "rate",
        q(
            "likert",
            "satisfied",
            "How satisfied are you after {why}?",
            points="5",
            left_label="Bad",
            right_label="Good",
        ),
        q("long_text", "comment", "Comment", required=False, max_length=200),
    ),
]


def display(kind: str, key: str, text: str) -> dict:
    """A display-only block: ``heading`` (plain text) or ``info`` (rich-text HTML)."""
    return {
        "type": kind,
        "value": {"key": key, "text": text, "show_if": {"match": "all", "rules": []}},
    }


def standard_page(home: Page, slug: str, title: str, body: str) -> Page:
    """A published text page (privacy or accessibility statement) under a library's home."""
    from cms.models import StandardPage

    page = StandardPage(title=title, slug=slug, body=body)
    home.add_child(instance=page)
    page.save_revision().publish()
    return StandardPage.objects.get(pk=page.pk)


def translation(page: Page, language: str = "en") -> Page:
    """Publish a translated copy of ``page`` (its parents become aliases when untranslated)."""
    locale, _ = Locale.objects.get_or_create(language_code=language)
    copy = page.copy_for_translation(locale, copy_parents=True)
    copy.save_revision().publish()
    return copy.specific_class.objects.get(pk=copy.pk)


# One page with one question of every type (display blocks included), every answer required.
ALL_TYPES = [
    step(
        "alle",
        display("heading", "overskrift", "Om deg og biblioteket"),
        display("info", "info", "<p>Alle spørsmål må besvares. <b>Svarene er anonyme.</b></p>"),
        q(
            "short_text",
            "postnummer",
            "Postnummer",
            help_text="Fire sifre",
            pattern="[0-9]{4}",
            pattern_message="Skriv postnummeret med fire sifre, som 4006.",
            max_length=4,
        ),
        q("long_text", "forslag", "Hva kan biblioteket gjøre bedre?", min_length=5),
        q("number", "alder", "Alder", min_value=0, max_value=120),
        q("email", "epost", "E-postadresse"),
        q("date", "besok", "Når var du sist på biblioteket?"),
        q(
            "single_choice",
            "hvorfor",
            "Hva kom du for?",
            options=["lane", "arrangement", "lese"],
            other=True,
        ),
        q(
            "multiple_choice",
            "bruk",
            "Hva bruker du?",
            options=["boker", "wifi", "studieplass", "aviser"],
            min_selections=2,
            max_selections=3,
        ),
        q("dropdown", "filial", "Filial", options=["sentrum", "madla", "tasta"]),
        q("yes_no", "kort", "Har du lånekort?"),
        q(
            "likert",
            "fornoyd",
            "Hvor fornøyd er du?",
            points="5",
            left_label="Svært misfornøyd",
            right_label="Svært fornøyd",
        ),
        q(
            "matrix",
            "tilbud",
            "Hvordan vurderer du",
            rows=["apningstider", "utvalg"],
            columns=["darlig", "ok", "bra"],
        ),
        q(
            "nps",
            "anbefale",
            "Hvor sannsynlig er det at du anbefaler biblioteket?",
            left_label="Svært lite sannsynlig",
            right_label="Svært sannsynlig",
        ),
        q(
            "rating",
            "stjerner",
            "Gi biblioteket en karakter",
            left_label="Dårlig",
            right_label="Bra",
        ),
        q(
            "ranking",
            "viktigst",
            "Ranger etter hva som er viktigst",
            options=["ro", "hjelp", "apent"],
        ),
        q("consent", "samtykke", "Jeg har lest hvordan svarene brukes"),
        title="Alle spørsmålstyper",
    ),
]
# Every answerable question in ALL_TYPES (each shows an error when the page is sent empty).
ALL_TYPES_QUESTIONS = 15


CONSENT_TEXTS = {
    "panel": ("Jeg vil være med i brukerpanelet.", "I want to join the user panel."),
    "loan_linking": (
        "Dere kan koble svarene mine med lånestatistikk.",
        "You may link my answers with loan statistics.",
    ),
    "interviews": ("Jeg kan bli spurt om intervju.", "You may ask me for an interview."),
}


def panel_signup(home: Page, *, purposes: tuple[str, ...], screener: list[dict]):
    """A published panel sign-up page with consent texts for the given purposes."""
    from panel.models import ConsentText, PanelSignupPage

    site = Site.objects.get(root_page=home)
    for purpose in purposes:
        text_nb, text_en = CONSENT_TEXTS[purpose]
        ConsentText.objects.create(library=site, purpose=purpose, text_nb=text_nb, text_en=text_en)
    page = PanelSignupPage(title="Bli med i brukerpanelet", slug="panel", screener=screener)
    home.add_child(instance=page)
    page.save_revision().publish()
    return PanelSignupPage.objects.get(pk=page.pk)


def panel_members(site, n: int, *, text=None, prefix: str = "m", attributes=None) -> list:
    """n active, confirmed members in bulk (bulk_create skips save(), so the pseudonym is set
    here), each with the panel consent ``text`` given when one is passed. Returns their ids."""
    import uuid

    from django.utils import timezone

    from panel.models import ConsentRecord, PanelMember
    from panel.pseudonyms import member_pseudonym

    now = timezone.now()
    rows = []
    for i in range(n):
        pk = uuid.uuid4()
        rows.append(
            PanelMember(
                id=pk,
                library=site,
                email=f"{prefix}{i}@example.no",
                language="nb",
                age_band="20-24",
                attributes=attributes or {},
                status=PanelMember.Status.ACTIVE,
                confirmed_at=now,
                last_active_at=now,
                pseudonym=member_pseudonym(pk),
            )
        )
    PanelMember.objects.bulk_create(rows, batch_size=1000)
    if text is not None:
        ConsentRecord.objects.bulk_create(
            [ConsentRecord(member=m, purpose=text.purpose, text=text, given=True) for m in rows],
            batch_size=1000,
        )
    return [m.pk for m in rows]


def responses(
    page, n: int, *, seed: int = 1, channel=None, pseudonym: str = "", **answers: Any
) -> list:
    """``n`` synthetic finished responses to ``page``'s live version (surveys/synthetic.py),
    with ``answers`` overriding generated values (``pseudonym``: a panel member's)."""
    import random

    from surveys.models import Response
    from surveys.selectors import survey_live_version
    from surveys.synthetic import synthetic_answers

    version = survey_live_version(page)
    rng = random.Random(seed)
    return Response.objects.bulk_create(
        Response(
            survey=page,
            version=version,
            channel=channel,
            channel_kind=channel.kind if channel else "link",
            language="nb",
            answers={**synthetic_answers(version.schema, rng), **answers},
            submitted_on=timezone.localdate(),
            pseudonym=pseudonym,
        )
        for _ in range(n)
    )


def accessibility_statement(home: Page, rows: list[dict] | None = None, **fields: Any) -> Page:
    """A published accessibility statement under a library's home, with criterion rows
    (``{"criterion": "1.1.1", "status": "met", ...}``)."""
    from datetime import date

    from cms.models import AccessibilityCriterionRow, AccessibilityStatementPage

    values = {
        "title": "Tilgjengelighetserklæring",
        "slug": "tilgjengelighet",
        "contact_email": "post@example.no",
        "statement_date": date(2026, 12, 1),
        "assessment": "Automatiske tester og en gjennomgang i biblioteket.",
        **fields,
    }
    page = AccessibilityStatementPage(**values)
    page.criteria = [AccessibilityCriterionRow(**row) for row in rows or []]
    home.add_child(instance=page)
    page.save_revision().publish()
    return AccessibilityStatementPage.objects.get(pk=page.pk)
