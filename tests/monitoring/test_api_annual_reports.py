"""Annual monitoring reports with social value evidence: a provider submits one per financial
year; a commissioner or the DPS administrator accepts it or returns it for changes (with
comments); a returned report is resubmitted. Providers see only their own."""

import pytest

from dps.models import AuditEntry
from monitoring.models import AnnualReport
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.monitoring import factories as mf

pytestmark = pytest.mark.django_db

URL = "/api/v1/annual-reports/"


def evidence(**extra):
    return {"total_employees": 40, "local_employees": 31, "apprenticeships": 2,
            "work_placements": 3, "community_hours": 120,
            "community_work": "Weekly youth club at the village hall.",
            "environmental_impact": "Two electric cars; heating use down 10%.",
            "narrative": "A stable year with no placement breakdowns.", **extra}


def report(year=2025, **extra):
    return {"year": year, **evidence(**extra)}


@pytest.fixture
def mine(provider_user):
    return mf.AnnualReportFactory(provider=provider_user.organisation)


@pytest.fixture
def returned(provider_user):
    return mf.ReturnedAnnualReportFactory(provider=provider_user.organisation)


# --- 401 / 403 / 404 ------------------------------------------------------------------------

def test_anonymous_cannot_read_or_submit(anon, mine):
    assert_error(anon.get(URL), 401, "not_authenticated")
    with nothing_changes():
        assert_error(anon.post(URL, report(), format="json"), 401, "not_authenticated")
        assert_error(anon.post(f"{URL}{mine.pk}/review/", {"outcome": "accepted"},
                               format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.DpsAdminFactory,
                                     f.BudgetHolderFactory, f.FinanceFactory])
def test_only_a_provider_submits(api, factory, today):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(URL, report(), format="json"), 403, "forbidden")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.BudgetHolderFactory,
                                     f.FinanceFactory])
def test_only_staff_review(api, factory, mine):
    client = api(factory(organisation=mine.provider) if factory is f.ProviderUserFactory
                 else factory())
    with nothing_changes():
        assert_error(client.post(f"{URL}{mine.pk}/review/", {"outcome": "accepted"},
                                 format="json"), 403, "forbidden")


def test_budget_holders_and_finance_cannot_read_reports(api, mine):
    for user in (f.BudgetHolderFactory(), f.FinanceFactory()):
        assert_error(api(user).get(URL), 403, "forbidden")


def test_a_provider_sees_only_its_own_reports(api, provider_user, mine):
    theirs = mf.AnnualReportFactory()
    theirs_returned = mf.ReturnedAnnualReportFactory()
    client = api(provider_user)
    assert [r["id"] for r in client.get(URL).json()["results"]] == [mine.pk]
    with nothing_changes():
        assert_error(client.get(f"{URL}{theirs.pk}/"), 404, "not_found")
        assert_error(client.post(f"{URL}{theirs_returned.pk}/submit/", evidence(),
                                 format="json"), 404, "not_found")


def test_reviewing_a_missing_report_is_not_found(api, commissioner):
    assert_error(api(commissioner).post(f"{URL}999999/review/", {"outcome": "accepted"},
                                        format="json"), 404, "not_found")


# --- 409 ------------------------------------------------------------------------------------

def test_one_report_per_provider_and_year(api, provider_user, today):
    mf.AnnualReportFactory(provider=provider_user.organisation, year=2025)
    with nothing_changes():
        assert_error(api(provider_user).post(URL, report(), format="json"), 409, "conflict")


def test_another_provider_may_report_for_the_same_year(api, provider_user, today):
    mf.AnnualReportFactory(year=2025)
    assert api(provider_user).post(URL, report(), format="json").status_code == 201


@pytest.mark.parametrize("made", mf.report_states_except("submitted"))
def test_only_a_submitted_report_is_reviewed(api, commissioner, made):
    made_report = made()
    with nothing_changes():
        assert_error(api(commissioner).post(f"{URL}{made_report.pk}/review/",
                                            {"outcome": "accepted"}, format="json"),
                     409, "invalid_transition")


@pytest.mark.parametrize("made", mf.report_states_except("returned"))
def test_only_a_returned_report_is_resubmitted(api, provider_user, made, today):
    made_report = made(provider=provider_user.organisation)
    with nothing_changes():
        assert_error(api(provider_user).post(f"{URL}{made_report.pk}/submit/", evidence(),
                                             format="json"), 409, "invalid_transition")


# --- 400 ------------------------------------------------------------------------------------

def test_a_future_financial_year_is_refused(api, provider_user, today):
    # Today is 10 March 2026: the financial year 2025 (April 2025 to March 2026) is current.
    with nothing_changes():
        assert_error(api(provider_user).post(URL, report(year=2026), format="json"), 400,
                     "invalid", fields=["year"])


def test_the_current_financial_year_is_accepted(api, provider_user, today):
    response = api(provider_user).post(URL, report(year=2025), format="json")
    assert response.status_code == 201, response.json()


def test_local_staff_cannot_exceed_the_total(api, provider_user, today):
    with nothing_changes():
        assert_error(api(provider_user).post(URL, report(local_employees=41), format="json"),
                     400, "invalid", fields=["local_employees"])


def test_local_staff_equal_to_the_total_is_fine(api, provider_user, today):
    response = api(provider_user).post(URL, report(local_employees=40), format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("field", ["community_work", "environmental_impact", "narrative"])
def test_each_text_of_the_evidence_is_required(api, provider_user, today, field):
    with nothing_changes():
        assert_error(api(provider_user).post(URL, report(**{field: "  "}), format="json"),
                     400, "invalid", fields=[field])


@pytest.mark.parametrize("field", ["total_employees", "apprenticeships", "work_placements",
                                   "community_hours"])
def test_counts_are_whole_numbers_of_zero_or_more(api, provider_user, today, field):
    with nothing_changes():
        assert_error(api(provider_user).post(URL, report(**{field: -1}), format="json"),
                     400, "invalid", fields=[field])
        assert_error(api(provider_user).post(URL, report(**{field: "many"}), format="json"),
                     400, "invalid", fields=[field])


def test_returning_a_report_needs_comments(api, commissioner, mine):
    with nothing_changes():
        assert_error(api(commissioner).post(f"{URL}{mine.pk}/review/", {"outcome": "returned"},
                                            format="json"), 400, "invalid", fields=["comments"])


def test_an_unknown_outcome_is_refused(api, commissioner, mine):
    with nothing_changes():
        assert_error(api(commissioner).post(f"{URL}{mine.pk}/review/", {"outcome": "maybe"},
                                            format="json"), 400, "invalid", fields=["outcome"])


def test_a_bad_resubmission_changes_nothing(api, provider_user, returned, today):
    with nothing_changes():
        assert_error(api(provider_user).post(f"{URL}{returned.pk}/submit/",
                                             evidence(narrative=""), format="json"),
                     400, "invalid", fields=["narrative"])


# --- Happy paths ----------------------------------------------------------------------------

def test_provider_submits_its_report(api, provider_user, today):
    response = api(provider_user).post(URL, report(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["provider"], body["year"], body["status"], body["local_employees"],
            body["submissions"], body["submitted_by"]) == (
        provider_user.organisation_id, 2025, "submitted", 31, 1, provider_user.username)
    entry = AuditEntry.objects.get(action="annualreport.submitted", object_id=body["id"])
    assert (entry.actor, entry.to_state) == (provider_user, "submitted")


def test_commissioner_returns_it_and_the_provider_resubmits_then_it_is_accepted(
        api, commissioner, dps_admin, provider_user, mine, today):
    staff = api(commissioner)
    response = staff.post(f"{URL}{mine.pk}/review/",
                          {"outcome": "returned", "comments": "Count local staff by postcode."},
                          format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["review_comments"]) == (
        "returned", "Count local staff by postcode.")

    provider = api(provider_user)
    assert provider.get(f"{URL}{mine.pk}/").json()["review_comments"] == \
        "Count local staff by postcode."
    response = provider.post(f"{URL}{mine.pk}/submit/", evidence(local_employees=28),
                             format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["local_employees"],
            response.json()["submissions"]) == ("submitted", 28, 2)

    response = api(dps_admin).post(f"{URL}{mine.pk}/review/", {"outcome": "accepted"},
                                   format="json")
    assert response.status_code == 200, response.json()
    mine.refresh_from_db()
    assert (mine.status, mine.review_outcome, mine.reviewed_by) == (
        AnnualReport.Status.ACCEPTED, "accepted", dps_admin)
    assert list(AuditEntry.objects.filter(object_id=mine.pk,
                                          action__startswith="annualreport.")
                .order_by("id").values_list("action", "from_state", "to_state")) == [
        ("annualreport.returned", "submitted", "returned"),
        ("annualreport.resubmit", "returned", "submitted"),
        ("annualreport.accepted", "submitted", "accepted"),
    ]


def test_staff_list_reports_by_year_and_status(api, commissioner):
    old = mf.AcceptedAnnualReportFactory(year=2023)
    new = mf.AnnualReportFactory(year=2024)
    client = api(commissioner)
    assert [r["id"] for r in client.get(f"{URL}?year=2024").json()["results"]] == [new.pk]
    assert [r["id"] for r in client.get(f"{URL}?status=accepted").json()["results"]] == [old.pk]
    assert_error(client.get(f"{URL}?status=lost"), 400, "invalid", fields=["status"])


def test_list_query_count_does_not_grow(api, commissioner, django_assert_max_num_queries):
    client = api(commissioner)
    mf.AnnualReportFactory()
    with django_assert_max_num_queries(6):
        client.get(URL)
    mf.AnnualReportFactory.create_batch(8)
    with django_assert_max_num_queries(6):
        assert client.get(URL).json()["count"] == 9
