"""Building every panel e-mail (the one place for their text): the library's sender and
name, a campaign's invitation or reminder rendered once per language (MailTemplate) and
filled per member, and the confirmation, "my data" link and retention notice."""

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from email.header import Header
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from wagtail.models import Site

from cms.mail import Prototype
from cms.models import LibrarySettings

from ..models import (
    Campaign,
    Invitation,
    PanelMember,
)
from .tokens import (
    CONFIRM_DAYS,
    MY_DATA_MINUTES,
    confirmation_token,
    invitation_token,
    my_data_token,
    unsubscribe_token,
)


def library_display_name(site: Site) -> str:
    return LibrarySettings.for_site(site).library_name or site.site_name


def library_sender(site: Site) -> str:
    return LibrarySettings.for_site(site).sender_email or settings.DEFAULT_FROM_EMAIL


@dataclass(frozen=True)
class MailTemplate:
    """A campaign's invitation (or reminder) in one language, rendered once with markers
    where each member's personal links go (DESIGN.md: per-chunk work, not per message)."""

    sender: str
    subject: str
    text: str
    html: str
    prototype: Prototype | None = None  # the serialised message, for the SMTP backend

    URL = "innsikt-personal-link-7d1c"
    UNSUBSCRIBE = "innsikt-unsubscribe-link-7d1c"
    TO = "innsikt-recipient-7d1c@innsikt.invalid"
    MESSAGE_ID = "innsikt-message-id-7d1c"

    def fill(self, *, url: str, unsubscribe: str) -> tuple[str, str, str]:
        def put(body: str, quote: Callable[[str], str]) -> str:
            return body.replace(self.URL, quote(url)).replace(self.UNSUBSCRIBE, quote(unsubscribe))

        return self.subject, put(self.text, str), put(self.html, lambda v: str(escape(v)))


MailTemplates = dict[tuple[int, str, bool], MailTemplate]


def _ascii_header(value: str) -> str:
    """A header value as RFC 2047 encoded words, once per template: Django would encode
    the same non-ASCII subject and sender name again for every message (≈ half of a
    message's build time)."""
    if value.isascii():
        return value
    return Header(value, "utf-8").encode(linesep="")


def _mail_template(campaign: Campaign, member: PanelMember, reminder: bool) -> MailTemplate:
    library = member.library
    with translation.override(member.language):
        context = {
            "url": MailTemplate.URL,
            "unsubscribe": MailTemplate.UNSUBSCRIBE,
            "greeting": campaign.greeting,
            "survey": campaign.topic.localized.title,
            "interview": campaign.kind == Campaign.Kind.INTERVIEW,
            "library": library_display_name(library),
            "reminder": reminder,
        }
        name, address = parseaddr(library_sender(library))
        template = MailTemplate(
            sender=formataddr((_ascii_header(name), address)) if name else address,
            subject=_ascii_header(
                render_to_string("panel/email/invitation_subject.txt", context).strip()
            ),
            text=render_to_string("panel/email/invitation.txt", context),
            html=render_to_string("panel/email/invitation.html", context),
        )
    sample = _mail_message(
        template,
        to=MailTemplate.TO,
        message_id=MailTemplate.MESSAGE_ID,
        url=MailTemplate.URL,
        unsubscribe=MailTemplate.UNSUBSCRIBE,
    )
    markers = (MailTemplate.URL, MailTemplate.UNSUBSCRIBE, MailTemplate.TO, MailTemplate.MESSAGE_ID)
    return replace(template, prototype=Prototype.of(sample, markers))


def _mail_message(
    template: MailTemplate, *, to: str, message_id: str, url: str, unsubscribe: str
) -> EmailMultiAlternatives:
    subject, text, html = template.fill(url=url, unsubscribe=unsubscribe)
    message = EmailMultiAlternatives(
        subject,
        text,
        template.sender,
        [to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<{message_id}@innsikt>",
        },
    )
    message.attach_alternative(html, "text/html")
    if template.prototype is not None:
        values = {
            MailTemplate.URL: url,
            MailTemplate.UNSUBSCRIBE: unsubscribe,
            MailTemplate.TO: to,
            MailTemplate.MESSAGE_ID: message_id,
        }
        with suppress(ValueError):  # e.g. an address with non-ASCII letters: built in full
            message.mime_bytes = template.prototype.fill(values)  # type: ignore[attr-defined]
    return message


def invitation_message(
    invitation: Invitation, *, reminder: int = 0, templates: MailTemplates | None = None
) -> EmailMultiAlternatives:
    """The e-mail of an invitation (``reminder`` 0) or of its reminder number ``reminder``,
    with the member's personal links; ``templates`` caches the rendered text per campaign,
    language and kind across a chunk."""
    member, campaign = invitation.member, invitation.campaign
    assert member is not None
    templates = {} if templates is None else templates
    key = (campaign.pk, member.language, reminder > 0)
    if key not in templates:
        templates[key] = _mail_template(campaign, member, reminder > 0)
    template = templates[key]
    root = member.library.root_url
    with translation.override(member.language):
        url = root + reverse("panel_invitation", args=[invitation_token(invitation.pk)])
        unsubscribe = root + reverse("panel_unsubscribe", args=[unsubscribe_token(invitation.pk)])
    return _mail_message(
        template,
        to=member.email,
        message_id=f"{invitation.pk}.{reminder}",
        url=url,
        unsubscribe=unsubscribe,
    )


def member_mail(
    member: PanelMember, template: str, context: dict[str, Any], *, html: bool = False
) -> EmailMultiAlternatives:
    """A mail to a member in their language, from ``panel/email/<template>_subject.txt``,
    ``<template>.txt`` (and ``<template>.html``), signed with the library's name and sender."""
    with translation.override(member.language):
        context = {"library": library_display_name(member.library), **context}
        subject = render_to_string(f"panel/email/{template}_subject.txt", context).strip()
        text = render_to_string(f"panel/email/{template}.txt", context)
        message = EmailMultiAlternatives(
            subject, text, library_sender(member.library), [member.email]
        )
        if html:
            body = render_to_string(f"panel/email/{template}.html", context)
            message.attach_alternative(body, "text/html")
    return message


def _member_url(member: PanelMember, name: str, *args: str) -> str:
    with translation.override(member.language):
        return member.library.root_url + reverse(name, args=args)


def confirmation_message(member: PanelMember) -> EmailMultiAlternatives:
    """The sign-up's confirmation link (a reply to the member's own sign-up)."""
    url = _member_url(member, "panel_confirm", confirmation_token(member))
    return member_mail(member, "confirm", {"url": url, "days": CONFIRM_DAYS}, html=True)


def my_data_link_message(member: PanelMember) -> EmailMultiAlternatives:
    """The "my data" sign-in link (the member asked for it)."""
    url = _member_url(member, "panel_my_data_signin", my_data_token(member))
    return member_mail(member, "my_data", {"url": url, "minutes": MY_DATA_MINUTES})


def retention_notice_message(member: PanelMember, *, days: int) -> EmailMultiAlternatives:
    """The notice that an inactive membership ends in ``days`` days."""
    url = _member_url(member, "panel_my_data_request")
    return member_mail(member, "retention", {"url": url, "days": days})
