#!/usr/bin/env python
"""Demand ahead benchmark (issue 18, ADR 0022): the demand page `/insight/demand/?lot=` and
`GET /api/v1/reports/demand/?lot=` at regional scale (200,000 placements), target 300 ms.

Like insight.py it measures the database DATABASE_URL names (PostgreSQL), seeded beforehand
with `manage.py seed_placements`; it only reads. For the lot with the most placements and the
smallest, as the DPS administrator (all authorities) and as the biggest council's commissioner:

- requests through Django's test client (production settings, HTTPS): SQL of one request
  after a warm-up, then the median of --repeats. The forecast is cached under its history's
  digest (ADR 0022), so these are the figures people get once one request has fitted it;
- the same calls of `reports.demand.demand` with the cache cleared before each ("cold": the
  history query plus the statsmodels fit), to show what the first request after a change costs.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale .venv/bin/python \\
        bench/demand.py [--repeats 9]

Output: a table, also in bench/results/demand.md (and demand.json, with every request's SQL).
"""

import argparse
import importlib.util
import json
import os
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


insight = _load("insight")
placements = insight.placements
RESULTS_DIR = insight.RESULTS_DIR


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print("bench: measuring demand ahead…", flush=True)
    result = subprocess.run([sys.executable, __file__, "--child", "--repeats",
                             str(args.repeats)], cwd=ROOT, env=insight.child_env(),
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit("bench: the run failed.")
    run = json.loads(result.stdout.strip().splitlines()[-1])
    requests = placements.fmt_table(placements.REQUEST_HEADER,
                                    [placements.request_line(r) for r in run["requests"]],
                                    {2, 3, 4, 5, 6, 7})
    cold = placements.fmt_table(
        ("demand() with the cache cleared", "scope", "months", "method", "median ms",
         "min ms"),
        [(r["lot"], r["scope"], str(r["months"]), r["method"], f"{r['median_ms']:.0f}",
          f"{r['min_ms']:.0f}") for r in run["cold"]], {2, 4, 5})
    summary = (f"{run['placements']:,} placements; one council: {run['authority']}; load "
               f"average {' '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} "
               f"CPUs; median of {args.repeats}")
    print(f"\n{summary}\n\n{requests}\n\n{cold}")
    slow = [f"{r['label']} ({r['user']}): {r['median_ms']:.0f} ms" for r in run["requests"]
            if r["median_ms"] > TARGET_MS]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "demand.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    (RESULTS_DIR / "demand.md").write_text(
        f"Demand benchmark, {time.strftime('%Y-%m-%d %H:%M:%S %z')}: {summary}.\n\n"
        f"{requests}\n\n{cold}\n")
    print(f"\nbench: written to {RESULTS_DIR.relative_to(ROOT)}/demand.md")
    if slow:
        print(f"bench: over {TARGET_MS} ms:\n  " + "\n  ".join(slow))


def child(args):
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from contracts.models import Placement
    from dps.models import Organisation, User
    from providers.management.commands.seed_scale import PREFIX
    from providers.models import Lot
    from reports import demand

    placements.settle(connection)
    counts = dict(Placement.objects.values_list("lot").annotate(n=Count("pk")).order_by())
    lots = sorted(Lot.objects.filter(pk__in=counts), key=lambda lot: -counts[lot.pk])
    chosen = [lots[0], lots[-1]]
    biggest = (Placement.objects.values("authority").annotate(n=Count("pk")).order_by("-n")
               .first())
    authority = Organisation.objects.get(pk=biggest["authority"])
    commissioner = User.objects.filter(organisation=authority, username__startswith=PREFIX,
                                       username__endswith="-commissioner").first()
    admin = User.objects.get(username=f"{PREFIX}admin")
    paths = []
    for lot in chosen:
        paths += [(f"page /insight/demand/?lot={lot.code}", f"/insight/demand/?lot={lot.code}",
                   "page"),
                  (f"API /reports/demand/?lot={lot.code}",
                   f"/api/v1/reports/demand/?lot={lot.code}", "api")]
    requests = []
    for user in (admin, commissioner):
        requests += placements.requests(user, args.repeats, paths)
    today = timezone.localdate()
    cold = []
    for lot in chosen:
        for scope, who in (("all authorities", None), ("one council", authority)):
            timings, result = [], None
            for _ in range(max(3, args.repeats // 3)):
                cache.clear()
                started = time.perf_counter()
                result = demand.demand(lot=lot, authority=who, today=today)
                timings.append(time.perf_counter() - started)
            cold.append({"lot": lot.code, "scope": scope, "months": len(result.history),
                         "method": result.method,
                         "median_ms": statistics.median(timings) * 1000,
                         "min_ms": min(timings) * 1000})
    print(json.dumps({"placements": Placement.objects.count(), "authority": authority.name,
                      "requests": requests, "cold": cold}, default=str))


if __name__ == "__main__":
    main()
