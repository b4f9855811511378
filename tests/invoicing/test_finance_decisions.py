"""Finance's decisions on invoices: approve (one, vouched in bulk), query, reject."""

from decimal import Decimal

import pytest
from django.core import mail

from dps.errors import DomainError
from dps.models import AuditEntry
from invoicing import decisions
from invoicing.models import Invoice
from tests import factories as f
from tests.asserts import nothing_changes
from tests.invoicing import factories_finance as ff

pytestmark = pytest.mark.django_db

S = Invoice.Status


def _finance(inv):
    return ff.finance_of(inv.authority)


def _refused(code, fn, *args, **kwargs):
    with nothing_changes(), pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    assert caught.value.code == code, caught.value.detail
    return caught.value


def test_finance_approves_a_vouched_invoice_and_the_provider_is_told(
        django_capture_on_commit_callbacks):
    inv = ff.invoice(lines=[("1000.00", "1000.00"), ("250.50", "250.50")])
    f.ProviderUserFactory(organisation=inv.provider, email="accounts@provider.example")
    by = _finance(inv)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.approve_invoice(inv, by=by)
    inv.refresh_from_db()
    assert inv.status == S.APPROVED
    assert inv.approved_total == Decimal("1250.50")
    assert inv.decided_by == by
    assert inv.decided_at
    entry = AuditEntry.objects.get(object_id=inv.pk, action="invoice.approve")
    assert (entry.from_state, entry.to_state, entry.actor) == ("vouched", "approved", by)
    assert [m.to for m in mail.outbox] == [["accounts@provider.example"]]
    assert "approved" in mail.outbox[0].subject
    assert "£1,250.50" in mail.outbox[0].body


def test_a_queried_invoice_needs_the_reason_its_difference_is_accepted():
    inv = ff.invoice(status=S.QUERY, lines=[("1010.00", "1000.00")])
    err = _refused("difference_unexplained", decisions.approve_invoice, inv, by=_finance(inv))
    assert list(err.fields) == ["accept_difference_reason"]
    _refused("difference_unexplained", decisions.approve_invoice, inv, by=_finance(inv),
             accept_difference_reason="   ")


def test_a_queried_invoice_is_approved_at_its_total_with_the_reason():
    inv = ff.invoice(status=S.QUERY, lines=[("1010.00", "1000.00")])
    decisions.approve_invoice(inv, by=_finance(inv),
                              accept_difference_reason="Extra night agreed by phone.")
    inv.refresh_from_db()
    assert (inv.status, inv.approved_total, inv.reason) == (
        S.APPROVED, Decimal("1010.00"), "Extra night agreed by phone.")


@pytest.mark.parametrize("status", [S.APPROVED, S.REJECTED, S.PAID])
@pytest.mark.parametrize("action", ["approve", "query", "reject"])
def test_finance_cannot_decide_an_invoice_already_decided(status, action):
    inv = ff.invoice(status=status)
    by = _finance(inv)
    call = {"approve": lambda: decisions.approve_invoice(inv, by=by),
            "query": lambda: decisions.query_invoice(inv, by=by, reason="Why?"),
            "reject": lambda: decisions.reject_invoice(inv, by=by, reason="No.")}[action]
    _refused("invalid_transition", call)


@pytest.mark.parametrize("make_user", [f.CommissionerFactory, f.BudgetHolderFactory,
                                       f.ProviderUserFactory])
def test_only_finance_decides(make_user):
    inv = ff.invoice()
    user = make_user(organisation=inv.provider) if make_user is f.ProviderUserFactory else \
        make_user(organisation=inv.authority)
    _refused("forbidden", decisions.approve_invoice, inv, by=user)
    _refused("forbidden", decisions.reject_invoice, inv, by=user, reason="No.")


def test_finance_of_another_authority_does_not_find_the_invoice():
    inv = ff.invoice()
    other = f.FinanceFactory()
    _refused("not_found", decisions.approve_invoice, inv, by=other)
    _refused("not_found", decisions.query_invoice, inv, by=other, reason="Why?")


def test_the_dps_administrator_may_decide_any_authoritys_invoice():
    inv = ff.invoice()
    decisions.query_invoice(inv, by=f.DpsAdminFactory(), reason="Which week is this?")
    inv.refresh_from_db()
    assert inv.status == S.QUERY


@pytest.mark.parametrize("reason", ["", "  "])
def test_query_and_reject_need_a_reason(reason):
    inv = ff.invoice()
    _refused("invalid", decisions.query_invoice, inv, by=_finance(inv), reason=reason)
    _refused("invalid", decisions.reject_invoice, inv, by=_finance(inv), reason=reason)


def test_a_queried_invoice_may_be_queried_again_with_a_new_reason(
        django_capture_on_commit_callbacks):
    inv = ff.invoice(status=S.QUERY)
    f.ProviderUserFactory(organisation=inv.provider)
    with django_capture_on_commit_callbacks(execute=True):
        decisions.query_invoice(inv, by=_finance(inv), reason="  Send the attendance log.  ")
    inv.refresh_from_db()
    assert (inv.status, inv.reason) == (S.QUERY, "Send the attendance log.")
    assert "Send the attendance log." in mail.outbox[0].body


def test_rejecting_frees_the_days_to_be_invoiced_again():
    inv = ff.invoice(lines=[("700.00", "700.00"), ("700.00", "700.00")])
    decisions.reject_invoice(inv, by=_finance(inv), reason="Wrong placement.")
    inv.refresh_from_db()
    assert inv.status == S.REJECTED
    assert inv.reason == "Wrong placement."
    assert list(inv.lines.values_list("live", flat=True)) == [False, False]


def test_vouched_invoices_are_approved_in_bulk():
    first = ff.invoice()
    second = ff.invoice(authority=first.authority)
    by = _finance(first)
    approved = decisions.approve_vouched([first.pk, second], by=by)
    assert {i.pk for i in approved} == {first.pk, second.pk}
    assert set(Invoice.objects.values_list("status", flat=True)) == {S.APPROVED}


def test_bulk_approval_is_all_or_none():
    vouched = ff.invoice()
    queried = ff.invoice(status=S.QUERY, authority=vouched.authority)
    by = _finance(vouched)
    _refused("invalid_transition", decisions.approve_vouched, [vouched, queried], by=by)
    other = ff.invoice()
    _refused("not_found", decisions.approve_vouched, [vouched, other], by=by)
    _refused("not_found", decisions.approve_vouched, [vouched.pk, 999999], by=by)
    _refused("invalid", decisions.approve_vouched, [], by=by)
