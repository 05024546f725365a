"""Panel services (DESIGN.md C2), by sub-domain:

- ``signup``: sign-up with double opt-in, confirmation, purge;
- ``consent``: consent texts, giving and withdrawing, re-consent;
- ``contact``: the contact gate every message about research passes, the
  do-not-contact list, bounces;
- ``my_data``: members' own data, erasure, the access log;
- ``loans``: loan statistics;
- ``campaigns``: launch, retries, completion;
- ``sending``: invitations and reminders, each sent exactly once;
- ``messages``: every panel e-mail's text;
- ``retention``: inactive members;
- ``tokens``: the signed tokens of the panel's links.

The public functions are imported here: callers use ``panel.services``.
"""

from .campaigns import (
    CHUNK,
    MAX_ATTEMPTS,
    campaign_launch,
    campaign_retry_failed,
    campaigns_sweep,
    claim_lease,
    invitation_complete,
    invitations_enqueue,
    invitations_pending,
)
from .consent import (
    consent_current,
    consent_give,
    consent_withdraw,
    member_consents_now,
    member_needs_reconsent,
    member_unsubscribe,
)
from .contact import (
    contact_gate,
    contact_rules,
    member_bounce_record,
    member_contact_block,
    next_send_time,
    window_open,
)
from .loans import (
    loans_import,
)
from .messages import (
    MailTemplate,
    MailTemplates,
    invitation_message,
    library_display_name,
    library_sender,
)
from .my_data import (
    access_log_record,
    member_erase,
    member_export,
    my_data_link_request,
    my_data_link_send,
    my_data_member_for_email,
)
from .retention import (
    RETENTION_NOTICE_DAYS,
    member_touch,
    members_retention_run,
)
from .sending import (
    ClaimLost,
    invitation_send,
    invitations_send,
    reminder_send,
    reminders_dispatch,
)
from .signup import (
    member_confirm,
    member_signup,
    members_purge_unconfirmed,
    signup_confirmation_send,
)
from .tokens import (
    CONFIRM_DAYS,
    MY_DATA_MINUTES,
    TokenInvalid,
    confirmation_token,
    invitation_for_token,
    invitation_token,
    member_for_confirmation,
    member_for_unsubscribe,
    my_data_member,
    my_data_token,
    unsubscribe_token,
)

__all__ = [
    "CHUNK",
    "CONFIRM_DAYS",
    "MAX_ATTEMPTS",
    "MY_DATA_MINUTES",
    "RETENTION_NOTICE_DAYS",
    "ClaimLost",
    "MailTemplate",
    "MailTemplates",
    "TokenInvalid",
    "access_log_record",
    "campaign_launch",
    "campaign_retry_failed",
    "campaigns_sweep",
    "claim_lease",
    "confirmation_token",
    "consent_current",
    "consent_give",
    "consent_withdraw",
    "contact_gate",
    "contact_rules",
    "invitation_complete",
    "invitation_for_token",
    "invitation_message",
    "invitation_send",
    "invitation_token",
    "invitations_enqueue",
    "invitations_pending",
    "invitations_send",
    "library_display_name",
    "library_sender",
    "loans_import",
    "member_bounce_record",
    "member_confirm",
    "member_consents_now",
    "member_contact_block",
    "member_erase",
    "member_export",
    "member_for_confirmation",
    "member_for_unsubscribe",
    "member_needs_reconsent",
    "member_signup",
    "member_touch",
    "member_unsubscribe",
    "members_purge_unconfirmed",
    "members_retention_run",
    "my_data_link_request",
    "my_data_link_send",
    "my_data_member",
    "my_data_member_for_email",
    "my_data_token",
    "next_send_time",
    "reminder_send",
    "reminders_dispatch",
    "signup_confirmation_send",
    "unsubscribe_token",
    "window_open",
]
