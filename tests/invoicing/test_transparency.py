"""What finance publishes: the s.70 list of payments over £30,000 (actual payments, each on its
own row) and the s.69 payment compliance figures; the quarterly reminder to publish."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core import mail
from openpyxl import load_workbook

from dps.models import AuditEntry
from invoicing.models import Invoice
from invoicing.transparency import (
    last_ended_quarter,
    payment_compliance,
    published_payments,
    send_s70_reminders,
)
from reports.payments import publication_periods, quarter_of
from tests import factories as f
from tests.asserts import assert_error, assert_money
from tests.invoicing import factories_finance as ff

pytestmark = pytest.mark.django_db
D = dt.date
S = Invoice.Status
URL = "/api/v1/reports/payments/"
COMPLIANCE = "/api/v1/reports/payment-compliance/"
YEAR = {"from": "2026-04-01", "to": "2027-03-31"}


def _paid_invoice(authority, provider, amount, paid_on, received_on=None, **kwargs):
    inv = ff.invoice(status=S.PAID, authority=authority, provider=provider,
                     received_on=received_on or paid_on - dt.timedelta(days=10),
                     lines=[(amount, amount)], **kwargs)
    Invoice.objects.filter(pk=inv.pk).update(paid_on=paid_on)
    ff.paid(inv, amount=amount, paid_on=paid_on)
    return inv


@pytest.fixture
def finance_user(db):
    return f.FinanceFactory(organisation=f.AuthorityFactory(name="West Sussex County Council"))


@pytest.fixture
def paid(finance_user):
    mine = finance_user.organisation
    big = f.ProviderOrgFactory(name="Big Care Ltd", companies_house_number="01234567")
    small = f.ProviderOrgFactory(name="Small Homes Ltd", companies_house_number="")
    # Two payments to Big Care in one quarter: each listed, never summed.
    _paid_invoice(mine, big, "30000.01", D(2026, 5, 1))
    _paid_invoice(mine, big, "45000.00", D(2026, 5, 20))
    # Exactly £30,000.00: not more than the threshold.
    _paid_invoice(mine, big, "30000.00", D(2026, 6, 1))
    # Under the threshold however many there are.
    for day in (3, 10, 17):
        _paid_invoice(mine, small, "20000.00", D(2026, 7, day))
    _paid_invoice(mine, small, "31000.00", D(2026, 10, 1))
    # Before the range, and another authority's.
    _paid_invoice(mine, big, "99000.00", D(2026, 3, 31))
    other = f.AuthorityFactory()
    _paid_invoice(other, big, "50000.00", D(2026, 5, 1))
    return {"big": big, "small": small, "other": other}


def test_each_payment_strictly_over_the_threshold_is_listed_on_its_own(finance_user, paid):
    report = published_payments(date_from=D(2026, 4, 1), date_to=D(2027, 3, 31),
                                authority=finance_user.organisation)
    assert [(r.paid_on, r.provider, r.amount) for r in report.rows] == [
        (D(2026, 5, 1), "Big Care Ltd", Decimal("30000.01")),
        (D(2026, 5, 20), "Big Care Ltd", Decimal("45000.00")),
        (D(2026, 10, 1), "Small Homes Ltd", Decimal("31000.00")),
    ]
    assert report.rows[0].provider_identifier == "GB-COH-01234567"
    assert report.rows[2].provider_identifier == f"dps-org-{paid['small'].pk}"
    assert "Children's placements (Residential" in report.rows[0].description


def test_the_api_lists_them_and_the_csv_is_the_publications_layout(api, finance_user, paid):
    client = api(finance_user)
    body = client.get(URL, YEAR).json()
    assert (body["from"], body["to"]) == ("2026-04-01", "2027-03-31")
    assert_money(body["threshold"], "30000.00")
    assert "total" not in body
    assert [set(row) >= {"paid_on", "amount", "provider", "provider_identifier",
                         "description", "reference"} for row in body["rows"]] == [True] * 3
    assert [row["amount"] for row in body["rows"]] == ["30000.01", "45000.00", "31000.00"]

    text = client.get(URL, {**YEAR, "format": "csv"}).content.decode("utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Contracting authority", "Date of payment",
                        "Amount paid (including VAT)", "Supplier name", "Supplier identifier",
                        "Description", "Payment reference"]
    assert [(r[1], r[2], r[3]) for r in table[1:]] == [
        (row["paid_on"], row["amount"], row["provider"]) for row in body["rows"]]
    assert {r[0] for r in table[1:]} == {"West Sussex County Council"}

    sheet = load_workbook(io.BytesIO(client.get(URL, {**YEAR, "format": "xlsx"}).content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + 3  # no totals row: payments are never summed


def test_the_dps_admin_sees_every_authority(api, dps_admin, paid):
    body = api(dps_admin).get(URL, YEAR).json()
    assert len(body["rows"]) == 4


def test_who_may_not_see_and_bad_parameters(api, anon, provider_user, finance_user):
    for url in (URL, COMPLIANCE):
        assert_error(anon.get(url, YEAR), 401, "not_authenticated")
        assert_error(api(provider_user).get(url, YEAR), 403, "forbidden")
        assert_error(api(f.CommissionerFactory()).get(url, YEAR), 403, "forbidden")
        assert_error(api(finance_user).get(url, {"from": "2026-04-01"}), 400, "invalid",
                     ["to"])
        assert_error(api(finance_user).get(url, {"from": "2027-04-01", "to": "2026-04-01"}),
                     400, "invalid", ["to"])
    assert_error(api(finance_user).get(URL, {**YEAR, "format": "pdf"}), 400, "invalid",
                 ["format"])


def test_queries_do_not_grow_with_the_data(api, as_user, finance_user, paid,
                                           django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert api(finance_user).get(URL, YEAR).status_code == 200
    client = as_user(finance_user)
    # 12, and 3 for the s.69 figures beside the list.
    with django_assert_max_num_queries(15):
        assert client.get("/reports/payments/").status_code == 200


def test_the_payments_page_lists_each_payment(as_user, finance_user, paid):
    page = as_user(finance_user).get("/reports/payments/", {
        "date_from_day": "1", "date_from_month": "4", "date_from_year": "2026",
        "date_to_day": "31", "date_to_month": "3", "date_to_year": "2027"})
    text = page.content.decode()
    assert "3 payments over £30,000" in text
    assert "£45,000.00" in text
    assert "£30,000.00" not in text
    # The s.69 figures for the same days sit beside the list.
    assert "Payment compliance (section 69)" in text
    assert "Paid within 30 days" in text


def test_the_page_offers_the_periods_finance_publishes(as_user, finance_user, paid):
    """A quarter's or half-year's link fills the range: no dates to type to publish."""
    import time_machine
    from django.urls import reverse

    with time_machine.travel(dt.datetime(2026, 12, 2, 12, 0), tick=False):
        quarters, halves = publication_periods(D(2026, 12, 2))
        page = as_user(finance_user).get(reverse("finance:payments")).content.decode()
    assert [(q.start, q.end, q.due_by) for q in quarters[:2]] == [
        (D(2026, 10, 1), D(2026, 12, 31), None),
        (D(2026, 7, 1), D(2026, 9, 30), D(2026, 10, 30))]
    assert [(h.start, h.end) for h in halves] == [
        (D(2026, 10, 1), D(2027, 3, 31)), (D(2026, 4, 1), D(2026, 9, 30)),
        (D(2025, 10, 1), D(2026, 3, 31))]
    assert "Publish by 30 October 2026" in page
    link = re.search(r'href="([^"]+)">1 April to 30 June 2026<', page).group(1)
    listed = as_user(finance_user).get(link.replace("&amp;", "&")).content.decode()
    assert "2 payments over £30,000, 1 April 2026 to 30 June 2026" in listed


# --- s.69 payment compliance ------------------------------------------------------------------

def test_payment_compliance_figures(api, finance_user):
    mine = finance_user.organisation
    provider = f.ProviderOrgFactory()
    received = D(2026, 4, 1)
    for days in (10, 30, 31, 60, 61):  # 2 within 30, 2 in 31-60, 1 after 60
        _paid_invoice(mine, provider, "100.00", received + dt.timedelta(days=days),
                      received_on=received)
    # Due in the range (received 2026-04-15, due 2026-05-15), unpaid at its end.
    ff.invoice(status=S.APPROVED, authority=mine, provider=provider, received_on=D(2026, 4, 15))
    # Received too late in the range to fall due in it: not counted.
    ff.invoice(status=S.VOUCHED, authority=mine, provider=provider, received_on=D(2026, 6, 20))
    # Rejected: never due.
    ff.invoice(status=S.REJECTED, authority=mine, provider=provider, received_on=D(2026, 4, 2))
    report = payment_compliance(date_from=D(2026, 4, 1), date_to=D(2026, 6, 30),
                                authority=mine)
    assert report.invoices_paid == 5
    assert report.average_days_to_pay == Decimal("38.4")  # 192 / 5
    assert (report.paid_within_30_days_pct, report.paid_31_to_60_days_pct,
            report.paid_after_60_days_pct) == (Decimal("40.0"), Decimal("40.0"),
                                               Decimal("20.0"))
    # Due in the range: the five paid (received 1 April, due 1 May) and the approved one.
    assert (report.invoices_due, report.invoices_due_unpaid) == (6, 1)
    assert report.due_unpaid_pct == Decimal("16.7")
    body = api(finance_user).get(COMPLIANCE, {"from": "2026-04-01", "to": "2026-06-30"}).json()
    assert body["invoices_paid"] == 5
    assert body["average_days_to_pay"] == "38.4"
    assert body["paid_within_30_days_pct"] == "40.0"
    assert body["due_unpaid_pct"] == "16.7"
    assert set(body) >= {"invoices_paid", "average_days_to_pay", "paid_within_30_days_pct",
                         "paid_31_to_60_days_pct", "paid_after_60_days_pct", "due_unpaid_pct"}


def test_no_invoices_paid_gives_no_average(api, finance_user):
    body = api(finance_user).get(COMPLIANCE, YEAR).json()
    assert (body["invoices_paid"], body["average_days_to_pay"], body["due_unpaid_pct"]) == (
        0, None, "0.0")


def test_another_authoritys_invoices_do_not_count(api, finance_user):
    _paid_invoice(f.AuthorityFactory(), f.ProviderOrgFactory(), "100.00", D(2026, 5, 1))
    assert api(finance_user).get(COMPLIANCE, YEAR).json()["invoices_paid"] == 0


# --- The quarterly reminder -------------------------------------------------------------------

def test_the_last_ended_quarter():
    assert last_ended_quarter(D(2026, 12, 2)) == quarter_of(2026, 9)
    assert last_ended_quarter(D(2026, 10, 1)) == ("2026-27 Q2", D(2026, 7, 1), D(2026, 9, 30))
    assert last_ended_quarter(D(2026, 4, 1))[0] == "2025-26 Q4"


def test_finance_is_reminded_once_per_quarter(finance_user):
    f.FinanceFactory(organisation=finance_user.organisation, email="second@example.org")
    f.CommissionerFactory(organisation=finance_user.organisation, email="c@example.org")
    send_s70_reminders(today=D(2026, 10, 1))
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([finance_user.email, "second@example.org"])
    assert "2026-27 Q2" in mail.outbox[0].subject
    assert "30 October 2026" in mail.outbox[0].body
    send_s70_reminders(today=D(2026, 10, 2))
    assert len(mail.outbox) == 1
    send_s70_reminders(today=D(2027, 1, 1))
    assert len(mail.outbox) == 2
    assert "2026-27 Q3" in mail.outbox[1].subject
    assert AuditEntry.objects.filter(action="invoicing.s70_reminder").count() == 2
