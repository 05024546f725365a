from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cms.backup import BackupError, backup_create, backup_key


class Command(BaseCommand):
    help = (
        "Back up the database, MEDIA_ROOT and INNSIKT_PRIVATE_ROOT into one archive with a "
        "manifest; encrypted with INNSIKT_BACKUP_KEY or --key-file (docs/deploy.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "destination",
            help="a directory (a dated archive is made in it), or an archive's name "
            "(ending in .tar.gz or .enc)",
        )
        parser.add_argument(
            "--key-file", type=Path, help="encrypt with the passphrase in this file"
        )

    def handle(self, *args, destination, key_file, **options):
        try:
            made = backup_create(destination=Path(destination), key=backup_key(key_file=key_file))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{made.path}: {made.tables} tables, {made.rows} rows, {made.files} files, "
            + ("encrypted." if made.encrypted else "NOT encrypted (no key given).")
        )
