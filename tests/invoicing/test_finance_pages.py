"""Finance's invoice pages: the queue, a decision, a payment, a remittance import, the ledger
export."""

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from invoicing.models import Invoice, Payment
from tests import factories as f
from tests.asserts import nothing_changes
from tests.invoicing import factories_finance as ff
from tests.pages import error_summary, text

pytestmark = pytest.mark.django_db
S = Invoice.Status
QUEUE = "/finance/invoices/"


@pytest.fixture
def authority():
    return f.AuthorityFactory()


@pytest.fixture
def finance(authority):
    return ff.finance_of(authority)


def test_signed_out_goes_to_sign_in_and_others_are_refused(client, as_user, authority):
    inv = ff.invoice(authority=authority)
    for url in (QUEUE, f"{QUEUE}{inv.pk}/", f"{QUEUE}{inv.pk}/payment/", f"{QUEUE}remittance/",
                f"{QUEUE}export/", f"{QUEUE}reconciliation/"):
        assert client.get(url).status_code == 302
    commissioner = as_user(f.CommissionerFactory(organisation=authority))
    assert commissioner.get(QUEUE).status_code == 403
    with nothing_changes():
        assert commissioner.post(f"{QUEUE}approve/", {"invoices": [inv.pk]}).status_code == 403


def test_another_authoritys_invoice_is_404(as_user, finance):
    theirs = ff.invoice()
    client = as_user(finance)
    assert client.get(f"{QUEUE}{theirs.pk}/").status_code == 404
    with nothing_changes():
        assert client.post(f"{QUEUE}{theirs.pk}/", {"decision": "reject",
                                                    "reason": "No"}).status_code == 404
        assert client.post(f"{QUEUE}{theirs.pk}/payment/", {}).status_code == 404


def test_the_queue_lists_and_bulk_approves_vouched_invoices(as_user, finance, authority,
                                                           django_assert_max_num_queries):
    vouched = [ff.invoice(authority=authority) for _ in range(3)]
    for _ in range(3):
        ff.invoice(authority=authority, status=S.QUERY, lines=[("1010.00", "1000.00"),
                                                              ("5.00", "5.00")])
    ff.invoice(status=S.VOUCHED)  # another authority's: not listed
    client = as_user(finance)
    with django_assert_max_num_queries(14):
        page = client.get(QUEUE)
    body = text(page)
    for invoice in vouched:  # each row links to its invoice
        assert f'href="{QUEUE}{invoice.pk}/">{invoice.reference}</a>' in page.content.decode()
    assert "£10.00" in body  # the queried line's difference
    response = client.post(f"{QUEUE}approve/", {"invoices": [vouched[0].pk, vouched[1].pk]},
                           follow=True)
    assert "2 invoices approved for payment." in text(response)
    assert sorted(Invoice.objects.filter(status=S.APPROVED).values_list("pk", flat=True)) == \
        sorted([vouched[0].pk, vouched[1].pk])


def test_bulk_approval_refuses_all_when_one_is_not_vouched(as_user, finance, authority):
    vouched = ff.invoice(authority=authority)
    queried = ff.invoice(authority=authority, status=S.QUERY)
    client = as_user(finance)
    with nothing_changes():
        response = client.post(f"{QUEUE}approve/", {"invoices": [vouched.pk, queried.pk]},
                               follow=True)
    assert "not vouched" in text(response)


def test_a_queried_invoice_needs_a_reason_to_be_approved(as_user, finance, authority):
    inv = ff.invoice(authority=authority, status=S.QUERY, lines=[("1010.00", "1000.00")])
    client = as_user(finance)
    with nothing_changes():
        page = client.post(f"{QUEUE}{inv.pk}/", {"decision": "approve", "reason": ""})
    assert page.status_code == 200
    assert error_summary(page)
    response = client.post(f"{QUEUE}{inv.pk}/", {"decision": "approve",
                                                 "reason": "Agreed extra night."}, follow=True)
    assert "approved" in text(response).lower()
    inv.refresh_from_db()
    assert (inv.status, inv.reason) == (S.APPROVED, "Agreed extra night.")


def test_query_and_reject_from_the_invoice_page(as_user, finance, authority):
    inv = ff.invoice(authority=authority)
    client = as_user(finance)
    with nothing_changes():
        assert error_summary(client.post(f"{QUEUE}{inv.pk}/", {"decision": "query"}))
        assert error_summary(client.post(f"{QUEUE}{inv.pk}/", {"decision": "sack"}))
    client.post(f"{QUEUE}{inv.pk}/", {"decision": "query", "reason": "Which week?"})
    client.post(f"{QUEUE}{inv.pk}/", {"decision": "reject", "reason": "Duplicate."})
    inv.refresh_from_db()
    assert inv.status == S.REJECTED


def test_recording_a_payment(as_user, finance, authority):
    inv = ff.invoice(authority=authority, status=S.APPROVED,
                     received_on=timezone.localdate() - dt.timedelta(days=5))
    client = as_user(finance)
    today = timezone.localdate()
    form = {"paid_on_day": today.day, "paid_on_month": today.month, "paid_on_year": today.year,
            "amount": "1,000.01", "reference": "BACS-1"}
    with nothing_changes():
        page = client.post(f"{QUEUE}{inv.pk}/payment/", form)
    assert "At most £1,000.00" in text(page)
    response = client.post(f"{QUEUE}{inv.pk}/payment/", {**form, "amount": "£1,000.00"},
                           follow=True)
    assert "Payment BACS-1 recorded." in text(response)
    inv.refresh_from_db()
    assert inv.status == S.PAID
    assert "Only an approved invoice can be paid" in text(client.get(f"{QUEUE}{inv.pk}/payment/"))


def test_importing_a_remittance_shows_row_errors_or_records_every_row(as_user, finance,
                                                                    authority):
    inv = ff.invoice(authority=authority, status=S.APPROVED, reference="R-1",
                     received_on=timezone.localdate() - dt.timedelta(days=5))
    header = "invoice_reference,provider,paid_on,amount,reference\n"
    good = f"R-1,{inv.provider_id},{timezone.localdate()},1000.00,RUN-1\n"
    bad = f"R-2,{inv.provider_id},{timezone.localdate()},5.00,RUN-1\n"
    client = as_user(finance)

    def upload(content):
        return {"file": SimpleUploadedFile("run.csv", content.encode(), "text/csv")}

    with nothing_changes():
        page = client.post(f"{QUEUE}remittance/", upload(header + good + bad))
    assert "Row 3" in text(page)
    assert "Row 2" not in text(page)
    # Each row's error leads to the file to choose again (GOV.UK's summary links to the field).
    assert re.search(r'<a href="#file">Row 3: ', page.content.decode())
    assert "Correct the 1 row listed above in your file" in text(page)
    response = client.post(f"{QUEUE}remittance/", upload(header + good), follow=True)
    assert "1 payment recorded." in text(response)
    assert Payment.objects.count() == 1
    response = client.post(f"{QUEUE}remittance/", upload(header + good), follow=True)
    assert "nothing changed" in text(response)
    with nothing_changes():
        assert error_summary(client.post(f"{QUEUE}remittance/", {}))


def test_each_approved_invoice_is_exported_once(as_user, finance, authority):
    one = ff.invoice(authority=authority, status=S.APPROVED, lines=[("10.00", "10.00"),
                                                                    ("=cmd", "0")][:1])
    ff.invoice(authority=authority, status=S.PAID)
    ff.invoice(authority=authority, status=S.VOUCHED)  # not approved: not exported
    client = as_user(finance)
    assert "2 approved invoices not yet exported" in text(client.get(f"{QUEUE}export/"))
    response = client.post(f"{QUEUE}export/")
    assert response.status_code == 302
    download = client.get(response["Location"])
    assert download["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0][:3] == ["Batch", "Invoice number", "Invoice reference"]
    assert len(rows) == 1 + 2
    one.refresh_from_db()
    assert one.exported_at
    assert one.export_batch
    # Nothing left: refused, and the earlier batch downloads again.
    with nothing_changes():
        assert error_summary(client.post(f"{QUEUE}export/"))
    again = client.get(f"{QUEUE}export/download/", {"batch": one.export_batch})
    assert again.content == download.content
    assert as_user(ff.finance_of(f.AuthorityFactory())).get(
        f"{QUEUE}export/download/", {"batch": one.export_batch}).status_code == 404


def test_the_finance_workspace_links_the_invoices(as_user, finance):
    assert QUEUE in as_user(finance).get("/finance/").content.decode()


def test_the_queue_sorts_by_its_column_headers(as_user, finance, authority):
    today = timezone.localdate()
    for reference, amount, days in (("B-1", "3000.00", 3), ("A-1", "12000.00", 1),
                                    ("C-1", "500.00", 2)):
        ff.invoice(authority=authority, reference=reference, lines=[(amount, amount)],
                   received_on=today - dt.timedelta(days=days))
    client = as_user(finance)

    def order(**query):
        body = text(client.get(QUEUE, query))
        return sorted(("A-1", "B-1", "C-1"), key=body.index)

    assert order() == ["B-1", "C-1", "A-1"]  # oldest received first
    assert order(sort="-total") == ["A-1", "B-1", "C-1"]
    assert order(sort="reference") == ["A-1", "B-1", "C-1"]
    assert order(sort="nonsense") == ["B-1", "C-1", "A-1"]  # not a column: the default
    html = client.get(QUEUE, {"sort": "-total"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert "£12,000.00" in text(client.get(QUEUE))
