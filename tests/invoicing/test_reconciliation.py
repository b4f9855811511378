"""Reconciliation: accrued to today against invoiced against paid, and what needs chasing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from invoicing.models import Invoice, InvoiceLine, Payment
from invoicing.reconciliation import reconcile
from tests import factories as f
from tests.invoicing import factories_finance as ff
from tests.pages import text
from tests.reports.conftest import make_placement

pytestmark = pytest.mark.django_db
S = Invoice.Status
URL = "/finance/invoices/reconciliation/"


@pytest.fixture
def world():
    today = timezone.localdate()
    authority = f.AuthorityFactory()
    provider = f.ProviderOrgFactory(name="Invoicing Homes Ltd")
    start = today - dt.timedelta(days=60)
    # £100 a day from 60 days ago: 61 days accrued to today.
    placement = make_placement(authority=authority, provider=provider, start=start,
                               price="700.00")
    inv = ff.invoice(status=S.APPROVED, placement=placement, lines=[],
                     received_on=today - dt.timedelta(days=20))
    InvoiceLine.objects.create(invoice=inv, kind="placement", placement=placement,
                               date_from=start, date_to=start + dt.timedelta(days=9),
                               amount=Decimal("1000.00"), expected=Decimal("1000.00"))
    Invoice.objects.filter(pk=inv.pk).update(total=Decimal("1000.00"),
                                             approved_total=Decimal("1000.00"))
    Payment.objects.create(invoice=inv, paid_on=today, amount=Decimal("400.00"),
                           reference="P1")
    # Waiting a long time for a decision, and an overpaid one (left by the ledger), on a
    # placement too recent to be chased.
    recent = make_placement(authority=authority, provider=provider,
                            start=today - dt.timedelta(days=20), price="700.00")
    old = ff.invoice(status=S.QUERY, placement=recent, reference="OLD",
                     received_on=today - dt.timedelta(days=30))
    over = ff.invoice(status=S.PAID, placement=recent, reference="OVER",
                      lines=[("50.00", "50.00")])
    ff.paid(over, amount="50.00")
    ff.paid(over, amount="10.00")
    return {"today": today, "authority": authority, "placement": placement, "old": old,
            "over": over, "provider": provider}


def test_accrued_invoiced_and_paid_per_provider(world):
    report = reconcile(authority=world["authority"], group_by="provider", today=world["today"])
    fy_start = report.date_from
    days = sum((world["today"] - max(fy_start, start)).days + 1
               for start in (world["placement"].start_date,
                             world["today"] - dt.timedelta(days=20)))
    [row] = report.rows
    assert row.label == "Invoicing Homes Ltd"
    assert row.accrued == Decimal(100 * days).quantize(Decimal("0.01"))
    assert row.invoiced == Decimal("1050.00")  # the approved and the paid invoice
    assert row.paid == Decimal("460.00")
    assert report.totals.not_invoiced == row.accrued - Decimal("1050.00")


def test_what_needs_chasing(world):
    report = reconcile(authority=world["authority"], today=world["today"])
    assert [p.pk for p in report.late_placements] == [world["placement"].pk]
    assert [i.reference for i in report.awaiting] == ["OLD"]
    assert [i.reference for i in report.overpaid] == ["OVER"]


@pytest.mark.parametrize("group_by", ["provider", "lot", "placement", "month", "authority"])
def test_the_page_in_a_fixed_number_of_queries(as_user, world, group_by,
                                               django_assert_max_num_queries):
    client = as_user(ff.finance_of(world["authority"]))
    with django_assert_max_num_queries(20):
        page = client.get(URL, {"group_by": group_by})
    assert page.status_code == 200
    body = text(page)
    assert "invoice OLD" in body
    assert "invoice OVER" in body
    assert f"Placement {world['placement'].pk}" in body
    assert client.get(URL, {"group_by": "colour"}).status_code == 404


def test_another_authority_sees_none_of_it(as_user, world):
    body = text(as_user(f.FinanceFactory()).get(URL))
    assert "Invoicing Homes Ltd" not in body


def test_each_chasing_list_is_its_oldest_rows_and_a_count_of_all(world, as_user):
    from invoicing import reconciliation

    today = world["today"]
    later = [make_placement(authority=world["authority"], provider=world["provider"],
                            start=today - dt.timedelta(days=40 + n), price="700.00")
             for n in range(3)]
    late, count = reconciliation.late_placements(
        authority=world["authority"], today=today, year_start=today - dt.timedelta(days=365),
        limit=2)
    assert count == 4
    # Started first, listed first: the world's placement (60 days ago), then 42 days ago.
    assert [p.pk for p in late] == [world["placement"].pk, later[2].pk]
    assert late[1].not_invoiced_from == later[2].start_date
    assert late[1].not_invoiced_to == today - dt.timedelta(days=30)
    for n in range(2):
        ff.invoice(status=S.VOUCHED, placement=later[0], reference=f"OLD-{n}",
                   received_on=today - dt.timedelta(days=40 + n))
    # Received five days ago: fewer than ten working days, not late.
    ff.invoice(status=S.VOUCHED, placement=later[0], reference="RECENT",
               received_on=today - dt.timedelta(days=5))
    waiting, count = reconciliation.awaiting_decision(authority=world["authority"],
                                                      today=today, limit=2)
    assert count == 3
    assert [i.reference for i in waiting] == ["OLD-1", "OLD-0"]
    page = text(as_user(ff.finance_of(world["authority"])).get(URL))
    assert "Every placement is invoiced up to 30 days ago." not in page
    assert "OLD-1" in page
