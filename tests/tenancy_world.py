"""Two libraries with one of everything, for the tenancy tests (tests/cms/test_tenancy.py).

Every object a library owns carries its library's marker in a name, title or text, so a
page of the admin that shows another library's object can be caught by its marker. Each
library's home page has an English translation, and its researchers group holds
permissions on both (as in the demo), which puts the tree root in every researcher's
explorer.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.models import Page, Site

from cms.models import LibrarySettings
from cms.services import researchers_group_ensure
from tests import factories

OWN = "Ownmarkq"  # in every object of the researcher's own library
FOREIGN = "Foreignmarkq"  # in every object of the other library
# Searching for this finds objects of both libraries (it is in every marked name).
COMMON = "Lighthouse"


@dataclass
class Library:
    """One library's objects, by kind; ``ids`` lists (model label, pk) of all of them."""

    marker: str
    site: Site
    home: Page
    home_en: Page
    researcher: Any
    pages: dict[str, Page] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)


def _named(marker: str, kind: str) -> str:
    return f"{COMMON} {kind} {marker}"


def library_world(slug: str, hostname: str, marker: str, *, default: bool, admin: Any) -> Library:
    """A library with a page of every type, a survey with answers and channels, a panel
    with consent texts, members, a segment and campaigns, findings jobs, and an interview
    round with notes, excerpts, codes and themes — each named with ``marker``."""
    from panel.models import (
        AccessLog,
        Campaign,
        ConsentRecord,
        ConsentText,
        Invitation,
        LoanImport,
        PanelMember,
        Segment,
        SignupChannel,
    )
    from research.models import (
        Excerpt,
        ExportJob,
        FindingsReportPage,
        InterviewBooking,
        InterviewCode,
        InterviewGuidePage,
        InterviewNote,
        InterviewParticipant,
        InterviewSlot,
        InterviewTheme,
        MarginDimension,
        PopulationMargin,
        ProjectSurvey,
        ReportJob,
        ResearchLog,
        ResearchProjectPage,
    )
    from surveys.models import Quota, ResumeDraft, SurveyStart
    from tests.interviewdata import GUIDE_SECTIONS

    home = factories.library(slug, hostname, default=default)
    Page.objects.filter(pk=home.pk).update(title=_named(marker, "home"))
    home.refresh_from_db()
    site = Site.objects.get(root_page=home)
    Site.objects.filter(pk=site.pk).update(site_name=_named(marker, "site"))
    site.refresh_from_db()
    home_en = factories.translation(home)
    group = researchers_group_ensure(name=f"{slug} researchers", homes=[home, home_en])
    from django.contrib.auth import get_user_model

    researcher = get_user_model().objects.create_user(
        username=f"researcher-{slug}", password=f"pw-{slug}"
    )
    researcher.groups.add(group)
    world = Library(marker, site, home, home_en, researcher)

    settings = LibrarySettings.for_site(site)
    settings.library_name = _named(marker, "library")
    settings.save()

    # First of the pages: the walk tries each page-and-format URL (the statement's export)
    # with at most 24 combinations of pages and formats.
    world.pages["statement"] = factories.accessibility_statement(
        home,
        rows=[{"criterion": "1.1.1", "status": "met", "evidence": _named(marker, "evidence")}],
        title=_named(marker, "statement"),
        slug=f"statement-{slug}",
    )
    survey = factories.survey(
        home,
        factories.BRANCHING,
        slug=f"survey-{slug}",
        channels=[("qr", _named(marker, "channel"), "")],
    )
    survey.title = _named(marker, "survey")
    survey.save_revision().publish()
    Quota.objects.create(survey=survey, question_key="card", option_key="yes", limit=50)
    channel = survey.channels.get()
    factories.responses(survey, 6, channel=channel, comment=_named(marker, "answer"))
    SurveyStart.objects.create(survey=survey, count=7)
    ResumeDraft.objects.create(
        token_hash=f"{slug}-draft", survey=survey, data={}, expires_on=timezone.localdate()
    )
    world.pages["survey"] = survey
    world.pages["survey_en"] = factories.translation(survey)
    world.pages["privacy"] = factories.standard_page(
        home, f"privacy-{slug}", _named(marker, "privacy"), "<p>Privacy.</p>"
    )
    signup = factories.panel_signup(home, purposes=("panel", "interviews"), screener=[])
    signup.title = _named(marker, "signup")
    signup.save_revision().publish()
    SignupChannel.objects.create(page=signup, kind="qr", name=_named(marker, "signup channel"))
    world.pages["signup"] = signup

    panel_text = ConsentText.objects.get(library=site, purpose="panel")
    interview_text = ConsentText.objects.get(library=site, purpose="interviews")
    ConsentText.objects.filter(pk=panel_text.pk).update(text_nb=_named(marker, "consent"))
    ids = factories.panel_members(site, 3, text=panel_text, prefix=f"{slug}-{marker.lower()}-")
    members = list(PanelMember.objects.filter(pk__in=ids).order_by("email"))
    for member in members:
        ConsentRecord.objects.create(
            member=member, purpose="interviews", text=interview_text, given=True
        )
    segment = Segment.objects.create(library=site, name=_named(marker, "segment"))
    campaign = Campaign.objects.create(
        library=site,
        name=_named(marker, "campaign"),
        survey=survey,
        segment=segment,
        starts_at=timezone.now(),
        status=Campaign.Status.RUNNING,
    )
    for member in members:
        Invitation.objects.create(campaign=campaign, member=member, state="sent")
    LoanImport.objects.create(library=site, sha256=slug, filename=f"{_named(marker, 'loans')}.csv")
    AccessLog.objects.create(staff=admin, library=site, member_id=members[0].pk, action="view")

    project = ResearchProjectPage(title=_named(marker, "project"), slug=f"project-{slug}")
    home.add_child(instance=project)
    project.save_revision().publish()
    ProjectSurvey.objects.create(project=project, survey=survey)
    report = FindingsReportPage(
        title=_named(marker, "report"),
        slug=f"report-{slug}",
        body=[{"type": "text", "value": f"<p>{_named(marker, 'finding')}</p>"}],
    )
    project.add_child(instance=report)
    report.save_revision().publish()
    guide = InterviewGuidePage(
        title=_named(marker, "guide"),
        slug=f"guide-{slug}",
        consent_script="<p>Notes without names.</p>",
        sections=GUIDE_SECTIONS,
    )
    project.add_child(instance=guide)
    guide.save_revision().publish()
    guide = InterviewGuidePage.objects.get(pk=guide.pk)
    world.pages.update(project=project, report=report, guide=guide)

    interviews = Campaign.objects.create(
        library=site,
        name=_named(marker, "interviews"),
        kind=Campaign.Kind.INTERVIEW,
        guide=guide,
        segment=segment,
        starts_at=timezone.now(),
        status=Campaign.Status.RUNNING,
    )
    invitation = Invitation.objects.create(campaign=interviews, member=members[0], state="sent")
    slot = InterviewSlot.objects.create(
        campaign=interviews,
        starts_at=timezone.now() + timedelta(days=3),
        place=_named(marker, "room"),
    )
    participant = InterviewParticipant.objects.create(
        campaign=interviews, member=members[0], invitation=invitation, number=1
    )
    booking = InterviewBooking.objects.create(participant=participant, slot=slot)
    key = guide.guide_sections()[0].questions[0].key
    note = InterviewNote.objects.create(
        participant=participant, question_key=key, text=_named(marker, "note")
    )
    code = InterviewCode.objects.create(library=site, name=_named(marker, "code"))
    theme = InterviewTheme.objects.create(library=site, name=_named(marker, "theme"))
    theme.codes.add(code)
    theme.save()
    excerpt = Excerpt.objects.create(note=note, text=_named(marker, "note"), quotable=True)
    excerpt.codes.add(code)
    margin = PopulationMargin.objects.create(
        library=site,
        name=_named(marker, "margins"),
        source=_named(marker, "source"),
        date=timezone.localdate(),
    )
    MarginDimension.objects.create(
        margin=margin,
        key="card",
        label=_named(marker, "dimension"),
        question_key="card",
        categories=[
            ("category", {"key": k, "label": k, "population": 100, "option": k})
            for k in ("yes", "no")
        ],
    )

    export = ExportJob.objects.create(
        survey=survey, format="csv", status=ExportJob.Status.DONE, created_by=admin
    )
    export.file.save(f"export-{slug}.csv", ContentFile(_named(marker, "export").encode()))
    report_job = ReportJob.objects.create(
        report=report, title=_named(marker, "report"), status=ReportJob.Status.DONE
    )
    report_job.file.save(f"report-{slug}.pdf", ContentFile(_named(marker, "pdf").encode()))
    ResearchLog.objects.create(
        username="someone", action="export", library=site, detail=_named(marker, "log")
    )
    for snippet in (segment, campaign, interviews, code, theme, panel_text, margin):
        log(instance=snippet, action="wagtail.create", user=admin)

    world.objects.update(
        survey_channel=channel,
        signup_channel=SignupChannel.objects.get(page=signup),
        consent_text=panel_text,
        member=members[0],
        segment=segment,
        campaign=campaign,
        interviews=interviews,
        invitation=invitation,
        slot=slot,
        participant=participant,
        booking=booking,
        note=note,
        code=code,
        theme=theme,
        excerpt=excerpt,
        margin=margin,
        export=export,
        report_job=report_job,
        response=survey.responses.first(),
        settings=settings,
    )
    return world
