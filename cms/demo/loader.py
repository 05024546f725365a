"""The demo loader (`manage.py load_demo`): two libraries (Wagtail sites) with researchers,
pages in Norwegian Bokmål, Nynorsk and English (Bærum's survey in all three), surveys with
channels, synthetic answers, a panel and an interview round. Idempotent. It sits on top of
every app: the only cms module the import contracts (pyproject.toml) let import surveys,
panel and research."""

import json
import random
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from cms.demo import content as demo
from cms.models import (
    AccessibilityCriterionRow,
    AccessibilityStatementPage,
    HomePage,
    LibrarySettings,
    StandardPage,
)
from cms.services import researchers_group_ensure
from panel.models import (
    Campaign,
    ConsentRecord,
    ConsentText,
    Invitation,
    PanelMember,
    PanelSignupPage,
    Segment,
    SignupChannel,
)
from research.models import (
    Excerpt,
    FindingsReportPage,
    InterviewBooking,
    InterviewCode,
    InterviewGuidePage,
    InterviewNote,
    InterviewParticipant,
    InterviewSlot,
    InterviewTheme,
    ProjectSurvey,
    ResearchProjectPage,
)
from surveys.models import Channel, Response, SurveyPage, SurveyStart
from surveys.schema import question
from surveys.selectors import survey_live_version
from surveys.synthetic import synthetic_answers

CREDENTIALS = settings.DATA_DIR / "demo-credentials.json"


def _credentials() -> dict[str, str]:
    if CREDENTIALS.exists():
        return json.loads(CREDENTIALS.read_text())
    data = {"password": secrets.token_urlsafe(9)}
    CREDENTIALS.write_text(json.dumps(data))
    CREDENTIALS.chmod(0o600)
    return data


def _publish(page: Page) -> None:
    page.save_revision().publish()


def _translate(page: Page, locale: Locale, **fields: Any) -> Page:
    translated = page.get_translation_or_none(locale)
    if translated is None:
        translated = page.copy_for_translation(locale, copy_parents=False)
    translated = translated.specific
    for name, value in fields.items():
        setattr(translated, name, value)
    _publish(translated)
    return translated


class LoadDemoCommand(BaseCommand):
    help = "Load demo libraries, pages, surveys and synthetic answers (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=8000, help="The port the demo is served on."
        )

    def handle(self, *args: Any, port: int = 8000, **options: Any) -> None:
        self.port = port
        nb, _ = Locale.objects.get_or_create(language_code="nb")
        en, _ = Locale.objects.get_or_create(language_code="en")
        nn, _ = Locale.objects.get_or_create(language_code="nn")
        credentials = _credentials()
        with transaction.atomic():
            self._users(credentials["password"])
            root = Page.get_first_root_node()
            # Wagtail's stock welcome page is replaced by the libraries' home pages.
            for page in root.get_children().exclude(content_type__model="homepage"):
                Site.objects.filter(root_page=page).delete()
                page.delete()
            for spec in demo.SITES:
                self._site(spec, root, nb, en, nn)
        for spec in demo.SITES:
            self._responses(spec)
        self._panel(nb, en)
        self._research(nb)
        self._interviews(nb)
        self.stdout.write(self.style.SUCCESS("Demo content is loaded."))

    def _users(self, password: str) -> None:
        User = get_user_model()
        admin, _ = User.objects.get_or_create(
            username="admin", defaults={"email": "admin@example.org", "is_staff": True}
        )
        admin.is_superuser = admin.is_staff = True
        admin.set_password(password)
        admin.save()

    def _site(self, spec: dict[str, Any], root: Page, nb: Locale, en: Locale, nn: Locale) -> None:
        home = HomePage.objects.filter(slug=spec["slug"], locale=nb).first()
        if home is None:
            home = HomePage(
                title=spec["name"][0], slug=spec["slug"], intro=spec["intro"][0], locale=nb
            )
            root.add_child(instance=home)
            _publish(home)
        home_en = _translate(home, en, title=spec["name"][1], intro=spec["intro"][1])
        home_nn = _translate(home, nn, title=spec["name"][2], intro=spec["intro"][2])
        Site.objects.filter(hostname=spec["hostname"]).exclude(port=self.port).delete()
        site, _ = Site.objects.update_or_create(
            hostname=spec["hostname"],
            port=self.port,
            defaults={
                "root_page": home,
                "site_name": spec["name"][0],
                "is_default_site": spec["default"],
            },
        )

        pages = {}
        for key, (title_nb, title_en, body_nb, body_en, title_nn, body_nn) in (
            ("accessibility", demo.ACCESSIBILITY),
            ("privacy", demo.PRIVACY),
        ):
            slug = "tilgjengelighet" if key == "accessibility" else "personvern"
            page = StandardPage.objects.child_of(home).filter(slug=slug).first()
            if page is None:
                page = StandardPage(title=title_nb, slug=slug, body=body_nb)
                home.add_child(instance=page)
                _publish(page)
            _translate(
                page,
                en,
                title=title_en,
                body=body_en,
                slug="accessibility" if key == "accessibility" else "privacy",
            )
            _translate(page, nn, title=title_nn, body=body_nn, slug=slug)
            pages[key] = page

        if spec["slug"] == "solvberget":
            pages["accessibility"] = self._statement(home, en, nn)

        library = LibrarySettings.for_site(site)
        library.library_name = spec["library_name"]
        library.accessibility_page = pages["accessibility"]
        library.privacy_page = pages["privacy"]
        library.save()

        researchers_group_ensure(name=spec["group"], homes=[home, home_en, home_nn])
        User = get_user_model()
        researcher, _ = User.objects.get_or_create(username=spec["researcher"])
        researcher.set_password(_credentials()["password"])
        researcher.save()
        researcher.groups.add(Group.objects.get(name=spec["group"]))

        s = spec["survey"]
        survey = SurveyPage.objects.child_of(home).filter(slug=s["slug"][0]).first()
        if survey is None:
            survey = SurveyPage(
                title=s["title"][0],
                slug=s["slug"][0],
                intro=s["intro"][0],
                body=s["body"](0),
                thank_you_text="<p>Tusen takk! Svarene hjelper oss å lage et bedre bibliotek.</p>",
                closed_text="<p>Undersøkelsen er avsluttet.</p>",
            )
            home.add_child(instance=survey)
            for kind, name, origins in s["channels"]:
                survey.channels.add(Channel(kind=kind, name=name, allowed_origins=origins))
            _publish(survey)
        _translate(
            survey,
            en,
            title=s["title"][1],
            slug=s["slug"][1],
            intro=s["intro"][1],
            body=s["body"](1),
            thank_you_text="<p>Thank you! Your answers help us make a better library.</p>",
            closed_text="<p>The survey has closed.</p>",
        )
        if "nynorsk" in s:  # the survey translated into Nynorsk, with the same keys
            _translate(
                survey,
                nn,
                title=s["title"][2],
                slug=s["slug"][2],
                intro=s["intro"][2],
                body=s["body"](2),
                **s["nynorsk"],
            )

    def _statement(self, home: HomePage, en: Locale, nn: Locale) -> Page:
        """Sølvberget's statement against the 47 WCAG criteria (docs/accessibility-
        statement.md): a few criteria assessed by hand; the rest wait for the fill from
        the browser tests' results."""
        title_nb, title_en, intro_nb, intro_en, title_nn, intro_nn = demo.ACCESSIBILITY
        page = AccessibilityStatementPage.objects.child_of(home).first()
        if page is None:
            page = AccessibilityStatementPage(
                title=title_nb,
                slug="wcag",
                intro=intro_nb,
                contact_email="tilgjengelighet@example.org",
                statement_date=timezone.localdate(),
                assessment=demo.STATEMENT_ASSESSMENT[0],
            )
            page.criteria = [
                AccessibilityCriterionRow(criterion=number, status=status, evidence=evidence)
                for number, status, evidence in demo.STATEMENT_ROWS
            ]
            home.add_child(instance=page)
            _publish(page)
        _translate(
            page,
            en,
            title=title_en,
            intro=intro_en,
            assessment=demo.STATEMENT_ASSESSMENT[1],
        )
        _translate(
            page,
            nn,
            title=title_nn,
            intro=intro_nn,
            assessment=demo.STATEMENT_ASSESSMENT[2],
        )
        return page

    def _panel(self, nb: Locale, en: Locale) -> None:
        """Sølvberget's panel: consent texts, a sign-up page, a segment, and members."""
        home = HomePage.objects.get(slug="solvberget", locale=nb)
        site = Site.objects.get(root_page=home)
        texts: dict[str, ConsentText] = {}
        for purpose, (text_nb, text_en, text_nn) in demo.CONSENTS.items():
            text = ConsentText.objects.filter(library=site, purpose=purpose).first()
            if text is None:
                text = ConsentText.objects.create(
                    library=site,
                    purpose=purpose,
                    text_nb=text_nb,
                    text_en=text_en,
                    text_nn=text_nn,
                )
            texts[purpose] = text
        page = PanelSignupPage.objects.child_of(home).first()
        if page is None:
            page = PanelSignupPage(
                title="Bli med i brukerpanelet",
                slug="brukerpanel",
                intro="<p>Hjelp oss å lage et bedre bibliotek: svar på en undersøkelse noen "
                "ganger i året.</p>",
                screener=demo.panel_screener(0),
            )
            page.channels.add(SignupChannel(kind="qr", name="Bokbad 12. mars"))
            page.channels.add(
                SignupChannel(
                    kind="embed", name="Wifi-portalen", allowed_origins="http://127.0.0.1:8000"
                )
            )
            home.add_child(instance=page)
            _publish(page)
        _translate(
            page,
            en,
            title="Join the user panel",
            slug="user-panel",
            intro="<p>Help us make a better library: answer a survey a few times a year.</p>",
            screener=demo.panel_screener(1),
        )
        if not Segment.objects.filter(library=site).exists():
            Segment.objects.create(
                library=site,
                name="Studenter med 1–3 lån i året",
                match="all",
                rules=[
                    {"type": "rule", "value": {"field": f, "operator": "equals", "value": v}}
                    for f, v in (("student", "yes"), ("lan-per-ar", "1-3"))
                ],
            )
        if PanelMember.objects.filter(library=site).exists():
            return
        rng = random.Random("panel")
        channels = ["link", "qr", "embed"]
        for n in range(60):
            member = PanelMember.objects.create(
                library=site,
                email=f"medlem{n:03d}@example.org",
                language=rng.choice(["nb", "nn", "en"]),
                age_band=rng.choice(["18-19", "20-24", "25-34", "35-49", "50-66"]),
                attributes=synthetic_answers(
                    {
                        "steps": [
                            {
                                "key": "s",
                                "questions": [
                                    question(b["type"], b["value"])
                                    for b in page.screener.get_prep_value()
                                ],
                            }
                        ]
                    },
                    rng,
                ),
                channel=rng.choice(channels),
                status=PanelMember.Status.ACTIVE,
                confirmed_at=timezone.now(),
            )
            for purpose, text in texts.items():
                if purpose == "panel" or rng.random() < 0.5:
                    ConsentRecord.objects.create(
                        member=member,
                        purpose=purpose,
                        text=text,
                        given=True,
                        channel=member.channel,
                    )

    def _research(self, nb: Locale) -> None:
        """Sølvberget's research project with a findings report over the events survey."""
        home = HomePage.objects.get(slug="solvberget", locale=nb)
        if ResearchProjectPage.objects.child_of(home).exists():
            return
        survey = SurveyPage.objects.get(slug="brukerinnsikt-arrangementer", locale=nb)
        project = ResearchProjectPage(
            title="Brukerinnsikt 2.0",
            slug="brukerinnsikt",
            intro="<p>Hvem når vi minst: studenter og unge voksne med få lån, "
            "arrangementsbesøkende og wifi-brukere.</p>",
        )
        home.add_child(instance=project)
        project.project_surveys.add(ProjectSurvey(survey=survey))
        _publish(project)
        comment = next(
            (
                r.answers["kommentar"]
                for r in Response.objects.filter(survey=survey).order_by("pk")
                if len(str(r.answers.get("kommentar") or "")) > 20
            ),
            None,
        )
        body: list[dict[str, Any]] = [
            {
                "type": "text",
                "value": "<h2>Bakgrunn</h2><p>Sølvberget har mange besøkende som sjelden "
                "låner. Undersøkelsen ble delt ut på arrangementer (QR-plakat), på wifi-"
                "innloggingen og i nyhetsbrevet.</p>",
            },
            {
                "type": "key_figures",
                "value": {
                    "heading": "Hvem vi når",
                    "figures": [
                        {
                            "value": "28 835",
                            "label": "unike wifi-brukere i måneden",
                            "source": "Wifi-statistikk",
                        },
                        {
                            "value": "ca. 35 000",
                            "label": "voksne arrangementsbesøkende i året",
                            "source": "Arrangementsstatistikk",
                        },
                        {
                            "value": "6 715",
                            "label": "lånere med 1–3 lån i året",
                            "source": "Bibliotekssystemet",
                        },
                    ],
                },
            },
            {"type": "chart", "value": {"survey": survey.pk, "question": "lanekort"}},
            {"type": "chart", "value": {"survey": survey.pk, "question": "lan-per-ar"}},
            {
                "type": "chart",
                "value": {"survey": survey.pk, "question": "fornoyd", "chart": "diverging"},
            },
            {"type": "chart", "value": {"survey": survey.pk, "question": "anbefale"}},
            {
                "type": "crosstab",
                "value": {
                    "survey": survey.pk,
                    "rows": "lanekort",
                    "columns": "channel",
                    "percent": "column",
                    "heading": "Lånekort etter kanal",
                },
            },
            {
                "type": "crosstab",
                "value": {
                    "survey": survey.pk,
                    "rows": "livsfase",
                    "columns": "lan-per-ar",
                    "percent": "row",
                    "heading": "Lån etter livsfase",
                },
            },
        ]
        if comment:
            body.append(
                {
                    "type": "quote",
                    "value": {"survey": survey.pk, "question": "kommentar", "text": comment},
                }
            )
        body.append({"type": "methods", "value": {"note": ""}})
        report = FindingsReportPage(
            title="Funn: arrangementer og unge voksne",
            slug="funn-arrangementer",
            subtitle="Brukerinnsikt 2.0, våren 2026",
            summary="Hva arrangementsbesøkende og wifi-brukere sier om biblioteket, "
            "og hvor mange av dem som låner.",
            body=body,
        )
        project.add_child(instance=report)
        _publish(report)

    def _interviews(self, nb: Locale) -> None:
        """An interview round with low-borrowing students: a guide, times (past ones
        attended, future ones open), notes, a codebook, themes, and a quote in the report."""

        home = HomePage.objects.get(slug="solvberget", locale=nb)
        project = ResearchProjectPage.objects.child_of(home).first()
        if project is None or InterviewGuidePage.objects.child_of(project).exists():
            return
        site = Site.objects.get(root_page=home)
        guide = InterviewGuidePage(
            title="Intervju: studenter som sjelden låner",
            slug="intervjuguide-studenter",
            intro="<p>Takk for at du tar deg tid. Vi vil forstå hvordan studenter bruker "
            "biblioteket, og hva som får dem til å låne mindre.</p>",
            consent_script="<p>Vi tar notater, men skriver aldri navnet ditt. Du kan stoppe "
            "når som helst og trekke samtykket etterpå under «Mine data»; da slettes "
            "notatene.</p>",
            sections=demo.GUIDE_SECTIONS,
            closing="<p>Takk! Funnene blir en rapport til bibliotekets ledelse i juni.</p>",
        )
        project.add_child(instance=guide)
        _publish(guide)
        keys = [q.key for section in guide.guide_sections() for q in section.questions]
        segment = Segment.objects.filter(library=site).first()
        assert segment is not None  # _panel made Sølvberget's segment
        now = timezone.now()
        campaign = Campaign.objects.create(
            library=site,
            name="Intervju med studenter, våren 2026",
            kind=Campaign.Kind.INTERVIEW,
            guide=guide,
            segment=segment,
            starts_at=now - timedelta(days=14),
            status=Campaign.Status.RUNNING,
            launched_at=now - timedelta(days=14),
        )
        consenting = list(
            PanelMember.objects.filter(
                library=site, consents__purpose="interviews", consents__given=True
            )
            .distinct()
            .order_by("email")[:10]
        )
        admin = get_user_model().objects.get(username="admin")
        day = timezone.localtime(now).replace(hour=12, minute=0, second=0, microsecond=0)
        past = [day - timedelta(days=d) for d in (9, 8, 7, 3, 2, 1)]
        future = [day + timedelta(days=d, hours=h) for d in (2, 3, 6) for h in (0, 2)]
        slots = [
            InterviewSlot.objects.create(
                campaign=campaign,
                starts_at=start,
                minutes=30,
                place="Sølvberget, møterom Fjorden (3. etasje)",
                interviewer=admin,
            )
            for start in past + future
        ]
        codes: dict[str, InterviewCode] = {}
        for name, parent in demo.CODES:
            codes[name] = InterviewCode.objects.create(
                library=site, name=name, parent=codes.get(parent) if parent else None
            )
        for name, description, members in demo.THEMES:
            theme = InterviewTheme.objects.create(library=site, name=name, description=description)
            theme.codes.set([codes[c] for c in members])
            theme.save()
        quote = None
        for number, member in enumerate(consenting, start=1):
            invitation = Invitation.objects.create(
                campaign=campaign,
                member=member,
                state=Invitation.State.SENT,
                sent_at=now - timedelta(days=13),
                completed_at=now - timedelta(days=12),
            )
            participant = InterviewParticipant.objects.create(
                campaign=campaign,
                member=member,
                invitation=invitation,
                number=number,
                consent=member.consents.filter(purpose="interviews").first(),
            )
            notes = demo.INTERVIEW_NOTES[number - 1] if number <= len(demo.INTERVIEW_NOTES) else []
            attended = number <= len(past)
            InterviewBooking.objects.create(
                participant=participant,
                slot=slots[number - 1],
                status=InterviewBooking.Status.ATTENDED
                if attended
                else InterviewBooking.Status.BOOKED,
            )
            for index, text, passages in notes if attended else []:
                note = InterviewNote.objects.create(
                    participant=participant, question_key=keys[index], text=text, updated_by=admin
                )
                for passage, names, quotable in passages:
                    excerpt = Excerpt.objects.create(
                        note=note, text=passage, quotable=quotable, created_by=admin
                    )
                    excerpt.codes.set([codes[n] for n in names])
                    if quotable and quote is None:
                        quote = excerpt
        report = FindingsReportPage.objects.child_of(project).first()
        if report is not None and quote is not None:
            body = list(report.body.raw_data)
            at = next((i for i, b in enumerate(body) if b["type"] == "methods"), len(body))
            body[at:at] = [
                {
                    "type": "text",
                    "value": "<h2>Fra intervjuene</h2><p>Seks studenter som sjelden låner, "
                    "intervjuet på Sølvberget i mai.</p>",
                },
                {"type": "interview_quote", "value": {"excerpt": quote.pk}},
            ]
            report.body = body
            _publish(report)

    def _responses(self, spec: dict[str, Any]) -> None:
        s = spec["survey"]
        survey = SurveyPage.objects.get(slug=s["slug"][0], locale__language_code="nb")
        version = survey_live_version(survey)
        if version is None or Response.objects.filter(survey=survey).exists():
            return
        rng = random.Random(spec["slug"])
        channels = [None, *survey.channels.all()]
        today = timezone.localdate()
        rows = []
        for _i in range(s["responses"]):
            channel = rng.choice(channels)
            rows.append(
                Response(
                    survey=survey,
                    version=version,
                    channel=channel,
                    channel_kind=channel.kind if channel else Channel.Kind.LINK,
                    language=rng.choice(["nb", "nb", "nn", "en"]),
                    answers=synthetic_answers(version.schema, rng),
                    submitted_on=today - timedelta(days=rng.randint(0, 60)),
                )
            )
        rng.shuffle(rows)
        Response.objects.bulk_create(rows)
        # About one in six who start does not finish: counters per channel and day.
        starts: dict[tuple[str, str], int] = {}
        for row in rows:
            assert row.submitted_on is not None  # every row above is given its date
            key = (row.channel.code if row.channel else "", row.submitted_on.isoformat())
            starts[key] = starts.get(key, 0) + 1 + (rng.random() < 0.2)
        SurveyStart.objects.bulk_create(
            SurveyStart(survey=survey, channel_code=code, day=day, count=n)
            for (code, day), n in starts.items()
        )
