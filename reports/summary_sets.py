"""Several groupings of the same windows from the monthly summary at once (ADR 0029): what the
market insight asks (spend by provider, and by route, location and authority).

Each grouping's whole months are read as `summary.aggregate` reads them (each from its own
table), but on PostgreSQL the edge months' piece-months are read, cut and rounded once and
summed for every grouping by GROUPING SETS (one hash aggregate with a key per grouping),
instead of being read, rounded and sorted again for each grouping. Every figure is the same
sum of the same rounded piece-months, so each grouping's answer is `summary.aggregate`'s to
the penny (tests/reports/test_summary_sets.py). Elsewhere (SQLite) one grouping at a time.
"""

from django.db import connection

from reports import spend as engine
from reports import spend_sql, summary


def aggregate_sets(current, *, windows, dim_sets, filters, voids, windowed):
    """[`summary.aggregate(current, dims=dims, …)` for dims in dim_sets], edges read once."""
    # Voids come per block-month, and SQLite has no GROUPING SETS: one grouping at a time.
    # The sets' key columns must differ, for GROUPING to tell their rows apart.
    columns = [c for dims in dim_sets for c in summary._columns(dims, True)]
    if (voids or len(dim_sets) < 2 or not all(dim_sets) or connection.vendor != "postgresql"
            or len(set(columns)) < len(columns)):
        return [summary.aggregate(current, windows=windows, dims=dims, filters=filters,
                                  voids=voids, windowed=windowed) for dims in dim_sets]
    segments, edges = summary.split(windows, current.horizon)
    outs = [{} for _dims in dim_sets]
    held = [edge for edge in edges if summary._idx(edge[1]) <= current.horizon]
    later = [edge for edge in edges if summary._idx(edge[1]) > current.horizon]
    for out, dims in zip(outs, dim_sets, strict=True):
        if segments:
            summary._whole(out, segments, dims, filters, False, current.spans_built)
        if later:
            summary._add(out, engine._live(
                min(s for _w, s, _e in later), max(e for _w, _s, e in later), dims, filters,
                [(s, e) for _w, s, e in later], False), [w for w, _s, _e in later])
    if held:
        _held_edges(outs, held, dim_sets, filters)
    if windowed:
        return outs
    return [{key[1:]: values for key, values in out.items()} for out in outs]


def _held_edges(outs, edges, dim_sets, filters):
    """The edges' piece-months cut and rounded once per edge and summed per grouping with
    GROUPING SETS: one statement per edge, its month and days as literals, as
    `summary._held_edges` (UNION ALL), each edge's rows hashed once for every grouping.
    `GROUPING(first column of each set)` tells the sets apart (its bit is 0 for the set the
    row is grouped by), not the nulls, which a key may hold (an unlisted provider's id)."""
    sets = [summary._columns(dims, True) for dims in dim_sets]
    cols = [c for columns in sets for c in columns]
    offsets = [sum(len(columns) for columns in sets[:k]) for k in range(len(sets))]
    grouping = ", ".join(
        "(" + ", ".join(str(3 + offsets[k] + j) for j in range(len(columns))) + ")"
        for k, columns in enumerate(sets))  # by position: edge 1, which set 2, then keys
    which = f"GROUPING({', '.join(columns[0] for columns in sets)})"
    params, parts = [], []
    for i, (_win, a, b) in enumerate(edges):
        parts.append(summary.edge_sum_sql(f"{i}, {which}, {', '.join(cols)}, ",
                                          f"GROUP BY GROUPING SETS ({grouping})", a, b,
                                          filters, params))
    lives = [{} for _dims in dim_sets]
    top = len(sets) - 1
    for row in spend_sql._run(" UNION ALL ".join(parts), params):
        edge, bits = row[0], row[1]
        k = next(k for k in range(len(sets)) if not bits & (1 << (top - k)))
        key = (edge, *row[2 + offsets[k]:2 + offsets[k] + len(sets[k])])
        entry = lives[k].setdefault(key, [0, 0, 0])
        entry[0] += int(row[-1])
    owners = [w for w, _a, _b in edges]
    for out, live in zip(outs, lives, strict=True):
        summary._add(out, live, owners)
