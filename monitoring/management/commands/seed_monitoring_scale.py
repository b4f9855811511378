"""Monitoring history at a regional DPS's size: `manage.py seed_monitoring_scale`.

For every provider (seed_scale's 2,000, which must have run): risk assessments every four to
six months since it registered (the last one current, a few
of them overdue, about one in fifteen red), the reassessment triggers that arrived between them
(cleared by the next assessment, or still open), the monitoring activities the ratings called
for (done, cancelled, or planned; some red providers without a visit planned), action plans with
items (completed, responded, open, overdue, escalated), and a quarterly KPI return per live
membership and quarter since admission with its values (most on time, some late, some still
missing and flagged with their trigger). KPIs are defined for each lot that has none.

Rows are written with COPY on PostgreSQL (seed_placements' BulkWriter), not through the
services; the generator keeps to their rules itself. The same --seed gives the same data.
"""

import datetime
import random
import time
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from contracts.management.commands.seed_placements import (
    BulkWriter,
    Progress,
    at,
    reserve_ids,
    vacuum,
)
from dps.models import Organisation, User
from monitoring import services
from monitoring.models import (
    ActionItem,
    ActionPlan,
    FinancialStanding,
    Frequency,
    Kpi,
    KpiReturn,
    KpiTimeliness,
    KpiValue,
    MonitoringActivity,
    Rag,
    ReassessmentTrigger,
    RegulatorRating,
    RiskAssessment,
    TriggerKind,
)
from providers.management.commands.seed_scale import PREFIX
from providers.models import Lot, Membership

# KPIs defined for a lot that has none: (code, name, unit, min, max, typical range).
KPIS = [
    ("occupancy", "Beds or places occupied", "%", 0, 100, (55, 100)),
    ("notifications_on_time", "Notifications made within 24 hours", "%", 0, 100, (70, 100)),
    ("staff_turnover", "Staff turnover over the quarter", "%", 0, 100, (0, 25)),
    ("complaints", "Complaints received", "complaints", 0, 500, (0, 6)),
]
# (impact, probability) weights: mostly green and amber, about one in fifteen red.
RISK_LEVELS = [((1, 2), 10), ((2, 2), 14), ((2, 3), 16), ((3, 2), 10), ((1, 5), 3),
               ((3, 3), 14), ((2, 4), 10), ((4, 3), 8), ((3, 4), 5), ((5, 3), 4), ((4, 4), 3),
               ((5, 4), 2), ((5, 5), 1)]
FINDINGS = ["Records in order; no concerns.", "Care plans up to date; two minor recording gaps.",
            "Staffing below the agreed ratio on two night shifts.",
            "Safeguarding training overdue for three staff.",
            "Medication records incomplete; improvement needed."]
ACTIONS = ["Complete safeguarding training for every member of staff",
           "Bring medication administration records up to date",
           "Review the staffing rota against the agreed ratios",
           "Send the missing notifications of serious events",
           "Update each child's risk assessment and placement plan",
           "Provide evidence of the fire safety inspection"]
OWNERS = ["Registered manager", "Responsible individual", "Deputy manager", "Quality lead"]
TRIGGER_DETAILS = {
    TriggerKind.SAFEGUARDING_CONCERN: "Safeguarding concern reported by the child's social "
                                      "worker.",
    TriggerKind.REGULATOR_DOWNGRADE: "Ofsted judgement downgraded at the latest inspection.",
    TriggerKind.PLACEMENT_BREAKDOWN: "Placement ended in breakdown at short notice.",
}


class Command(BaseCommand):
    help = ("Seed risk assessments, triggers, monitoring activities, action plans and KPI "
            "returns for every provider with a membership, with bulk writes (benchmarks).")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--reset", action="store_true",
                            help="First delete every risk assessment, trigger, activity, action "
                                 "plan and KPI return (KPIs stay).")

    def handle(self, *args, seed, reset, **options):
        if not User.objects.filter(username__startswith=PREFIX).exists():
            raise CommandError("No seed_scale data: run `manage.py seed_scale` (or "
                               "seed_placements) first.")
        started = time.monotonic()
        progress = Progress(self.stdout)
        with transaction.atomic():
            if RiskAssessment.objects.exists() or KpiReturn.objects.exists():
                if not reset:
                    raise CommandError("The database already has monitoring records: pass "
                                       "--reset to delete them and seed again.")
                self.wipe()
                progress("deleted the earlier monitoring records")
            counts = Generator(random.Random(seed), progress).run()
        vacuum([RiskAssessment, ReassessmentTrigger, MonitoringActivity, ActionPlan, ActionItem,
                KpiReturn, KpiValue])
        progress("VACUUM (ANALYZE)")
        counts["seconds"] = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            "Seeded monitoring for {providers} providers: {assessments} risk assessments "
            "({red} red now, {overdue} overdue), {triggers} triggers ({open_triggers} open), "
            "{activities} activities, {plans} action plans with {items} items ({overdue_items} "
            "overdue, {escalated} escalated), {kpis} KPIs added, {returns} KPI returns "
            "({late} late and missing), {values} values, in {seconds:.1f} s.".format(**counts)))

    def wipe(self):
        models = [KpiValue, ReassessmentTrigger, KpiReturn, ActionItem, ActionPlan,
                  MonitoringActivity, RiskAssessment]
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for model in models:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        except DatabaseError as exc:
            raise CommandError(f"Other records refer to the monitoring records: {exc}.") from exc


class Generator:
    def __init__(self, rng, progress):
        self.rng = rng
        self.progress = progress
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.months = settings.MONITORING_REASSESSMENT_MONTHS
        self.grace = settings.MONITORING_ESCALATION_GRACE_DAYS
        levels, weights = zip(*RISK_LEVELS, strict=True)
        self.levels, self.level_weights = levels, weights

    def day(self, lo, hi):
        return self.rng.randint(lo, hi)

    def run(self):
        kpis_added = self.kpis()
        memberships = defaultdict(list)
        for provider_id, lot_id, status, admitted in Membership.objects.values_list(
                "provider_id", "lot_id", "status", "admitted_at"):
            memberships[provider_id].append((lot_id, status, timezone.localdate(admitted)))
        self.users = {}
        for pk, organisation_id in User.objects.filter(
                username__startswith=PREFIX, organisation__kind="provider").order_by(
                "username").values_list("pk", "organisation_id"):
            self.users.setdefault(organisation_id, pk)
        self.staff = list(User.objects.filter(username__startswith=PREFIX,
                                              username__endswith="-commissioner")
                          .values_list("pk", flat=True))
        self.admin = User.objects.filter(username=f"{PREFIX}admin").values_list(
            "pk", flat=True).first()
        # Every provider is monitored from its registration, member of a lot or not (spot
        # placements are made with providers that are not).
        registered = {pk: timezone.localdate(created) for pk, created in
                      Organisation.objects.filter(kind="provider", users__username__startswith=
                                                  PREFIX).distinct().values_list("pk",
                                                                                 "created_at")}
        providers = sorted(registered)
        self.progress(f"{len(providers)} providers ({len(memberships)} with memberships), "
                      f"{kpis_added} KPIs added")
        counts = {"providers": len(providers), "kpis": kpis_added}
        counts.update(self.risk(providers, registered))
        counts.update(self.returns(memberships))
        return counts

    def kpis(self):
        lots = Lot.objects.exclude(pk__in=Kpi.objects.values("lot_id"))
        rows = [Kpi(lot=lot, code=code, name=name, unit=unit, min_value=lo, max_value=hi,
                    frequency=Frequency.QUARTERLY, position=index, created_by=None)
                for lot in lots for index, (code, name, unit, lo, hi, _) in enumerate(KPIS)]
        Kpi.objects.bulk_create(rows)
        self.kpis_by_lot = defaultdict(list)
        typical = {code: span for code, *_, span in KPIS}
        for kpi in Kpi.objects.filter(is_active=True, frequency=Frequency.QUARTERLY):
            span = typical.get(kpi.code)
            if span is None:
                lo = float(kpi.min_value) if kpi.min_value is not None else 0.0
                hi = float(kpi.max_value) if kpi.max_value is not None else lo + 100
                span = (lo, hi)
            self.kpis_by_lot[kpi.lot_id].append((kpi.pk, span))
        return len(rows)

    # --- risk, triggers, activities, action plans ---------------------------------------------

    def risk(self, providers, registered):
        assessments, triggers, activities, plans, items = [], [], [], [], []
        for provider_id in providers:
            history = self.assessments(provider_id, registered[provider_id])
            assessments += history
            for index, a in enumerate(history):
                following = history[index + 1] if index + 1 < len(history) else None
                triggers += self.triggers(provider_id, a, following)
                activity = self.activity(provider_id, a, following)
                if activity:
                    activities.append(activity)
                    plan = self.plan(provider_id, activity, following)
                    if plan:
                        plans.append(plan[0])
                        items += plan[1]
        # Ids, then the rows that refer to them.
        first = reserve_ids(RiskAssessment, len(assessments))
        for offset, a in enumerate(assessments):
            a["id"] = first + offset
        first = reserve_ids(MonitoringActivity, len(activities))
        for offset, a in enumerate(activities):
            a["id"] = first + offset
        first = reserve_ids(ActionPlan, len(plans))
        for offset, p in enumerate(plans):
            p["id"] = first + offset
        BulkWriter(RiskAssessment, [
            "id", "provider_id", "assessed_at", "assessed_by_id", "impact", "probability",
            "score", "rag", "monitoring", "next_due", "is_current", "overdue_notified_at",
            "regulator_rating", "regulator_rating_date", "complaints", "safeguarding_concerns",
            "notifications", "financial_standing", "kpi_timeliness", "placement_breakdowns",
            "staff_turnover", "notes"]).write(
            (a["id"], a["provider"], a["at"], a["by"], a["impact"], a["probability"],
             a["impact"] * a["probability"], a["rag"], a["monitoring"], a["next_due"],
             a["current"], a["overdue_notified"], a["rating"], a["rating_date"],
             a["complaints"], a["safeguarding"], a["notifications"], a["financial"],
             a["timeliness"], a["breakdowns"], a["turnover"], "")
            for a in assessments)
        self.progress(f"{len(assessments)} risk assessments")
        self.open_late = []  # late-return triggers are written with the returns
        BulkWriter(ReassessmentTrigger, [
            "provider_id", "kind", "raised_at", "raised_by_id", "details",
            "cleared_by_assessment_id"]).write(
            (t["provider"], t["kind"], t["at"], t["by"], t["details"],
             t["cleared"]["id"] if t["cleared"] else None) for t in triggers)
        BulkWriter(MonitoringActivity, [
            "id", "provider_id", "kind", "status", "assessment_id", "planned_date", "done_date",
            "done_by_id", "findings", "cancelled_reason", "created_at", "created_by_id"]).write(
            (a["id"], a["provider"], a["kind"], a["status"], a["assessment"]["id"],
             a["planned"], a["done"], a["done_by"], a["findings"], a["cancelled"],
             a["created"], a["by"]) for a in activities)
        BulkWriter(ActionPlan, ["id", "provider_id", "title", "activity_id", "created_at",
                                "created_by_id"]).write(
            (p["id"], p["provider"], p["title"], p["activity"]["id"], p["created"], p["by"])
            for p in plans)
        BulkWriter(ActionItem, [
            "plan_id", "action", "owner", "due_date", "status", "provider_response", "evidence",
            "responded_at", "responded_by_id", "closed_at", "closed_by_id", "reminder_sent_at",
            "escalated_at"]).write(
            (i["plan"]["id"], i["action"], i["owner"], i["due"], i["status"], i["response"],
             "", i["responded_at"], i["responded_by"], i["closed_at"], i["closed_by"],
             i["reminded"], i["escalated"]) for i in items)
        self.progress(f"{len(triggers)} triggers, {len(activities)} activities, {len(plans)} "
                      f"plans, {len(items)} items")
        current = [a for a in assessments if a["current"]]
        open_items = [i for i in items if i["status"] == ActionItem.Status.OPEN]
        return {
            "assessments": len(assessments),
            "red": sum(a["rag"] == Rag.RED for a in current),
            "overdue": sum(a["next_due"] < self.today for a in current),
            "triggers": len(triggers),
            "open_triggers": sum(t["cleared"] is None for t in triggers),
            "activities": len(activities), "plans": len(plans), "items": len(items),
            "overdue_items": sum(i["due"] < self.today for i in open_items),
            "escalated": sum(i["escalated"] is not None for i in open_items),
        }

    def assessments(self, provider_id, first):
        """Every four to six months from its registration; the last one current. About one
        provider in twelve is overdue for its reassessment."""
        history = []
        day = first + datetime.timedelta(days=self.day(3, 40))
        overdue = self.rng.random() < 0.08
        while day <= self.today:
            impact, probability = self.rng.choices(self.levels, self.level_weights)[0]
            score, rag, monitoring = services.rate(impact, probability)
            latest = services.latest_next_due(day)
            next_due = latest if self.rng.random() < 0.6 else \
                day + datetime.timedelta(days=self.day(90, (latest - day).days))
            history.append({
                "provider": provider_id, "at": at(day, 11), "day": day,
                "by": self.rng.choice(self.staff) if self.staff else None,
                "impact": impact, "probability": probability, "rag": rag,
                "monitoring": monitoring, "next_due": next_due, "current": False,
                "overdue_notified": None,
                "rating": self.rng.choice(RegulatorRating.values),
                "rating_date": day - datetime.timedelta(days=self.day(30, 700)),
                "complaints": self.day(0, 6), "safeguarding": self.day(0, 2),
                "notifications": self.day(0, 8),
                "financial": self.rng.choice(FinancialStanding.values),
                "timeliness": self.rng.choice(KpiTimeliness.values),
                "breakdowns": self.day(0, 3), "turnover": f"{self.rng.uniform(2, 40):.2f}",
            })
            step = (next_due - day).days - self.day(0, 20)  # done a little before it is due
            day += datetime.timedelta(days=max(30, step))
        if not history:
            return history
        current = history[-1]
        current["current"] = True
        if overdue:
            # Assessed long enough ago that the next one is past due, and reminded once.
            day = self.today - relativedelta(months=self.months) - datetime.timedelta(
                days=self.day(5, 60))
            day = max(day, history[-2]["day"] + datetime.timedelta(days=30)) \
                if len(history) > 1 else day
            current.update(at=at(day, 11), day=day,
                           next_due=services.latest_next_due(day))
        if current["next_due"] < self.today:
            current["overdue_notified"] = at(current["next_due"] + datetime.timedelta(days=1), 7)
        return history

    def triggers(self, provider_id, assessment, following):
        """Information between this assessment and the next (cleared by it); after the current
        one, still open for about one provider in twenty."""
        rows = []
        end = following["day"] if following else self.today
        span = (end - assessment["day"]).days
        if span < 2:
            return rows
        chance = 0.35 if following else 0.05
        while self.rng.random() < chance:
            kind = self.rng.choice(list(TRIGGER_DETAILS))
            day = assessment["day"] + datetime.timedelta(days=self.day(1, span - 1))
            rows.append({"provider": provider_id, "kind": kind, "at": at(day, 14),
                         "by": self.rng.choice(self.staff) if self.staff else None,
                         "details": TRIGGER_DETAILS[kind], "cleared": following})
            chance /= 3
        return rows

    def activity(self, provider_id, assessment, following):
        """The monitoring the rating called for (green: only sometimes, as issues arise)."""
        if assessment["rag"] == Rag.GREEN and self.rng.random() < 0.7:
            return None
        kind = assessment["monitoring"]
        planned = assessment["day"] + datetime.timedelta(days=self.day(7, 60))
        if following is None and (planned >= self.today or self.rng.random() < 0.3):
            if assessment["rag"] == Rag.RED and self.rng.random() < 0.35:
                return None  # red without a visit planned: on the attention list for it
            return self.activity_row(provider_id, assessment, kind,
                                     max(planned, self.today + datetime.timedelta(
                                         days=self.day(1, 45))), MonitoringActivity.Status.PLANNED)
        if planned >= self.today:
            planned = self.today - datetime.timedelta(days=self.day(1, 10))
        status = MonitoringActivity.Status.CANCELLED if self.rng.random() < 0.05 \
            else MonitoringActivity.Status.DONE
        return self.activity_row(provider_id, assessment, kind, planned, status)

    def activity_row(self, provider_id, assessment, kind, planned, status):
        done = status == MonitoringActivity.Status.DONE
        return {
            "provider": provider_id, "kind": kind, "status": status, "assessment": assessment,
            "planned": planned, "done": planned if done else None,
            "done_by": assessment["by"] if done else None,
            "findings": self.rng.choice(FINDINGS) if done else "",
            "cancelled": "Rescheduled after the reassessment." if status == "cancelled" else "",
            "created": assessment["at"] + datetime.timedelta(hours=2), "by": assessment["by"],
        }

    def plan(self, provider_id, activity, following):
        """Done activities with findings produce an action plan about half the time."""
        if activity["status"] != MonitoringActivity.Status.DONE or self.rng.random() < 0.5:
            return None
        created = at(activity["done"] + datetime.timedelta(days=self.day(1, 10)), 12)
        plan = {"provider": provider_id, "title": f"Actions from the {activity['kind']} of "
                                                  f"{activity['done']:%d %B %Y}".replace(
                                                      "_", " "),
                "activity": activity, "created": created, "by": activity["by"]}
        items = []
        user = self.users.get(provider_id)
        for action in self.rng.sample(ACTIONS, self.day(2, 5)):
            due = timezone.localdate(created) + datetime.timedelta(days=self.day(14, 90))
            item = {"plan": plan, "action": action, "owner": self.rng.choice(OWNERS),
                    "due": due, "status": ActionItem.Status.COMPLETED, "response": "",
                    "responded_at": None, "responded_by": None, "closed_at": None,
                    "closed_by": None, "reminded": None, "escalated": None}
            roll = self.rng.random()
            if due < self.today - datetime.timedelta(days=120) and roll < 0.97:
                roll = 1.0  # old items are closed, nearly all of them
            if roll < 0.06:
                item["status"] = ActionItem.Status.OPEN  # overdue (or not yet due)
                if due < self.today:
                    item["reminded"] = at(due + datetime.timedelta(days=1), 7)
                    if due < self.today - datetime.timedelta(days=self.grace):
                        item["escalated"] = at(due + datetime.timedelta(
                            days=self.grace + 1), 7)
            elif roll < 0.12:
                item["status"] = ActionItem.Status.RESPONDED
                responded = min(self.now, at(due - datetime.timedelta(days=self.day(0, 7)), 15))
                item.update(response="Done: evidence attached.", responded_at=responded,
                            responded_by=user)
            elif roll < 0.15:
                item["status"] = ActionItem.Status.CANCELLED
                item.update(closed_at=min(self.now, at(due, 16)), closed_by=activity["by"])
            else:
                responded = min(self.now, at(due - datetime.timedelta(days=self.day(0, 10)), 15))
                item.update(response="Completed as agreed.", responded_at=responded,
                            responded_by=user,
                            closed_at=min(self.now, responded + datetime.timedelta(days=3)),
                            closed_by=activity["by"])
                if item["due"] >= self.today:
                    item["status"] = ActionItem.Status.OPEN if self.rng.random() < 0.5 \
                        else ActionItem.Status.COMPLETED
                    if item["status"] == ActionItem.Status.OPEN:
                        item.update(response="", responded_at=None, responded_by=None,
                                    closed_at=None, closed_by=None)
            items.append(item)
        return plan, items

    # --- KPI returns ----------------------------------------------------------------------------

    def returns(self, memberships):
        """A quarterly return per live membership (and removed ones while they were live) and
        quarter since admission, up to the quarter before today's (opened, not yet due)."""
        returns, values = [], []
        due_days = settings.MONITORING_KPI_RETURN_DUE_DAYS
        current_start, _ = services.period_for(Frequency.QUARTERLY, self.today)
        for provider_id, rows in sorted(memberships.items()):
            user = self.users.get(provider_id)
            sloppy = self.rng.random() < 0.1  # one provider in ten is often late
            for lot_id, status, admitted in rows:
                kpis = self.kpis_by_lot.get(lot_id)
                if not kpis:
                    continue
                start, end = services.period_for(Frequency.QUARTERLY, admitted)
                stop = current_start if status != Membership.Status.REMOVED else \
                    current_start - relativedelta(months=3 * self.day(1, 3))
                while start <= stop:
                    due = end + datetime.timedelta(days=due_days)
                    row = {"provider": provider_id, "lot": lot_id, "start": start, "end": end,
                           "due": due, "status": KpiReturn.Status.DUE, "submitted": None,
                           "by": None, "late_flagged": None}
                    if due < self.today:
                        missing = self.rng.random() < (0.2 if sloppy else 0.015)
                        if missing:
                            row["late_flagged"] = at(due + datetime.timedelta(days=1), 6)
                        else:
                            late = self.rng.random() < (0.4 if sloppy else 0.05)
                            day = due + datetime.timedelta(days=self.day(1, 30)) if late else \
                                end + datetime.timedelta(days=self.day(1, due_days))
                            day = min(day, self.today)
                            row.update(status=KpiReturn.Status.SUBMITTED,
                                       submitted=min(self.now, at(day, 16)), by=user)
                            if late and day > due:
                                row["late_flagged"] = at(due + datetime.timedelta(days=1), 6)
                    elif start < current_start and self.rng.random() < 0.6:
                        day = end + datetime.timedelta(days=self.day(1, due_days))
                        if day <= self.today:
                            row.update(status=KpiReturn.Status.SUBMITTED,
                                       submitted=min(self.now, at(day, 16)), by=user)
                    returns.append(row)
                    start = end + datetime.timedelta(days=1)
                    end = start + relativedelta(months=3, days=-1)
        first = reserve_ids(KpiReturn, len(returns))
        for offset, row in enumerate(returns):
            row["id"] = first + offset
        BulkWriter(KpiReturn, [
            "id", "provider_id", "lot_id", "frequency", "period_start", "period_end", "due_date",
            "status", "submitted_at", "submitted_by_id", "late_flagged_at", "created_at"]).write(
            (r["id"], r["provider"], r["lot"], Frequency.QUARTERLY, r["start"], r["end"],
             r["due"], r["status"], r["submitted"], r["by"], r["late_flagged"],
             at(r["start"] + relativedelta(months=3) - datetime.timedelta(days=1), 2))
            for r in returns)
        for r in returns:
            if r["status"] == KpiReturn.Status.SUBMITTED:
                for kpi_id, (lo, hi) in self.kpis_by_lot[r["lot"]]:
                    values.append((r["id"], kpi_id, f"{self.rng.uniform(lo, hi):.2f}"))
        writer = BulkWriter(KpiValue, ["kpi_return_id", "kpi_id", "value"])
        for i in range(0, len(values), 100_000):
            writer.write(values[i:i + 100_000])
        # Each late return raised its trigger once: cleared by a later assessment, else open.
        latest = dict(RiskAssessment.objects.filter(is_current=True).values_list(
            "provider_id", "assessed_at"))
        history = defaultdict(list)
        for pk, provider_id, assessed in RiskAssessment.objects.values_list(
                "pk", "provider_id", "assessed_at").order_by("assessed_at"):
            history[provider_id].append((assessed, pk))
        triggers = []
        for r in returns:
            if r["late_flagged"] is None:
                continue
            cleared = next((pk for assessed, pk in history[r["provider"]]
                            if assessed > r["late_flagged"]), None)
            if cleared is None and latest.get(r["provider"]) is None:
                continue
            triggers.append((r["provider"], TriggerKind.LATE_KPI_RETURN, r["late_flagged"],
                             None, f"KPI return for {r['start']:%d %b %Y}–{r['end']:%d %b %Y} "
                                   f"was due on {r['due']:%d %B %Y} and has not arrived.",
                             r["id"], cleared))
        BulkWriter(ReassessmentTrigger, [
            "provider_id", "kind", "raised_at", "raised_by_id", "details", "kpi_return_id",
            "cleared_by_assessment_id"]).write(triggers)
        self.progress(f"{len(returns)} KPI returns, {len(values)} values, {len(triggers)} "
                      "late-return triggers")
        return {"returns": len(returns), "values": len(values),
                "late": sum(r["status"] == KpiReturn.Status.DUE and r["due"] < self.today
                            for r in returns)}
