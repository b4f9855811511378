#!/usr/bin/env python
"""Front doors benchmark: the commissioner's dashboard (and its search, the DPS administrator's
dashboard and the supplier portal) at regional scale.

Measures the database DATABASE_URL names, seeded beforehand with `manage.py seed_scale`,
`seed_calloffs`, `seed_placements` and `seed_monitoring_scale` (any of them: an empty section
is still measured, it just costs less). As the commissioner of the authority with the most
call-offs (made once, `bench-dashboard-commissioner`, if that authority has none): `GET
/dashboard/`, `/dashboard/?q=<a call-off id>`, `?q=<a child's case reference>`, `?q=care`; as a
DPS administrator `/dashboard/`; as the user of the provider invited most `/portal/`; as a
budget holder of the commissioner's authority `/dashboard/` and as its finance officer
`/finance/` (made once each). Per request: the SQL of
one request after a warm-up (the same count at any data size) and the median server time of
--repeats more, through Django's full stack in-process. Targets (issue 19): 50 ms for every
front door, at most 15 queries for the commissioner's dashboard and each search.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale .venv/bin/python \\
        bench/dashboard.py [--repeats 15]

Output: a table, also written to bench/results/dashboard.md, with every request's SQL in
bench/results/dashboard.json. See bench/README.md.
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
TARGET_MS = 50  # issue 19 (was 200 in issue 8)
QUERY_CEILING = 15  # issue 19: the commissioner's dashboard and its searches


def _placements():
    """bench/placements.py, for its request timing, table and environment helpers."""
    spec = importlib.util.spec_from_file_location("bench_placements", ROOT / "bench" /
                                                  "placements.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


placements = _placements()
RESULTS_DIR = placements.RESULTS_DIR


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    command = [sys.executable, __file__, "--child", "--repeats", str(args.repeats)]
    print("bench: measuring the front doors…", flush=True)
    result = subprocess.run(command, cwd=ROOT, env=placements.child_env(),
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit("bench: the run failed.")
    run = json.loads(result.stdout.strip().splitlines()[-1])
    lines = [placements.request_line(row) for row in run["requests"]]
    table = placements.fmt_table(placements.REQUEST_HEADER, lines, {2, 3, 4, 5, 6, 7})
    # A search's target is its query count; every front door's is its time.
    slow = [f"{row['label']}: {row['median_ms']:.1f} ms > {TARGET_MS} ms"
            for row in run["requests"]
            if row["median_ms"] > TARGET_MS and not row["label"].startswith("dashboard ?q")]
    slow += [f"{row['label']}: {row['queries']} queries > {QUERY_CEILING}"
             for row in run["requests"]
             if row["label"].startswith("dashboard") or row["label"] == "commissioner dashboard"
             if row["queries"] > QUERY_CEILING]
    v = run["volume"]
    summary = (f"{v['providers']:,} providers, {v['calloffs']:,} call-offs "
               f"({v['authority_calloffs']:,} the commissioner's), {v['eois']:,} EoIs, "
               f"{v['placements']:,} placements, {v['reviews']:,} placement reviews, "
               f"{v['applications']:,} applications, {v['assessments']:,} risk assessments, "
               f"{v['items']:,} action items")
    print(f"\n{summary}\n\n{table}")
    meta = {"when": time.strftime("%Y-%m-%d %H:%M:%S %z"), "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(), "repeats": args.repeats,
            "load_average": " ".join(f"{n:.1f}" for n in os.getloadavg()),
            **run, "targets_missed": slow}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "dashboard.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
    (RESULTS_DIR / "dashboard.md").write_text(
        f"Front doors benchmark, {meta['when']}, database {run['database']}, load average "
        f"{meta['load_average']} on {meta['cpus']} CPUs: {summary}. Median of "
        f"{args.repeats} requests; target {TARGET_MS} ms.\n\n{table}\n")
    print(f"\nbench: written to {RESULTS_DIR.relative_to(ROOT)}/dashboard.md")
    if slow:
        print("bench: targets missed:\n  " + "\n  ".join(slow))
        sys.exit(1)
    print(f"bench: every front door within {TARGET_MS} ms.")


def _people():
    """The commissioner of the authority with the most call-offs, a DPS administrator and the
    user of the provider with the most invitations (made once each when there is none)."""
    from django.db.models import Count, Q

    from calloffs.models import CallOff, Invitation
    from dps.models import Organisation, Role, User

    authority = (Organisation.objects.filter(kind=Organisation.Kind.AUTHORITY)
                 .annotate(n=Count("calloffs")).order_by("-n", "pk").first())

    def someone(role, organisation, username):
        found = [user for user in User.objects.filter(organisation=organisation, is_active=True)
                 .filter(roles__icontains=f'"{role.value}"') if user.has_role(role)]
        if found:
            return found[0]
        user, _ = User.objects.get_or_create(
            username=username, defaults={"organisation": organisation, "roles": [role.value]})
        return user

    commissioner = someone(Role.COMMISSIONER, authority, "bench-dashboard-commissioner")
    lead = Organisation.objects.filter(kind=Organisation.Kind.AUTHORITY, is_lead=True).first()
    admin = someone(Role.DPS_ADMIN, lead or authority, "bench-dashboard-admin")
    provider_row = (Invitation.objects.values("provider").annotate(n=Count("pk"))
                    .order_by("-n").first())
    provider = Organisation.objects.get(pk=provider_row["provider"]) if provider_row else (
        Organisation.objects.filter(kind=Organisation.Kind.PROVIDER).order_by("pk").first())
    provider_user = someone(Role.PROVIDER, provider, "bench-dashboard-provider")
    calloff = (CallOff.objects.filter(authority=authority).select_related("referral__child")
               .filter(~Q(status="cancelled")).order_by("-pk").first())
    return commissioner, admin, provider_user, calloff


def _more_people(authority):
    """A budget holder and a finance officer of the commissioner's authority (made once each
    when there is none)."""
    from dps.models import Role, User

    def someone(role, username):
        user, _ = User.objects.get_or_create(
            username=username, defaults={"organisation": authority, "roles": [role.value]})
        return user

    return (someone(Role.BUDGET_HOLDER, "bench-dashboard-budget-holder"),
            someone(Role.FINANCE, "bench-dashboard-finance"))


def child(args):
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    from calloffs.models import CallOff, ExpressionOfInterest
    from contracts.models import Placement, PlacementReview
    from dps.models import Organisation
    from monitoring.models import ActionItem, RiskAssessment
    from providers.models import Application

    commissioner, admin, provider_user, calloff = _people()
    searches = []
    if calloff is not None:
        searches = [("dashboard ?q=<call-off id>", f"/dashboard/?q={calloff.pk}", "page"),
                    ("dashboard ?q=<case reference>",
                     f"/dashboard/?q={calloff.referral.child.case_reference}", "page")]
    results = placements.requests(commissioner, args.repeats, [
        ("commissioner dashboard", "/dashboard/", "page"),
        *searches,
        ("dashboard ?q=care", "/dashboard/?q=care", "page"),
    ])
    results += placements.requests(admin, args.repeats, [
        ("DPS administrator dashboard", "/dashboard/", "page")])
    results += placements.requests(provider_user, args.repeats, [
        ("supplier portal", "/portal/", "page")])
    budget_holder, finance = _more_people(commissioner.organisation)
    results += placements.requests(budget_holder, args.repeats, [
        ("budget holder dashboard", "/dashboard/", "page")])
    results += placements.requests(finance, args.repeats, [
        ("finance workspace", "/finance/", "page")])
    volume = {
        "providers": Organisation.objects.filter(kind="provider").count(),
        "calloffs": CallOff.objects.count(),
        "authority_calloffs": CallOff.objects.filter(
            authority_id=commissioner.organisation_id).count(),
        "eois": ExpressionOfInterest.objects.count(),
        "placements": Placement.objects.count(),
        "reviews": PlacementReview.objects.count(),
        "applications": Application.objects.count(),
        "assessments": RiskAssessment.objects.count(),
        "items": ActionItem.objects.count(),
    }
    print(json.dumps({"database": connection.settings_dict["NAME"], "volume": volume,
                      "requests": results}, default=str))


if __name__ == "__main__":
    main()
