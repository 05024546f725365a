"""Library set-up services shared by every app."""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import GroupPagePermission, Page

from . import wcag
from .models import AccessibilityCriterionRow, AccessibilityStatementPage

# What a library's researchers may do: use the admin, build and publish pages under their
# library's home page, see their panel's members, and manage their library's segments,
# campaigns, consent texts, interview times, codebook and themes. Which objects: their own
# library's only (cms.tenancy) — a permission here is never a permission over another
# library. Consent texts are never deleted (members' consent records point at them), and
# campaigns are not either (their invitations are the contact history).
RESEARCHER_MODEL_PERMISSIONS = {
    "wagtailadmin": ["access_admin"],
    "panel": [
        "view_panelmember",
        "set_do_not_contact",
        "add_segment",
        "change_segment",
        "delete_segment",
        "view_segment",
        "add_campaign",
        "change_campaign",
        "view_campaign",
        "add_consenttext",
        "change_consenttext",
        "view_consenttext",
    ],
    "research": [
        "add_interviewslot",
        "change_interviewslot",
        "delete_interviewslot",
        "view_interviewslot",
        "add_interviewcode",
        "change_interviewcode",
        "delete_interviewcode",
        "view_interviewcode",
        "add_interviewtheme",
        "change_interviewtheme",
        "delete_interviewtheme",
        "view_interviewtheme",
        "add_populationmargin",
        "change_populationmargin",
        "delete_populationmargin",
        "view_populationmargin",
    ],
}
RESEARCHER_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]


def researchers_group_ensure(*, name: str, homes: list[Page]) -> Group:
    """The library's researchers group with exactly the researcher permissions on the given
    home pages (the library's root and its translations). Idempotent."""
    group, _created = Group.objects.get_or_create(name=name)
    for app_label, codenames in RESEARCHER_MODEL_PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    for codename in RESEARCHER_PAGE_PERMISSIONS:
        permission = Permission.objects.get(
            content_type__app_label="wagtailcore", codename=codename
        )
        for home in homes:
            GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
    return group


# ---- accessibility statements ------------------------------------------------------------


@dataclass(frozen=True)
class StatementChange:
    criterion: str
    before: str  # status before ("" when the criterion had no row)
    after: str


def accessibility_statement_fill(
    *, page: AccessibilityStatementPage, results: dict[str, Any], dry_run: bool = False
) -> list[StatementChange]:
    """Set the criteria the automated tests' ``results`` cover (cms.wcag.criteria_outcomes)
    on the statement's latest version: status, evidence and, for one not met, what is
    wrong; a criterion the results do not cover keeps what editors set. Saves one new
    revision when anything changed, and publishes it when the page was live with no
    unpublished draft (otherwise the draft waits for an editor). The evidence is written
    in the page's language; each translation of a statement is filled on its own.
    Idempotent: the same results change nothing the second time. Raises ValueError for
    unusable results. Returns the changed criteria (what would change, with ``dry_run``)."""
    problems = wcag.results_problems(results)
    if problems:
        raise ValueError("; ".join(problems))
    outcomes = wcag.criteria_outcomes(results)
    publish = page.live and not page.has_unpublished_changes
    draft = page.get_latest_revision_as_object()
    rows = {row.criterion: row for row in draft.criteria.all()}
    changes = []
    with translation.override(page.locale.language_code or settings.LANGUAGE_CODE):
        for number, outcome in outcomes.items():
            values = {
                "status": outcome.status,
                "evidence": _("Automated test, %(date)s: %(checks)s")
                % {"date": outcome.checked_on, "checks": outcome.checks},
                "problem": outcome.checks if outcome.status == wcag.NOT_MET else "",
            }
            row = rows.get(number)
            if row is None:
                row = AccessibilityCriterionRow(criterion=number)
                before = ""
            else:
                before = row.status
                if all(getattr(row, name) == value for name, value in values.items()):
                    continue
            for name, value in values.items():
                setattr(row, name, value)
            if outcome.status != wcag.NOT_MET:
                row.fix_by = None
            rows[number] = row
            changes.append(StatementChange(number, before, outcome.status))
    if changes and not dry_run:
        ordered = sorted(rows.values(), key=lambda row: wcag.sort_key(row.criterion))
        for index, row in enumerate(ordered):
            row.sort_order = index
        draft.criteria = ordered
        revision = draft.save_revision(log_action=True)
        if publish:
            revision.publish(log_action=True)
    return changes
