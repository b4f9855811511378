"""Remittance import: POST /api/v1/payments/import/ — all rows or none, the same file twice
changes nothing, a row already recorded is skipped."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from invoicing.models import Invoice, Payment, RemittanceImport
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.invoicing import factories_finance as ff

pytestmark = pytest.mark.django_db
S = Invoice.Status
URL = "/api/v1/payments/import/"
HEADER = "invoice_reference,provider,paid_on,amount,reference\r\n"


def _today():
    return timezone.localdate()


@pytest.fixture
def world():
    authority = f.AuthorityFactory()
    received = _today() - datetime.timedelta(days=20)
    one = ff.invoice(status=S.APPROVED, authority=authority, reference="A-1",
                     received_on=received, lines=[("1200.00", "1200.00")])
    two = ff.invoice(status=S.APPROVED, authority=authority, reference="B-7",
                     received_on=received, lines=[("800.50", "800.50")])
    return {"one": one, "two": two, "finance": ff.finance_of(authority)}


def _csv(*rows):
    return (HEADER + "".join(",".join(row) + "\r\n" for row in rows)).encode()


def _post(client, content):
    return client.post(URL, content, content_type="text/csv")


def _rows(w, day=None):
    day = str(day or _today())
    return (("A-1", str(w["one"].provider_id), day, "1200.00", "RUN-9/1"),
            ("B-7", w["two"].provider.name.upper(), day, "800.50", "RUN-9/2"))


def test_signed_out_is_401_and_not_finance_is_403(anon, api, world):
    commissioner = api(f.CommissionerFactory(organisation=world["one"].authority))
    with nothing_changes():
        assert_error(_post(anon, _csv(*_rows(world))), 401, "not_authenticated")
        assert_error(_post(commissioner, _csv(*_rows(world))), 403, "forbidden")


def test_a_remittance_pays_its_invoices(api, world):
    response = _post(api(world["finance"]), _csv(*_rows(world)))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["rows"], body["skipped"], body["already_imported"]) == (2, 0, False)
    assert sorted(p["reference"] for p in body["payments"]) == ["RUN-9/1", "RUN-9/2"]
    assert set(Invoice.objects.values_list("status", flat=True)) == {S.PAID}
    assert Payment.objects.filter(remittance__isnull=False).count() == 2


def test_a_multipart_upload_is_accepted(api, world):
    upload = SimpleUploadedFile("run9.csv", _csv(*_rows(world)), content_type="text/csv")
    response = api(world["finance"]).post(URL, {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert RemittanceImport.objects.get().name == "run9.csv"


def test_the_same_file_twice_changes_nothing(api, world):
    client = api(world["finance"])
    content = _csv(*_rows(world))
    assert _post(client, content).status_code == 201
    with nothing_changes():
        response = _post(client, content)
    assert response.status_code == 200
    assert response.json()["already_imported"] is True


def test_a_row_already_recorded_is_skipped(api, world):
    client = api(world["finance"])
    first, second = _rows(world)
    assert _post(client, _csv(first)).status_code == 201
    response = _post(client, _csv(first, second))
    assert response.status_code == 201, response.content
    assert (response.json()["skipped"], len(response.json()["payments"])) == (1, 1)
    assert Payment.objects.count() == 2


def test_one_bad_row_refuses_the_whole_file(api, world):
    good, _ = _rows(world)
    bad = [
        ("Z-9", str(world["one"].provider_id), str(_today()), "10.00", "R1"),  # unknown
        ("B-7", "Nobody Ltd", str(_today()), "10.00", "R2"),  # wrong provider
        ("B-7", str(world["two"].provider_id), "31/02/2026", "10.00", "R3"),
        ("B-7", str(world["two"].provider_id), str(_today()), "ten", "R4"),
        ("B-7", str(world["two"].provider_id), str(_today()), "900.00", ""),
        ("B-7", str(world["two"].provider_id), str(_today()), "900.00", "R6"),  # overpays
    ]
    client = api(world["finance"])
    with nothing_changes():
        body = assert_error(_post(client, _csv(good, *bad)), 400, "invalid")
    assert sorted(body["fields"]) == sorted(f"row {n}" for n in range(3, 9))
    assert "row 2" not in body["fields"]


def test_a_payment_recorded_differently_is_refused_not_skipped(api, world):
    client = api(world["finance"])
    first, _ = _rows(world)
    assert _post(client, _csv(("A-1", first[1], first[2], "100.00", first[4]))).status_code \
        == 201
    with nothing_changes():
        body = assert_error(_post(client, _csv(first)), 400, "invalid")
    assert list(body["fields"]) == ["row 2"]


def test_another_authoritys_invoice_is_an_unknown_row(api, world):
    theirs = ff.invoice(status=S.APPROVED, reference="T-1")
    client = api(world["finance"])
    with nothing_changes():
        body = assert_error(_post(client, _csv(
            ("T-1", str(theirs.provider_id), str(_today()), "1000.00", "X"))), 400, "invalid")
    assert list(body["fields"]) == ["row 2"]


@pytest.mark.parametrize("content", [
    b"", b"invoice_reference,provider\r\nA-1,1\r\n", HEADER.encode(), b"\xff\xfebad,\xe9",
])
def test_a_file_that_is_not_a_remittance_is_400(api, world, content):
    client = api(world["finance"])
    with nothing_changes():
        assert_error(_post(client, content), 400, "invalid", fields=["file"])


def test_the_same_row_twice_in_a_file_is_refused(api, world):
    first, _ = _rows(world)
    with nothing_changes():
        body = assert_error(_post(api(world["finance"]), _csv(first, first)), 400, "invalid")
    assert list(body["fields"]) == ["row 3"]
