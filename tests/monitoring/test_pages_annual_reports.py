"""Annual report pages: a provider submits its report (and resubmits one returned for changes)
and sees its status; commissioners list reports by year and review them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.models import AnnualReport
from tests import factories as f
from tests.asserts import nothing_changes
from tests.monitoring import factories as mf
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db

MINE = reverse("monitoring:my-annual-reports")
NEW = reverse("monitoring:submit-annual-report")
LIST = reverse("monitoring:annual-reports")


def detail(report):
    return reverse("monitoring:annual-report", args=[report.pk])


def evidence(**extra):
    return {"total_employees": "40", "local_employees": "31", "apprenticeships": "2",
            "work_placements": "3", "community_hours": "120",
            "community_work": "Weekly youth club.", "environmental_impact": "Electric cars.",
            "narrative": "A stable year.", **extra}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    mine = mf.AnnualReportFactory()
    for path in (MINE, NEW, LIST, detail(mine)):
        response = client.get(path)
        assert response.status_code == 302, path
    with nothing_changes():
        assert client.post(NEW, {"year": "2025", **evidence()}).status_code == 302
        assert client.post(detail(mine), {"review-outcome": "accepted"}).status_code == 302


def test_each_role_opens_only_its_own_pages(as_user, commissioner, provider_user):
    report = mf.AnnualReportFactory(provider=provider_user.organisation)
    client = as_user(commissioner)
    assert client.get(MINE).status_code == 403
    assert client.get(NEW).status_code == 403
    client = as_user(provider_user)
    assert client.get(LIST).status_code == 403
    for user in (f.BudgetHolderFactory(), f.FinanceFactory()):
        client = as_user(user)
        for path in (MINE, NEW, LIST, detail(report)):
            assert client.get(path).status_code == 403, (user.roles, path)


def test_a_provider_cannot_open_another_providers_report(as_user, provider_user):
    theirs = mf.ReturnedAnnualReportFactory()
    client = as_user(provider_user)
    assert client.get(detail(theirs)).status_code == 404
    with nothing_changes():
        assert client.post(detail(theirs), evidence()).status_code == 404


def test_provider_submits_a_report_and_sees_its_status(as_user, provider_user, today):
    client = as_user(provider_user)
    assert "Submit a report" in text(client.get(MINE))
    form = text(client.get(NEW))
    assert "April 2025 to March 2026" in form
    assert "April 2026" not in form
    response = client.post(NEW, {"year": "2025", **evidence()}, follow=True)
    assert "Annual report for 2025 to 2026 submitted" in banner(response)
    report = AnnualReport.objects.get(provider=provider_user.organisation)
    assert (report.year, report.status, report.local_employees) == (2025, "submitted", 31)
    page = text(client.get(MINE))
    assert "April 2025 to March 2026 Submitted" in page


def test_bad_reports_show_errors_and_write_nothing(as_user, provider_user, today):
    client = as_user(provider_user)
    with nothing_changes():
        response = client.post(NEW, evidence())
        assert "Choose the financial year the report covers" in error_summary(response)
        response = client.post(NEW, {"year": "2025", **evidence(local_employees="41")})
        assert "Must not be more than the total number of staff." in error_summary(response)
        response = client.post(NEW, {"year": "2025", **evidence(narrative="",
                                                                 total_employees="")})
        summary = error_summary(response)
        assert "Give an overview of the year." in summary
        assert "Must be a whole number, 0 or more." in summary
        response = client.post(NEW, {"year": "2025", **evidence(apprenticeships="two")})
        assert "Enter apprenticeships as a whole number" in error_summary(response)


def test_a_second_report_for_the_year_is_refused(as_user, provider_user, today):
    mf.AnnualReportFactory(provider=provider_user.organisation, year=2025)
    with nothing_changes():
        response = as_user(provider_user).post(NEW, {"year": "2025", **evidence()})
    assert "already submitted a report for 2025 to 2026" in error_summary(response)


def test_commissioner_lists_reports_by_year_and_returns_one(as_user, commissioner, provider_user,
                                                            today):
    report = mf.AnnualReportFactory(provider=provider_user.organisation, year=2024)
    older = mf.AcceptedAnnualReportFactory(year=2023)
    client = as_user(commissioner)
    page = text(client.get(LIST))
    assert report.provider.name in page
    assert older.provider.name not in page
    assert "Submitted: 1" in page
    assert older.provider.name in text(client.get(f"{LIST}?year=2023"))

    with nothing_changes():
        response = client.post(detail(report), {"review-outcome": "returned"})
    assert "Say what the provider must change." in error_summary(response)
    with nothing_changes():
        response = client.post(detail(report), {})
    assert "Choose whether to accept the report or return it" in error_summary(response)
    response = client.post(detail(report), {"review-outcome": "returned",
                                            "review-comments": "Count staff by postcode."},
                           follow=True)
    assert "Review recorded: Returned for changes" in banner(response)
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.RETURNED
    assert "Record review" not in text(client.get(detail(report)))

    # The provider sees the comments and resubmits.
    client = as_user(provider_user)
    page = text(client.get(detail(report)))
    assert "Count staff by postcode." in page
    assert "Resubmit report" in page
    with nothing_changes():
        response = client.post(detail(report), evidence(narrative=" "))
    assert "Give an overview of the year." in error_summary(response)
    response = client.post(detail(report), evidence(local_employees="29"), follow=True)
    assert "resubmitted" in banner(response)
    report.refresh_from_db()
    assert (report.status, report.local_employees, report.submissions) == (
        AnnualReport.Status.SUBMITTED, 29, 2)

    client = as_user(commissioner)
    response = client.post(detail(report), {"review-outcome": "accepted"}, follow=True)
    assert "Review recorded: Accepted" in banner(response)


def test_a_reviewed_report_cannot_be_reviewed_again(as_user, commissioner):
    report = mf.AcceptedAnnualReportFactory()
    with nothing_changes():
        response = as_user(commissioner).post(detail(report), {"review-outcome": "returned",
                                                               "review-comments": "Again"})
    assert "cannot review" in error_summary(response)


def test_report_list_query_count_does_not_grow(as_user, commissioner,
                                               django_assert_max_num_queries):
    client = as_user(commissioner)
    mf.AnnualReportFactory(year=2024)
    client.get(LIST)
    with CaptureQueriesContext(connection) as small:
        client.get(LIST)
    mf.AnnualReportFactory.create_batch(15, year=2024)
    mf.ReturnedAnnualReportFactory.create_batch(5, year=2024)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(LIST)
    assert "Returned for changes: 5" in text(response)
