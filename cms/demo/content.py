"""Demo content drawn from the libraries' own story (shared/CONTEXT.md): Sølvberget's
"Brukerinnsikt 2.0" event-visitor survey and Bærum's survey on digital services.

Each text is (Norwegian Bokmål, English) or (Norwegian Bokmål, English, Norwegian Nynorsk);
``lang`` is the index (0 nb, 1 en, 2 nn), and a text without a Nynorsk version reads in
Bokmål. Keys are fixed so every translation shares them.
"""

from typing import Any

T = tuple[str, str] | tuple[str, str, str]

NB, EN, NN = 0, 1, 2  # the indexes of a text's translations


def text(value: T, lang: int) -> str:
    """``value`` in language ``lang``; Bokmål where it has no such translation."""
    return value[lang] if lang < len(value) else value[NB]


def _opts(*options: tuple[str, T] | tuple[str, T, bool], lang: int) -> list[dict[str, Any]]:
    out = []
    for option in options:
        key, label = option[0], option[1]
        fixed = bool(option[2]) if len(option) > 2 else False  # type: ignore[misc]
        out.append(
            {"type": "item", "value": {"key": key, "label": text(label, lang), "fixed": fixed}}
        )
    return out


def _cond(*rules: tuple[str, str, str], match: str = "all") -> dict[str, Any]:
    return {
        "match": match,
        "rules": [
            {"type": "item", "value": {"question": q, "operator": op, "value": v}}
            for q, op, v in rules
        ],
    }


def _q(
    kind: str,
    key: str,
    label: T,
    lang: int,
    required: bool = True,
    help_text: T = ("", ""),
    show_if: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    value = {
        "key": key,
        "label": text(label, lang),
        "help_text": text(help_text, lang),
        "required": required,
        "show_if": show_if or {"match": "all", "rules": []},
    }
    for name, v in extra.items():
        value[name] = (
            text(v, lang)
            if isinstance(v, tuple) and len(v) in (2, 3) and all(isinstance(x, str) for x in v)
            else v
        )
    return {"type": kind, "value": value}


def _step(
    key: str,
    title: T,
    lang: int,
    questions: list[dict[str, Any]],
    show_if: dict[str, Any] | None = None,
    skip: list[dict[str, Any]] | None = None,
    intro: T = ("", ""),
) -> dict[str, Any]:
    return {
        "type": "step",
        "value": {
            "key": key,
            "title": text(title, lang),
            "intro": text(intro, lang),
            "questions": questions,
            "show_if": show_if or {"match": "all", "rules": []},
            "skip_rules": [{"type": "item", "value": s} for s in (skip or [])],
        },
    }


AGE = [
    ("under-20", ("Under 20 år", "Under 20")),
    ("20-29", ("20–29 år", "20–29")),
    ("30-49", ("30–49 år", "30–49")),
    ("50-66", ("50–66 år", "50–66")),
    ("67-plus", ("67 år eller eldre", "67 or older")),
]


def solvberget_events(lang: int) -> list[dict[str, Any]]:
    return [
        _step(
            "om-deg",
            ("Om deg", "About you"),
            lang,
            [
                _q(
                    "yes_no",
                    "lanekort",
                    ("Har du lånekort på biblioteket?", "Do you have a library card?"),
                    lang,
                ),
                _q(
                    "dropdown",
                    "alder",
                    ("Hvor gammel er du?", "How old are you?"),
                    lang,
                    options=_opts(*AGE, lang=lang),
                ),
                _q(
                    "single_choice",
                    "livsfase",
                    ("Hva passer best på deg nå?", "What describes you best right now?"),
                    lang,
                    options=_opts(
                        ("elev", ("Elev i videregående skole", "Upper-secondary pupil")),
                        ("student", ("Student", "Student")),
                        ("jobb", ("I jobb", "Working")),
                        ("annet", ("Annet", "Something else"), True),
                        lang=lang,
                    ),
                ),
            ],
        ),
        _step(
            "lan",
            ("Lån", "Borrowing"),
            lang,
            [
                _q(
                    "single_choice",
                    "lan-per-ar",
                    (
                        "Hvor mange ganger lånte du noe det siste året?",
                        "How often did you borrow something last year?",
                    ),
                    lang,
                    options=_opts(
                        ("0", ("Ingen ganger", "Never")),
                        ("1-3", ("1–3 ganger", "1–3 times")),
                        ("4-12", ("4–12 ganger", "4–12 times")),
                        ("13-plus", ("Mer enn 12 ganger", "More than 12 times")),
                        lang=lang,
                    ),
                ),
                _q(
                    "multiple_choice",
                    "bruker",
                    ("Hva bruker du biblioteket til?", "What do you use the library for?"),
                    lang,
                    required=False,
                    help_text=(
                        "Velg alt som passer.",
                        "Choose all that apply.",
                        "Vel alt som passar.",
                    ),
                    randomise=True,
                    other=True,
                    options=_opts(
                        ("laane", ("Låne bøker", "Borrowing books")),
                        ("studere", ("Studere og gjøre lekser", "Studying and homework")),
                        ("aviser", ("Lese aviser og blader", "Reading newspapers")),
                        ("mote", ("Møte andre", "Meeting people")),
                        ("wifi", ("Bruke wifi", "Using the wifi")),
                        lang=lang,
                    ),
                ),
            ],
            show_if=_cond(("lanekort", "equals", "yes")),
        ),
        _step(
            "i-dag",
            ("Dagens arrangement", "Today's event"),
            lang,
            [
                _q(
                    "single_choice",
                    "hvorfor",
                    ("Hva fikk deg til å komme i dag?", "What brought you here today?"),
                    lang,
                    other=True,
                    options=_opts(
                        ("forfatter", ("Forfatteren", "The author")),
                        ("tema", ("Temaet", "The topic")),
                        ("venner", ("Venner tok meg med", "Friends brought me")),
                        ("tilfeldig", ("Jeg var her uansett", "I was here anyway")),
                        lang=lang,
                    ),
                ),
                _q(
                    "likert",
                    "fornoyd",
                    (
                        "Hvor fornøyd er du med arrangementet?",
                        "How satisfied are you with the event?",
                    ),
                    lang,
                    points="5",
                    left_label=("Svært misfornøyd", "Very dissatisfied"),
                    right_label=("Svært fornøyd", "Very satisfied"),
                ),
                _q(
                    "nps",
                    "anbefale",
                    (
                        "Hvor sannsynlig er det at du anbefaler bibliotekets "
                        "arrangementer til en venn?",
                        "How likely are you to recommend the library's events to a friend?",
                    ),
                    lang,
                    left_label=("Svært lite sannsynlig", "Not at all likely"),
                    right_label=("Svært sannsynlig", "Extremely likely"),
                ),
            ],
            skip=[],
        ),
        _step(
            "til-slutt",
            ("Til slutt", "Finally"),
            lang,
            [
                _q(
                    "long_text",
                    "kommentar",
                    (
                        "Du kom for «{hvorfor}». Hva kunne gjort dagen enda bedre?",
                        "You came for “{hvorfor}”. What would have made the day even better?",
                    ),
                    lang,
                    required=False,
                    max_length=2000,
                ),
            ],
            skip=[],
        ),
    ]


def baerum_digital(lang: int) -> list[dict[str, Any]]:
    services = [
        ("takeaway", ("Takeaway-bibliotek", "Takeaway library", "Takeaway-bibliotek")),
        ("strommet", ("Strømmede arrangementer", "Streamed events", "Strøymde arrangement")),
        ("podkast", ("Podkastserien", "The podcast series", "Podkastserien")),
        ("sprakkafe", ("Digital språkkafé", "Digital language café", "Digital språkkafé")),
        ("ebok", ("E-bøker", "E-books", "E-bøker")),
        ("elydbok", ("E-lydbøker", "E-audiobooks", "E-lydbøker")),
    ]
    return [
        _step(
            "tjenester",
            ("Digitale tjenester", "Digital services", "Digitale tenester"),
            lang,
            [
                _q(
                    "multiple_choice",
                    "brukt",
                    (
                        "Hvilke tjenester har du brukt siden 2020?",
                        "Which services have you used since 2020?",
                        "Kva tenester har du brukt sidan 2020?",
                    ),
                    lang,
                    required=False,
                    help_text=(
                        "Velg alt som passer.",
                        "Choose all that apply.",
                        "Vel alt som passar.",
                    ),
                    options=_opts(*services, lang=lang),
                ),
                _q(
                    "number",
                    "ebok-antall",
                    (
                        "Omtrent hvor mange e-bøker og e-lydbøker lånte du i fjor?",
                        "About how many e-books and e-audiobooks did you borrow last year?",
                        "Omtrent kor mange e-bøker og e-lydbøker lånte du i fjor?",
                    ),
                    lang,
                    required=False,
                    min_value=0,
                    max_value=500,
                    decimals="integer",
                ),
            ],
            skip=[{"when": _cond(("brukt", "not_answered", "")), "target": "end"}],
        ),
        _step(
            "vurdering",
            ("Din vurdering", "Your view", "Korleis du vurderer det"),
            lang,
            [
                _q(
                    "rating",
                    "ebibliotek",
                    (
                        "Hvordan vurderer du e-biblioteket?",
                        "How do you rate the e-library?",
                        "Korleis vurderer du e-biblioteket?",
                    ),
                    lang,
                    left_label=("Dårlig", "Poor", "Dårleg"),
                    right_label=("Utmerket", "Excellent", "Utmerkt"),
                ),
                _q(
                    "matrix",
                    "enighet",
                    ("Hvor enig er du?", "How much do you agree?", "Kor einig er du?"),
                    lang,
                    rows=_opts(
                        (
                            "hjem",
                            (
                                "Biblioteket kommer hjem til meg",
                                "The library comes home to me",
                                "Biblioteket kjem heim til meg",
                            ),
                        ),
                        (
                            "reise",
                            (
                                "Jeg reiser mindre for å låne",
                                "I travel less to borrow",
                                "Eg reiser mindre for å låne",
                            ),
                        ),
                        lang=lang,
                    ),
                    columns=_opts(
                        ("uenig", ("Uenig", "Disagree", "Ueinig")),
                        ("noytral", ("Verken eller", "Neither", "Verken eller")),
                        ("enig", ("Enig", "Agree", "Einig")),
                        lang=lang,
                    ),
                ),
                _q(
                    "ranking",
                    "viktigst",
                    (
                        "Ranger tjenestene etter hvor viktige de er for deg",
                        "Rank the services by how important they are to you",
                        "Ranger tenestene etter kor viktige dei er for deg",
                    ),
                    lang,
                    required=False,
                    options=_opts(*services[:4], lang=lang),
                ),
                _q(
                    "consent",
                    "samtykke",
                    (
                        "Jeg forstår at svarene lagres uten navn.",
                        "I understand that the answers are stored without my name.",
                        "Eg forstår at svara blir lagra utan namn.",
                    ),
                    lang,
                ),
            ],
        ),
    ]


SITES = [
    {
        "slug": "solvberget",
        "hostname": "localhost",
        "default": True,
        "name": ("Sølvberget", "Sølvberget", "Sølvberget"),
        "library_name": "Sølvberget – Stavanger bibliotek og kulturhus",
        "intro": (
            "<p>Hjelp oss å lage et bedre bibliotek. Svarene er anonyme.</p>",
            "<p>Help us make a better library. Your answers are anonymous.</p>",
            "<p>Hjelp oss å lage eit betre bibliotek. Svara er anonyme.</p>",
        ),
        "group": "Sølvberget researchers",
        "researcher": "forsker.stavanger",
        "survey": {
            "slug": ("brukerinnsikt-arrangementer", "user-insight-events"),
            "title": ("Brukerinnsikt 2.0: arrangementer", "User insight 2.0: events"),
            "intro": (
                "<p>Tar to minutter. Vi lagrer ikke hvem du er.</p>",
                "<p>Takes two minutes. We do not store who you are.</p>",
            ),
            "body": solvberget_events,
            "channels": [
                ("qr", "Bokbad 12. mars", ""),
                ("embed", "SK-Public wifi", "https://wifi.stavanger.kommune.no"),
                ("link", "Nyhetsbrev", ""),
            ],
            "responses": 320,
        },
    },
    {
        "slug": "baerum",
        "hostname": "baerum.localhost",
        "default": False,
        "name": ("Bærum bibliotek", "Bærum Library", "Bærum bibliotek"),
        "library_name": "Bærum bibliotek",
        "intro": (
            "<p>Biblioteket kommer hjem til deg. Fortell oss hvordan det fungerer.</p>",
            "<p>The library comes home to you. Tell us how it works.</p>",
            "<p>Biblioteket kjem heim til deg. Fortel oss korleis det fungerer.</p>",
        ),
        "group": "Bærum researchers",
        "researcher": "forsker.baerum",
        "survey": {
            "slug": ("digitale-tjenester", "digital-services", "digitale-tenester"),
            "title": (
                "Bibliotekets digitale tjenester",
                "The library's digital services",
                "Dei digitale tenestene til biblioteket",
            ),
            "intro": (
                "<p>Om takeaway, strømming, podkast, språkkafé og e-bøker.</p>",
                "<p>About takeaway, streaming, podcast, language café and e-books.</p>",
                "<p>Om takeaway, strøyming, podkast, språkkafé og e-bøker.</p>",
            ),
            # Translated into Nynorsk too (the demo's nn survey: same keys as the original);
            # title, slug, intro and questions from their third texts.
            "nynorsk": {
                "thank_you_text": (
                    "<p>Tusen takk! Svara hjelper oss å lage eit betre bibliotek.</p>"
                ),
                "closed_text": "<p>Undersøkinga er avslutta.</p>",
            },
            "body": baerum_digital,
            "channels": [("link", "Nettsiden", "")],
            "responses": 180,
        },
    },
]

# (title nb, title en, body nb, body en, title nn, body nn)
ACCESSIBILITY = (
    "Tilgjengelighetserklæring",
    "Accessibility statement",
    "<p>Vi følger kravene til universell utforming (WCAG 2.1 AA). Alle skjemaer fungerer uten "
    "JavaScript, med tastatur og med skjermleser. Fant du en feil? Skriv til oss, så retter vi "
    "den.</p>",
    "<p>We follow the universal-design requirements (WCAG 2.1 AA). Every form works without "
    "JavaScript, with a keyboard and with a screen reader. Found a problem? Write to us and we "
    "will fix it.</p>",
    "Tilgjengeerklæring",
    "<p>Vi følgjer krava til universell utforming (WCAG 2.1 AA). Alle skjema fungerer utan "
    "JavaScript, med tastatur og med skjermlesar. Fann du ein feil? Skriv til oss, så rettar "
    "vi han.</p>",
)
# Sølvberget's WCAG statement (cms.AccessibilityStatementPage): how it was assessed, and
# the criteria a librarian assessed by hand.
STATEMENT_ASSESSMENT = (
    "Automatiske tester (axe-core, tastatur og uten JavaScript i Chromium) og en gjennomgang "
    "i biblioteket.",
    "Automated tests (axe-core, keyboard and without JavaScript in Chromium) and a review by "
    "the library.",
    "Automatiske testar (axe-core, tastatur og utan JavaScript i Chromium) og ein gjennomgang "
    "i biblioteket.",
)
STATEMENT_ROWS = [
    ("1.2.1", "not_applicable", "Sidene har ikke lyd eller video."),
    ("1.2.2", "not_applicable", "Sidene har ikke video."),
    ("1.4.4", "met", "Sjekket med 200 % zoom i Firefox og Chromium."),
]
PRIVACY = (
    "Personvern",
    "Privacy",
    "<p>Spørreundersøkelsene er anonyme: vi lagrer ikke IP-adresse, nettleser eller "
    "tidspunkt, bare datoen. Resultater vises aldri for grupper på færre enn fem personer.</p>",
    "<p>The surveys are anonymous: we do not store IP address, browser or time, only the "
    "date. Results are never shown for groups of fewer than five people.</p>",
    "Personvern",
    "<p>Spørjeundersøkingane er anonyme: vi lagrar ikkje IP-adresse, nettlesar eller "
    "tidspunkt, berre datoen. Resultat blir aldri viste for grupper på færre enn fem "
    "personar.</p>",
)


# The panel (Sølvberget): consent texts per purpose, the sign-up page's screener, a segment.
CONSENTS = {
    "panel": (
        "Jeg vil være med i Sølvbergets brukerpanel. Dere kan sende meg e-post om "
        "undersøkelser og intervjuer, høyst tre ganger i kvartalet. Jeg kan melde meg ut når "
        "som helst.",
        "I want to join Sølvberget's user panel. You may e-mail me about surveys and "
        "interviews, at most three times a quarter. I can leave at any time.",
        "Eg vil vere med i brukarpanelet til Sølvberget. De kan sende meg e-post om "
        "undersøkingar og intervju, høgst tre gonger i kvartalet. Eg kan melde meg ut når "
        "som helst.",
    ),
    "loan_linking": (
        "Dere kan koble svarene mine med hvor mye jeg har lånt (i grupper, aldri enkeltlån).",
        "You may link my answers with how much I borrow (in bands, never single loans).",
        "De kan kople svara mine med kor mykje eg har lånt (i grupper, aldri enkeltlån).",
    ),
    "interviews": (
        "Dere kan spørre meg om et intervju på 30 minutter.",
        "You may ask me for a 30-minute interview.",
        "De kan spørje meg om eit intervju på 30 minutt.",
    ),
}


def panel_screener(lang: int) -> list[dict[str, Any]]:
    return [
        _q("yes_no", "student", ("Er du elev eller student?", "Are you a pupil or student?"), lang),
        _q(
            "single_choice",
            "lan-per-ar",
            (
                "Omtrent hvor mange ganger låner du i året?",
                "About how often do you borrow in a year?",
            ),
            lang,
            options=_opts(
                ("0", ("Aldri", "Never")),
                ("1-3", ("1–3 ganger", "1–3 times")),
                ("4-12", ("4–12 ganger", "4–12 times")),
                ("13-plus", ("Oftere", "More often")),
                lang=lang,
            ),
        ),
        _q(
            "multiple_choice",
            "arrangementer",
            ("Hvilke arrangementer går du på?", "Which events do you go to?"),
            lang,
            required=False,
            options=_opts(
                ("bokbad", ("Bokbad og forfattermøter", "Author talks")),
                ("sprakkafe", ("Språkkafé", "Language café")),
                ("konserter", ("Konserter", "Concerts")),
                ("barn", ("Arrangementer for barn", "Children's events")),
                lang=lang,
            ),
        ),
    ]


# Interviews (Sølvberget): a guide for low-borrowing students, a codebook and typical notes.
GUIDE_SECTIONS = [
    {
        "type": "section",
        "value": {
            "title": "Oppvarming",
            "minutes": 5,
            "intro": "Presenter deg og prosjektet. Minn om at det ikke finnes feil svar.",
            "questions": [
                {
                    "text": "Fortell litt om deg selv: hva studerer du, og hvor bor du?",
                    "probes": [],
                },
                {
                    "text": "Når var du sist på biblioteket, og hva gjorde du der?",
                    "probes": ["Var du alene eller med noen?"],
                },
            ],
        },
    },
    {
        "type": "section",
        "value": {
            "title": "Lån og lesing",
            "minutes": 15,
            "intro": "",
            "questions": [
                {
                    "text": "Hva får deg til å låne – eller ikke låne – bøker?",
                    "probes": [
                        "Kan du gi et eksempel fra det siste halvåret?",
                        "Hva leser du ellers?",
                    ],
                },
                {
                    "text": "Hva vet du om det biblioteket tilbyr utenom bøker?",
                    "probes": ["E-bøker, arrangementer, studieplasser?"],
                },
            ],
        },
    },
    {
        "type": "section",
        "value": {
            "title": "Biblioteket som sted",
            "minutes": 10,
            "intro": "",
            "questions": [
                {
                    "text": "Hvis du kunne endre én ting ved biblioteket, hva ville det vært?",
                    "probes": ["Hvorfor akkurat det?"],
                }
            ],
        },
    },
]

# Code tree: (name, parent name or None).
CODES = [
    ("Barrierer", None),
    ("Tid", "Barrierer"),
    ("Åpningstider", "Barrierer"),
    ("Vet ikke hva som finnes", "Barrierer"),
    ("Biblioteket som sted", None),
    ("Studieplasser", "Biblioteket som sted"),
    ("Støy", "Biblioteket som sted"),
    ("Digitale tjenester", None),
]
THEMES = [
    (
        "Hindringer for å låne",
        "Det som holder studentene borte fra utlån.",
        ["Tid", "Åpningstider", "Vet ikke hva som finnes"],
    ),
    (
        "Biblioteket som studieplass",
        "Mange kommer for å lese til eksamen, ikke for å låne.",
        ["Studieplasser", "Støy"],
    ),
]
# Notes per question (index in the guide's question order) and the passages coded in them:
# (question index, note, [(passage, [codes], quotable)]).
INTERVIEW_NOTES = [
    [
        (
            1,
            "Kommer mest i eksamensperioden for å lese. Sitter i tredje etasje.",
            [("Kommer mest i eksamensperioden for å lese", ["Studieplasser"], False)],
        ),
        (
            2,
            "Har ikke tid til å lese noe annet enn pensum. Pensum kjøper jeg brukt.",
            [("Har ikke tid til å lese noe annet enn pensum", ["Tid"], True)],
        ),
        (
            3,
            "Visste ikke at man kunne låne e-bøker med lånekortet.",
            [
                (
                    "Visste ikke at man kunne låne e-bøker",
                    ["Vet ikke hva som finnes", "Digitale tjenester"],
                    True,
                )
            ],
        ),
    ],
    [
        (1, "Var på språkkafé i forrige uke med en venn.", []),
        (
            2,
            "Biblioteket stenger før jeg er ferdig på jobb på lørdager. "
            "Ring meg gjerne på 912 34 567 om det endres.",
            [("Biblioteket stenger før jeg er ferdig på jobb på lørdager", ["Åpningstider"], True)],
        ),
        (
            4,
            "Flere stille rom. Det er for mye støy ved inngangen.",
            [("Det er for mye støy ved inngangen", ["Støy"], False)],
        ),
    ],
    [
        (
            2,
            "Leser på mobilen. Lånekortet ligger hjemme et sted.",
            [("Leser på mobilen", ["Digitale tjenester"], False)],
        ),
        (
            3,
            "Trodde arrangementene var for pensjonister.",
            [("Trodde arrangementene var for pensjonister", ["Vet ikke hva som finnes"], False)],
        ),
    ],
    [
        (
            1,
            "Bruker lesesalen nesten hver dag i mai.",
            [("Bruker lesesalen nesten hver dag i mai", ["Studieplasser"], False)],
        ),
        (
            2,
            "Rekker ikke å levere i tide, og gebyrene skremmer.",
            [("Rekker ikke å levere i tide", ["Tid"], False)],
        ),
    ],
    [
        (
            2,
            "Jobber ved siden av studiet, så tiden strekker ikke til.",
            [("tiden strekker ikke til", ["Tid"], False)],
        ),
        (
            4,
            "Lengre åpent i eksamenstiden.",
            [("Lengre åpent i eksamenstiden", ["Åpningstider"], False)],
        ),
    ],
    [
        (
            3,
            "Kjente ikke til at man kan bestille bøker fra andre bibliotek.",
            [
                (
                    "Kjente ikke til at man kan bestille bøker fra andre bibliotek",
                    ["Vet ikke hva som finnes"],
                    False,
                )
            ],
        ),
        (
            4,
            "Flere stikkontakter ved studieplassene.",
            [("Flere stikkontakter ved studieplassene", ["Studieplasser"], False)],
        ),
    ],
]
