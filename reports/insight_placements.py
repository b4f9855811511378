"""The market insight's placement rows (`InsightPlacement`, ADR 0029), kept with the spend
summary: one narrow row per placement with its starting weekly price already worked out.

Filled from the placements by the insight's own expressions (`insight.starting_weekly`), so a
row says what the insight would compute from the placement; `reports.summary` calls `fill`
for the placements a service changed (in its transaction) and for all of them in a rebuild.
"""

from django.db import connection

TABLE = "reports_insightplacement"
COLUMNS = ("placement_id", "lot_id", "authority_id", "provider_id", "provider_name",
           "start_date", "end_date", "end_reason", "weekly")


def fill(placement_ids=None):
    """Compute the rows of these placements again (None: every placement, table emptied
    by the caller), from the placements and their first fee periods."""
    from contracts.models import Placement
    from reports.insight import starting_weekly

    placements = Placement.objects.all()
    if placement_ids is not None:
        ids = sorted({int(pk) for pk in placement_ids})
        if not ids:
            return
        placements = placements.filter(pk__in=ids)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE placement_id IN "
                           f"({', '.join(map(str, ids))})")
    # A full fill in (lot, start) order: one lot's rows lie together on disk.
    rows = (placements.annotate(weekly=starting_weekly())
            .values_list("pk", "lot_id", "authority_id", "provider_id", "provider_name",
                         "start_date", "end_date", "end_reason", "weekly")
            .order_by(*(("lot_id", "start_date", "pk") if placement_ids is None else ())))
    text, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} ({', '.join(COLUMNS)}) {text}", params)


def count():
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")
        return cursor.fetchone()[0]
