"""KPI returns: opened per period for live members, submitted by the provider, validated,
detected late once, and averaged across the sector."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from monitoring import services, tasks
from monitoring.models import KpiReturn, ReassessmentTrigger
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.monitoring import factories as mf
from tests.monitoring.conftest import NOON, TODAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/kpi-returns/"
Q4 = (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))


def url(kpi_return, action=""):
    return f"{URL}{kpi_return.pk}/{action + '/' if action else ''}"


@pytest.fixture
def kpis(db):
    """Fostering: stability 0–100 % (required), enquiries ≥ 0 (optional)."""
    return {"stability": mf.KpiFactory(code="stability", name="Stability", position=1),
            "enquiries": mf.KpiFactory(code="enquiries", name="Enquiries", unit="enquiries",
                                       max_value=None, required=False, position=2)}


@pytest.fixture
def mine(today, provider_user, kpis):
    return mf.KpiReturnFactory(provider=provider_user.organisation)


@pytest.fixture
def client(api, provider_user):
    return api(provider_user)


# --- Opening returns ------------------------------------------------------------------------

def test_each_live_member_of_a_lot_with_kpis_gets_one_return_per_period(today, kpis):
    admitted = f.AdmittedMembershipFactory()
    suspended = f.SuspendedMembershipFactory()
    f.RemovedMembershipFactory()
    f.AdmittedMembershipFactory(lot=f.lot("tuition"))  # no KPIs on tuition
    mf.KpiFactory(frequency="annually")
    assert tasks.open_kpi_returns() == 4
    assert tasks.open_kpi_returns() == 0
    rows = set(KpiReturn.objects.values_list("provider_id", "frequency", "period_start",
                                             "period_end", "due_date"))
    quarter = (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31), datetime.date(2026, 4, 28))
    year = (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31), datetime.date(2026, 4, 28))
    assert rows == {(m.provider_id, freq, *period) for m in (admitted, suspended)
                    for freq, period in (("quarterly", quarter), ("annually", year))}


@pytest.mark.parametrize(("frequency", "day", "period"), [
    ("monthly", datetime.date(2026, 2, 14), (datetime.date(2026, 2, 1),
                                             datetime.date(2026, 2, 28))),
    ("quarterly", datetime.date(2026, 4, 1), (datetime.date(2026, 4, 1),
                                              datetime.date(2026, 6, 30))),
    ("quarterly", datetime.date(2025, 12, 31), Q4),
    ("annually", datetime.date(2026, 3, 31), (datetime.date(2025, 4, 1),
                                              datetime.date(2026, 3, 31))),
    ("annually", datetime.date(2026, 4, 1), (datetime.date(2026, 4, 1),
                                             datetime.date(2027, 3, 31))),
])
def test_periods_follow_the_calendar_and_the_financial_year(frequency, day, period):
    assert services.period_for(frequency, day) == period


# --- Submitting -----------------------------------------------------------------------------

def values(**extra):
    return {"values": {"stability": "92.50", "enquiries": "14", **extra}}


def test_anonymous_cannot_submit_a_return(anon, mine):
    with nothing_changes():
        assert_error(anon.post(url(mine, "submit"), values(), format="json"), 401,
                     "not_authenticated")


def test_staff_cannot_submit_a_providers_return(staff, mine):
    with nothing_changes():
        assert_error(staff.post(url(mine, "submit"), values(), format="json"), 403, "forbidden")


def test_provider_cannot_see_or_submit_another_providers_return(client, today, kpis):
    theirs = mf.KpiReturnFactory()
    with nothing_changes():
        assert_error(client.post(url(theirs, "submit"), values(), format="json"), 404,
                     "not_found")
    assert_error(client.get(url(theirs)), 404, "not_found")


def test_a_return_is_submitted_once(client, provider_user, today, kpis):
    done = mf.SubmittedKpiReturnFactory(provider=provider_user.organisation)
    with nothing_changes():
        assert_error(client.post(url(done, "submit"), values(), format="json"), 409,
                     "invalid_transition")


def test_a_return_waits_for_its_period_to_end(client, provider_user, today, kpis):
    current = mf.KpiReturnFactory(provider=provider_user.organisation,
                                  period_start=datetime.date(2026, 1, 1),
                                  period_end=datetime.date(2026, 3, 31))
    with nothing_changes():
        assert_error(client.post(url(current, "submit"), values(), format="json"), 400,
                     "period_not_ended")


@pytest.mark.parametrize(("sent", "field", "message"), [
    ({"stability": None}, "values.stability", "required"),
    ({"stability": "-0.01"}, "values.stability", "at least 0.00"),
    ({"stability": "100.01"}, "values.stability", "at most 100.00"),
    ({"enquiries": "-1"}, "values.enquiries", "at least 0.00"),
    ({"bed_nights": "3"}, "values.bed_nights", "Not a KPI"),
])
def test_values_are_validated(client, mine, sent, field, message):
    payload = values(**sent)
    payload["values"] = {k: v for k, v in payload["values"].items()
                         if not (k == "stability" and v is None)}
    with nothing_changes():
        body = assert_error(client.post(url(mine, "submit"), payload, format="json"), 400,
                            "invalid", fields=[field])
    assert message in body["fields"][field][0]


def test_a_value_must_be_a_number(client, mine):
    with nothing_changes():
        assert_error(client.post(url(mine, "submit"), values(stability="lots"), format="json"),
                     400, "invalid", fields=["values.stability"])


def test_provider_submits_its_return_at_the_limits_of_each_range(client, mine, kpis):
    mf.KpiFactory(code="retired", is_active=False)
    mf.KpiFactory(code="yearly", frequency="annually")
    response = client.post(url(mine, "submit"), {"values": {"stability": "100.00",
                                                            "enquiries": "0"}}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["was_late"]) == ("submitted", False)
    assert {v["code"]: v["value"] for v in body["values"]} == {"stability": "100.00",
                                                              "enquiries": "0.00"}
    assert [k["code"] for k in body["kpis"]] == ["stability", "enquiries"]


def test_an_optional_value_may_be_left_out(client, mine):
    response = client.post(url(mine, "submit"), {"values": {"stability": "80"}}, format="json")
    assert response.status_code == 200, response.json()
    assert [v["code"] for v in response.json()["values"]] == ["stability"]


def test_a_late_submission_is_accepted_and_shown_late(client, provider_user, today, kpis):
    late = mf.LateKpiReturnFactory(provider=provider_user.organisation)
    assert client.get(url(late)).json()["is_late"] is True
    body = client.post(url(late, "submit"), values(), format="json").json()
    assert (body["status"], body["is_late"], body["was_late"]) == ("submitted", False, True)


# --- Late returns ---------------------------------------------------------------------------

def test_a_late_return_raises_a_reassessment_trigger_once(today, kpis, staff):
    late = mf.LateKpiReturnFactory()
    mf.KpiReturnFactory()  # not yet due
    mf.SubmittedKpiReturnFactory(due_date=TODAY - datetime.timedelta(days=5))
    assert tasks.detect_late_kpi_returns() == 1
    assert tasks.detect_late_kpi_returns() == 0
    [trigger] = ReassessmentTrigger.objects.all()
    assert (trigger.provider_id, trigger.kind, trigger.kpi_return_id, trigger.raised_by) == (
        late.provider_id, "late_kpi_return", late.pk, None)
    page = staff.get(f"/api/v1/provider-risk/{late.provider_id}/").json()
    assert page["reassessment_due_now"] is True


def test_a_return_due_today_is_not_late_until_tomorrow(today, kpis):
    mf.KpiReturnFactory(due_date=TODAY)
    assert tasks.detect_late_kpi_returns() == 0
    with time_machine.travel(NOON + datetime.timedelta(days=1), tick=False):
        assert tasks.detect_late_kpi_returns() == 1


# --- Reading and averages -------------------------------------------------------------------

def test_provider_lists_only_its_own_returns(client, mine, other_provider_user):
    mf.KpiReturnFactory(provider=other_provider_user.organisation)
    assert [r["id"] for r in client.get(URL).json()["results"]] == [mine.pk]


def test_staff_see_returns_by_provider_and_period_and_the_late_ones(staff, today, kpis):
    provider = f.ProviderOrgFactory()
    late = mf.LateKpiReturnFactory(provider=provider)
    older = mf.SubmittedKpiReturnFactory(provider=provider, period_start=datetime.date(
        2025, 7, 1), period_end=datetime.date(2025, 9, 30))
    mf.KpiReturnFactory()

    def ids(**params):
        response = staff.get(URL, params)
        assert response.status_code == 200, response.json()
        return {r["id"] for r in response.json()["results"]}

    assert ids(provider=provider.pk) == {late.pk, older.pk}
    assert ids(period_start="2025-07-01") == {older.pk}
    assert ids(late="true") == {late.pk}
    assert_error(staff.get(URL, {"period_start": "last quarter"}), 400, "invalid",
                 fields=["period_start"])


AVERAGES = f"{URL}averages/"


def test_provider_cannot_read_sector_averages(client):
    assert_error(client.get(AVERAGES, {"lot": "fostering"}), 403, "forbidden")


def test_averages_need_a_known_lot(staff):
    assert_error(staff.get(AVERAGES), 400, "invalid", fields=["lot"])
    assert_error(staff.get(AVERAGES, {"lot": "gardening"}), 400, "invalid", fields=["lot"])


def test_sector_averages_per_kpi_and_period_count_submitted_returns_only(staff, today, kpis):
    stability, enquiries = kpis["stability"], kpis["enquiries"]
    for value, count in (("90.00", "10"), ("85.00", "3"), ("80.01", None)):
        made = mf.SubmittedKpiReturnFactory()
        mf.with_values(made, {stability: value, **({enquiries: count} if count else {})})
    mf.with_values(mf.KpiReturnFactory(), {stability: "1.00"})  # not submitted
    earlier = mf.SubmittedKpiReturnFactory(period_start=datetime.date(2025, 7, 1),
                                           period_end=datetime.date(2025, 9, 30))
    mf.with_values(earlier, {stability: "50"})
    body = staff.get(AVERAGES, {"lot": "fostering"}).json()
    assert body["lot"] == "fostering"
    rows = [(r["code"], r["period_start"], r["average"], r["minimum"], r["maximum"],
             r["returns"]) for r in body["rows"]]
    assert rows == [
        ("stability", "2025-10-01", "85.00", "80.01", "90.00", 3),
        ("enquiries", "2025-10-01", "6.50", "3.00", "10.00", 2),
        ("stability", "2025-07-01", "50.00", "50.00", "50.00", 1),
    ]
    only_q4 = staff.get(AVERAGES, {"lot": "fostering", "period_start": "2025-10-01"}).json()
    assert len(only_q4["rows"]) == 2
    assert Decimal(only_q4["rows"][0]["average"]) == Decimal("85.00")
