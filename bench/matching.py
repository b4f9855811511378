#!/usr/bin/env python
"""Matching panel benchmark (issue 18, ADR 0021): the vacancies that match a referral at
regional scale (2,000 providers, about 6,000 live vacancies), target 50 ms of server time for
the panel and a query count that does not grow with rows.

It measures the PostgreSQL database DATABASE_URL names. `--seed` first (re)writes the scale
world there with dps/bulk.py's insert_rows: 2,000 provider organisations, their memberships
(one or two lots each, 5% suspended), 6,000 live vacancies plus 1,500 expired and 500
withdrawn, spread over England's 153 areas (a third in the South East) with one to four needs
each. Then, with production settings, for referrals of several shapes:

- the panel alone: `sufficiency.selectors.for_referral` and the panel's template rendered
  (the server time the panel adds to a page), median of --repeats, and its queries;
- whole pages through Django's test client as the referral's commissioner: the draft referral
  page and the call-off page (their queries and median).

    createdb -h 127.0.0.1 -U postgres bench_vacancies
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_vacancies .venv/bin/python \\
        bench/matching.py --seed [--repeats 15]

Output: tables, also in bench/results/matching.md.
"""

import argparse
import datetime
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 50
PROVIDERS, LIVE, EXPIRED, WITHDRAWN = 2_000, 6_000, 1_500, 500
PREFIX = "Bench matching"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


placements = _load("placements")
RESULTS_DIR = placements.RESULTS_DIR


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench: set DATABASE_URL to a PostgreSQL database (e.g. "
                 "postgres://postgres@127.0.0.1:5432/bench_vacancies).")
    print("bench: measuring the matching panel…", flush=True)
    command = [sys.executable, __file__, "--child", "--repeats", str(args.repeats)]
    if args.seed:
        command.append("--seed")
    result = subprocess.run(command, cwd=ROOT, env=placements.child_env(),
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit("bench: the run failed.")
    run = json.loads(result.stdout.strip().splitlines()[-1])
    panel = placements.fmt_table(
        ("panel for", "age", "needs", "matches", "queries", "SQL ms", "median ms", "min ms",
         "max ms"),
        [(r["label"], str(r["age"]), str(r["needs"]), str(r["matches"]), str(r["queries"]),
          f"{r['sql_ms']:.1f}", f"{r['median_ms']:.1f}", f"{r['min_ms']:.1f}",
          f"{r['max_ms']:.1f}") for r in run["panel"]], {1, 2, 3, 4, 5, 6, 7, 8})
    pages = placements.fmt_table(placements.REQUEST_HEADER,
                                 [placements.request_line(r) for r in run["pages"]],
                                 {2, 3, 4, 5, 6, 7})
    summary = (f"{run['providers']:,} providers, {run['live']:,} live vacancies "
               f"({run['vacancies']:,} in all); load average "
               f"{' '.join(f'{n:.1f}' for n in os.getloadavg())} on {os.cpu_count()} CPUs; "
               f"median of {args.repeats}")
    print(f"\n{summary}\n\n{panel}\n\n{pages}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "matching.md").write_text(
        f"Matching benchmark, {time.strftime('%Y-%m-%d %H:%M:%S %z')}: {summary}.\n\n"
        f"{panel}\n\n{pages}\n")
    slow = [r["label"] for r in run["panel"] if r["median_ms"] > TARGET_MS]
    grown = len({r["queries"] for r in run["panel"]}) > 2
    if slow or grown:
        sys.exit(f"bench: over {TARGET_MS} ms: {slow}; query counts {grown and 'vary'}")


def seed():
    """The scale world, straight into the tables (the rules kept by construction: each
    vacancy's provider is a member of its lot)."""
    from django.db import connection
    from django.utils import timezone

    from dps import areas
    from dps.bulk import insert_rows
    from dps.models import Organisation
    from providers.models import Lot, Membership
    from referrals.models import Need
    from sufficiency.models import LIFETIME_DAYS, Vacancy

    rng = random.Random(18)
    Vacancy.needs.through.objects.filter(vacancy__provider__name__startswith=PREFIX).delete()
    Vacancy.objects.filter(provider__name__startswith=PREFIX).delete()
    Membership.objects.filter(provider__name__startswith=f"{PREFIX} provider").delete()
    Organisation.objects.filter(name__startswith=f"{PREFIX} provider").delete()
    now, today = timezone.now(), timezone.localdate()
    insert_rows(Organisation, ["name", "kind", "is_lead", "area", "postcode",
                               "companies_house_number", "requires_resource_panel",
                               "created_at"],
                ((f"{PREFIX} provider {n:04d} Ltd", "provider", False, "", "", f"{n:08d}",
                  False, now) for n in range(PROVIDERS)))
    providers = list(Organisation.objects.filter(name__startswith=f"{PREFIX} provider")
                     .values_list("pk", flat=True))
    lots = list(Lot.objects.filter(dps__code="children").values_list("pk", flat=True))
    members = []
    for pk in providers:
        for lot in rng.sample(lots, rng.choice((1, 1, 2))):
            status = "suspended" if rng.random() < 0.05 else "admitted"
            members.append((pk, lot, "1000.00", status, now, ""))
    insert_rows(Membership, ["provider", "lot", "price_cap", "status", "admitted_at",
                             "status_reason"], members)
    everywhere = [area.code for area in areas.all_areas()]
    south_east = [areas.find(name).code for name in (
        "West Sussex", "East Sussex", "Kent", "Surrey", "Hampshire", "Brighton and Hove",
        "Medway", "Portsmouth", "Southampton")]
    needs = list(Need.objects.values_list("pk", flat=True))
    rows = []
    for n in range(LIVE + EXPIRED + WITHDRAWN):
        provider, lot, *_ = rng.choice(members)
        days_ago = rng.randrange(LIFETIME_DAYS) if n < LIVE + WITHDRAWN else \
            rng.randrange(LIFETIME_DAYS, 60)
        confirmed = now - datetime.timedelta(days=days_ago, minutes=rng.randrange(1440))
        age_from = rng.randrange(0, 16)
        rows.append((provider, lot, rng.choice((1, 1, 1, 2, 3)),
                     rng.choice(south_east) if rng.random() < 0.33 else rng.choice(everywhere),
                     age_from, min(25, age_from + rng.randrange(2, 10)),
                     today + datetime.timedelta(days=rng.randrange(-20, 40)), "", confirmed,
                     confirmed, today - datetime.timedelta(days=days_ago)
                     + datetime.timedelta(days=LIFETIME_DAYS),
                     now if n >= LIVE + EXPIRED else None))
    insert_rows(Vacancy, ["provider", "lot", "places", "area_code", "age_from", "age_to",
                          "available_from", "notes", "posted_at", "confirmed_at",
                          "expires_on", "withdrawn_at"], rows)
    through = Vacancy.needs.through
    links = [(pk, need) for pk in Vacancy.objects.filter(provider__name__startswith=PREFIX)
             .values_list("pk", flat=True) for need in rng.sample(needs, rng.randrange(1, 5))]
    insert_rows(through, ["vacancy", "need"], links)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")  # STACK-NOTES: all-visible pages after bulk seeding


def world():
    """A council, its commissioner and referrals of several shapes (made once, kept)."""
    from django.utils import timezone

    from calloffs.models import CallOff
    from dps.models import Organisation, Role, User
    from providers.models import Lot
    from referrals.models import Child, Need, Referral

    council, _ = Organisation.objects.get_or_create(
        kind="authority", name=f"{PREFIX} council", defaults={"area": "West Sussex"})
    user, _ = User.objects.get_or_create(username="bench-matching-commissioner", defaults={
        "organisation": council, "roles": [Role.COMMISSIONER], "email": "b@example.org"})
    shapes = [("residential, SEMH, West Sussex", "residential", ["semh"], 13),
              ("residential, two needs", "residential", ["semh", "asd"], 15),
              ("fostering, no needs", "fostering", [], 9),
              ("inmss, three needs", "inmss", ["semh", "asd", "cse"], 12)]
    made = []
    start = timezone.localdate() + datetime.timedelta(days=30)
    for label, lot_code, need_codes, age in shapes:
        referral = Referral.objects.filter(authority=council, summary=label).first()
        if referral is None:
            child = Child.objects.create(
                authority=council, first_name="Bench", last_name="Child",
                date_of_birth=start.replace(year=start.year - age) - datetime.timedelta(days=1),
                case_reference=f"BENCH-{len(made)}", postcode="")
            referral = Referral.objects.create(
                authority=council, child=child, lot=Lot.objects.get(code=lot_code),
                summary=label, placement_start=start, duration_weeks=52,
                location_area="West Sussex", created_by=user)
        Referral.objects.filter(pk=referral.pk).update(placement_start=start)
        referral.needs.set(Need.objects.filter(code__in=need_codes))
        made.append((label, referral))
    label, first = made[0]
    published = Referral.objects.filter(authority=council, summary="published " + label).first()
    if published is None:
        published = Referral.objects.create(
            authority=council, child=first.child, lot=first.lot, summary="published " + label,
            placement_start=start, duration_weeks=52, location_area="West Sussex",
            status="published")
        published.needs.set(first.needs.all())
    calloff = getattr(published, "calloff", None) or CallOff.objects.create(
        referral=published, authority=council, lot=first.lot, child_age=13,
        deadline=timezone.now() + datetime.timedelta(days=5), published_at=timezone.now())
    return user, made, calloff


def child(args):
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.template.loader import render_to_string
    from django.test.utils import CaptureQueriesContext

    from sufficiency import selectors
    from sufficiency.models import Vacancy
    from sufficiency.templatetags.vacancies import matching_panel

    call_command("migrate", verbosity=0)
    if args.seed or not Vacancy.objects.filter(provider__name__startswith=PREFIX).exists():
        seed()
    user, referrals, calloff = world()
    panel = []
    for label, referral in referrals:
        referral = type(referral).objects.select_related("child", "lot").get(pk=referral.pk)

        def once(referral=referral):
            context = matching_panel(referral)
            return context, render_to_string("sufficiency/_matching_panel.html", context)

        once()  # warm-up
        with CaptureQueriesContext(connection) as queries:
            context, _html = once()
        timings = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            once()
            timings.append(time.perf_counter() - started)
        panel.append({"label": label, "age": referral.age_at_start(),
                      "needs": len(context["needs"]), "matches": context["matches"].total,
                      "queries": len(queries.captured_queries),
                      "sql_ms": sum(float(q["time"]) * 1000 for q in queries.captured_queries),
                      "median_ms": statistics.median(timings) * 1000,
                      "min_ms": min(timings) * 1000, "max_ms": max(timings) * 1000})
    pages = placements.requests(user, args.repeats, [
        (f"page referral ({label})", f"/referrals/{referral.pk}/", "page")
        for label, referral in referrals[:2]] + [
        ("page call-off", f"/call-offs/{calloff.pk}/", "page")])
    for row in pages:
        row.pop("sql", None)
    print(json.dumps({
        "providers": 2_000, "vacancies": Vacancy.objects.count(),
        "live": selectors.live().count(), "panel": panel, "pages": pages}, default=str))


if __name__ == "__main__":
    main()
