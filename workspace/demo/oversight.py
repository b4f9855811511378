"""The demo's contract management over three years: KPIs defined and returned (mostly on
time, some late, the last few not yet), risk assessed twice a year, visits made, an action plan
for the home that slipped, and each child's outcomes rated every quarter."""

import datetime as dt
from decimal import Decimal

KPIS = {
    "fostering": [("stability", "Placements stable for 12 months", "%", 0, 100),
                  ("attendance", "School attendance", "%", 0, 100)],
    "residential": [("incidents", "Notifiable incidents", "count", 0, None),
                    ("attendance", "School attendance", "%", 0, 100)],
}
DOMAINS = ["safety", "health", "achievement", "relationships", "well_being", "independence"]
STRUGGLING = "Weald House Ltd"


class Oversight:
    def __init__(self, walk, users, rng, placements):
        self.walk, self.users, self.rng, self.placements = walk, users, rng, placements
        self.late = set()

    def plan(self):
        from workspace.demo.history import _add_months

        start, today = self.walk.start, self.walk.today
        self.walk.at(start + dt.timedelta(days=5), self.define_kpis)
        for month in range(1, 37):
            first = _add_months(start, month)
            self.walk.at(first.replace(day=12), self.kpi_returns)
            if first.month in (1, 4, 7, 10):
                self.walk.at(first.replace(day=15), self.ratings)
            if first.month in (4, 10):
                self.walk.at(first.replace(day=5), self.assess)
            if first.month == 10:
                self.walk.at(first.replace(day=8), self.visits)
        # The struggling home's plan, agreed after its last visit.
        self.walk.at(today - dt.timedelta(days=50), self.action_plan)

    def define_kpis(self, day):
        from monitoring import services as monitoring
        from providers.models import Lot

        for lot_code, kpis in KPIS.items():
            lot = Lot.objects.get(dps__code="children", code=lot_code)
            for position, (code, name, unit, low, high) in enumerate(kpis):
                monitoring.define_kpi(
                    by=self.users["admin"], lot=lot, code=code, name=name, unit=unit,
                    min_value=Decimal(low) if low is not None else None,
                    max_value=Decimal(high) if high is not None else None, position=position)

    def kpi_returns(self, day):
        """Three in four returns come in before their due day; the others a month later
        (late), and those of the last quarter some not yet."""
        from dps.models import User
        from monitoring import services as monitoring
        from monitoring.models import KpiReturn

        due = KpiReturn.objects.filter(status=KpiReturn.Status.DUE,
                                       period_end__lt=day).order_by("pk")
        for kpi_return in due:
            if kpi_return.pk not in self.late and day <= kpi_return.due_date \
                    and self.rng.random() < 0.25:
                self.late.add(kpi_return.pk)  # sent next month, after its due day
                continue
            if day > self.walk.today - dt.timedelta(days=20) and self.rng.random() < 0.5:
                continue  # still outstanding today
            user = User.objects.filter(organisation_id=kpi_return.provider_id).first()
            values = {}
            for kpi in monitoring.expected_kpis(kpi_return):
                top = kpi.max_value if kpi.max_value is not None else Decimal(6)
                low = kpi.min_value if kpi.min_value is not None else Decimal(0)
                share = Decimal(self.rng.randint(70, 99)) / 100 if kpi.unit == "%" else \
                    Decimal(self.rng.randint(0, 50)) / 100
                values[kpi.code] = (low + (top - low) * share).quantize(Decimal("1"))
            monitoring.submit_kpi_return(kpi_return, by=user, values=values)

    def assess(self, day):
        from dps.models import Organisation
        from monitoring import services as monitoring

        final_year = day > self.walk.today - dt.timedelta(days=365)
        for provider in Organisation.objects.filter(
                kind="provider", memberships__status__in=("admitted", "suspended")
        ).distinct().order_by("pk"):
            struggling = final_year and provider.name == STRUGGLING
            impact = 4 if struggling else self.rng.randint(1, 3)
            probability = 4 if struggling else self.rng.randint(1, 3)
            monitoring.record_risk_assessment(
                by=self.users["commissioner"], provider=provider, impact=impact,
                probability=probability,
                notes="Staffing and Ofsted concerns." if struggling else
                "Accounts, inspection reports and complaints reviewed.")

    def visits(self, day):
        from dps.models import Organisation
        from monitoring import services as monitoring

        for name in ("Downs View Children's Homes", "Southdown Care Homes", STRUGGLING):
            provider = Organisation.objects.get(name=name)
            activity = monitoring.schedule_activity(
                by=self.users["commissioner"], provider=provider, kind="full_visit",
                planned_date=day + dt.timedelta(days=14))
            self.walk.at(day + dt.timedelta(days=14), self.visit_done, activity.pk)

    def visit_done(self, day, activity_id):
        from monitoring import services as monitoring
        from monitoring.models import MonitoringActivity

        activity = MonitoringActivity.objects.get(pk=activity_id)
        monitoring.complete_activity(
            activity, by=self.users["commissioner"], done_date=day,
            findings="Visited the home, met staff and read the records; the young people "
                     "spoke well of the staff.")

    def action_plan(self, day):
        from dps.models import Organisation
        from monitoring import services as monitoring

        provider = Organisation.objects.get(name=STRUGGLING)
        plan = monitoring.create_action_plan(
            by=self.users["commissioner"], provider=provider,
            title="Staffing and supervision after the Ofsted inspection", items=[
                {"action": "Recruit two permanent waking night staff.",
                 "owner": "Registered manager", "due_date": day + dt.timedelta(days=21)},
                {"action": "Monthly supervision for every member of staff, recorded.",
                 "owner": "Responsible individual", "due_date": day + dt.timedelta(days=35)},
                {"action": "Send the revised missing-from-care protocol.",
                 "owner": "Registered manager", "due_date": day + dt.timedelta(days=90)}])
        first = plan.items.order_by("pk").first()
        self.walk.at(day + dt.timedelta(days=18), self.action_done, first.pk)

    def action_done(self, day, item_id):
        from monitoring import services as monitoring
        from monitoring.models import ActionItem

        item = ActionItem.objects.get(pk=item_id)
        monitoring.complete_action(item, by=self.users["commissioner"],
                                   reason="Both staff started; rota seen.")

    def ratings(self, day):
        """Three domains a quarter for each live placement, drifting up as it settles."""
        from monitoring import services as monitoring

        quarter = (day.year * 4 + day.month // 3)
        for placement in self.placements.placements:
            if placement.start_date > day - dt.timedelta(days=30):
                continue
            placement.refresh_from_db(fields=["end_date"])
            if placement.end_date is not None and placement.end_date < day:
                continue
            months = (day - placement.start_date).days // 30
            for i in range(3):
                domain = DOMAINS[(quarter + i) % len(DOMAINS)]
                rating = max(1, min(5, 2 + months // 8 + self.rng.randint(-1, 1)))
                monitoring.record_outcome_rating(
                    by=self.users["commissioner"], placement=placement, domain=domain,
                    rating=rating, rated_on=day, note="From the looked-after child review.")
