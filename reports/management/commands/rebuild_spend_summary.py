"""`manage.py rebuild_spend_summary`: compute the monthly spend summary again (ADR 0023).

Run it once after migrating to the summary, after any bulk load that bypasses the services
(seed_placements, imports), and whenever an organisation's area changes (in or out of area is
kept per month). Until it has run, every report is computed live. It locks the summary tables
while it works, so services changing placements wait for it rather than being lost.
"""

import contextlib
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from reports import summary

LINE_INDEX = "spendpiece_line"


@contextlib.contextmanager
def _built_at_the_end(name):
    """On PostgreSQL, index `name` of the piece-months is dropped while the rebuild fills the
    table and built again from sorted rows at the end, inside the rebuild's transaction (a
    failure restores it). Grown row by row in month order it ends 40% larger (1,043 MB against
    750 MB at regional scale), and the spend lines export reads it whole (ADR 0030). The other
    indexes stay: the rebuild's block-void updates look rows up by (month, source)."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [name])
        definition = cursor.fetchone()[0]
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute(definition)


class Command(BaseCommand):
    help = "Rebuild the monthly spend summary from the fee periods, support items and blocks."

    def add_arguments(self, parser):
        parser.add_argument("--horizon-months", type=int, default=summary.HORIZON_MONTHS,
                            help="Whole months after this one to hold (default %(default)s).")
        parser.add_argument("--spans-only", action="store_true",
                            help="Only fill the rolling-year sums (SpendSpan, ADR 0027) again "
                                 "from the monthly sums: the backfill after migrating to them.")
        parser.add_argument("--placements-only", action="store_true",
                            help="Only fill the market insight's placement rows "
                                 "(InsightPlacement, ADR 0029) again: the backfill after "
                                 "migrating to them.")

    def handle(self, *args, **options):
        started = time.monotonic()
        # The backfills after migrating to a kept table: only that table, from what it reads.
        for option, rebuild, table, what in (
                ("spans_only", summary.rebuild_spans, summary.SPAN, "Rolling-year sums"),
                ("placements_only", summary.rebuild_placements, summary.PLACEMENTS,
                 "Insight placement rows")):
            if options[option]:
                rows = rebuild()
                built = time.monotonic() - started
                self._vacuum(table)
                self.stdout.write(f"{what} rebuilt: {rows} rows, {built:.1f} s (and "
                                  f"{time.monotonic() - started - built:.1f} s to vacuum).")
                return
        with transaction.atomic(), _built_at_the_end(LINE_INDEX):
            pieces, months, horizon = summary.rebuild_all(
                horizon_months=options["horizon_months"])
        built = time.monotonic() - started
        self._vacuum(summary.PIECE, summary.MONTH, summary.YEAR, summary.COARSE, summary.SPAN,
                     summary.PLACEMENTS)
        year, month = divmod(horizon, 12)
        self.stdout.write(f"Spend summary rebuilt through {year}-{month + 1:02d}: {pieces} "
                          f"piece-months, {months} monthly rows, {built:.1f} s "
                          f"(and {time.monotonic() - started - built:.1f} s to vacuum).")

    def _vacuum(self, *tables):
        if connection.vendor == "postgresql":
            # Fresh statistics for the planner, and the visibility map for index-only scans.
            # VACUUM cannot run in a transaction (a caller's, or a test's): ANALYZE can.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            with connection.cursor() as cursor:
                cursor.execute(f"{verb} {', '.join(tables)}")
