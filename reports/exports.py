"""Report files: CSV (UTF-8, one header row, plain numbers) and XLSX (write-only).

A report becomes a `Table` (columns and rows); the same table is written as CSV or XLSX, so a
file holds exactly the rows the page and the API show. XLSX keeps numbers as numbers with a
currency format, freezes the header row and ends with a totals row; it is written by XlsxWriter's
constant-memory mode, row by row, so a 100,000-row file does not hold a workbook in memory. Both go
through `dps.sheets`, which neutralises text cells that a spreadsheet would run as a formula.
"""

import io
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal

from dps import formatting, outbox, sheets
from dps.models import Organisation
from dps.replica import report_reads
from providers.models import Lot
from reports.spend import LOCATIONS, ROUTES, aggregate

CURRENCY_FORMAT = '"£"#,##0.00'
DATE_FORMAT = "d mmmm yyyy"
XLSX_TYPE = sheets.XLSX_TYPE
CSV_TYPE = sheets.CSV_TYPE
GROUP_HEADERS = {None: "Spend", "lot": "Lot", "provider": "Provider", "authority": "Authority",
                 "month": "Month", "route": "Route", "location": "Location"}
PENNY = Decimal("0.01")


@dataclass
class Column:
    header: str
    kind: str = "text"  # text | money | int | date
    width: int = 20


@dataclass
class Table:
    title: str
    columns: list
    rows: object  # an iterable of tuples, one value per column
    totals: tuple | None = None
    count: int | None = None  # rows, when known in advance (for progress)
    notes: list = field(default_factory=list)


def _typed(value, kind):
    """A row value as its column's type: money to the penny, text as text (so it is
    neutralised), numbers and dates as they are."""
    if value is None:
        return None
    if kind == "money":
        return Decimal(value).quantize(PENNY)
    if kind == "text":
        return str(value)
    return value


def _csv_rows(table, writer):
    writer.writerow([c.header for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        writer.writerow([_typed(v, k) for v, k in zip(row, kinds, strict=True)])
        yield


def write_csv(table, stream):
    """Write `table` as CSV text to a text stream; no totals row (plain data)."""
    for _ in _csv_rows(table, sheets.CsvWriter(stream)):
        pass


def csv_bytes(table):
    stream = io.StringIO()
    write_csv(table, stream)
    return stream.getvalue().encode("utf-8")


def iter_csv(table):
    """CSV in chunks, for a streaming response."""
    stream = io.StringIO()
    for number, _ in enumerate(_csv_rows(table, sheets.CsvWriter(stream)), start=1):
        if number % 2000 == 0:
            yield stream.getvalue().encode("utf-8")
            stream.seek(0)
            stream.truncate()
    yield stream.getvalue().encode("utf-8")


def write_xlsx(table, target, progress=None):
    """Write `table` to `target` (a path or binary file) as an XLSX workbook.

    `progress(done_rows)` is called every 5,000 rows.
    """
    book = sheets.XlsxWriter(table.title, widths=[c.width for c in table.columns])
    formats = {"money": CURRENCY_FORMAT, "date": DATE_FORMAT}

    def cell(value, kind, bold=False):
        return book.cell(_typed(value, kind), number_format=formats.get(kind), bold=bold)

    book.append([cell(c.header, "text", bold=True) for c in table.columns])
    kinds = [c.kind for c in table.columns]
    # Only money and dates have a style; the rows go in through the sheet's fast path.
    styles = [book.cell(None, number_format=formats[kind]).style if kind in formats else None
              for kind in kinds]
    done = 0

    def typed_rows():
        nonlocal done
        for row in table.rows:
            done += 1
            if progress is not None and done % 5000 == 0:
                progress(done)
            yield [_typed(v, k) for v, k in zip(row, kinds, strict=True)]

    book.extend(typed_rows(), styles)
    if table.totals is not None:
        book.append([cell(v, k, bold=True) for v, k in zip(table.totals, kinds, strict=True)])
    book.save(target)
    return done


def xlsx_bytes(table):
    with tempfile.TemporaryFile() as handle:
        write_xlsx(table, handle)
        handle.seek(0)
        return handle.read()


# --- Reports as tables ----------------------------------------------------------------------

def spend_table(report, title="Spend", for_api=False):
    """A SpendReport's rows; the totals row carries the total. People's downloads read the
    label and amount under plain headers; the API's file keeps its JSON's `key, label, amount`
    (API.md: "the same rows as a file")."""
    header = GROUP_HEADERS.get(report.group_by, "Group")
    if for_api:
        columns = [Column("key", "text", 14), Column(header, "text", 40),
                   Column("amount", "money", 16)]
        rows = [(r.key, r.label, r.amount) for r in report.rows]
        return Table(title=title, columns=columns, rows=rows,
                     totals=("", "Total", report.total), count=len(rows))
    if report.group_by is None:
        # One row for everything: named for what the file holds ("All commitments"), not
        # always "All spend".
        header = title
        rows = [(f"All {title.lower()}", r.amount) for r in report.rows]
    else:
        rows = [(r.label, r.amount) for r in report.rows]
    columns = [Column(header, "text", 40), Column("Amount", "money", 16)]
    return Table(title=title, columns=columns, rows=rows, totals=("Total", report.total),
                 count=len(rows))


PAYMENTS_COLUMNS = [
    Column("Contracting authority", "text", 30), Column("Date of payment", "date", 14),
    Column("Amount paid (including VAT)", "money", 16), Column("Supplier name", "text", 36),
    Column("Supplier identifier", "text", 20), Column("Description", "text", 50),
    Column("Payment reference", "text", 20)]


def payments_table(report):
    """The s.70 list in the publication's layout: one row per payment, never a total."""
    rows = [(r.authority, r.paid_on, r.amount, r.provider, r.provider_identifier,
             r.description, r.reference) for r in report.rows]
    return Table(title="Payments over £30,000", columns=PAYMENTS_COLUMNS, rows=rows,
                 count=len(rows))


# The number is the placement's or block's, as providers quote it on their invoices.
LINE_COLUMNS = [Column("Placement or block", "text", 12), Column("Number", "int", 10),
                Column("Authority", "text", 30), Column("Provider", "text", 36),
                Column("Lot", "text", 20), Column("Route", "text", 24),
                Column("Location", "text", 12), Column("Amount", "money", 14),
                Column("Void bed days", "int", 14), Column("Void amount", "money", 14)]
SOURCES = {"placement": "Placement", "block": "Block"}


def spend_lines(*, date_from, date_to, authority=None, filters=None):
    """One line per placement and per block: its spend over the range (and a block's voids).

    The lines add up to the spend report's total: they are sums of the same rounded pieces.
    """
    data = aggregate(date_from=date_from, date_to=date_to, dims=("source",),
                     authority=authority, filters=filters)
    orgs = dict(Organisation.objects.values_list("pk", "name"))
    lots = dict(Lot.objects.values_list("pk", "name"))
    keys = sorted(data, key=lambda k: (k[0] != "placement", k[1]))
    total = sum(v[0] for v in data.values())

    def rows():
        for key in keys:
            source, source_id, authority_id, provider_id, provider_name, lot_id, route, \
                location = key
            pennies, void_days, void_pennies = data[key]
            yield (SOURCES.get(source, source), source_id, orgs.get(authority_id, ""),
                   orgs.get(provider_id, provider_name) if provider_id else provider_name,
                   lots.get(lot_id, ""), formatting.label(ROUTES, route),
                   formatting.label(LOCATIONS, location), Decimal(pennies) / 100,
                   void_days if source == "block" else None,
                   Decimal(void_pennies) / 100 if source == "block" else None)

    return Table(title="Spend by placement", columns=LINE_COLUMNS, rows=rows(),
                 totals=("Total", None, "", "", "", "", "", Decimal(total) / 100, None, None),
                 count=len(keys))



# --- Export jobs: built by a Celery worker, downloaded by the person who asked ---------------

def table_for(kind, params, authority):
    """The Table an export job of `kind` writes, from its stored params."""
    import datetime as dt

    from reports.commitments import commitments
    from reports.models import ExportJob
    from reports.payments import payments
    from reports.spend import spend

    def day(name):
        value = params.get(name)
        return dt.date.fromisoformat(value) if value else None

    filters = params.get("filters") or {}
    group_by = params.get("group_by") or None
    if kind == ExportJob.Kind.SPEND:
        report = spend(date_from=day("from"), date_to=day("to"), group_by=group_by,
                       authority=authority, filters=filters)
        return spend_table(report)
    if kind == ExportJob.Kind.COMMITMENTS:
        report = commitments(as_of=day("as_of"), group_by=group_by, authority=authority,
                             filters=filters)
        return spend_table(report, title="Commitments")
    if kind == ExportJob.Kind.PAYMENTS:
        return payments_table(payments(date_from=day("from"), date_to=day("to"),
                                       authority=authority, filters=filters))
    if kind == ExportJob.Kind.SPEND_LINES:
        return spend_lines(date_from=day("from"), date_to=day("to"), authority=authority,
                           filters=filters)
    raise ValueError(f"Unknown export kind {kind!r}.")


def export_filename(kind, fmt, params):
    span = params.get("as_of") or f"{params.get('from')}-to-{params.get('to')}"
    group = f"-by-{params['group_by']}" if params.get("group_by") else ""
    return f"{kind.replace('_', '-')}-{span}{group}.{fmt}"


def request_export(*, by, kind, fmt, params):
    """Queue an export for `by`, restricted to what they may see; the worker builds it."""
    from django.db import transaction

    from dps import audit
    from reports import tasks
    from reports.models import ExportJob
    from reports.spend import authority_scope

    authority = authority_scope(by)
    with transaction.atomic():
        job = ExportJob.objects.create(requested_by=by, authority=authority, kind=kind,
                                       format=fmt, params=params,
                                       filename=export_filename(kind, fmt, params))
        audit.record(job, "exportjob.requested", by=by, to_state=job.status,
                     data={"kind": kind, "format": fmt, "params": params})
        outbox.enqueue(tasks.build_export, job.pk)
    return job


def run_export(job_id):
    """Build job `job_id` once: claim it, write the file with progress, store it or the error."""
    import logging

    from django.utils import timezone

    from reports.models import ExportJob

    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED).update(
        status=ExportJob.Status.RUNNING, started_at=timezone.now(), progress=1)
    if not claimed:
        return None
    job = ExportJob.objects.select_related("authority").get(pk=job_id)
    jobs = ExportJob.objects.filter(pk=job_id)
    try:
        with report_reads():  # the rows from the replica when there is one; writes stay
            _write_job(job, jobs)
    except Exception as exc:  # noqa: BLE001 - the job records why, the person sees it
        logging.getLogger(__name__).exception("Export %s failed", job_id)
        jobs.update(status=ExportJob.Status.FAILED, error=str(exc)[:500],
                    finished_at=timezone.now())
    return job_id


def _write_job(job, jobs):
    """Write job's file, with progress, and store it."""
    from django.utils import timezone

    from reports.models import ExportJob

    table = table_for(job.kind, job.params, job.authority)
    jobs.update(progress=20)
    total = max(table.count or 1, 1)

    def progress(done):
        jobs.update(progress=min(95, 20 + int(75 * done / total)))

    with tempfile.TemporaryFile() as handle:
        if job.format == ExportJob.Format.XLSX:
            rows = write_xlsx(table, handle, progress=progress)
        else:
            text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
            writer_rows = _counting(table.rows, progress)
            write_csv(Table(table.title, table.columns, writer_rows), text)
            text.flush()
            text.detach()
            rows = writer_rows.done
        handle.seek(0)
        content = handle.read()
    jobs.update(status=ExportJob.Status.DONE, progress=100, content=content, row_count=rows,
                finished_at=timezone.now())


class _counting:
    """Iterate rows, counting them and reporting progress every 5,000."""

    def __init__(self, rows, progress):
        self.rows, self.progress, self.done = rows, progress, 0

    def __iter__(self):
        for row in self.rows:
            yield row
            self.done += 1
            if self.done % 5000 == 0:
                self.progress(self.done)
