"""`manage.py` in a fresh process with a production-like environment (tests/dps/
test_deploy_check.py): the suite's own settings (dps.test_settings) switch HTTPS-only behaviour
off and must not leak in.

Subprocesses get a generous limit: it guards against a hung process, not a slow machine (CI
runs on loaded machines; a `collectstatic` once took more than two minutes there).
"""

import base64
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Only what a process needs to run; nothing from the test run (TESTING, SECURE_SSL_REDIRECT…).
PASS_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "DATABASE_URL", "REDIS_URL")
SUBPROCESS_LIMIT = 900  # seconds


def random_secret_key(length=60):
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def production_env(var_dir, **overrides):
    env = {key: os.environ[key] for key in PASS_THROUGH if os.environ.get(key)}
    env.update(
        DJANGO_SETTINGS_MODULE="dps.settings",
        DEBUG="0",
        SECRET_KEY=random_secret_key(),
        FIELD_ENCRYPTION_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        ALLOWED_HOSTS="dps.example.org",
        CSRF_TRUSTED_ORIGINS="https://dps.example.org",
        VAR_DIR=str(var_dir),
        OCDS_OCID_PREFIX="ocds-a1b2c3",  # a registered prefix: the placeholder fails the check
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(overrides)
    return env


def run(args, env):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=SUBPROCESS_LIMIT, check=False,
    )


def collect_static(var_dir):
    """`collectstatic` into `var_dir`/staticfiles (STATIC_ROOT); its output on failure."""
    result = run(["manage.py", "collectstatic", "--noinput", "-v", "0"],
                 production_env(var_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    return Path(var_dir) / "staticfiles"
