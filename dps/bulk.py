"""Plain rows straight into a model's table: the seeding commands behind the benchmarks, and
the batch paths that write thousands of rows they have checked themselves (dps.audit.record_many,
invoicing.batch).

`bulk_create` builds a model instance per row and prepares every field through the ORM: at a
million invitations and audit rows that is most of a seed's time. Here rows are tuples of values
the database takes as they are (ints, text, dates, datetimes, JSON-able dicts), sent with
PostgreSQL's COPY (or one executemany elsewhere). No save(), no signals, no validation: only for
commands that keep to the rules themselves (seed_calloffs' docstring says how).
"""

import datetime
import io
import json
from decimal import Decimal

from django.db import connection

BATCH = 50_000


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_PLAIN = (int, Decimal)


def _text(value):
    """One field in COPY's text format (called for every value of every row: the common types
    first, and one translate for the escapes)."""
    if value is None:
        return r"\N"
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPES)
    if kind is bool:
        return "t" if value else "f"
    if kind in _PLAIN:
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        value = json.dumps(value)
    return str(value).translate(_ESCAPES)


def insert_rows(model, fields, rows, batch=BATCH):
    """Insert `rows` (tuples, one value per name in `fields`) into `model`'s table; returns the
    number of rows written."""
    meta = model._meta
    columns = [meta.get_field(name).column for name in fields]
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    written = 0
    with connection.cursor() as cursor:
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == batch:
                written += _write(cursor, table, names, len(columns), chunk)
                chunk = []
        if chunk:
            written += _write(cursor, table, names, len(columns), chunk)
    return written


def _plain(value):
    """A value as the other backends' drivers take it (dates the way Django stores them)."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, datetime.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _write(cursor, table, names, width, chunk):
    if connection.vendor == "postgresql":
        buffer = io.StringIO("".join("\t".join(map(_text, row)) + "\n" for row in chunk))
        cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
    else:
        marks = ", ".join(["%s"] * width)
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                           [[_plain(v) for v in row] for row in chunk])
    return len(chunk)


def any_of(ids):
    """The value of a `field__in` lookup naming many ids. On PostgreSQL one array parameter,
    unnested: the ORM prepares an IN list value by value (2.5 s of a month's invoice batch for
    its 20,000 placements) and the planner reads a semi-join by index the same way."""
    from django.db.models.expressions import RawSQL

    ids = sorted({int(pk) for pk in ids})
    if connection.vendor == "postgresql" and len(ids) > 100:
        return RawSQL("SELECT unnest(%s::bigint[])", ("{" + ",".join(map(str, ids)) + "}",))
    return ids
