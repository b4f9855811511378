"""Payments of approved invoices: POST /api/v1/payments/ (API.md v1.1)."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from dps.models import AuditEntry
from invoicing.models import Invoice, Payment
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.invoicing import factories_finance as ff

pytestmark = pytest.mark.django_db
S = Invoice.Status
URL = "/api/v1/payments/"


def _approved(**kwargs):
    return ff.invoice(status=S.APPROVED, received_on=timezone.localdate()
                      - datetime.timedelta(days=10), **kwargs)


def _body(inv, **kwargs):
    return {"invoice": inv.pk, "paid_on": str(timezone.localdate()), "amount": "1000.00",
            "reference": "BACS-001", **kwargs}


def test_signed_out_is_401(anon):
    inv = _approved()
    with nothing_changes():
        assert_error(anon.post(URL, _body(inv), format="json"), 401, "not_authenticated")


def test_a_commissioner_or_provider_is_403(api):
    inv = _approved()
    for user in (f.CommissionerFactory(organisation=inv.authority),
                 f.ProviderUserFactory(organisation=inv.provider)):
        client = api(user)
        with nothing_changes():
            assert_error(client.post(URL, _body(inv), format="json"), 403, "forbidden")


def test_another_authoritys_invoice_is_404(api):
    inv = _approved()
    client = api(f.FinanceFactory())
    with nothing_changes():
        assert_error(client.post(URL, _body(inv), format="json"), 404, "not_found")


@pytest.mark.parametrize("status", [S.VOUCHED, S.QUERY, S.REJECTED])
def test_only_an_approved_invoice_can_be_paid(api, status):
    inv = ff.invoice(status=status)
    client = api(ff.finance_of(inv.authority))
    with nothing_changes():
        assert_error(client.post(URL, _body(inv), format="json"), 409, "invalid_transition")


def test_a_paid_invoice_cannot_be_paid_again(api):
    inv = _approved()
    client = api(ff.finance_of(inv.authority))
    assert client.post(URL, _body(inv), format="json").status_code == 201
    with nothing_changes():
        assert_error(client.post(URL, _body(inv, reference="BACS-002", amount="0.01"),
                                 format="json"), 409, "invalid_transition")


def test_the_same_reference_twice_is_409_duplicate_payment(api):
    inv = _approved(lines=[("1000.00", "1000.00")])
    client = api(ff.finance_of(inv.authority))
    assert client.post(URL, _body(inv, amount="400.00"), format="json").status_code == 201
    with nothing_changes():
        assert_error(client.post(URL, _body(inv, amount="100.00"), format="json"), 409,
                     "duplicate_payment")


def test_paying_beyond_the_approved_total_is_400_overpayment(api):
    inv = _approved(lines=[("1000.00", "1000.00")])
    client = api(ff.finance_of(inv.authority))
    with nothing_changes():
        assert_error(client.post(URL, _body(inv, amount="1000.01"), format="json"), 400,
                     "overpayment", fields=["amount"])
    assert client.post(URL, _body(inv, amount="999.99"), format="json").status_code == 201
    with nothing_changes():
        assert_error(client.post(URL, _body(inv, amount="0.02", reference="B2"),
                                 format="json"), 400, "overpayment")


@pytest.mark.parametrize(("field", "value"), [
    ("amount", "0.00"), ("amount", "-5.00"), ("amount", "abc"), ("amount", "1.001"),
    ("paid_on", "2026-13-01"), ("paid_on", "tomorrow"), ("reference", ""),
    ("reference", "x" * 61), ("invoice", "abc")])
def test_bad_input_is_400(api, field, value):
    inv = _approved()
    client = api(ff.finance_of(inv.authority))
    with nothing_changes():
        assert_error(client.post(URL, _body(inv, **{field: value}), format="json"), 400,
                     "invalid", fields=[field])


def test_a_payment_in_the_future_or_before_receipt_is_400(api):
    inv = _approved()
    client = api(ff.finance_of(inv.authority))
    for day in (timezone.localdate() + datetime.timedelta(days=1),
                inv.received_on - datetime.timedelta(days=1)):
        with nothing_changes():
            assert_error(client.post(URL, _body(inv, paid_on=str(day)), format="json"), 400,
                         "invalid", fields=["paid_on"])


def test_payments_reaching_the_approved_total_make_it_paid(api):
    inv = _approved(lines=[("700.00", "700.00"), ("300.01", "300.01")])
    client = api(ff.finance_of(inv.authority))
    first_day = inv.received_on + datetime.timedelta(days=2)
    response = client.post(URL, _body(inv, amount="500.00", reference="P1",
                                      paid_on=str(first_day)), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["invoice_status"] == "approved"
    assert_money(response.json()["amount"], "500.00")
    response = client.post(URL, _body(inv, amount="500.01", reference="P2"), format="json")
    assert response.json()["invoice_status"] == "paid"
    inv.refresh_from_db()
    assert (inv.status, inv.paid_on) == (S.PAID, timezone.localdate())
    assert AuditEntry.objects.filter(object_id=inv.pk, action="invoice.mark_paid",
                                     to_state="paid").count() == 1
    assert AuditEntry.objects.filter(action="payment.recorded").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_finance_officers_paying_the_same_invoice_at_once_record_one_payment():
    inv = _approved(lines=[("1000.00", "1000.00")])
    officers = [ff.finance_of(inv.authority), ff.finance_of(inv.authority)]
    barrier = threading.Barrier(2)
    results = []

    def pay(index):
        try:
            client = APIClient()
            client.force_authenticate(officers[index])
            barrier.wait()
            response = client.post(URL, _body(inv, amount="600.00"), format="json")
            results.append((response.status_code, response.json().get("code")))
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert sorted(results, key=str) == sorted([(201, None), (409, "duplicate_payment")],
                                              key=str)
    assert Payment.objects.filter(invoice=inv).count() == 1
