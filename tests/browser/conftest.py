"""Browser tests: keep one database connection per alias while Playwright runs.

Playwright's sync API keeps its event loop running in the main thread between calls, so Django's
connection handler believes it is in an async context and, from then on, hands the main thread a
new connection object instead of the one the test database was set up (and serialized) on. The
new object lacks `_test_serialized_contents`: serialized_rollback stops restoring the
migrations' data for every transactional test after the first browser test, in this package
and beyond it. Storing the original objects for the async path too keeps one connection.
"""

import pytest
from playwright.sync_api import sync_playwright


@pytest.fixture(scope="session")
def playwright(_pw_api_request_contexts):
    from django.db import connections

    # Taken before the loop runs: these are the thread's own connection objects (not opened).
    originals = {alias: connections[alias] for alias in connections}
    pw = sync_playwright().start()
    for alias, connection in originals.items():
        connections[alias] = connection
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()
