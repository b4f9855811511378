#!/usr/bin/env python
"""Vouching benchmark: a month's invoices for every live placement, and one large invoice.

Measures the database DATABASE_URL names (PostgreSQL), seeded beforehand with
`manage.py seed_placements` (200,000 placements, about 20,000 live). Everything runs inside one
transaction that is rolled back: the database is left as it was.

- **All invoices of a month**: for the last whole month, one invoice per provider and council
  with a line for each placement live in it (its fee over its days of the month) and each block
  contract; the expected amounts of all of them in one statement (`expected_pennies`), then
  every invoice submitted at those amounts as one batch through `submit_invoices` (locks,
  checks, vouching, storing, audit; invoicing/batch.py). Every invoice must come out
  `vouched`. Target: all of it ≤ 20 s.
- **One by one, sampled**: the first `--sample` invoices (default 300) through
  `submit_invoice`, one call each as separate API requests would make them (rolled back before
  the batch), giving the cost of an invoice on that path.
- **One provider's large invoice**: the provider with the most live placements, a line per
  placement and week over the months before, 300 lines. Target: ≤ 1 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_scale .venv/bin/python \\
        bench/invoicing_vouch.py

Prints the figures; exits 1 when a target is missed or an invoice is not vouched.
"""

import datetime as dt
import os
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALL_TARGET_S = 20.0
LARGE_TARGET_S = 1.0
LARGE_LINES = 300


def setup():
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("bench: set DATABASE_URL to the seeded PostgreSQL database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dps.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def last_month(today):
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def month_lines(first, last):
    """{(provider, authority): [line dict]} for every live placement and block of the month."""
    from django.db.models import Q

    from contracts.models import Approval, BlockContract, Placement

    groups = defaultdict(list)
    live = (Placement.objects.filter(approval=Approval.APPROVED, provider__isnull=False,
                                     start_date__lte=last)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
            .exclude(route=Placement.Route.BLOCK)
            .values_list("pk", "provider_id", "authority_id", "start_date", "end_date"))
    for pk, provider, authority, start, end in live.iterator():
        groups[(provider, authority)].append({
            "kind": "placement", "placement": pk, "date_from": max(start, first),
            "date_to": min(end or last, last)})
    blocks = BlockContract.objects.filter(approval=Approval.APPROVED, start_date__lte=last,
                                          end_date__gte=first).values_list(
        "pk", "provider_id", "authority_id", "start_date", "end_date")
    for pk, provider, authority, start, end in blocks:
        groups[(provider, authority)].append({
            "kind": "block", "block": pk, "date_from": max(start, first),
            "date_to": min(end, last)})
    return groups


def spans(lines):
    from reports.accruals import Span

    return [Span(ln["kind"], ln.get("placement") or ln["block"], ln["date_from"], ln["date_to"])
            for ln in lines]


class _Undo(Exception):
    pass


def one_by_one(groups, providers, today, sample):
    """(invoices, lines, seconds) for the first `sample` invoices sent one by one, undone."""
    from django.db import transaction

    from invoicing.submission import submit_invoice

    count = lines_sent = 0
    t = time.perf_counter()
    try:
        with transaction.atomic():
            for number, ((provider, _authority), lines) in enumerate(groups.items()):
                if count >= sample:
                    break
                lines = [ln for ln in lines if ln["amount"] > 0]
                if not lines:
                    continue
                submit_invoice(providers[provider], reference=f"BENCH-ONE-{number}",
                               lines=lines, by=None, channel="api", today=today)
                count += 1
                lines_sent += len(lines)
            elapsed = time.perf_counter() - t
            raise _Undo
    except _Undo:
        pass
    return count, lines_sent, elapsed


def main():
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=300,
                        help="invoices sent one by one before the batch (0: none)")
    args = parser.parse_args()
    setup()
    from django.db import transaction
    from django.utils import timezone

    from dps.models import Organisation
    from invoicing.batch import submit_invoices
    from invoicing.submission import submit_invoice
    from reports.accruals import expected_amounts, expected_pennies

    today = timezone.localdate()
    first, last = last_month(today)
    ok = True
    with transaction.atomic():
        started = time.perf_counter()
        groups = month_lines(first, last)
        every = [ln for lines in groups.values() for ln in lines]
        gathered = time.perf_counter() - started
        t = time.perf_counter()
        pennies = expected_pennies(spans(every))
        one_statement = time.perf_counter() - t
        for line, p in zip(every, pennies, strict=True):
            line["amount"] = Decimal(p) / 100
        providers = Organisation.objects.in_bulk({p for p, _a in groups})
        sampled = one_by_one(groups, providers, today, args.sample) if args.sample else None
        t = time.perf_counter()
        batch = []
        for number, ((provider, _authority), lines) in enumerate(groups.items()):
            lines = [ln for ln in lines if ln["amount"] > 0]
            if lines:
                batch.append((providers[provider], f"BENCH-{number}", lines))
        invoices = submit_invoices(batch, by=None, channel="api", today=today)
        count = len(invoices)
        lines_sent = sum(len(lines) for _p, _r, lines in batch)
        vouched = sum(invoice.status == "vouched" for invoice in invoices)
        submitting = time.perf_counter() - t
        total = gathered + one_statement + submitting

        # One provider's large invoice: its placements week by week over the months before.
        (provider, authority), lines = max(
            ((k, v) for k, v in groups.items()), key=lambda kv: len(kv[1]))
        large, week_end = [], first - dt.timedelta(days=1)
        while len(large) < LARGE_LINES and week_end > first - dt.timedelta(days=3650):
            week_start = week_end - dt.timedelta(days=6)
            for ln in lines:
                if ln["kind"] != "placement" or len(large) >= LARGE_LINES:
                    continue
                large.append({"kind": "placement", "placement": ln["placement"],
                              "date_from": week_start, "date_to": week_end})
            week_end = week_start - dt.timedelta(days=1)
        # Only the placement's own days (a week before it started would be refused).
        from contracts.models import Placement

        starts = dict(Placement.objects.filter(pk__in={ln["placement"] for ln in large})
                      .values_list("pk", "start_date"))
        large = [ln for ln in large if ln["date_from"] >= starts[ln["placement"]]]
        amounts = expected_amounts(spans(large))
        for ln, amount in zip(large, amounts, strict=True):
            ln["amount"] = amount
        large = [ln for ln in large if ln["amount"] > 0]
        t = time.perf_counter()
        big = submit_invoice(providers[provider], reference="BENCH-LARGE", lines=large,
                             by=None, channel="api", today=today)
        large_s = time.perf_counter() - t
        transaction.set_rollback(True)

    blocks = sum(1 for ln in every if ln["kind"] == "block")
    print(f"Month {first} to {last}: {len(every):,} lines ({len(every) - blocks:,} "
          f"placements, {blocks:,} blocks) "
          f"in {len(groups):,} provider–council invoices")
    print(f"  gathering the lines            {gathered:6.2f} s")
    print(f"  expected amounts, 1 statement  {one_statement:6.2f} s")
    print(f"  submitting {count:,} invoices ({lines_sent:,} lines, {vouched:,} vouched) as one "
          f"batch {submitting:6.2f} s")
    print(f"  in all                         {total:6.2f} s  (target ≤ {ALL_TARGET_S:.0f} s)")
    print(f"One invoice of {len(large)} lines: {large_s:.2f} s (target ≤ {LARGE_TARGET_S:.0f} s), "
          f"{big.status}")
    if sampled:
        n, n_lines, seconds = sampled
        print(f"One by one (submit_invoice), {n} invoices of {n_lines:,} lines: {seconds:.2f} s, "
              f"{1000 * seconds / max(n, 1):.1f} ms an invoice "
              f"(about {seconds / max(n, 1) * count:,.0f} s for the month's {count:,})")
    if vouched != count or big.status != "vouched":
        print("bench: an invoice at the expected amounts was not vouched.")
        ok = False
    if total > ALL_TARGET_S or large_s > LARGE_TARGET_S:
        print("bench: a target was missed.")
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
