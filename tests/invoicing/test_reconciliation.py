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


def _pages(world, **kwargs):
    rows, page = [], 1
    while True:
        report = reconcile(authority=world["authority"], group_by="placement",
                           today=world["today"], page=page, per_page=2, **kwargs)
        rows += report.rows
        if not report.page.has_next():
            return rows, report
        page += 1


@pytest.mark.parametrize("sort", ["placement", "provider", "accrued", "not_invoiced"])
def test_per_placement_a_page_at_a_time_adds_up_to_the_totals(world, sort):
    """Every page of every order: each placement once, its figures those of the whole-year
    columns (the page's own computation agrees with the engine's), the pages adding up to the
    totals, which are the per-authority figures."""
    today = world["today"]
    for n in range(3):
        make_placement(authority=world["authority"], provider=world["provider"],
                       start=today - dt.timedelta(days=40 + 7 * n), price=f"{700 + n}.00")
    rows, report = _pages(world, sort=sort, descending=True)
    whole = {r.key: r for r in reconcile(authority=world["authority"], group_by="placement",
                                         today=today, sort="accrued", per_page=100).rows}
    assert len(rows) == report.count == len(whole) == 5
    assert sorted(r.key for r in rows) == sorted(whole)
    for row in rows:
        assert (row.accrued, row.invoiced, row.paid) == (
            whole[row.key].accrued, whole[row.key].invoiced, whole[row.key].paid)
    by_authority = reconcile(authority=world["authority"], group_by="authority", today=today)
    assert report.totals == by_authority.totals
    assert sum(r.accrued for r in rows) == report.totals.accrued
    assert sum(r.invoiced for r in rows) == report.totals.invoiced == Decimal("1050.00")
    assert sum(r.paid for r in rows) == report.totals.paid == Decimal("460.00")
    if sort == "accrued":
        assert [r.accrued for r in rows] == sorted((r.accrued for r in rows), reverse=True)
    if sort == "placement":
        assert [r.key for r in rows] == sorted((r.key for r in rows), reverse=True)


def test_the_placement_page_is_paged_and_sorted_in_the_url(as_user, world):
    from invoicing import reconciliation

    today = world["today"]
    for n in range(3):
        make_placement(authority=world["authority"], provider=world["provider"],
                       start=today - dt.timedelta(days=40 + n), price="700.00")
    client = as_user(ff.finance_of(world["authority"]))
    old = reconciliation.PLACEMENT_PAGE_SIZE
    reconciliation.PLACEMENT_PAGE_SIZE = 2
    try:
        page = client.get(URL, {"group_by": "placement", "sort": "-accrued", "page": "2"})
    finally:
        reconciliation.PLACEMENT_PAGE_SIZE = old
    assert page.status_code == 200
    html = page.content.decode()
    assert 'class="govuk-pagination"' in html
    assert 'aria-current="page">2<' in html
    # The links keep the grouping and the order; the headers sort and say how.
    assert "group_by=placement&amp;sort=-accrued&amp;page=3" in html
    assert 'aria-sort="descending"' in html
    assert "5 placements and blocks" in text(page)


@pytest.mark.parametrize(("group_by", "sort"), [
    ("provider", ""), ("lot", ""), ("placement", ""), ("month", ""), ("authority", ""),
    ("placement", "-not_invoiced"), ("placement", "paid")])
def test_with_the_summaries_built_the_same_page_in_a_fixed_number_of_queries(
        as_user, world, group_by, sort, django_assert_max_num_queries):
    from invoicing import summary
    from reports import summary as spend_summary

    client = as_user(ff.finance_of(world["authority"]))
    params = {"group_by": group_by, **({"sort": sort} if sort else {})}
    live = text(client.get(URL, params))
    spend_summary.rebuild_all()
    summary.rebuild_all()
    with django_assert_max_num_queries(26):
        page = client.get(URL, params)
    assert page.status_code == 200
    assert text(page) == live
