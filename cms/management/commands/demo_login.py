from django.core.management.base import BaseCommand

from cms.demo.loader import CREDENTIALS, _credentials


class Command(BaseCommand):
    help = "Print where the demo runs and how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")

    def handle(self, *args, port, **options):
        password = _credentials()["password"]
        base = f"http://localhost:{port}"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Innsikt is starting.",
                    f"  Sølvberget (public):  {base}/        English: {base}/en/",
                    f"  Bærum (public):       http://baerum.localhost:{port}/",
                    f"  Admin:                {base}/admin/",
                    f"  Admin login:          admin / {password}",
                    f"  Researchers:          forsker.stavanger / {password}",
                    f"                        forsker.baerum / {password}",
                    f"  (stored in {CREDENTIALS})",
                    "  Mail is written to var/mail/. Stop with Ctrl+C.",
                    "",
                ]
            )
        )
