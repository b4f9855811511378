"""`manage.py rebuild_spend_summary`: compute the monthly spend summary again (ADR 0023).

Run it once after migrating to the summary, after any bulk load that bypasses the services
(seed_placements, imports), and whenever an organisation's area changes (in or out of area is
kept per month). Until it has run, every report is computed live. It locks the summary tables
while it works, so services changing placements wait for it rather than being lost.
"""

import time

from django.core.management.base import BaseCommand

from reports import summary


class Command(BaseCommand):
    help = "Rebuild the monthly spend summary from the fee periods, support items and blocks."

    def add_arguments(self, parser):
        parser.add_argument("--horizon-months", type=int, default=summary.HORIZON_MONTHS,
                            help="Whole months after this one to hold (default %(default)s).")

    def handle(self, *args, **options):
        started = time.monotonic()
        pieces, months, horizon = summary.rebuild_all(horizon_months=options["horizon_months"])
        year, month = divmod(horizon, 12)
        self.stdout.write(f"Spend summary rebuilt through {year}-{month + 1:02d}: {pieces} "
                          f"placement and block months, {months} monthly rows, "
                          f"{time.monotonic() - started:.1f} s.")
