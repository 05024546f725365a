"""The production example configuration passes Django's deployment checks.

Each test runs Django in a subprocess, because settings are read once per process and the
test process itself runs on cms.settings.test.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENV_EXAMPLE = ROOT / "deploy" / "innsikt.env.example"
# Variables of the surrounding shell (CI, bin/test) that would otherwise leak into the
# production process and mask what the example file says.
SCRUBBED = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "CACHE_URL",
    "CELERY_BROKER_URL",
    "DJANGO_DEBUG",
)


def _example_env() -> dict[str, str]:
    """KEY=VALUE lines of the env example; comments and blank lines ignored, quotes removed."""
    values = {}
    for raw in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not a KEY=VALUE line: {raw!r}"
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    env.update(_example_env())
    # The example points at /var/lib/innsikt and /srv/innsikt, which the settings create on
    # import; keep the test's files in its own temporary directory.
    env["INNSIKT_DATA_DIR"] = str(tmp_path / "data")
    env["MEDIA_ROOT"] = str(tmp_path / "data" / "media")
    env["STATIC_ROOT"] = str(tmp_path / "static")
    env["DJANGO_SETTINGS_MODULE"] = "cms.settings.production"
    env.update(overrides)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_env_example_passes_check_deploy(tmp_path):
    # The operator replaces the placeholder key, as docs/deploy.md says.
    key = secrets.token_urlsafe(50)
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        _production_env(tmp_path, SECRET_KEY=key),
    )

    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]

    result = _run(["-c", "import django; django.setup()"], env)

    assert result.returncode != 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_the_placeholder_secret_key(tmp_path):
    result = _run(["-c", "import django; django.setup()"], _production_env(tmp_path))

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "placeholder" in result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    read = set()
    for module in ("base.py", "production.py"):
        source = (ROOT / "cms" / "settings" / module).read_text(encoding="utf-8")
        read |= set(re.findall(r"\benv\.\w+\(\s*\"([A-Z0-9_]+)\"", source))
    # Commented-out lines count: DJANGO_DEBUG is documented there as "never set".
    documented = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))

    assert read, 'no env.<type>("NAME") calls found; did the settings change style?'
    assert read <= documented, (
        f"missing from deploy/innsikt.env.example: {sorted(read - documented)}"
    )
