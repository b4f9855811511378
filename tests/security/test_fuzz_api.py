"""Fuzzing the API with schemathesis against the project's own OpenAPI schema.

Every operation in the schema gets a bounded, repeatable set of generated requests (valid and
invalid: `derandomize=True`, FUZZ_EXAMPLES each), sent through the Django WSGI application on a
seeded database, signed in as the DPS administrator and as a provider. Each response must not be
a server error and must match the schema for its status code. Run with `-s` for the figures.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from dps.models import Role
from tests.security import matrix as m

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, response_schema_conformance]
RUN = Counter()

# Schema mismatches found by this test in code other helpers own, reported to them. These
# operations are still fuzzed for server errors; only the response-schema check is held off.
# Remove an entry once its owner fixes it (the summary prints the list; FUZZ_STRICT=1 checks
# these too, to see which still fail).
KNOWN_SCHEMA_MISMATCHES = {
    # Empty: every operation's responses are checked against the schema. An entry here (with
    # the reason) holds off only the schema check for that operation, never the 5xx check.
}

# Schemathesis's coverage phase adds ~70 deterministic edge cases per operation (21,000 in all,
# five minutes): on with FUZZ_COVERAGE=1 for a deep run, off in CI where the bounded
# examples and fuzzing phases run.
CONFIG = schemathesis.Config.from_dict(
    {"phases": {"coverage": {"enabled": os.environ.get("FUZZ_COVERAGE") == "1"}}})
schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True), config=CONFIG)
schema.app = WSGIHandler()

FUZZ_SETTINGS = hypothesis_settings(max_examples=FUZZ_EXAMPLES, derandomize=True, deadline=None,
                                    database=None, suppress_health_check=list(HealthCheck),
                                    print_blob=False)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """One world for the whole module (every builder's objects, own and others'), rolled back
    at the end; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        world = m.World()
        for model in m.BUILDERS:
            world.objects(model)
        tokens = {role: Token.objects.create(user=user).key
                  for role, user in world.users.items() if user is not None}
    yield tokens
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def wsgi(seeded, settings):
    """Requests go through the WSGI handler in this thread, on the test's transaction: Django's
    per-request connection clean-up would end that transaction, so it is held off (as Django's
    own test client does)."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "testserver"]
    settings.STAFF_TWO_FACTOR = False  # token calls as a signed-in, verified administrator
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield seeded
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _fuzz(case, token):
    label = f"{case.operation.method.upper()} {case.operation.path}"
    RUN["cases"] += 1
    held_off = label in KNOWN_SCHEMA_MISMATCHES and os.environ.get("FUZZ_STRICT") != "1"
    checks = [not_a_server_error] if held_off else CHECKS
    try:
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=checks)
    except Exception:
        RUN["failing cases"] += 1  # Hypothesis replays and shrinks: an upper bound
        RUN[f"failed: {label}"] += 1
        raise


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_dps_admin(case, wsgi):
    _fuzz(case, wsgi[Role.DPS_ADMIN.value])


@schema.parametrize()
@FUZZ_SETTINGS
def test_fuzz_as_provider(case, wsgi):
    _fuzz(case, wsgi[Role.PROVIDER.value])


def test_zz_fuzz_summary():
    operations = len(list(schema.get_all_operations()))
    cases = RUN["cases"]
    failed = sorted(key[len("failed: "):] for key in RUN if key.startswith("failed: "))
    print(f"\nFuzzing: {operations} operations × 2 roles (dps_admin, provider), {cases} cases "
          f"run (max {FUZZ_EXAMPLES} generated examples each), {len(failed)} operations with "
          f"server errors or schema mismatches")
    for label in failed:
        print(f"  FAILED: {label}")
    for label, why in KNOWN_SCHEMA_MISMATCHES.items():
        print(f"  schema check held off: {label}: {why}")
    assert operations > 100
    if not cases:
        pytest.skip("the fuzz tests did not run in this session")
    assert not failed
