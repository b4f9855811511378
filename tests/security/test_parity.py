"""Page/API parity (issue 13): each page action that accepts POST has its API operation, or a
written reason why there is none (the table is tests/parity.py). Fails when a POST page is not
in the table, when the table names a page that no longer takes POST, or when a named
operation is not in the OpenAPI schema."""

import pytest

from dps import two_factor_views
from tests import parity
from workspace import views as front_views

# What the table says, for the run's summary (tests/security/conftest.py prints it).
RESULT = {}


@pytest.fixture(scope="module")
def pages():
    return parity.post_page_routes()


@pytest.fixture(scope="module")
def operations():
    return parity.schema_operations()


def test_every_page_that_accepts_post_is_in_the_table(pages):
    missing = sorted(f"{key} ({parity.page_path(route)})" for key, route in pages.items()
                     if key not in parity.ACTIONS)
    assert not missing, (
        "Page actions without their API operation or a reason why there is none; add them "
        "to tests/parity.py ACTIONS:\n  " + "\n  ".join(missing))


def test_the_table_names_only_pages_that_accept_post(pages):
    stale = sorted(set(parity.ACTIONS) - set(pages))
    assert not stale, f"In tests/parity.py but no page route of that name accepts POST: {stale}"


def test_every_named_api_operation_is_in_the_schema(operations):
    unknown = sorted(f"{key}: {operation}" for key, entry in parity.ACTIONS.items()
                     if isinstance(entry, parity.Api) for operation in entry.operations
                     if operation not in operations)
    assert not unknown, "Not in the OpenAPI schema:\n  " + "\n  ".join(unknown)


def test_each_entry_names_an_operation_or_gives_a_reason(pages, operations):
    for key, entry in parity.ACTIONS.items():
        if isinstance(entry, parity.Api):
            assert entry.operations, key
        else:
            assert isinstance(entry, parity.NoApi), key
            # A sentence, not a placeholder.
            assert len(entry.reason.split()) >= 8, f"{key}: give the reason in a sentence"
    with_api = {key: entry for key, entry in parity.ACTIONS.items()
                if isinstance(entry, parity.Api)}
    RESULT.update(
        pages=len(pages), with_api=len(with_api),
        operations=len({op for entry in with_api.values() for op in entry.operations}),
        without=sorted(key for key, entry in parity.ACTIONS.items()
                       if isinstance(entry, parity.NoApi)),
        schema=len(operations))


# --- The detector the table relies on ---------------------------------------------------------

@pytest.mark.parametrize(("key", "view", "expected"), [
    # require_POST, read from the decorator layer.
    ("providers:close-round", None, True),
    # request.method == "POST" in the view itself.
    ("providers:apply", None, True),
    # request.POST read only in a helper the view hands the request to.
    ("two-factor-setup", two_factor_views.setup, True),
    # A class-based view with post().
    ("login", None, True),
    # Read-only pages.
    ("dashboard", front_views.dashboard, False),
    ("providers:round", None, False),
])
def test_the_detector_finds_post_in_the_view_its_helpers_and_its_decorators(
        pages, key, view, expected):
    assert (key in pages) is expected
    if view is not None:
        assert parity.accepts_post(view) is expected


def test_a_view_restricted_to_get_is_not_counted_whatever_it_reads():
    from django.views.decorators.http import require_GET, require_POST

    def reads_post(request):
        return request.POST

    def reads_nothing(request):
        return None

    assert parity.accepts_post(reads_post)
    assert not parity.accepts_post(require_GET(reads_post))
    assert parity.accepts_post(require_POST(reads_nothing))
    assert not parity.accepts_post(reads_nothing)
