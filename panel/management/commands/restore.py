from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cms.backup import BackupError, backup_key, backup_restore
from cms.erasure_journal import erasure_journal_path

# The command lives in panel, not beside `backup` in cms: after the archive is back, the
# panel replays the erasure journal, and cms imports no app above it (import contracts).
from panel.services.erasure import erasures_replay


class Command(BaseCommand):
    help = (
        "Restore an archive made by `manage.py backup` into the configured database, "
        "MEDIA_ROOT and INNSIKT_PRIVATE_ROOT, then replay the erasure journal. Stop the "
        "services first (docs/deploy.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--key-file", type=Path, help="the passphrase of an encrypted archive")
        parser.add_argument(
            "--check", action="store_true", help="only check the archive; change nothing"
        )
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="do not ask to confirm"
        )

    def handle(self, *args, archive, key_file, check, interactive, **options):
        journal = erasure_journal_path()
        if not journal.exists():
            self.stderr.write(
                f"There is no erasure journal at {journal}: no erasure was recorded here. On "
                "a new machine, put the latest copy of the old one there first."
            )
        if not check and interactive:
            answer = input(
                f"This replaces the database {connection.settings_dict['NAME']} and every "
                f"file in {settings.MEDIA_ROOT} and {settings.INNSIKT_PRIVATE_ROOT} with "
                f"{archive}. Type 'yes' to go on: "
            )
            if answer != "yes":
                raise CommandError("Nothing was restored.")
        try:
            restored = backup_restore(
                archive=archive,
                key=backup_key(key_file=key_file),
                erasures_replay=erasures_replay,
                check_only=check,
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        made = (
            f"the backup of {restored.created_at}: {restored.tables} tables, {restored.rows} "
            f"rows, {restored.files} files" + (", encrypted" if restored.encrypted else "")
        )
        replay = restored.replay
        if replay is None:
            self.stdout.write(f"The archive is whole and fits this code: {made}. Nothing changed.")
            return
        self.stdout.write(f"Restored {made}.")
        self.stdout.write(
            f"Erasure journal replayed: {replay.entries} entries, members erased again: "
            f"{replay.members_erased}, answers de-linked: {replay.answers_delinked}."
        )
        if replay.unreadable:
            self.stderr.write(
                f"{replay.unreadable} lines of {settings.INNSIKT_ERASURE_JOURNAL} could not be "
                "read: look at them, an erasure may be missing."
            )
