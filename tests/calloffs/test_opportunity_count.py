"""The opportunity list's `count` (API.md paging) from the provider's invitations when the
list is unfiltered (issue 19): the same number the call-offs' COUNT gives, on every page, and
the usual COUNT whenever a filter narrows the list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calloffs.models import CallOff
from providers.models import Membership
from tests import factories as f
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db
URL = "/api/v1/opportunities/"


def _invited(provider, n, **kwargs):
    for _ in range(n):
        calloff = cf.OpenCallOffFactory(**kwargs)
        membership = (Membership.objects.filter(provider=provider, lot=calloff.lot).first()
                      or f.AdmittedMembershipFactory(provider=provider, lot=calloff.lot))
        cf.invite(calloff, membership)


def test_the_unfiltered_count_is_the_invitations_and_matches_every_page(api):
    provider = f.ProviderOrgFactory()
    _invited(provider, 5)
    _invited(f.ProviderOrgFactory(), 2)  # another provider's: not counted
    client = api(f.ProviderUserFactory(organisation=provider))
    with CaptureQueriesContext(connection) as sql:
        first = client.get(URL, {"page_size": 2}).json()
    assert first["count"] == 5
    assert any('FROM "calloffs_invitation"' in q["sql"] and "COUNT(*)" in q["sql"]
               and "calloffs_calloff" not in q["sql"] for q in sql.captured_queries)
    ids = [row["id"] for page in (1, 2, 3)
           for row in client.get(URL, {"page_size": 2, "page": page}).json()["results"]]
    assert len(ids) == len(set(ids)) == 5
    assert client.get(URL, {"page_size": 2, "page": 3}).json()["count"] == 5


def test_a_filtered_list_counts_the_rows_it_shows(api):
    provider = f.ProviderOrgFactory()
    _invited(provider, 3)
    CallOff.objects.filter(pk=CallOff.objects.order_by("pk").first().pk).update(
        status=CallOff.Status.CLOSED)
    client = api(f.ProviderUserFactory(organisation=provider))
    body = client.get(URL, {"status": "open"}).json()
    assert body["count"] == len(body["results"]) == 2
    assert client.get(URL).json()["count"] == 3
