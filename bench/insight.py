#!/usr/bin/env python
"""Market insight benchmark: `reports.insight.market_insight` per lot at a regional DPS's size
(200,000 placements, 2,000,000 fee periods), and the page and API for one lot.

Like placements.py and spend.py it measures the database DATABASE_URL names (PostgreSQL),
seeded beforehand with `manage.py seed_placements` (which runs seed_scale first); with
--seed-if-empty it seeds an empty database itself (--placements, default 200,000). It only
reads: nothing is migrated or written once seeded.

- Figures: `market_insight(lot=…, to=today, years=--years)` for every lot with placements, for
  all authorities (the DPS administrator's view, with the per-authority breakdown) and for the
  council with the most placements: the SQL of one call (its count must be the same for every
  lot, else the script exits 1) and the median seconds of --repeats more, after a warm-up.
  Target: median 300 ms per lot. Each call's figures are reduced to a digest (sha256 of every
  figure, `--dump` writes them in full) so two runs, before and after a change, can be compared
  figure by figure.
- Requests: the page `/insight/?lot=<code>` and `GET /api/v1/reports/market/?lot=<code>` for
  the lot with the most placements, as the DPS administrator and as that council's commissioner,
  through Django's test client (production settings, HTTPS): queries and median ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale .venv/bin/python \\
        bench/insight.py [--repeats 7] [--years 3] [--to YYYY-MM-DD] [--seed-if-empty]
        [--dump figures.json] [--baseline path/to/old/insight.py]

Output: a table, also written to bench/results/insight.md (and insight.json, with every call's
SQL and timings). See bench/README.md.
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
TARGET_MS = 300


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


admission = _load("admission")
placements = _load("placements")
RESULTS_DIR = admission.RESULTS_DIR
fmt_table = placements.fmt_table


def child_env():
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url.startswith("postgres"):
        sys.exit("bench: set DATABASE_URL to the seeded PostgreSQL database (e.g. "
                 "postgres://postgres@127.0.0.1:5432/bench_scale).")
    env = admission.child_env(url)
    env.update(CELERY_TASK_ALWAYS_EAGER="0", REDIS_URL="",
               EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    return env


def report(run):
    lines = [(row["lot"], row["scope"], str(row["placements"]), str(row["queries"]),
              f"{row['median_ms']:.0f}", f"{row['min_ms']:.0f}", f"{row['max_ms']:.0f}",
              f"{row['slowest_sql_ms']:.0f}", row["digest"][:12]) for row in run["figures"]]
    figures = fmt_table(("lot", "scope", "placements", "queries", "median ms", "min ms",
                         "max ms", "slowest SQL ms", "figures digest"), lines,
                        {2, 3, 4, 5, 6, 7})
    requests = fmt_table(placements.REQUEST_HEADER,
                         [placements.request_line(row) for row in run["requests"]],
                         {2, 3, 4, 5, 6, 7})
    return figures, requests


def problems(run):
    grown, slow = [], []
    for scope in {row["scope"] for row in run["figures"]}:
        rows = [row for row in run["figures"] if row["scope"] == scope]
        if len({row["queries"] for row in rows}) > 1:
            grown.append(f"{scope}: " + ", ".join(f"{r['lot']} = {r['queries']}" for r in rows))
    for row in run["figures"]:
        if row["median_ms"] > TARGET_MS:
            slow.append(f"{row['lot']} ({row['scope']}): {row['median_ms']:.0f} ms > "
                        f"{TARGET_MS} ms")
    return grown, slow


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--to", help="the last day of the newest year (default today)")
    parser.add_argument("--seed-if-empty", action="store_true")
    parser.add_argument("--placements", type=int, default=200_000)
    parser.add_argument("--dump", help="write every call's figures to this JSON file")
    parser.add_argument("--baseline", help="measure another version of reports/insight.py "
                        "(a file path; e.g. the one before a change) in place of the tree's")
    parser.add_argument("--summary", action="store_true",
                        help="also time every call live (the monthly summary ignored, ADR "
                             "0023), interleaved with the summary's, and compare the figures")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    command = [sys.executable, __file__, "--child", "--repeats", str(args.repeats),
               "--years", str(args.years), "--placements", str(args.placements)]
    if args.to:
        command += ["--to", args.to]
    if args.dump:
        command += ["--dump", str(Path(args.dump).resolve())]
    if args.baseline:
        command += ["--baseline", str(Path(args.baseline).resolve())]
    if args.seed_if_empty:
        command.append("--seed-if-empty")
    if args.summary:
        command.append("--summary")
    print("bench: measuring the market insight…", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=child_env(), capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit("bench: the run failed.")
    run = json.loads(result.stdout.strip().splitlines()[-1])
    figures, requests = report(run)
    grown, slow = problems(run)
    volume = run["volume"]
    summary = (f"{'BASELINE ' + args.baseline + ': ' if args.baseline else ''}"
               f"{volume['placements']:,} placements, {volume['fee_periods']:,} fee periods, "
               f"{volume['support_items']:,} support items, {volume['blocks']:,} blocks; "
               f"{args.years} years to {run['to']}; one council: {run['authority']}")
    print(f"\n{summary}\n\n{figures}\n\n{requests}")
    if args.summary:
        figures = before_after(run) + "\n\n" + figures
        print(f"\nLive (before) and from the monthly summary (after), interleaved:\n\n"
              f"{before_after(run)}")
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "repeats": args.repeats,
            "load_average": " ".join(f"{n:.1f}" for n in os.getloadavg()),
            **run, "query_count_varies": grown, "targets_missed": slow}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "insight.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    (RESULTS_DIR / "insight.md").write_text(
        f"Market insight benchmark, {meta['when']}, load average {meta['load_average']} on "
        f"{meta['cpus']} CPUs: {summary}. Median of {args.repeats} runs.\n\n"
        f"{figures}\n\n{requests}\n")
    print(f"\nbench: written to {RESULTS_DIR.relative_to(ROOT)}/insight.md")
    if slow:
        print(f"bench: over {TARGET_MS} ms:\n  " + "\n  ".join(slow))
    if grown:
        print("bench: the query count changes with the lot for:\n  " + "\n  ".join(grown))
        sys.exit(1)
    print("bench: the query count is the same for every lot.")


def before_after(run):
    lines = [(row["lot"], row["scope"], f"{row['live_ms']:.0f}", f"{row['median_ms']:.0f}",
              f"{row['live_ms'] / row['median_ms']:.1f}", str(row["live_queries"]),
              str(row["queries"]), "yes" if row["same_as_live"] else "NO")
             for row in run["figures"]]
    return fmt_table(("lot", "scope", "live ms", "summary ms", "× faster", "live queries",
                      "queries", "same figures"), lines, {2, 3, 4, 5, 6})


# --- Child: measure in a process with production settings --------------------------------------

def figures_of(result):
    """Every figure of a MarketInsight as plain JSON (the lot and authority by id)."""
    from dataclasses import asdict

    return {"lot": result.lot.pk, "authority": getattr(result.authority, "pk", None),
            "from": result.date_from, "to": result.date_to, "forum": result.forum,
            "show_authorities": result.show_authorities,
            "years": [asdict(year) for year in result.years]}


def child(args):
    sys.path.insert(0, str(ROOT))
    import datetime as dt
    import hashlib
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from contracts.models import BlockContract, FeePeriod, Placement, SupportItem
    from dps.models import Organisation, User
    from providers.management.commands.seed_scale import PREFIX
    from providers.models import Lot
    from reports import insight, summary

    if args.baseline:  # the page and the API call insight.market_insight: replaced here too
        spec = importlib.util.spec_from_file_location("insight_baseline", args.baseline)
        baseline = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(baseline)
        insight.market_insight = baseline.market_insight

    if not Placement.objects.exists():
        if not args.seed_if_empty:
            raise SystemExit("bench: no placements: run `manage.py seed_placements` first (or "
                             "pass --seed-if-empty).")
        call_command("migrate", verbosity=0, interactive=False)
        call_command("seed_placements", placements=args.placements, stdout=io.StringIO())
    placements.settle(connection)

    to = dt.date.fromisoformat(args.to) if args.to else timezone.localdate()
    counts = dict(Placement.objects.values_list("lot").annotate(n=Count("pk")).order_by())
    lots = sorted(Lot.objects.filter(pk__in=counts), key=lambda lot: -counts[lot.pk])
    biggest = (Placement.objects.values("authority").annotate(n=Count("pk")).order_by("-n")
               .first())
    authority = Organisation.objects.get(pk=biggest["authority"])
    dumped, results = [], []
    for lot in lots:
        for scope, who in (("all authorities", None), ("one council", authority)):
            def call(lot=lot, who=who):
                return insight.market_insight(lot=lot, to=to, years=args.years,
                                              authority=who)

            call()  # warm-up: plans, caches
            with CaptureQueriesContext(connection) as queries:
                result = call()
            captured = list(queries.captured_queries)
            timings, live_timings, live_text, live_queries = [], [], None, 0

            def live(call=call):
                with summary.live_only():
                    return call()

            if args.summary:
                live_result = live()
                live_text = json.dumps(figures_of(live_result), default=str, sort_keys=True)
                with CaptureQueriesContext(connection) as lq:
                    live()
                live_queries = len(lq)
            for _ in range(args.repeats):
                if args.summary:  # interleaved: before, then after
                    started = time.perf_counter()
                    live()
                    live_timings.append(time.perf_counter() - started)
                started = time.perf_counter()
                call()
                timings.append(time.perf_counter() - started)
            figures = figures_of(result)
            text = json.dumps(figures, default=str, sort_keys=True)
            dumped.append({"lot": lot.code, "scope": scope, "figures": figures})
            results.append({
                "lot": lot.code, "scope": scope, "placements": counts[lot.pk],
                "queries": len(captured), "median_ms": statistics.median(timings) * 1000,
                "min_ms": min(timings) * 1000, "max_ms": max(timings) * 1000,
                "slowest_sql_ms": max((float(q["time"]) * 1000 for q in captured),
                                      default=0.0),
                "digest": hashlib.sha256(text.encode()).hexdigest(),
                "live_ms": statistics.median(live_timings) * 1000 if live_timings else 0.0,
                "live_queries": live_queries, "same_as_live": live_text == text,
                "sql": [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in captured],
            })
    if args.dump:
        Path(args.dump).write_text(json.dumps(dumped, indent=1, default=str, sort_keys=True))

    # The page and the API for the biggest lot, as the administrator and the commissioner.
    code = lots[0].code
    commissioner = User.objects.filter(organisation=authority, username__startswith=PREFIX,
                                       username__endswith="-commissioner").first()
    admin = User.objects.get(username=f"{PREFIX}admin")
    paths = [(f"page /insight/?lot={code}", f"/insight/?lot={code}", "page"),
             (f"API /reports/market/?lot={code}", f"/api/v1/reports/market/?lot={code}",
              "api")]
    requests = []
    for user in (admin, commissioner):
        requests += placements.requests(user, args.repeats, paths)
    print(json.dumps({
        "database": connection.vendor, "to": to, "authority": authority.name,
        "volume": {"placements": Placement.objects.count(),
                   "fee_periods": FeePeriod.objects.count(),
                   "support_items": SupportItem.objects.count(),
                   "blocks": BlockContract.objects.count()},
        "figures": results, "requests": requests,
    }, default=str))


if __name__ == "__main__":
    main()
