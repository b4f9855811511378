"""Three years of the children's DPS, written day by day through the services.

A `Walk` is a queue of (day, step): each step runs with the clock on its day
(workspace/demo/clock.py), after the scheduler's daily tasks for that day (placements start
and end, KPI returns open and turn late), so every rule and audit entry holds as it would
have. Steps may queue later steps (an invoice approved queues its payment). Deterministic: one
seeded random generator, dates relative to today.

This module: placements bought through call-offs, started, reviewed, re-priced and ended.
workspace/demo/oversight.py: KPIs, visits, action plans, risk and outcome ratings;
workspace/demo/money.py: invoices, decisions and payments.
"""

import datetime as dt
import heapq
import random
from decimal import Decimal

from workspace.demo.clock import on

DAY = dt.timedelta(days=1)
YEARS = 3
# Names that are no ordinary word: the referral's text is scanned for the child's names.
FIRST_NAMES = ["Ava", "Noah", "Isla", "Oscar", "Freya", "Harry", "Ruby", "Jack", "Poppy",
               "Theo", "Evie", "Archie", "Lily", "Finley", "Alfie", "Rosie", "Jacob", "Logan",
               "Millie", "Reggie", "Toby", "Sienna", "Esme", "Louis", "Nancy", "Ezra", "Ada",
               "Ronnie"]
LAST_NAMES = ["Turner", "Patel", "Hughes", "Khan", "Begum", "Lloyd", "Ahmed", "Okonjo",
              "Nowak", "Fraser", "Dunmore", "Baxendale", "Quigley", "Pemberton"]
FOSTERING = [("Oakfield Fostering Ltd", 880), ("Harbour Foster Care", 940),
             ("Meadowbank Families", 905), ("Southdown Care Homes", 990)]
RESIDENTIAL = [("Downs View Children's Homes", 4950), ("Southdown Care Homes", 5450),
               ("Weald House Ltd", 5900)]
NEEDS = {"fostering": (["semh"], "who needs a stable foster family near school"),
         "residential": (["asd", "semh"], "who needs a small home with waking night staff")}
ENDINGS = ["planned_move", "returned_home", "moved_to_independence"]


class Walk:
    """Steps in day order; each runs on its day after that day's scheduled tasks."""

    def __init__(self, today):
        self.today = today
        self.start = today.replace(year=today.year - YEARS)
        self.queue = []
        self.count = 0

    def at(self, day, step, *args):
        if day <= self.today:
            heapq.heappush(self.queue, (day, self.count, step, args))
            self.count += 1

    def run(self):
        from contracts import services as contracts
        from monitoring import services as monitoring

        last_tick = None
        while self.queue:
            day, _n, step, args = heapq.heappop(self.queue)
            with on(day):
                # The scheduler's daily tasks, at most weekly here (each is idempotent and
                # catches up): placements start and end, KPI returns open and turn late.
                if last_tick is None or (day - last_tick).days >= 7:
                    contracts.apply_placement_dates(day)
                    monitoring.open_kpi_returns(day)
                    monitoring.detect_late_kpi_returns(day)
                    last_tick = day
                step(day, *args)
        with on(self.today):
            contracts.apply_placement_dates(self.today)
            monitoring.open_kpi_returns(self.today)
            monitoring.detect_late_kpi_returns(self.today)


class Placements:
    """About thirty children placed over three years: fostering twice as often as homes."""

    def __init__(self, walk, users, rng):
        self.walk, self.users, self.rng = walk, users, rng
        self.placements = []  # the Placement rows, as they are made
        self.fee_changes = 0

    def plan(self):
        day, number = self.walk.start + dt.timedelta(days=45), 0
        while day < self.walk.today - dt.timedelta(days=25):
            self.walk.at(day, self.buy, number)
            day += dt.timedelta(days=self.rng.randint(30, 46))
            number += 1
        for month in range(1, YEARS * 12 + 1):
            first = _add_months(self.walk.start, month).replace(day=20)
            self.walk.at(first, self.reviews)

    def buy(self, day, number):
        """A referral, a call-off with two offers, an evaluation, and an approved award."""
        from calloffs import selectors
        from calloffs import services as calloffs
        from calloffs.models import ExpressionOfInterest
        from contracts.models import Placement
        from dps.models import User
        from providers.models import Lot
        from referrals import services as referrals

        rng, commissioner = self.rng, self.users["commissioner"]
        lot_code = "residential" if number % 3 == 2 else "fostering"
        lot = Lot.objects.get(dps__code="children", code=lot_code)
        bidders = rng.sample(RESIDENTIAL if lot_code == "residential" else FOSTERING, 2)
        start = day + dt.timedelta(days=14)
        age = rng.randint(7, 15)
        needs, why = NEEDS[lot_code]
        child = {"first_name": FIRST_NAMES[number % len(FIRST_NAMES)],
                 "last_name": LAST_NAMES[(number * 7) % len(LAST_NAMES)],
                 "date_of_birth": start.replace(year=start.year - age, day=1) - DAY * (
                     number % 27),
                 "case_reference": f"WSCC-{97000 + number * 37}",
                 "postcode": f"RH1{number % 9} {number % 9}AB"}
        referral = referrals.create_referral(
            by=commissioner, child=child, lot=lot,
            summary=f"A {age}-year-old {why}.", needs=needs,
            outcomes=["safety", "health", "achievement"],
            duration_weeks=rng.choice([52, 78, 104]), placement_start=start,
            location_area="West Sussex", budget_kind="", budget_amount=None,
            alternatives_considered=["in_house_fostering", "family_and_friends"])
        calloff = calloffs.publish_referral(referral, by=commissioner,
                                            deadline=_now() + dt.timedelta(hours=4))
        offers = []
        for name, price in bidders:
            offers.append(calloffs.submit_eoi(
                calloff, by=User.objects.filter(organisation__name=name).first(),
                price=Decimal(price + rng.randint(-4, 4) * 5), proposed_start=start,
                how_needs_met="Carers with experience of these needs, close to the child's "
                              "school.", outcomes_approach="Monthly outcome reviews."))
        calloffs.close_calloff(calloff, by=commissioner)
        for eoi in offers:
            calloffs.evaluate_eoi(eoi, by=commissioner, quality_score=rng.randint(60, 92),
                                  notes="Scored by the placements panel.")
        best = ExpressionOfInterest.objects.get(pk=selectors.ranking(calloff)[0]["eoi"])
        calloffs.recommend(calloff, by=commissioner, eoi=best,
                           reason="Highest total score; the child's social worker agrees.")
        calloffs.approve_award(calloff, by=self.users["director"],
                               key_decision_reference=f"KD-{start:%Y}-{number + 10:03d}")
        placement = Placement.objects.get(calloff=calloff)
        self.placements.append(placement)
        # How it ends: every seventh breaks down within months; most end when planned.
        if number % 7 == 3:
            self.walk.at(start + dt.timedelta(days=rng.randint(120, 240)), self.end,
                         placement.pk, "placement_breakdown")
        else:
            self.walk.at(placement.planned_end_date, self.end, placement.pk,
                         ENDINGS[number % len(ENDINGS)])
        # A yearly uplift on the first few placements (each issues a new agreement).
        if self.fee_changes < 5 and number % 2 == 0:
            self.fee_changes += 1
            self.walk.at(start + dt.timedelta(days=365), self.uplift, placement.pk)

    def end(self, day, placement_id, reason):
        from contracts import services as contracts
        from contracts.models import Placement

        placement = Placement.objects.get(pk=placement_id)
        if placement.end_date is not None:
            return
        contracts.end_placement(placement, by=self.users["commissioner"], end_date=day,
                                reason=reason, notes="Recorded at the placement review.")

    def uplift(self, day, placement_id):
        from contracts import services as contracts
        from contracts.models import Placement

        placement = Placement.objects.get(pk=placement_id)
        if placement.end_date is not None:
            return
        contracts.record_fee_change(
            placement, by=self.users["commissioner"],
            new_price=(placement.price * Decimal("1.03")).quantize(Decimal("1")),
            effective_from=day, reason="Annual uplift agreed with the provider (3%).",
            acknowledge_cap_warning=True)

    def reviews(self, day):
        """Reviews held on their due day, but for the last two months (left due or overdue)."""
        from contracts import services as contracts
        from contracts.models import Placement, PlacementReview

        if day > self.walk.today - dt.timedelta(days=60):
            return
        due = (PlacementReview.objects.filter(done_date__isnull=True, due_date__lte=day,
                                              placement__end_date__isnull=True)
               .select_related("placement").order_by("placement_id"))
        for review in due:
            placement = Placement.objects.get(pk=review.placement_id)
            if review.due_date < placement.start_date:
                continue
            contracts.record_placement_review(
                placement, by=self.users["commissioner"], done_date=review.due_date,
                notes="The child, carers and social worker met; the care plan stands.")


def _now():
    from django.utils import timezone

    return timezone.now()


def _add_months(day, months):
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


def seed_history(users, today):
    """Three years to `today`: placements (oversight and money ride on the same walk)."""
    from workspace.demo.money import Money
    from workspace.demo.oversight import Oversight

    rng = random.Random(2026)
    walk = Walk(today)
    placements = Placements(walk, users, rng)
    placements.plan()
    Oversight(walk, users, rng, placements).plan()
    Money(walk, users, rng).plan()
    walk.run()
    return placements.placements
