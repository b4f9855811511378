#!/usr/bin/env python
"""Call-off benchmark: do publication and the call-off endpoints stay flat from 20 providers and
200 call-offs to 2,000 providers and 20,000 call-offs?

For each size it builds a fresh database, seeds it with `manage.py seed_scale` and
`manage.py seed_calloffs` (10 call-offs per provider), then:

- publishing: admits every provider to the residential lot, then times
  `calloffs.services.publish_referral` on fresh draft referrals (median of --publishes) and
  counts the SQL of one publication;
- the provider's opportunity endpoints, signed in as seed_calloffs' fixed provider (invited to
  ~60 % of the call-offs), and the authority's call-off endpoints, signed in as the lead
  council's commissioner: the SQL of one request, the median time of --repeats more.

A query count that grows with the size is an N+1 (or a write per row): the script then exits 1.
See bench/README.md.

    .venv/bin/python bench/calloffs.py [--sizes 20 2000] [--repeats 15] [--publishes 7]

Database: SQLite files under var/bench/ by default. With DATABASE_URL set (PostgreSQL), the
sibling database `<name>_bench` is dropped and created for each size, as bench/admission.py
does: the configured database itself is never touched.
"""

import argparse
import importlib.util
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _admission():
    """bench/admission.py, for its database and environment helpers."""
    spec = importlib.util.spec_from_file_location("bench_admission", ROOT / "bench" /
                                                  "admission.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


admission = _admission()
BENCH_DIR, RESULTS_DIR, AUTHORITIES = (admission.BENCH_DIR, admission.RESULTS_DIR,
                                       admission.AUTHORITIES)
CALLOFFS_PER_PROVIDER = 10
PUBLISH_LOT = "residential"

PUBLISH = "publish_referral (residential lot)"
PROVIDER_ENDPOINTS = [
    ("GET /api/v1/opportunities/", "/api/v1/opportunities/"),
    ("GET /api/v1/opportunities/?status=open", "/api/v1/opportunities/?status=open"),
    ("GET /api/v1/opportunities/?closing_soon=true",
     "/api/v1/opportunities/?closing_soon=true"),
    ("GET /api/v1/opportunities/<id>/", "/api/v1/opportunities/{opportunity}/"),
]
AUTHORITY_ENDPOINTS = [
    ("GET /api/v1/calloffs/", "/api/v1/calloffs/"),
    ("GET /api/v1/calloffs/<id>/", "/api/v1/calloffs/{calloff}/"),
    ("GET /api/v1/calloffs/<id>/ranking/", "/api/v1/calloffs/{calloff}/ranking/"),
]
LABELS = [PUBLISH, *(label for label, _ in PROVIDER_ENDPOINTS),
          *(label for label, _ in AUTHORITY_ENDPOINTS)]
# Targets at the largest size (ms): the service levels.
TARGETS = {PUBLISH: 1000, **{label: 50 for label, _ in PROVIDER_ENDPOINTS}}


# --- Parent: one child process per size, then the table ------------------------------------

def database_url(size):
    """A fresh, empty database for this size (SQLite file of our own, or admission's sibling
    PostgreSQL database)."""
    if os.environ.get("DATABASE_URL", "").strip():
        return admission.database_url(size)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"calloffs-{size}.sqlite3"
    for stale in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def child_env(url):
    env = admission.child_env(url)
    env.update(
        # Tasks are queued, not run: publication's e-mail task is dropped with the on_commit
        # hooks (see publishing()), and no broker is configured that could be contacted.
        CELERY_TASK_ALWAYS_EAGER="0", REDIS_URL="",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    return env


def run_size(size, args):
    url = database_url(size)
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(size), "--repeats", str(args.repeats),
         "--publishes", str(args.publishes), "--invite-per-calloff",
         str(args.invite_per_calloff)],
        cwd=ROOT, env=child_env(url), capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"bench: the run with {size} providers failed.")
    return json.loads(result.stdout.strip().splitlines()[-1])


def table(runs):
    header = ("endpoint", "N", "call-offs", "status", "queries", "median ms", "rows")
    lines = []
    for label in LABELS:
        for run in runs:
            row = run["results"][label]
            lines.append((label, str(run["providers"]), str(run["calloffs"]), str(row["status"]),
                          str(row["queries"]), f"{row['median_ms']:.1f}",
                          "" if row["rows"] is None else str(row["rows"])))
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    numeric = {1, 2, 3, 4, 5, 6}

    def fmt(cells):
        return "| " + " | ".join(
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(cells)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def growing(runs):
    smallest, largest = runs[0], runs[-1]
    return [label for label in LABELS
            if largest["results"][label]["queries"] > smallest["results"][label]["queries"]]


def missed(runs):
    largest = runs[-1]
    return [f"{label}: {largest['results'][label]['median_ms']:.1f} ms > {target} ms"
            for label, target in TARGETS.items()
            if largest["results"][label]["median_ms"] > target]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 2000])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--publishes", type=int, default=7)
    parser.add_argument("--invite-per-calloff", type=int, default=60)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args)
        return

    runs = []
    for size in sorted(args.sizes):
        print(f"bench: {size} providers, {size * CALLOFFS_PER_PROVIDER} call-offs: building and "
              "seeding a fresh database…", flush=True)
        runs.append(run_size(size, args))
        run = runs[-1]
        print(f"bench: seeded in {run['seed_seconds']:.1f} s ({run['database']}); fixed "
              f"provider {run['fixed_user']} invited to {run['fixed_invitations']} call-offs; "
              f"{run['residential_admitted']} admitted on the residential lot.", flush=True)
    report = table(runs)
    print()
    print(report)
    grown, slow = growing(runs), missed(runs)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "repeats": args.repeats,
            "publishes": args.publishes, "invite_per_calloff": args.invite_per_calloff,
            "runs": runs, "query_count_grows": grown, "targets_missed": slow}
    (RESULTS_DIR / "calloffs.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    (RESULTS_DIR / "calloffs.md").write_text(
        f"Call-off benchmark, {meta['when']}, database {runs[-1]['database']}, median of "
        f"{args.repeats} requests ({args.publishes} publications).\n\n{report}\n")
    print(f"\nbench: written to {RESULTS_DIR.relative_to(ROOT)}/calloffs.md")
    if slow:
        print("bench: targets missed at the largest size:\n  " + "\n  ".join(slow))
    if grown:
        print("bench: the query count grows with the size for:\n  " + "\n  ".join(grown))
        sys.exit(1)
    print("bench: query counts do not grow with the size.")


# --- Child: seed one database and measure ---------------------------------------------------

def child(size, args):
    sys.path.insert(0, str(ROOT))
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from calloffs.models import Invitation

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    call_command("seed_scale", providers=size, authorities=AUTHORITIES, stdout=io.StringIO())
    out = io.StringIO()
    calloffs = size * CALLOFFS_PER_PROVIDER
    call_command("seed_calloffs", calloffs=calloffs, invite_per_calloff=args.invite_per_calloff,
                 stdout=out)
    seed_seconds = time.perf_counter() - started
    seeded = out.getvalue().strip()
    fixed_user = re.search(r"user (\S+),", seeded).group(1)
    admitted = admit_everyone(PUBLISH_LOT, size)
    settle(connection)

    results = {}
    results.update(endpoints(PROVIDER_ENDPOINTS, fixed_user, args.repeats))
    results.update(endpoints(AUTHORITY_ENDPOINTS, f"{admission_prefix()}a01-commissioner",
                             args.repeats))
    # Last: the publications add call-offs the endpoints above would otherwise list.
    results[PUBLISH] = publishing(args.publishes)
    print(json.dumps({
        "providers": size, "calloffs": calloffs, "database": connection.vendor,
        "seed_seconds": seed_seconds, "seeded": seeded, "fixed_user": fixed_user,
        "fixed_invitations": Invitation.objects.filter(
            provider__users__username=fixed_user).count(),
        "residential_admitted": admitted, "results": results,
    }, default=str))


def settle(connection):
    """PostgreSQL: write the bulk load's dirty pages out now (CHECKPOINT), rather than in the
    background while requests are timed. Needs a superuser or pg_checkpoint; skipped without."""
    from django.db import DatabaseError

    if connection.vendor != "postgresql":
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass


def admission_prefix():
    from providers.management.commands.seed_scale import PREFIX

    return PREFIX


def admit_everyone(code, size):
    """At least min(N, 2,000) providers admitted on the lot: seed_scale admits about a third of
    them, so the others are admitted here (bulk_create). Suspended members stay suspended (so
    publication must still skip them); as many extra providers as they number are added, so the
    admitted count reaches the target."""
    import datetime
    from decimal import Decimal

    from django.utils import timezone

    from dps.models import Organisation, Role, User
    from providers.models import Lot, Membership

    prefix = admission_prefix()
    lot = Lot.objects.get(dps__code="children", code=code)
    now = timezone.now()
    target = min(size, 2000)
    live = set(Membership.objects.filter(lot=lot, status__in=Membership.LIVE)
               .values_list("provider_id", flat=True))
    providers = list(Organisation.objects.filter(kind="provider",
                                                 users__username__startswith=f"{prefix}p")
                     .distinct().values_list("pk", flat=True))
    admitted = Membership.objects.filter(lot=lot, status=Membership.Status.ADMITTED).count()
    extra = max(0, target - admitted - len(set(providers) - live))
    if extra:
        orgs = Organisation.objects.bulk_create([
            Organisation(name=f"Bench Children's Homes {n} Ltd", kind="provider",
                         area="West Sussex", postcode="RH12 1AA") for n in range(1, extra + 1)])
        User.objects.bulk_create([
            User(username=f"{prefix}bench-{org.pk}", organisation=org, roles=[Role.PROVIDER],
                 email=f"bench-{org.pk}@provider.example.org") for org in orgs])
        providers += [org.pk for org in orgs]
    Membership.objects.bulk_create(
        [Membership(provider_id=pk, lot=lot, price_cap=Decimal("7000.00"),
                    status=Membership.Status.ADMITTED,
                    admitted_at=now - datetime.timedelta(days=1),
                    status_reason="Admitted for the call-off benchmark.")
         for pk in providers if pk not in live], batch_size=5000)
    return Membership.objects.filter(lot=lot, status=Membership.Status.ADMITTED).count()


def endpoints(endpoints_, username, repeats):
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from calloffs.models import CallOff
    from dps.models import User

    user = User.objects.get(username=username)
    # The opportunity to open: an open one the provider is invited to, with the most questions;
    # the call-off to open: the authority's awarded one with the most offers.
    opportunity = (CallOff.objects.filter(status="open", invitations__provider=user.organisation)
                   .annotate(n=Count("questions")).order_by("-n", "-published_at", "-id")
                   .values_list("pk", flat=True).first())
    calloff = (CallOff.objects.filter(status="awarded", authority=user.organisation)
               .annotate(n=Count("eois")).order_by("-n", "-published_at", "-id")
               .values_list("pk", flat=True).first())
    client = Client(raise_request_exception=False)
    client.force_login(user)
    results = {}
    for label, path in endpoints_:
        url = path.format(opportunity=opportunity, calloff=calloff)
        client.get(url, secure=True)  # warm-up: first-use costs (URL resolving, imports)
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
            "path": url, "user": username, "status": response.status_code, "queries": len(sql),
            "median_ms": statistics.median(timings) * 1000, "rows": admission.rows(response),
            "sql": sql,
        }
    return results


def publishing(repeats):
    """publish_referral by a commissioner on fresh drafts, each in its own transaction. The
    on_commit hook it adds (the e-mail task) is dropped before the commit: the e-mail is not
    part of the measurement, and no task is sent."""
    import datetime
    from contextlib import nullcontext

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from calloffs import services
    from dps.models import User
    from providers.models import Lot
    from referrals.services import create_referral

    commissioner = User.objects.select_related("organisation").get(
        username=f"{admission_prefix()}a01-commissioner")
    lot = Lot.objects.get(dps__code="children", code=PUBLISH_LOT)
    today = timezone.localdate()

    def draft(number):
        return create_referral(
            by=commissioner, lot=lot,
            child={"case_reference": f"BENCH-{number:04d}", "first_name": "Robin",
                   "last_name": "Example", "date_of_birth": datetime.date(2012, 5, 17),
                   "postcode": "BN1 1AA"},
            summary="Needs a small home with consistent adults after a placement breakdown.",
            placement_start=today + datetime.timedelta(days=14), duration_weeks=52,
            location_area=commissioner.organisation.area or "West Sussex",
            needs=["semh", "missing_episodes"], outcomes=["safety", "relationships"])

    def publish(referral, capture=False):
        deadline = timezone.now() + datetime.timedelta(days=3)
        with transaction.atomic():
            hooks = len(connection.run_on_commit)
            with CaptureQueriesContext(connection) if capture else nullcontext() as queries:
                started = time.perf_counter()
                calloff = services.publish_referral(referral, by=commissioner,
                                                    deadline=deadline)
                call = time.perf_counter() - started
            dropped = len(connection.run_on_commit) - hooks
            del connection.run_on_commit[hooks:]
        committed = time.perf_counter() - started
        sql = [query["sql"] for query in queries.captured_queries] if capture else None
        return calloff, call, committed, dropped, sql

    referrals = [draft(number) for number in range(repeats + 2)]
    publish(referrals[0])  # warm-up
    calloff, _, _, dropped, sql = publish(referrals[1], capture=True)
    calls, commits = [], []
    for referral in referrals[2:]:
        _, call, committed, _, _ = publish(referral)
        calls.append(call)
        commits.append(committed)
    return {
        "path": f"calloffs.services.publish_referral (lot {PUBLISH_LOT}, deadline in 3 days)",
        "user": commissioner.username, "status": "ok", "queries": len(sql),
        "median_ms": statistics.median(calls) * 1000,
        "median_ms_with_commit": statistics.median(commits) * 1000,
        "rows": calloff.invited_count, "on_commit_hooks_dropped": dropped, "sql": sql,
    }


if __name__ == "__main__":
    main()
