#!/usr/bin/env python
"""Admission benchmark: do the admission endpoints stay flat from 20 to 2,000 providers?

For each size it builds a fresh database, seeds it with `manage.py seed_scale`, signs in as the
DPS administrator and, per endpoint, counts the SQL queries of one request and times REPEATS
more (median). A query count that grows with the number of providers is an N+1: the script
then exits 1. See bench/README.md.

    .venv/bin/python bench/admission.py [--sizes 20 2000] [--repeats 15]

Database: SQLite files under var/bench/ by default. With DATABASE_URL set (PostgreSQL), a
sibling database named `<name>_bench` on the same server is dropped and created for each size:
the configured database itself is never touched.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
RESULTS_DIR = ROOT / "bench" / "results"
AUTHORITIES = 8

# (label, path); {closed_round} is the round awaiting decisions.
ENDPOINTS = [
    ("GET /api/v1/memberships/", "/api/v1/memberships/"),
    ("GET /api/v1/applications/?status=submitted", "/api/v1/applications/?status=submitted"),
    ("GET /api/v1/rounds/", "/api/v1/rounds/"),
    ("GET /api/v1/lots/", "/api/v1/lots/"),
    ("GET /api/v1/organisations/?kind=provider", "/api/v1/organisations/?kind=provider"),
    ("page /providers/rounds/", "/providers/rounds/"),
    ("page /providers/rounds/<closed round>/", "/providers/rounds/{closed_round}/"),
]


# --- Parent: one child process per size, then the table ------------------------------------

def database_url(size):
    """A fresh, empty database for this size; returns its URL."""
    configured = os.environ.get("DATABASE_URL", "").strip()
    if not configured:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        path = BENCH_DIR / f"admission-{size}.sqlite3"
        for stale in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    parts = urlsplit(configured)
    if not parts.scheme.startswith("postgres"):
        sys.exit(f"bench: DATABASE_URL must be PostgreSQL or unset (SQLite), not {parts.scheme}.")
    import psycopg2
    from psycopg2 import sql

    name = f"{parts.path.lstrip('/') or 'postgres'}_bench"
    server = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()
    return urlunsplit(parts._replace(path=f"/{name}"))


def child_env(url):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="dps.settings",
        DATABASE_URL=url,
        # Production settings (DEBUG off) but plain static storage, so pages render without
        # running collectstatic; requests are made as HTTPS.
        DEBUG="0", TESTING="1", SECRET_KEY="bench-only-" + "x" * 50,
        ALLOWED_HOSTS="testserver", CELERY_TASK_ALWAYS_EAGER="1",
        VAR_DIR=str(BENCH_DIR), LOG_LEVEL="ERROR",
    )
    return env


def run_size(size, repeats):
    url = database_url(size)
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(size), "--repeats", str(repeats)],
        cwd=ROOT, env=child_env(url), capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"bench: the run with {size} providers failed.")
    return json.loads(result.stdout.strip().splitlines()[-1])


def table(runs):
    header = ("endpoint", "N", "status", "queries", "median ms", "rows")
    lines = []
    for label, _ in ENDPOINTS:
        for run in runs:
            row = run["results"][label]
            lines.append((label, str(run["providers"]), str(row["status"]), str(row["queries"]),
                          f"{row['median_ms']:.1f}", "" if row["rows"] is None else
                          str(row["rows"])))
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    numeric = {1, 2, 3, 4, 5}

    def fmt(cells):
        return "| " + " | ".join(
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(cells)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def growing(runs):
    smallest, largest = runs[0], runs[-1]
    return [label for label, _ in ENDPOINTS
            if largest["results"][label]["queries"] > smallest["results"][label]["queries"]]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 2000])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.repeats)
        return

    runs = []
    for size in sorted(args.sizes):
        print(f"bench: {size} providers: building and seeding a fresh database…", flush=True)
        runs.append(run_size(size, args.repeats))
        print(f"bench: seeded in {runs[-1]['seed_seconds']:.1f} s "
              f"({runs[-1]['database']}).", flush=True)
    report = table(runs)
    print()
    print(report)
    grown = growing(runs)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "python": platform.python_version(),
            "machine": platform.machine(), "repeats": args.repeats, "runs": runs,
            "query_count_grows": grown}
    (RESULTS_DIR / "admission.json").write_text(json.dumps(meta, indent=2) + "\n")
    (RESULTS_DIR / "admission.md").write_text(
        f"Admission benchmark, {meta['when']}, database {runs[-1]['database']}, median of "
        f"{args.repeats} requests.\n\n{report}\n")
    print(f"\nbench: written to {RESULTS_DIR.relative_to(ROOT)}/admission.md")
    if grown:
        print("bench: the query count grows with the number of providers (N+1) for:\n  "
              + "\n  ".join(grown))
        sys.exit(1)
    print("bench: query counts do not grow with the number of providers.")


# --- Child: seed one database and measure ---------------------------------------------------

def child(size, repeats):
    sys.path.insert(0, str(ROOT))
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dps.models import User
    from providers.models import AdmissionRound

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    call_command("seed_scale", providers=size, authorities=AUTHORITIES, stdout=io.StringIO())
    seed_seconds = time.perf_counter() - started

    closed_round = AdmissionRound.objects.get(dps__code="children", status="closed").pk
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username="scale-admin"))  # the DPS administrator

    results = {}
    for label, path in ENDPOINTS:
        url = path.format(closed_round=closed_round)
        client.get(url, secure=True)  # warm-up: first-use costs (URL and template loading)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, secure=True)
        # Read them now: each later request clears the connection's query log.
        sql = [query["sql"] for query in queries.captured_queries]
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(url, secure=True)
            timings.append(time.perf_counter() - started)
        results[label] = {
            "path": url, "status": response.status_code, "queries": len(sql),
            "median_ms": statistics.median(timings) * 1000, "rows": rows(response), "sql": sql,
        }
    print(json.dumps({"providers": size, "database": connection.vendor,
                      "seed_seconds": seed_seconds, "results": results}))


def rows(response):
    """How many rows the endpoint covers: a list's `count` (all pages), or its length."""
    if not response.get("Content-Type", "").startswith("application/json"):
        return None
    body = response.json()
    if isinstance(body, dict) and "count" in body:
        return body["count"]
    return len(body) if isinstance(body, list) else None


if __name__ == "__main__":
    main()
