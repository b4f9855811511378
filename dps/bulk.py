"""Plain rows straight into a model's table: the seeding commands behind the benchmarks, and
the batch paths that write thousands of rows they have checked themselves (dps.audit.record_many,
invoicing.batch).

`bulk_create` builds a model instance per row and prepares every field through the ORM: at a
million invitations and audit rows that is most of a seed's time. Here rows are tuples of values
the database takes as they are (ints, text, dates, datetimes, JSON-able dicts), sent with
PostgreSQL's COPY (or one executemany elsewhere). No save(), no signals, no validation: only for
commands that keep to the rules themselves (seed_calloffs' docstring says how).
"""

import contextlib
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


def reserve_ids(model, count):
    """The first of `count` fresh primary keys, for rows written here with explicit ids (so a
    generator knows every row's id before writing, and needs no UPDATE afterwards)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        highest = cursor.fetchone()[0]
        if connection.vendor != "postgresql":
            return highest + 1  # SQLite: the next rowid follows the highest
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = max(cursor.fetchone()[0], highest + 1)
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
        return first


class Draft:
    """A row being generated: attributes named as the model's fields (attnames, defaults filled
    in; a foreign key may be given as its related object, whose id `model_rows` reads at write
    time), for a generator making hundreds of thousands of rows, at a fraction of a model
    instance's cost. No model methods."""

    _defaults = {}

    def __init__(self, model, **values):
        if model not in Draft._defaults:
            Draft._defaults[model] = [(f.attname, f) for f in model._meta.concrete_fields]
        for attname, field in Draft._defaults[model]:
            self.__dict__[attname] = field.get_default()  # "" or None when it has none
        self.__dict__.update(values)

    @property
    def pk(self):
        return self.id

    @pk.setter
    def pk(self, value):
        self.id = value


def model_rows(model, objects):
    """(fields, rows) for `insert_rows` from unsaved instances (or Drafts) that already have
    their ids: every concrete field as the instance holds it, a foreign key from its related
    object's id when only that was set, encrypted fields encrypted (their own get_db_prep_save).
    auto_now and auto_now_add are not applied: the instance's own times are written."""
    from django.db.models import ForeignKey

    fields = model._meta.concrete_fields
    getters = []
    for field in fields:
        if isinstance(field, ForeignKey):
            getters.append(("fk", field))
        elif type(field).__module__.startswith("encrypted_model_fields"):
            getters.append(("prep", field))  # the value is encrypted on its way in
        else:
            getters.append(("plain", field))

    def row(obj):
        values = []
        for how, field in getters:
            value = getattr(obj, field.attname)
            if how == "fk" and value is None:
                if isinstance(obj, Draft):
                    related = obj.__dict__.get(field.name)
                else:
                    related = getattr(obj, field.name) if field.is_cached(obj) else None
                value = related.pk if related is not None else None
            elif how == "prep" and value is not None:
                value = field.get_db_prep_save(value, connection)
            values.append(value)
        return tuple(values)

    return [field.name for field in fields], (row(obj) for obj in objects)


@contextlib.contextmanager
def bulk_load(models):
    """On PostgreSQL, while rows go into `models`' tables, their foreign keys and their plain
    (non-unique) indexes are set aside, and put back at the end inside the caller's transaction
    (so a failure restores them): each key then checks every row in one pass instead of one
    deferred trigger per row at commit, and each index is built once from sorted rows instead
    of growing row by row (PostgreSQL's "Populating a Database"). Unique indexes stay, so
    duplicates still fail as they go in. Elsewhere nothing changes. The tables, and those their
    keys refer to, stay locked until the transaction ends: for seeds and rebuilds that hold
    them anyway (rebuild_spend_summary truncates its tables first), not for a live path."""
    if connection.vendor != "postgresql":
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_load needs the loading transaction.")
    tables = [model._meta.db_table for model in models]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                       "FROM pg_constraint WHERE contype = 'f' "
                       "AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2", [tables])
        keys = cursor.fetchall()
        cursor.execute("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                       "FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) "
                       "AND NOT i.indisunique AND NOT i.indisprimary ORDER BY 1", [tables])
        indexes = cursor.fetchall()
        # Rows already written in this transaction have their checks pending, and a table
        # with pending checks cannot be altered: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table, name, _definition in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")  # sorts for the indexes
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's keys: INITIALLY DEFERRED


class Progress:
    """A bulk seed's steps, each printed with its time as it ends and the time so far
    (seed_placements and seed_calloffs print their steps this way)."""

    def __init__(self, stdout):
        import time

        self._clock = time.monotonic
        self.stdout = stdout
        self.started = self.last = self._clock()

    def __call__(self, message):
        now = self._clock()
        self.stdout.write(f"  {message} ({now - self.last:.1f} s; {now - self.started:.1f} s "
                          "in all)")
        self.stdout.flush()
        self.last = now

