"""CSV/XLSX formula injection (API.md v1.1): a text cell of an export never starts with `=`,
`+`, `-`, `@`, a tab or a carriage return unescaped; such a cell gets a leading `'`. Numbers,
decimals and dates stay numbers. Every export goes through `dps.sheets`, and the source is
searched so that a new export cannot write a file some other way."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from dps import sheets
from dps.models import Organisation
from tests import factories as f
from tests.reports.conftest import D, make_placement

ROOT = Path(__file__).resolve().parents[2]
HYPERLINK = '=HYPERLINK("http://evil.example/pay","Invoice")'
NAMES = [HYPERLINK, "+44 Care Ltd", "-1+1 Homes Ltd", "@SUM(A1) Care", "\tTabbed Care",
         "\rReturned Care"]
TRIGGERS = tuple("=+-@\t\r")
YEAR = {"from": "2026-04-01", "to": "2027-03-31"}


@pytest.fixture
def hostile(anon, finance_user):
    """Providers named like formulas, the first registering itself through the API, each with
    £1,000 a day of placements at the finance user's authority (so also over £30,000 a
    quarter, in the payments list)."""
    response = anon.post("/api/v1/providers/register/", {
        "organisation_name": HYPERLINK, "area": "West Sussex", "postcode": "RH12 1AA",
        "companies_house_number": "12345678", "username": "mallory",
        "password": "Sturdy-Passphrase-2026!", "email": "mallory@example.org"}, format="json")
    assert response.status_code == 201, response.content
    providers = [Organisation.objects.get(pk=response.json()["organisation"])]
    providers += [f.ProviderOrgFactory(name=name) for name in NAMES[1:]]
    assert [p.name for p in providers] == NAMES
    from tests.invoicing import factories_finance as ff

    for provider in providers:
        placement = make_placement(authority=finance_user.organisation, provider=provider,
                                   start=D(2026, 1, 1), price="7000.00")
        invoice = ff.invoice(status="paid", placement=placement, received_on=D(2026, 5, 1),
                             lines=[("40000.00", "40000.00")])
        ff.paid(invoice, paid_on=D(2026, 5, 20))
    return providers


def _csv_cells(content):
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))
    return [cell for row in rows for cell in row]


def assert_csv_safe(content):
    cells = _csv_cells(content)
    for name in NAMES:
        assert "'" + name in cells, (name, cells)
    for cell in cells:
        if cell.startswith(TRIGGERS):
            # Only a number may start with a sign; text never does.
            Decimal(cell)


def assert_xlsx_safe(content):
    book = load_workbook(io.BytesIO(content))  # not read-only: data_type tells formulas apart
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    # A control character is written as OOXML's `_x000D_` escape, which Excel decodes;
    # openpyxl decodes it in shared strings only, not in the inline strings a streamed sheet has.
    texts = [unescape(c.value) for c in cells if c.data_type == "s"]
    for name in NAMES:
        assert "'" + name in texts, (name, texts)
    assert not [t for t in texts if t.startswith(TRIGGERS)]
    # Amounts are still numbers, and the totals row still adds up.
    assert any(c.data_type == "n" and isinstance(c.value, int | float) and c.value > 0
               for c in cells)


def _check(response, fmt):
    assert response.status_code == 200, response.content[:300]
    (assert_csv_safe if fmt == "csv" else assert_xlsx_safe)(response.content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("path", "params"), [
    ("/api/v1/reports/spend/", {**YEAR, "group_by": "provider"}),
    ("/api/v1/reports/commitments/", {"as_of": "2026-04-01", "group_by": "provider"}),
    ("/api/v1/reports/payments/", YEAR),
])
def test_the_api_exports_neutralise_formulas(api, finance_user, hostile, path, params, fmt):
    _check(api(finance_user).get(path, {**params, "format": fmt}), fmt)


FROM_TO = {"date_from_day": "1", "date_from_month": "4", "date_from_year": "2026",
           "date_to_day": "31", "date_to_month": "3", "date_to_year": "2027"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("path", "params"), [
    ("/reports/", {**FROM_TO, "group_by": "provider"}),
    ("/reports/commitments/", {"as_of_day": "1", "as_of_month": "4", "as_of_year": "2026",
                               "group_by": "provider"}),
    ("/reports/payments/", FROM_TO),
])
def test_the_page_downloads_neutralise_formulas(as_user, finance_user, hostile, path, params,
                                                fmt):
    _check(as_user(finance_user).get(path, {**params, "format": fmt}), fmt)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("kind", "params"), [
    ("spend", {**YEAR, "group_by": "provider"}),
    ("spend_lines", YEAR),
    ("commitments", {"as_of": "2026-04-01", "group_by": "provider"}),
    ("payments", YEAR),
])
def test_the_export_jobs_neutralise_formulas(api, finance_user, hostile, kind, params, fmt,
                                             django_capture_on_commit_callbacks):
    client = api(finance_user)
    with django_capture_on_commit_callbacks(execute=True):
        job = client.post("/api/v1/reports/exports/", {"kind": kind, "format": fmt, **params},
                          format="json")
    assert job.status_code == 202, job.content
    detail = client.get(f"/api/v1/reports/exports/{job.json()['id']}/").json()
    assert detail["status"] == "done", detail
    _check(client.get(f"/api/v1/reports/exports/{job.json()['id']}/download/"), fmt)


# --- The helper itself ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [*NAMES, "=1+2", "-", "@", "\t", "\r=cmd|' /C calc'!A0"])
def test_text_starting_a_formula_gets_a_leading_quote(text):
    assert sheets.neutralise(text) == "'" + text
    assert sheets.csv_value(text) == "'" + text


@pytest.mark.parametrize("text", ["Care Ltd", "", "A=B", "O'Brien", " =leading space", "'quoted"])
def test_other_text_is_left_alone(text):
    assert sheets.neutralise(text) == text


def test_numbers_and_dates_stay_numbers():
    values = [Decimal("-12.50"), -3, 2.5, dt.date(2026, 4, 1), None, "-12.50"]
    assert [sheets.csv_value(v) for v in values] == ["-12.50", "-3", "2.5", "2026-04-01", "",
                                                     "'-12.50"]
    book = sheets.XlsxWriter("Numbers")
    book.append(values)
    book.append([book.cell(Decimal("-7.25"), number_format='"£"#,##0.00', bold=True),
                 book.cell(HYPERLINK, bold=True)])
    handle = io.BytesIO()
    book.save(handle)
    sheet = load_workbook(io.BytesIO(handle.getvalue())).active
    first, second = list(sheet.iter_rows())
    assert [c.data_type for c in first[:4]] == ["n", "n", "n", "d"]
    assert [first[0].value, first[1].value, first[2].value] == [-12.5, -3, 2.5]
    assert (first[5].data_type, first[5].value) == ("s", "'-12.50")  # text stays text
    assert (second[0].data_type, second[0].value) == ("n", -7.25)
    assert (second[1].data_type, second[1].value) == ("s", "'" + HYPERLINK)


# --- No export bypasses the helper -----------------------------------------------------------

WRITERS = [
    re.compile(r"\bcsv\s*\.\s*(writer|DictWriter)\b"),
    re.compile(r"\bfrom\s+csv\s+import\b[^\n]*\b(writer|DictWriter)\b"),
    re.compile(r"\bWorkbook\s*\("),
    re.compile(r"\bWriteOnlyCell\b"),
    re.compile(r"\b(xlsxwriter|xlwt|pyexcel|tablib)\b"),
    re.compile(r"\.to_(csv|excel)\s*\("),
    # Reading a workbook (load_workbook) is no risk; anything else from openpyxl writes.
    re.compile(r"^\s*(from\s+openpyxl\S*\s+import\s+(?!load_workbook\s*$)|import\s+openpyxl)",
               re.MULTILINE),
]
APP = ("dps", "providers", "referrals", "calloffs", "contracts", "monitoring", "reports",
       "bench", "bin")
HELPER = ROOT / "dps" / "sheets.py"


def writers_outside_the_helper():
    found = []
    for folder in APP:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == HELPER or "migrations" in path.parts:
                continue
            source = path.read_text()
            found += [f"{path.relative_to(ROOT)}: {m.group(0).strip()}"
                      for pattern in WRITERS for m in pattern.finditer(source)]
    return found


def test_every_csv_and_xlsx_writer_is_the_helper():
    assert writers_outside_the_helper() == []
    # The helper is where they are (so the patterns above do find writers).
    helper = HELPER.read_text()
    assert all(pattern.search(helper) for pattern in WRITERS[:1] + WRITERS[2:3] + WRITERS[4:5])
