"""XLSX uploads: the same columns and all-or-nothing rules as a CSV file, refusals keyed "row N"
as a spreadsheet numbers them, recognised by content whatever the declared type."""

import datetime as dt
import io
import zipfile

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from invoicing.models import Invoice
from tests.asserts import assert_error, nothing_changes
from tests.invoicing.factories import D, frozen_fixture, line, make_world, submitted, world_fixture  # noqa: F401
from tests.pages import text

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/upload/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["reference", "placement", "kind", "support_item", "from", "to", "amount"]


def workbook(rows, *, dates_as_dates=True):
    """An .xlsx file's bytes, written as a spreadsheet would: numbers as numbers, dates as
    dates (Excel's date-times), empty cells left empty."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Invoices")
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date) and dates_as_dates:
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, (int, float)):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return out.getvalue()


def upload(api, user, body, content_type=XLSX):
    return api(user).generic("POST", URL, body, content_type=content_type)


def test_an_xlsx_file_sends_one_invoice_per_reference(api, world):
    p, s = world.placement.pk, world.support.pk
    body = workbook([HEADER,
                     ["X-1", p, "placement", None, D(2026, 5, 1), D(2026, 5, 31), 3100],
                     ["X-1", p, "support", s, D(2026, 5, 1), D(2026, 5, 31), 310.0],
                     [],
                     ["X-2", p, "placement", None, "2026-06-01", "2026-06-10", "1000.00"]])
    response = upload(api, world.user, body)
    assert response.status_code == 201, response.content
    assert [(i["reference"], i["status"], i["total"], len(i["lines"]))
            for i in response.json()["invoices"]] == [
        ("X-1", "vouched", "3410.00", 2), ("X-2", "vouched", "1000.00", 1)]
    assert set(Invoice.objects.values_list("channel", flat=True)) == {"upload"}


def test_the_content_decides_not_the_declared_type(api, world):
    p = world.placement.pk
    csv = f"{','.join(HEADER)}\nX-1,{p},placement,,2026-05-01,2026-05-31,3100.00\n"
    # A CSV file declared as a workbook is still read as CSV...
    response = upload(api, world.user, csv.encode())
    assert response.status_code == 201, response.content
    assert response.json()["invoices"][0]["total"] == "3100.00"
    # ...and a workbook declared as CSV is refused as text with NUL bytes, storing nothing.
    body = workbook([HEADER, ["X-2", p, "placement", None, D(2026, 6, 1), D(2026, 6, 10), 1000]])
    with nothing_changes():
        assert_error(upload(api, world.user, body, content_type="text/csv"), 400, "invalid")


def test_bad_rows_of_a_workbook_are_each_named_and_nothing_is_stored(api, world):
    p = world.placement.pk
    body = workbook([HEADER,
                     ["X-1", p, "placement", None, D(2026, 5, 1), D(2026, 5, 31), 3100],
                     ["X-1", p, "placement", None, D(2026, 6, 1), "31/06/2026", 10],
                     ["X-2", p, "nonsense", None, D(2026, 6, 1), D(2026, 6, 2), 10],
                     [None, p, "placement", None, D(2026, 6, 1), D(2026, 6, 2), 10],
                     ["X-3", p, "placement", None, D(2026, 6, 3), D(2026, 6, 4), 10.005]])
    with nothing_changes():
        response = upload(api, world.user, body)
    body = assert_error(response, 400, "invalid", fields=["row 3", "row 4", "row 5", "row 6"])
    assert "row 2" not in body["fields"]
    assert any(m.startswith("to:") for m in body["fields"]["row 3"])
    assert any(m.startswith("amount:") for m in body["fields"]["row 6"])


def test_a_rule_refused_in_a_workbook_stores_nothing_and_names_the_row(api, world):
    p = world.placement.pk
    body = workbook([HEADER,
                     ["X-1", p, "placement", None, D(2026, 5, 1), D(2026, 5, 31), 3100],
                     ["X-2", p, "placement", None, D(2026, 6, 11), D(2026, 6, 16), 600]])
    with nothing_changes():
        assert_error(upload(api, world.user, body), 400, "invoice_in_advance",
                     fields=["row 3"])
    other = make_world(authority=world.authority)
    body = workbook([HEADER, ["X-1", other.placement.pk, "placement", None, D(2026, 5, 1),
                              D(2026, 5, 31), 3100]])
    with nothing_changes():
        assert_error(upload(api, world.user, body), 400, "unknown_placement", fields=["row 2"])


def test_a_reference_already_used_is_refused_on_its_workbook_row(api, world):
    submitted(world, "X-1", [line(world.placement, D(2026, 4, 1), D(2026, 4, 1), "100.00")])
    body = workbook([HEADER, ["X-1", world.placement.pk, "placement", None, D(2026, 5, 1),
                              D(2026, 5, 31), 3100]])
    with nothing_changes():
        assert_error(upload(api, world.user, body), 409, "duplicate_reference",
                     fields=["row 2"])


def _zip(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize("body", [
    workbook([]),  # an empty sheet
    workbook([HEADER]),  # a header and no lines
    workbook([HEADER[:-1], ["X-1", 1, "placement", None, "2026-05-01", "2026-05-02"]]),
    workbook([HEADER + ["colour"]]),
    workbook([HEADER, ["X-1", 1, "placement", None, "2026-05-01", "2026-05-02", 1, "extra"]]),
    b"PK\x03\x04" + b"\x00" * 200,  # a ZIP signature and nothing of a ZIP
    _zip({"hello.txt": "not a workbook"}),  # a ZIP that is no workbook
    _zip({"[Content_Types].xml": "<nonsense", "xl/workbook.xml": "<"}),
    workbook([HEADER, ["X-1", 1, "placement", None, "2026-05-01", "2026-05-02", 1]])[:300],
], ids=["empty", "header-only", "missing-column", "unknown-column", "extra-cell", "zip-magic",
        "zip-not-xlsx", "broken-xml", "truncated"])
def test_a_file_that_is_not_a_workbook_of_invoices_is_invalid(api, world, body):
    with nothing_changes():
        response = upload(api, world.user, body)
    assert_error(response, 400, "invalid")


def test_the_upload_page_takes_a_workbook(as_user, world):
    body = workbook([HEADER, ["W-1", world.placement.pk, "placement", None, D(2026, 5, 1),
                              D(2026, 5, 31), 3100]])
    client = as_user(world.user)
    response = client.post("/invoices/upload/", {
        "file": SimpleUploadedFile("may.csv", body, "text/csv")})  # its name and type lie
    assert response.status_code == 302, text(response)
    assert Invoice.objects.get().reference == "W-1"


def test_the_upload_page_names_a_bad_workbook_row_and_sends_nothing(as_user, world):
    body = workbook([HEADER, ["W-1", world.placement.pk, "placement", None, D(2026, 5, 1),
                              D(2026, 5, 31), "ten"]])
    client = as_user(world.user)
    with nothing_changes():
        response = client.post("/invoices/upload/", {
            "file": SimpleUploadedFile("may.xlsx", body, XLSX)})
    assert response.status_code == 400
    assert "Row 2" in text(response)
    assert "amount:" in text(response)
    with nothing_changes():
        response = client.post("/invoices/upload/", {
            "file": SimpleUploadedFile("may.xlsx", b"PK\x03\x04garbage", XLSX)})
    assert response.status_code == 400
    assert "Not an XLSX workbook" in text(response)
