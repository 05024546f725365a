"""Checks of message catalogues shared by the tests (gettext's own tools decide)."""

import subprocess
from pathlib import Path


def untranslated(po: Path) -> str:
    """The untranslated and fuzzy entries of ``po`` (empty when it is complete)."""
    found = [
        subprocess.run(
            ["msgattrib", flag, "--no-obsolete", str(po)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for flag in ("--untranslated", "--only-fuzzy")
    ]
    return "\n".join(f for f in found if f)
