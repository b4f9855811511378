#!/usr/bin/env python
"""Monitoring benchmark: the "providers needing attention" list at 2,000 providers with their
monitoring history (risk assessments, triggers, activities, action plans, KPI returns).

Like bench/placements.py it measures the database DATABASE_URL names, seeded beforehand
(`manage.py seed_placements` or `seed_scale`, then `manage.py seed_monitoring_scale`); with
--seed-if-empty it seeds an empty one itself (seed_scale --providers 2000, then
seed_monitoring_scale).

As the DPS administrator and as the lead council's commissioner: `GET
/api/v1/monitoring/attention/` (first page, second page, each `?reason=`) and the page
`/monitoring/` (first and second page). Per request: the SQL of one request (the same count on
every page and reason, else the script exits 1) and the median time of --repeats more. Target:
50 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale .venv/bin/python \\
        bench/monitoring.py [--repeats 15]

Output: a table, also written to bench/results/monitoring.md, with every request's SQL in
bench/results/monitoring.json. See bench/README.md.
"""

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50


def _placements():
    """bench/placements.py, for its request timing, table and environment helpers."""
    spec = importlib.util.spec_from_file_location("bench_placements", ROOT / "bench" /
                                                  "placements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


placements = _placements()
RESULTS_DIR = placements.RESULTS_DIR
API = "/api/v1/monitoring/attention/"
REASONS = ("red", "reassessment_overdue", "reassessment_due_now", "overdue_actions",
           "late_returns", "red_without_visit")
REQUESTS = [
    ("API first page", API, "api"),
    ("API page 2", f"{API}?page=2", "api"),
    *((f"API ?reason={reason}", f"{API}?reason={reason}", "api") for reason in REASONS),
    ("page /monitoring/", "/monitoring/", "page"),
    ("page /monitoring/?page=2", "/monitoring/?page=2", "page"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed-if-empty", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    command = [sys.executable, __file__, "--child", "--repeats", str(args.repeats)]
    if args.seed_if_empty:
        command.append("--seed-if-empty")
    print("bench: measuring the providers needing attention…", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=placements.child_env(),
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit("bench: the run failed.")
    run = json.loads(result.stdout.strip().splitlines()[-1])
    lines = [placements.request_line(row) for row in run["requests"]]
    table = placements.fmt_table(placements.REQUEST_HEADER, lines, {2, 3, 4, 5, 6, 7})
    grown, slow = placements.problems({"requests": run["requests"]})
    slow = [line.replace(f"> {placements.LIST_TARGET_MS} ms", f"> {TARGET_MS} ms")
            for line in slow]
    v = run["volume"]
    summary = (f"{v['providers']:,} providers, {v['assessments']:,} risk assessments, "
               f"{v['triggers']:,} triggers, {v['activities']:,} activities, "
               f"{v['items']:,} action items, {v['returns']:,} KPI returns, "
               f"{v['values']:,} KPI values; {v['attention']:,} providers need attention")
    print(f"\n{summary}\n\n{table}")
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "repeats": args.repeats,
            "load_average": " ".join(f"{n:.1f}" for n in os.getloadavg()),
            **run, "query_count_varies": grown, "targets_missed": slow}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "monitoring.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    (RESULTS_DIR / "monitoring.md").write_text(
        f"Monitoring benchmark, {meta['when']}, database {run['database']}, load average "
        f"{meta['load_average']} on {meta['cpus']} CPUs: {summary}. Median "
        f"of {args.repeats} requests.\n\n{table}\n")
    print(f"\nbench: written to {RESULTS_DIR.relative_to(ROOT)}/monitoring.md")
    if slow:
        print("bench: targets missed:\n  " + "\n  ".join(slow))
    if grown:
        print("bench: the query count changes with the page or reason for:\n  "
              + "\n  ".join(grown))
        sys.exit(1)
    print("bench: query counts are the same on every page and reason.")


def child(args):
    sys.path.insert(0, str(ROOT))
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from dps.models import Organisation, User
    from monitoring import selectors
    from monitoring.models import (
        ActionItem,
        KpiReturn,
        KpiValue,
        MonitoringActivity,
        ReassessmentTrigger,
        RiskAssessment,
    )
    from providers.management.commands.seed_scale import PREFIX

    if not RiskAssessment.objects.exists():
        if not args.seed_if_empty:
            raise SystemExit("bench: no risk assessments: run `manage.py "
                             "seed_monitoring_scale` first (or pass --seed-if-empty).")
        call_command("migrate", verbosity=0, interactive=False)
        if not User.objects.filter(username__startswith=PREFIX).exists():
            call_command("seed_scale", providers=2000, stdout=io.StringIO())
        call_command("seed_monitoring_scale", stdout=io.StringIO())
    placements.settle(connection)
    admin = User.objects.get(username=f"{PREFIX}admin")
    commissioner = User.objects.get(username=f"{PREFIX}a01-commissioner")
    results = []
    for user in (admin, commissioner):
        results += placements.requests(user, args.repeats, REQUESTS)
    print(json.dumps({
        "database": connection.vendor,
        "volume": {
            "providers": Organisation.objects.filter(kind="provider").count(),
            "assessments": RiskAssessment.objects.count(),
            "triggers": ReassessmentTrigger.objects.count(),
            "activities": MonitoringActivity.objects.count(),
            "items": ActionItem.objects.count(),
            "returns": KpiReturn.objects.count(),
            "values": KpiValue.objects.count(),
            "attention": selectors.providers_needing_attention().count(),
        },
        "requests": results,
    }, default=str))


if __name__ == "__main__":
    main()
