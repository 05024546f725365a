"""Read bounce messages (DSNs) from files, a maildir or an mbox, and mark hard bounces.

For plain SMTP set-ups: point the bounce mailbox at a maildir and run this from cron, e.g.
``manage.py ingest_bounces /var/mail/innsikt-bounces --maildir``.
"""

import email
import mailbox
from email import policy
from email.message import Message
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from panel.bounces import hard_bounces
from panel.services import member_bounce_record


class Command(BaseCommand):
    help = "Mark panel members whose address bounced permanently, from DSN messages."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help=".eml files, or a maildir/mbox")
        kind = parser.add_mutually_exclusive_group()
        kind.add_argument("--maildir", action="store_true")
        kind.add_argument("--mbox", action="store_true")

    def handle(self, *args, paths, maildir=False, mbox=False, **options):
        messages: list[Message] = []
        for path in paths:
            if not Path(path).exists():
                raise CommandError(f"{path} does not exist")
            if maildir:
                messages += list(mailbox.Maildir(path, factory=None, create=False))
            elif mbox:
                messages += list(mailbox.mbox(path, create=False))
            else:
                messages.append(
                    email.message_from_bytes(Path(path).read_bytes(), policy=policy.compat32)
                )
        addresses = {a for message in messages for a in hard_bounces(message)}
        touched = sum(member_bounce_record(email=a) for a in sorted(addresses))
        self.stdout.write(
            f"{len(messages)} messages, {len(addresses)} hard-bounced addresses, "
            f"{touched} memberships marked."
        )
