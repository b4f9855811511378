#!/usr/bin/env python
"""Spend benchmark: the 10-year spend report at a regional DPS's size (200,000 placements,
2,000,000 fee periods), for every grouping, against a hand-written SQL aggregate over the same
rows in the same run; and the XLSX export of 100,000 rows.

Like placements.py it measures the database DATABASE_URL names (PostgreSQL), seeded beforehand
with `manage.py seed_placements` (which runs seed_scale first); with --seed-if-empty it seeds an
empty database itself (--placements, default 200,000). It only reads: nothing is migrated or
written.

- Spend: `reports.spend.spend()` for the ten years ending today, ungrouped and grouped by lot,
  provider, authority, month, route and location: median seconds of --repeats runs (after one
  warm-up), against the median of a hand-written PostgreSQL query computing the same figures
  (generate_series over the months of each fee period, support item and block; ROUND per
  piece-month; SUM per group). The two must agree to the penny, row by row, or the script exits
  1. Target: the engine within 1.5 × the hand-written query.
- Export: the spend-by-placement lines of the same ten years, the first 100,000 written to XLSX
  by `reports.exports.write_xlsx` (XlsxWriter, constant memory): seconds, file size, peak Python
  memory (tracemalloc) and the growth of the process's peak RSS.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale .venv/bin/python \\
        bench/spend.py [--repeats 3] [--rows 100000]

Output: a table, also written to bench/results/spend.md (and spend.json). See bench/README.md.
"""

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.5
GROUPINGS = [None, "lot", "provider", "authority", "month", "route", "location"]


def _admission():
    spec = importlib.util.spec_from_file_location("bench_admission", ROOT / "bench" /
                                                  "admission.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


admission = _admission()
RESULTS_DIR = admission.RESULTS_DIR


def child_env():
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url.startswith("postgres"):
        sys.exit("bench: set DATABASE_URL to the seeded PostgreSQL database (e.g. "
                 "postgres://postgres@127.0.0.1:5432/bench_scale).")
    env = admission.child_env(url)
    env.update(CELERY_TASK_ALWAYS_EAGER="1", REDIS_URL="")
    return env


def fmt_table(header, lines, numeric):
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells):
        return "| " + " | ".join(
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(cells)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def report(run):
    lines = [(row["group_by"] or "(none)", str(row["rows"]), row["total"],
              f"{row['engine_s']:.2f}", f"{row['sql_s']:.2f}", f"{row['ratio']:.2f}",
              "yes" if row["same"] else "NO") for row in run["spend"]]
    spend = fmt_table(("group_by", "rows", "total £", "engine s", "hand SQL s", "ratio",
                       "same figures"), lines, {1, 2, 3, 4, 5}) if lines else \
        "(spend groupings not measured: --export-only)"
    x = run["xlsx"]
    export = fmt_table(("export", "rows", "query s", "write s", "in all s", "MB", "peak py MB",
                        "maxrss +MB", "load"),
                       [("spend lines → XLSX", f"{x['rows']:,}", f"{x['query_s']:.2f}",
                         f"{x['write_s']:.2f}", f"{x['query_s'] + x['write_s']:.2f}",
                         f"{x['mb']:.1f}", f"{x['tracemalloc_peak_mb']:.1f}",
                         f"{x['maxrss_growth_mb']:.1f}", x.get("load", ""))],
                       {1, 2, 3, 4, 5, 6, 7})
    return spend, export


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed-if-empty", action="store_true")
    parser.add_argument("--placements", type=int, default=200_000)
    parser.add_argument("--export-only", action="store_true",
                        help="only the XLSX export of spend lines (issue 19: ≤ 15 s in all)")
    parser.add_argument("--summary", action="store_true",
                        help="before/after the monthly summary (ADR 0023): the live engine and "
                             "the summary, interleaved, same figures (no hand SQL, no XLSX)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_summary(args) if args.summary else child(args)
        return
    command = [sys.executable, __file__, "--child", "--repeats", str(args.repeats),
               "--rows", str(args.rows), "--years", str(args.years),
               "--placements", str(args.placements)]
    if args.seed_if_empty:
        command.append("--seed-if-empty")
    if args.summary:
        command.append("--summary")
    if args.export_only:
        command.append("--export-only")
    print("bench: measuring the spend report and the XLSX export…", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=child_env(), capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit("bench: the run failed.")
    run = json.loads(result.stdout.strip().splitlines()[-1])
    if args.summary:
        return summary_report(args, run)
    spend, export = report(run)
    volume = run["volume"]
    summary = (f"{volume['placements']:,} placements, {volume['fee_periods']:,} fee periods, "
               f"{volume['support_items']:,} support items, {volume['blocks']:,} blocks; "
               f"range {run['from']} to {run['to']}")
    print(f"\n{summary}\n\n{spend}\n\n{export}")
    slow = [row["group_by"] or "(none)" for row in run["spend"]
            if row["ratio"] > TARGET_RATIO]
    wrong = [row["group_by"] or "(none)" for row in run["spend"] if not row["same"]]
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "repeats": args.repeats,
            **run, "over_target": slow, "different_figures": wrong}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "spend.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    (RESULTS_DIR / "spend.md").write_text(
        f"Spend benchmark, {meta['when']}, {summary}. Median of {args.repeats} runs.\n\n"
        f"{spend}\n\n{export}\n")
    print(f"\nbench: written to {RESULTS_DIR.relative_to(ROOT)}/spend.md")
    if slow:
        print(f"bench: over {TARGET_RATIO} × the hand-written SQL: " + ", ".join(slow))
    if wrong:
        print("bench: the engine and the hand-written SQL disagree for: " + ", ".join(wrong))
        sys.exit(1)
    if run["spend"]:
        print("bench: the engine and the hand-written SQL agree to the penny for every "
              "grouping.")


# --- Child: measure in a process with production settings --------------------------------------

# The hand-written aggregate: what a DBA would write for one report, PostgreSQL only.
HAND_SQL = """
WITH pieces AS (
    SELECT p.authority_id, p.provider_id, p.provider_name, p.lot_id, p.route,
           CASE WHEN po.id IS NOT NULL AND po.area <> ''
                 AND lower(trim(po.area)) = lower(trim(a.area))
                THEN 'in_area' ELSE 'out_of_area' END AS location,
           GREATEST(fp.effective_from, p.start_date, %(from)s) AS s,
           LEAST(COALESCE(fp.effective_to, %(to)s), COALESCE(p.end_date, %(to)s), %(to)s) AS e,
           CASE fp.unit WHEN 'hour' THEN fp.price * COALESCE(p.hours_per_week, 0)
                ELSE fp.price END AS price,
           CASE fp.unit WHEN 'year' THEN 365 ELSE 7 END AS per
    FROM contracts_feeperiod fp
    JOIN contracts_placement p ON p.id = fp.placement_id
    JOIN dps_organisation a ON a.id = p.authority_id
    LEFT JOIN dps_organisation po ON po.id = p.provider_id
    WHERE p.route <> 'block' AND p.start_date <= %(to)s
      AND (p.end_date IS NULL OR p.end_date >= %(from)s)
      AND fp.effective_from <= %(to)s
      AND (fp.effective_to IS NULL OR fp.effective_to >= %(from)s)
  UNION ALL
    SELECT p.authority_id, p.provider_id, p.provider_name, p.lot_id, p.route,
           CASE WHEN po.id IS NOT NULL AND po.area <> ''
                 AND lower(trim(po.area)) = lower(trim(a.area))
                THEN 'in_area' ELSE 'out_of_area' END,
           GREATEST(si.start_date, p.start_date, %(from)s),
           LEAST(si.end_date, COALESCE(p.end_date, %(to)s), %(to)s),
           si.weekly_cost, 7
    FROM contracts_supportitem si
    JOIN contracts_placement p ON p.id = si.placement_id
    JOIN dps_organisation a ON a.id = p.authority_id
    LEFT JOIN dps_organisation po ON po.id = p.provider_id
    WHERE p.start_date <= %(to)s AND (p.end_date IS NULL OR p.end_date >= %(from)s)
      AND si.start_date <= %(to)s AND si.end_date >= %(from)s
  UNION ALL
    SELECT b.authority_id, b.provider_id, po.name, b.lot_id, 'block',
           CASE WHEN po.area <> '' AND lower(trim(po.area)) = lower(trim(a.area))
                THEN 'in_area' ELSE 'out_of_area' END,
           GREATEST(b.start_date, %(from)s), LEAST(b.end_date, %(to)s),
           b.beds * CASE b.unit WHEN 'hour' THEN b.price_per_bed * COALESCE(b.hours_per_week, 0)
                             ELSE b.price_per_bed END,
           CASE b.unit WHEN 'year' THEN 365 ELSE 7 END
    FROM contracts_blockcontract b
    JOIN dps_organisation a ON a.id = b.authority_id
    JOIN dps_organisation po ON po.id = b.provider_id
    WHERE b.start_date <= %(to)s AND b.end_date >= %(from)s
)
SELECT {key} ROUND(x.price * (LEAST(x.e, (m + interval '1 month - 1 day')::date)
                               - GREATEST(x.s, m::date) + 1) / x.per, 2) AS amount
FROM pieces x
CROSS JOIN LATERAL generate_series(date_trunc('month', x.s), x.e, interval '1 month') AS m
WHERE x.s <= x.e
"""
HAND_KEYS = {
    None: [], "lot": ["x.lot_id"], "authority": ["x.authority_id"], "route": ["x.route"],
    "location": ["x.location"], "month": ["date_trunc('month', m)::date"],
    "provider": ["x.provider_id", "CASE WHEN x.provider_id IS NULL THEN x.provider_name END"],
}


def hand_sql(group_by):
    parts = HAND_KEYS[group_by]
    inner = HAND_SQL.format(key="".join(f"{part} AS k{i}, " for i, part in enumerate(parts)))
    if not parts:
        return f"SELECT SUM(amount) FROM ({inner}) t"
    keys = ", ".join(f"k{i}" for i in range(len(parts)))
    return f"SELECT {keys}, SUM(amount) FROM ({inner}) t GROUP BY {keys}"


def child(args):
    sys.path.insert(0, str(ROOT))
    import datetime as dt
    import io
    import itertools
    import resource
    import tempfile
    import tracemalloc
    from decimal import Decimal

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from contracts.models import BlockContract, FeePeriod, Placement, SupportItem
    from reports.exports import Table, spend_lines, write_xlsx
    from reports.spend import spend

    if not Placement.objects.exists():
        if not args.seed_if_empty:
            raise SystemExit("bench: no placements: run `manage.py seed_placements` first (or "
                             "pass --seed-if-empty).")
        call_command("migrate", verbosity=0, interactive=False)
        call_command("seed_placements", placements=args.placements, stdout=io.StringIO())

    date_to = timezone.localdate()
    date_from = date_to.replace(year=date_to.year - args.years) + dt.timedelta(days=1)
    params = {"from": date_from, "to": date_to}

    def timed(fn):
        fn()  # warm-up: caches, plans
        timings, result = [], None
        for _ in range(args.repeats):
            started = time.perf_counter()
            result = fn()
            timings.append(time.perf_counter() - started)
        return statistics.median(timings), result

    def run_hand(group_by):
        with connection.cursor() as cursor:
            cursor.execute(hand_sql(group_by), params)
            return cursor.fetchall()

    results = []
    for group_by in [] if args.export_only else GROUPINGS:
        engine_s, report = timed(lambda g=group_by: spend(date_from=date_from, date_to=date_to,
                                                         group_by=g))
        sql_s, rows = timed(lambda g=group_by: run_hand(g))
        hand = sorted(Decimal(row[-1] or 0).quantize(Decimal("0.01")) for row in rows)
        mine = sorted(row.amount for row in report.rows)
        results.append({"group_by": group_by, "rows": len(report.rows),
                        "total": f"{report.total:,.2f}", "engine_s": engine_s, "sql_s": sql_s,
                        "ratio": engine_s / sql_s if sql_s else 0.0,
                        "same": hand == mine and sum(hand) == report.total})

    # XLSX of 100,000 rows: the spend lines (one per placement and block) of the same range.
    started = time.perf_counter()
    table = spend_lines(date_from=date_from, date_to=date_to)
    query_s = time.perf_counter() - started
    rows = list(itertools.islice(table.rows, args.rows))
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        started = time.perf_counter()
        written = write_xlsx(Table(table.title, table.columns, iter(rows),
                                   totals=table.totals), handle.name)
        write_s = time.perf_counter() - started
        size = os.path.getsize(handle.name)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:  # again, for peak memory
        tracemalloc.start()
        write_xlsx(Table(table.title, table.columns, iter(rows), totals=table.totals),
                   handle.name)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "database": connection.vendor, "from": date_from, "to": date_to,
        "volume": {"placements": Placement.objects.count(),
                   "fee_periods": FeePeriod.objects.count(),
                   "support_items": SupportItem.objects.count(),
                   "blocks": BlockContract.objects.count()},
        "spend": results,
        "xlsx": {"rows": written, "lines_available": table.count, "query_s": query_s,
                 "write_s": write_s, "mb": size / 2**20,
                 "tracemalloc_peak_mb": peak / 2**20,
                 "maxrss_growth_mb": (rss_after - baseline) / 1024,
                 "load": " / ".join(f"{v:.1f}" for v in os.getloadavg())},
    }, default=str))


def summary_report(args, run):
    lines = [(row["group_by"] or "(none)", str(row["rows"]), row["total"],
              f"{row['live_ms']:.0f}", f"{row['summary_ms']:.0f}",
              f"{row['live_ms'] / row['summary_ms']:.1f}", str(row["queries"]),
              "yes" if row["same"] else "NO") for row in run["spend"]]
    table = fmt_table(("group_by", "rows", "total £", "live ms", "summary ms", "× faster",
                       "queries", "same pennies"), lines, {1, 2, 3, 4, 5, 6})
    volume = run["volume"]
    head = (f"{volume['placements']:,} placements, {volume['fee_periods']:,} fee periods, "
            f"{volume['support_items']:,} support items, {volume['blocks']:,} blocks, "
            f"{volume['pieces']:,} piece-months held; range {run['from']} to {run['to']}; "
            f"load average {run['load']}")
    print(f"\n{head}\n\n{table}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "spend_summary.md").write_text(
        f"Spend before/after the monthly summary, {time.strftime('%Y-%m-%d %H:%M:%S %z')}, "
        f"{head}. Median of {args.repeats} interleaved runs each.\n\n{table}\n")
    (RESULTS_DIR / "spend_summary.json").write_text(json.dumps(run, indent=2) + "\n")
    if not all(row["same"] for row in run["spend"]):
        sys.exit("bench: the summary and the live engine disagree.")
    print("\nbench: the summary gives the live engine's pennies for every grouping.")


def child_summary(args):
    """The same report live and from the summary, alternately, --repeats times each."""
    sys.path.insert(0, str(ROOT))
    import datetime as dt

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from contracts.models import BlockContract, FeePeriod, Placement, SupportItem
    from reports import summary
    from reports.models import SpendPiece
    from reports.spend import spend

    if not summary.built():
        raise SystemExit("bench: the summary is not built: run `manage.py "
                         "rebuild_spend_summary` first.")
    date_to = timezone.localdate()
    date_from = date_to.replace(year=date_to.year - args.years) + dt.timedelta(days=1)
    results = []
    for group_by in GROUPINGS:
        def live(g=group_by):
            with summary.live_only():
                return spend(date_from=date_from, date_to=date_to, group_by=g)

        def held(g=group_by):
            return spend(date_from=date_from, date_to=date_to, group_by=g)

        before, after = live(), held()  # warm-up, and the figures compared
        with CaptureQueriesContext(connection) as queries:
            held()
        timings = {live: [], held: []}
        for _ in range(args.repeats):
            for fn in (live, held):
                started = time.perf_counter()
                fn()
                timings[fn].append(time.perf_counter() - started)
        same = ([(r.key, r.amount, r.voids, r.void_bed_days) for r in before.rows]
                == [(r.key, r.amount, r.voids, r.void_bed_days) for r in after.rows]
                and before.total == after.total and before.voids == after.voids)
        results.append({"group_by": group_by, "rows": len(after.rows),
                        "total": f"{after.total:,.2f}", "queries": len(queries),
                        "live_ms": statistics.median(timings[live]) * 1000,
                        "summary_ms": statistics.median(timings[held]) * 1000, "same": same})
    print(json.dumps({
        "from": date_from, "to": date_to,
        "load": " ".join(f"{n:.1f}" for n in os.getloadavg()),
        "volume": {"placements": Placement.objects.count(),
                   "fee_periods": FeePeriod.objects.count(),
                   "support_items": SupportItem.objects.count(),
                   "blocks": BlockContract.objects.count(), "pieces": SpendPiece.objects.count()},
        "spend": results}, default=str))


if __name__ == "__main__":
    main()
