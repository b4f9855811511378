"""Shared fixtures, and the rule that CI never skips: a missing service fails there."""

import os
import shutil

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests import audit_guard, sweep
from tests import factories as f

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _postgres():
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return None
    return "needs PostgreSQL: set DATABASE_URL=postgres://..."


def _redis():
    url = os.environ.get("REDIS_URL")
    if not url:
        return "needs Redis: set REDIS_URL=redis://..."
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis at {url} did not answer: {exc}"
    return None


def _browser():
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return None
    return "needs Debian's chromium (apt-get install chromium)"


def _clamav():
    if shutil.which("clamd") or os.path.exists("/usr/sbin/clamd"):
        return None
    return "needs ClamAV's clamd (apt-get install clamav-daemon)"


REQUIREMENTS = {"postgres": _postgres, "redis": _redis, "browser": _browser,
                "clamav": _clamav}


def pytest_runtest_setup(item):
    for name, check in REQUIREMENTS.items():
        if item.get_closest_marker(name) is None:
            continue
        problem = check()
        if problem is None:
            continue
        if IN_CI:
            pytest.fail(f"{problem} (CI=true: required, not skipped)", pytrace=False)
        pytest.skip(problem)


@pytest.fixture(autouse=True)
def _clear_cache():
    # Throttle counters live in the cache: each test starts with a clean slate.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def api():
    """api(user) → an APIClient signed in as that user."""

    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def as_user(client):
    """as_user(user) → Django's test client signed in as that user (for pages)."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def dps_admin(db):
    return f.DpsAdminFactory()


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory()


@pytest.fixture
def provider_user(db):
    return f.ProviderUserFactory()


@pytest.fixture
def other_provider_user(db):
    return f.ProviderUserFactory()


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Production's static files (`collectstatic` with production settings), collected once per
    run for every test that needs them: it is slow on a loaded machine (tests/production.py)."""
    from tests.production import collect_static

    return collect_static(tmp_path_factory.mktemp("collected"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


# Every state change writes an audit entry (issue 7): transitions go through
# dps.transitions.move, and each kept one has its audit row (tests/audit_guard.py).
audit_guard.connect()


# The children's-data sweep (tests/sweep.py): what a provider or the public was shown during a
# test is checked against every child in the database before the test's data goes away.
@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_call(item):
    sweep.capture_logs()
    sweep.take()
    audit_guard.take()
    result = yield
    uses_db = item.get_closest_marker("django_db") is not None or any(
        name in getattr(item, "fixturenames", ()) for name in ("db", "transactional_db",
                                                                "live_server"))
    sweep.check(sweep.take(), tally=sweep.totals, outbox=uses_db)
    if uses_db:  # after the sweep, which may run the test's queued tasks
        audit_guard.check(audit_guard.take(), audit_guard.totals, audit_guard.exercised)
    return result


def pytest_terminal_summary(terminalreporter):
    if audit_guard.totals:
        figures = ", ".join(f"{kind} {count}" for kind, count in
                            sorted(audit_guard.totals.items()))
        declared = audit_guard.declared()
        missing = sorted(f"{m}.{n}" for m, n in declared - audit_guard.exercised)
        terminalreporter.write_line(
            f"audit of state changes: {figures}; {len(declared & audit_guard.exercised)} of "
            f"{len(declared)} declared transitions exercised"
            + (f" (not exercised: {', '.join(missing)})" if missing else ""))

    if sweep.totals:
        figures = ", ".join(f"{kind} {count}" for kind, count in sorted(sweep.totals.items())
                            if kind != "leaks")
        terminalreporter.write_line(f"children's-data sweep: {figures}; "
                                    f"leaks {sweep.totals['leaks']}")
