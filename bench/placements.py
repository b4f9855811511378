#!/usr/bin/env python
"""Placement benchmark: the placement list (API and page) and the agreement PDF at a regional
DPS's size (200,000 placements, 2,000,000 fee periods).

Unlike admission.py and calloffs.py it does not build its own database: it measures the one
DATABASE_URL names, seeded beforehand with `manage.py seed_placements` (which runs seed_scale
first), because seeding the full size takes a minute or two. With --seed-if-empty it seeds an
empty database itself (--placements, default 200,000).

- The list, as the commissioner of the council with the most placements and as the DPS
  administrator (every council's): `GET /api/v1/placements/` (first page, a deep page, filtered
  by lot, status, route and review due) and the page `/placements/` (the same). Per request: the
  SQL of one request (its count must be the same for every variant: a count that changes with
  the page or the filter is an N+1, and the script exits 1) and the median time of --repeats
  more. Target: 50 ms.
- The agreement: `contracts.agreement.render_agreement` for a typical live placement and for
  the live placement with the longest fee history: median seconds over --renders renders, peak
  Python memory (tracemalloc, one extra render) and the growth of the process's peak RSS.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale .venv/bin/python \\
        bench/placements.py [--repeats 15] [--renders 10]

Output: a table, also written to bench/results/placements.md, with every request's SQL in
bench/results/placements.json. See bench/README.md.
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
LIST_TARGET_MS = 50


def _admission():
    spec = importlib.util.spec_from_file_location("bench_admission", ROOT / "bench" /
                                                  "admission.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


admission = _admission()
RESULTS_DIR = admission.RESULTS_DIR

# (label, path, group): every variant of a group must make the same number of queries.
REQUESTS = [
    ("API first page", "/api/v1/placements/", "api"),
    ("API page 100", "/api/v1/placements/?page=100", "api"),
    ("API ?lot=residential", "/api/v1/placements/?lot=residential", "api"),
    ("API ?status=active", "/api/v1/placements/?status=active", "api"),
    ("API ?route=spot", "/api/v1/placements/?route=spot", "api"),
    ("API ?review_due=true", "/api/v1/placements/?review_due=true", "api"),
    ("API ?lot=fostering&status=active&review_due=true",
     "/api/v1/placements/?lot=fostering&status=active&review_due=true", "api"),
    ("page /placements/", "/placements/", "page"),
    ("page /placements/?page=200", "/placements/?page=200", "page"),
    ("page ?status=active&route=dps", "/placements/?status=active&route=dps", "page"),
    ("page ?review_due=true", "/placements/?review_due=true", "page"),
]


def child_env():
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        sys.exit("bench: set DATABASE_URL to the seeded database (e.g. "
                 "postgres://postgres@127.0.0.1:5432/bench_scale).")
    env = admission.child_env(url)
    env.update(CELERY_TASK_ALWAYS_EAGER="0", REDIS_URL="",
               EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    return env


def fmt_table(header, lines, numeric):
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def fmt(cells):
        return "| " + " | ".join(
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(cells)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


REQUEST_HEADER = ("request", "user", "status", "queries", "median ms", "min ms",
                  "slowest SQL ms", "rows")


def request_line(row):
    return (row["label"], row["user"], str(row["status"]), str(row["queries"]),
            f"{row['median_ms']:.1f}", f"{row['min_ms']:.1f}", f"{row['slowest_sql_ms']:.1f}",
            "" if row["rows"] is None else str(row["rows"]))


def report(run):
    lines = []
    for row in run["requests"]:
        lines.append(request_line(row))
    requests = fmt_table(REQUEST_HEADER, lines, {2, 3, 4, 5, 6, 7})
    lines = []
    for row in run["renders"]:
        lines.append((row["label"], str(row["placement"]), str(row["fee_periods"]),
                      str(row["support_items"]), str(row["pages"]), f"{row['kb']:.0f}",
                      f"{row['median_s']:.3f}", f"{row['max_s']:.3f}",
                      f"{row['cpu_median_s']:.3f}", f"{row['tracemalloc_peak_mb']:.1f}",
                      f"{row['maxrss_growth_mb']:.1f}"))
    renders = fmt_table(("agreement", "placement", "fee periods", "support items", "pages",
                         "KB", "median s", "max s", "CPU median s", "peak py MB",
                         "maxrss +MB"), lines, set(range(1, 11)))
    return requests, renders


def problems(run):
    grown, slow = [], []
    for group in ("api", "page"):
        for user in {row["user"] for row in run["requests"]}:
            rows = [r for r in run["requests"] if r["group"] == group and r["user"] == user]
            counts = {r["queries"] for r in rows}
            if len(counts) > 1:
                grown.append(f"{group} as {user}: " + ", ".join(
                    f"{r['label']} = {r['queries']}" for r in rows))
    for row in run["requests"]:
        if row["median_ms"] > LIST_TARGET_MS:
            slow.append(f"{row['label']} as {row['user']}: {row['median_ms']:.1f} ms > "
                        f"{LIST_TARGET_MS} ms")
    return grown, slow


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--renders", type=int, default=10)
    parser.add_argument("--seed-if-empty", action="store_true")
    parser.add_argument("--placements", type=int, default=200_000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    command = [sys.executable, __file__, "--child", "--repeats", str(args.repeats),
               "--renders", str(args.renders), "--placements", str(args.placements)]
    if args.seed_if_empty:
        command.append("--seed-if-empty")
    print("bench: measuring the placement list and the agreement…", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=child_env(), capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit("bench: the run failed.")
    run = json.loads(result.stdout.strip().splitlines()[-1])
    requests, renders = report(run)
    grown, slow = problems(run)
    volume = run["volume"]
    summary = (f"{volume['placements']:,} placements ({volume['live']:,} live), "
               f"{volume['fee_periods']:,} fee periods, {volume['reviews']:,} reviews, "
               f"{volume['support_items']:,} support items; the commissioner's council has "
               f"{volume['commissioner_placements']:,} placements")
    print(f"\n{summary}\n\n{requests}\n\n{renders}")
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "repeats": args.repeats,
            "load_average": " ".join(f"{n:.1f}" for n in os.getloadavg()),
            "renders": args.renders, **run, "query_count_varies": grown, "targets_missed": slow}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "placements.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    (RESULTS_DIR / "placements.md").write_text(
        f"Placement benchmark, {meta['when']}, database {run['database']}, load average "
        f"{meta['load_average']} on {meta['cpus']} CPUs: {summary}. Median "
        f"of {args.repeats} requests, {args.renders} renders.\n\n{requests}\n\n{renders}\n")
    print(f"\nbench: written to {RESULTS_DIR.relative_to(ROOT)}/placements.md")
    if slow:
        print("bench: targets missed:\n  " + "\n  ".join(slow))
    if grown:
        print("bench: the query count changes with the page or filter for:\n  "
              + "\n  ".join(grown))
        sys.exit(1)
    print("bench: query counts are the same on every page and filter.")


# --- Child: measure in a process with production settings --------------------------------------

def child(args):
    sys.path.insert(0, str(ROOT))
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from contracts.models import FeePeriod, Placement, PlacementReview, SupportItem
    from dps.models import User
    from providers.management.commands.seed_scale import PREFIX

    if not Placement.objects.exists():
        if not args.seed_if_empty:
            raise SystemExit("bench: no placements: run `manage.py seed_placements` first (or "
                             "pass --seed-if-empty).")
        call_command("migrate", verbosity=0, interactive=False)
        call_command("seed_placements", placements=args.placements, stdout=io.StringIO())
    settle(connection)

    biggest = (Placement.objects.values("authority").annotate(n=Count("pk")).order_by("-n")
               .first())
    commissioner = (User.objects.filter(organisation_id=biggest["authority"],
                                        username__startswith=PREFIX,
                                        username__endswith="-commissioner").first())
    admin = User.objects.get(username=f"{PREFIX}admin")
    results = []
    for user in (commissioner, admin):
        results += requests(user, args.repeats)
    renders = agreements(args.renders)
    print(json.dumps({
        "database": connection.vendor,
        "volume": {
            "placements": Placement.objects.count(),
            "live": Placement.objects.exclude(status="ended").count(),
            "fee_periods": FeePeriod.objects.count(),
            "reviews": PlacementReview.objects.count(),
            "support_items": SupportItem.objects.count(),
            "commissioner_placements": biggest["n"],
        },
        "requests": results, "renders": renders,
    }, default=str))


def settle(connection):
    from django.db import DatabaseError

    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass


def requests(user, repeats, requests_=REQUESTS):
    """Per (label, path, group): the SQL of one request after a warm-up, then the median time
    of `repeats` more, as `user`."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(raise_request_exception=False)
    client.force_login(user)
    results = []
    for label, path, group in requests_:
        client.get(path, secure=True)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, secure=True)
        captured = list(queries.captured_queries)
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(path, secure=True)
            timings.append(time.perf_counter() - started)
        results.append({
            "label": label, "group": group, "path": path, "user": user.username,
            "status": response.status_code, "queries": len(captured),
            "median_ms": statistics.median(timings) * 1000, "min_ms": min(timings) * 1000,
            "slowest_sql_ms": max((float(q["time"]) * 1000 for q in captured), default=0.0),
            "rows": admission.rows(response),
            "sql": [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in captured],
        })
    return results


def agreements(renders):
    """render_agreement for a typical live DPS placement (its fee history nearest the median)
    and for the live placement with the longest fee history."""
    import resource
    import tracemalloc

    from django.db.models import Count
    from django.utils import timezone

    from contracts.agreement import render_agreement
    from contracts.models import Placement

    live = (Placement.objects.exclude(status="ended").filter(route="dps")
            .annotate(periods=Count("fee_periods")))
    counts = sorted(live.values_list("periods", flat=True))
    median = counts[len(counts) // 2]
    typical = live.filter(periods=median).order_by("pk").first()
    longest = live.order_by("-periods", "pk").first()
    results = []
    issued = timezone.now()

    def render(placement):
        placement = Placement.objects.select_related(
            "authority", "provider", "lot", "lot__dps", "child").get(pk=placement.pk)
        return render_agreement(placement, version=1, issued_at=issued,
                                reason="Benchmark render")

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    render(typical)  # warm-up: imports, fonts, templates
    for label, placement in (("typical (median fee periods)", typical),
                             ("longest fee history", longest)):
        timings, cpu, pdf = [], [], b""
        for _ in range(renders):
            started, started_cpu = time.perf_counter(), time.process_time()
            pdf = render(placement)
            timings.append(time.perf_counter() - started)
            # CPU seconds of this process: what the render costs, whatever else the machine runs.
            cpu.append(time.process_time() - started_cpu)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        render(placement)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        results.append({
            "label": label, "placement": placement.pk, "fee_periods": placement.periods,
            "support_items": placement.support_items.count(),
            "pages": pages(pdf),
            "kb": len(pdf) / 1024, "median_s": statistics.median(timings),
            "max_s": max(timings), "cpu_median_s": statistics.median(cpu),
            "tracemalloc_peak_mb": peak / 2**20,
            # Peak RSS now against before the first render (WeasyPrint's import included).
            "maxrss_growth_mb": (rss_after - baseline) / 1024,
            "maxrss_mb": rss_after / 1024,
        })
    return results


def pages(pdf):
    """The PDF's page count, by pypdf (the tests' reader, a dev dependency)."""
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


if __name__ == "__main__":
    main()
