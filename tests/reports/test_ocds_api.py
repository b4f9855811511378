"""GET /api/v1/calloffs/{id}/ocds/, GET /api/v1/reports/ocds/ and `manage.py export_ocds`."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from calloffs.models import CallOff
from dps.models import Role
from reports import ocds
from tests import factories as f
from tests.asserts import assert_error
from tests.calloffs import factories as cf

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BULK = "/api/v1/reports/ocds/"


def one(calloff):
    return f"/api/v1/calloffs/{calloff.pk}/ocds/"


def published(days_ago, **kwargs):
    calloff = cf.ClosedCallOffFactory(**kwargs)
    CallOff.objects.filter(pk=calloff.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=days_ago))
    cf.EoiFactory(calloff=calloff, provider=cf.admitted_and_invited(calloff).provider)
    return calloff


@pytest.fixture
def authority(db):
    return f.AuthorityFactory()


@pytest.fixture
def calloff(authority):
    return published(3, referral__authority=authority)


def staff(authority, *roles):
    return f.UserFactory(organisation=authority, roles=list(roles))


def streamed(response):
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/json"
    return json.loads(b"".join(response.streaming_content))


def period(days_back=30):
    today = timezone.localdate()
    return {"from": (today - datetime.timedelta(days=days_back)).isoformat(),
            "to": today.isoformat()}


# --- One call-off ---------------------------------------------------------------------------

def test_one_signed_out_is_401(anon, calloff):
    assert_error(anon.get(one(calloff)), 401, "not_authenticated")


def test_one_provider_is_403_even_when_invited(api, calloff):
    provider = calloff.invitations.first().provider
    user = f.ProviderUserFactory(organisation=provider)
    assert_error(api(user).get(one(calloff)), 403, "forbidden")


def test_one_of_another_authority_is_404(api, calloff):
    assert_error(api(f.CommissionerFactory()).get(one(calloff)), 404, "not_found")


def test_one_that_does_not_exist_is_404(api, db):
    assert_error(api(f.DpsAdminFactory()).get("/api/v1/calloffs/999999/ocds/"), 404,
                 "not_found")


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.BUDGET_HOLDER, Role.FINANCE])
def test_one_for_the_authoritys_staff(api, calloff, role):
    response = api(staff(calloff.authority, role)).get(one(calloff))
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["ocid"] for r in body["releases"]] == [ocds.ocid(calloff.pk)]
    assert body["uri"].endswith(one(calloff))
    assert ocds.validation_errors(body) == []


def test_one_for_the_dps_admin(api, calloff):
    response = api(f.DpsAdminFactory()).get(one(calloff))
    assert response.status_code == 200
    assert cf.child_identifiers_in(response.json(), calloff.referral.child) == []


def test_the_call_off_itself_is_still_served_by_the_call_off_api(api, calloff):
    response = api(staff(calloff.authority, Role.COMMISSIONER)).get(
        f"/api/v1/calloffs/{calloff.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == calloff.pk


# --- A period -------------------------------------------------------------------------------

def test_period_signed_out_is_401(anon, db):
    assert_error(anon.get(BULK, period()), 401, "not_authenticated")


def test_period_provider_is_403(api, provider_user):
    assert_error(api(provider_user).get(BULK, period()), 403, "forbidden")


@pytest.mark.parametrize(("query", "field"), [
    ({"to": "2026-01-31"}, "from"),
    ({"from": "2026-01-01"}, "to"),
    ({"from": "1 Jan 2026", "to": "2026-01-31"}, "from"),
    ({"from": "2026-02-01", "to": "2026-01-31"}, "to"),
    ({"from": "2025-01-01", "to": "2026-01-02"}, "to"),  # more than 366 days
])
def test_period_bad_query_is_400_invalid(api, db, query, field):
    assert_error(api(f.DpsAdminFactory()).get(BULK, query), 400, "invalid", fields=[field])


def test_period_holds_the_call_offs_published_in_it(api, authority):
    inside = [published(days, referral__authority=authority) for days in (0, 10, 30)]
    published(31, referral__authority=authority)
    body = streamed(api(staff(authority, Role.COMMISSIONER)).get(BULK, period(30)))
    assert sorted(r["ocid"] for r in body["releases"]) == sorted(
        ocds.ocid(c.pk) for c in inside)
    assert ocds.validation_errors(body) == []


def test_period_shows_an_authority_only_its_own(api, authority, calloff):
    theirs = published(2)
    mine = streamed(api(staff(authority, Role.COMMISSIONER)).get(BULK, period()))
    assert [r["ocid"] for r in mine["releases"]] == [ocds.ocid(calloff.pk)]
    everyone = streamed(api(f.DpsAdminFactory()).get(BULK, period()))
    assert {r["ocid"] for r in everyone["releases"]} == {ocds.ocid(calloff.pk),
                                                          ocds.ocid(theirs.pk)}


def test_period_empty_is_a_valid_package(api, db):
    body = streamed(api(f.DpsAdminFactory()).get(BULK, period()))
    assert body["releases"] == []
    assert ocds.validation_errors(body) == []


def test_period_query_count_does_not_grow(api, authority):
    client = api(f.DpsAdminFactory())
    published(1, referral__authority=authority)
    with CaptureQueriesContext(connection) as few:
        streamed(client.get(BULK, period()))
    for days in range(12):
        published(days, referral__authority=f.AuthorityFactory())
    with CaptureQueriesContext(connection) as many:
        body = streamed(client.get(BULK, period()))
    assert len(body["releases"]) == 13
    assert len(many) == len(few)


def test_period_a_whole_year_is_allowed(api, calloff):
    today = timezone.localdate()
    query = {"from": (today - datetime.timedelta(days=365)).isoformat(),
             "to": today.isoformat()}
    body = streamed(api(f.DpsAdminFactory()).get(BULK, query))
    assert body["uri"].startswith("http://testserver/api/v1/reports/ocds/?")
    assert body["publishedDate"] == body["releases"][0]["date"]


def test_period_streams_in_chunks_of_releases(authority):
    for days in range(3):
        published(days, referral__authority=authority)
    chunks = list(ocds.stream_package(ocds.calloffs_published(
        timezone.localdate() - datetime.timedelta(days=5), timezone.localdate()), chunk_size=2))
    assert len(chunks) == 5  # the head, one per release, the tail
    package = json.loads("".join(chunks))
    assert ocds.validation_errors(package) == []
    assert package == {**ocds.package(ocds.calloffs_published(
        timezone.localdate() - datetime.timedelta(days=5), timezone.localdate())),
        "publishedDate": package["publishedDate"]}


# --- The management command -----------------------------------------------------------------

def test_command_writes_one_valid_package(tmp_path, authority, calloff):
    other = published(5)
    published(400)
    target = tmp_path / "ocds.json"
    out = io.StringIO()
    call_command("export_ocds", "--from", period()["from"], "--to", period()["to"],
                 "--output", str(target), "--validate", stdout=out)
    package = json.loads(target.read_text())
    assert ocds.validation_errors(package) == []
    assert {r["ocid"] for r in package["releases"]} == {ocds.ocid(calloff.pk),
                                                        ocds.ocid(other.pk)}
    assert package["publishedDate"] == max(r["date"] for r in package["releases"])
    assert "Exported 2 release(s)" in out.getvalue()
    for c in (calloff, other):
        assert cf.child_identifiers_in(package, c.referral.child) == []


def test_command_writes_to_standard_output_and_filters_by_authority(authority, calloff):
    published(5)
    out, err = io.StringIO(), io.StringIO()
    call_command("export_ocds", "--from", period()["from"], "--to", period()["to"],
                 "--authority", str(authority.pk), stdout=out, stderr=err)
    package = json.loads(out.getvalue())
    assert [r["ocid"] for r in package["releases"]] == [ocds.ocid(calloff.pk)]
    assert ocds.validation_errors(package) == []
    assert "Exported 1 release(s)" in err.getvalue()


def test_command_refuses_a_period_ending_before_it_starts(db):
    with pytest.raises(CommandError, match="--to must not be before --from"):
        call_command("export_ocds", "--from", "2026-02-01", "--to", "2026-01-31")


def test_command_refuses_a_bad_date(db):
    with pytest.raises(CommandError):
        call_command("export_ocds", "--from", "yesterday", "--to", "2026-01-31")
