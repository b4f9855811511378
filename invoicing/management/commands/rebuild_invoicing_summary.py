"""`manage.py rebuild_invoicing_summary`: compute the reconciliation's maintained sums again
(ADR 0028: invoiced-to per placement, invoiced pennies per month, paid pennies per day).

Run it once after migrating, and after any bulk load that bypasses the services (seeds,
imports). Until it has run, the reconciliation is computed live. It locks the tables while it
works, so the services' writes wait for it rather than being lost.
"""

import time

from django.core.management.base import BaseCommand
from django.db import connection

from invoicing import summary


class Command(BaseCommand):
    help = "Rebuild the reconciliation's maintained sums from the invoice lines and payments."

    def handle(self, *args, **options):
        started = time.monotonic()
        to, months, days = summary.rebuild_all()
        built = time.monotonic() - started
        if connection.vendor == "postgresql":
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            with connection.cursor() as cursor:
                cursor.execute(f"{verb} {summary.TO}, {summary.MONTH}, {summary.DAY}")
        self.stdout.write(f"Reconciliation sums rebuilt: {to} placements' invoiced-to days, "
                          f"{months} invoiced months, {days} paid days, {built:.1f} s.")
