"""Derive the notices the records call for (ADR 0020): every candidate the rules give for the
arrangements, awards, placements, fee changes and payments, so existing data gets its notices
too. The scan only proposes; `services.raise_notice` creates what is missing (the unique
constraint on kind, subject and occurrence makes it once, whoever runs it and how often)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, Min, OuterRef
from django.utils import timezone

from calloffs.models import CallOff
from contracts.models import FeeChange, Placement
from dps.models import AuditEntry
from monitoring.models import Kpi
from notices import rules
from notices.models import Kind, SubjectType
from providers.models import Dps


@dataclass(frozen=True)
class Candidate:
    kind: str
    authority_id: int
    dps_id: int
    subject_type: str
    subject_id: int
    event_on: date
    due_by: date
    occurrence: str = ""

    @property
    def key(self):
        return (str(self.kind), str(self.subject_type), self.subject_id, self.occurrence)


def _local_date(moment):
    return timezone.localdate(moment) if moment else None


def dynamic_market_candidates(today):
    markets = (Dps.objects.filter(regime__in=rules.ACT, lead_authority__isnull=False)
               .values_list("pk", "lead_authority_id", "starts_on", "ends_on"))
    for pk, authority_id, starts_on, ends_on in markets:
        common = {"authority_id": authority_id, "dps_id": pk, "subject_type": SubjectType.DPS,
                  "subject_id": pk}
        yield Candidate(Kind.DYNAMIC_MARKET_INTENTION, event_on=starts_on,
                        due_by=rules.intention_due(starts_on), **common)
        if starts_on <= today:
            yield Candidate(Kind.DYNAMIC_MARKET_ESTABLISHMENT, event_on=starts_on,
                            due_by=rules.reasonably_practicable(starts_on), **common)
        if ends_on < today:
            yield Candidate(Kind.DYNAMIC_MARKET_CESSATION, event_on=ends_on,
                            due_by=rules.reasonably_practicable(ends_on), **common)
    modified = (AuditEntry.objects.filter(content_type__app_label="providers",
                                          content_type__model="dps",
                                          action="dps.conditions_modified")
                .values_list("pk", "object_id", "at"))
    regimes = dict(Dps.objects.filter(regime__in=rules.ACT, lead_authority__isnull=False)
                   .values_list("pk", "lead_authority_id"))
    for entry_id, dps_id, at in modified:
        if int(dps_id) not in regimes:
            continue
        day = _local_date(at)
        yield Candidate(Kind.DYNAMIC_MARKET_MODIFICATION, authority_id=regimes[int(dps_id)],
                        dps_id=int(dps_id), subject_type=SubjectType.DPS,
                        subject_id=int(dps_id), occurrence=f"change-{entry_id}", event_on=day,
                        due_by=rules.reasonably_practicable(day))


def award_candidates(today):
    awarded = (CallOff.objects.filter(status=CallOff.Status.AWARDED,
                                      lot__dps__regime__in=rules.ACT)
               .values_list("pk", "authority_id", "lot__dps_id", "lot__dps__regime", "route",
                            "approved_at"))
    for pk, authority_id, dps_id, regime, route, approved_at in awarded:
        if not approved_at or not rules.contract_award_needed(regime, route):
            continue
        day = _local_date(approved_at)
        yield Candidate(Kind.CONTRACT_AWARD, authority_id=authority_id, dps_id=dps_id,
                        subject_type=SubjectType.CALLOFF, subject_id=pk, event_on=day,
                        due_by=rules.contract_award_due(day))


def placement_candidates(today):
    kpis = Kpi.objects.filter(lot_id=OuterRef("lot_id"), is_active=True)
    placements = (Placement.objects.filter(route=Placement.Route.DPS,
                                           lot__dps__regime__in=rules.ACT)
                  .annotate(has_kpis=Exists(kpis))
                  .values_list("pk", "authority_id", "lot__dps_id", "lot__dps__regime",
                               "calloff__approved_at", "created_at", "status", "end_date",
                               "start_date", "value", "calloff__award_value", "has_kpis"))
    for (pk, authority_id, dps_id, regime, approved_at, created_at, status, end_date,
         start_date, value, award_value, has_kpis) in placements:
        common = {"authority_id": authority_id, "dps_id": dps_id,
                  "subject_type": SubjectType.PLACEMENT, "subject_id": pk}
        entered_on = _local_date(approved_at or created_at)
        yield Candidate(Kind.CONTRACT_DETAILS, event_on=entered_on,
                        due_by=rules.contract_details_due(regime, entered_on), **common)
        if status == Placement.Status.ENDED and end_date:
            yield Candidate(Kind.CONTRACT_TERMINATION, event_on=end_date,
                            due_by=rules.termination_due(end_date), **common)
        if rules.performance_needed(award_value or value, has_kpis):
            for year, assessed_on in rules.performance_assessments(
                    start_date, today, end_date if status == Placement.Status.ENDED else None):
                yield Candidate(Kind.CONTRACT_PERFORMANCE, event_on=assessed_on,
                                due_by=rules.performance_due(assessed_on),
                                occurrence=f"year-{year}", **common)


def change_candidates(today):
    changes = (FeeChange.objects.filter(status=FeeChange.Status.APPROVED,
                                        placement__route=Placement.Route.DPS,
                                        placement__lot__dps__regime__in=rules.ACT)
               .values_list("pk", "placement__authority_id", "placement__lot__dps_id",
                            "placement__lot__dps__regime", "decided_at", "effective_from",
                            "previous_price", "new_price"))
    for (pk, authority_id, dps_id, regime, decided_at, effective_from, previous,
         new) in changes:
        if not rules.contract_change_needed(regime, previous, new):
            continue
        yield Candidate(Kind.CONTRACT_CHANGE, authority_id=authority_id, dps_id=dps_id,
                        subject_type=SubjectType.FEE_CHANGE, subject_id=pk,
                        event_on=_local_date(decided_at) or effective_from,
                        due_by=rules.contract_change_due(effective_from))


def payments_candidates(today):
    """One per six-month period for each council holding a contract under the Act by the
    period's end (s.69); the council's first such arrangement names the notice's DPS."""
    periods = rules.payment_periods(today)
    if not periods:
        return
    first = (Placement.objects.filter(route=Placement.Route.DPS, lot__dps__regime__in=rules.ACT)
             .order_by().values("authority_id")
             .annotate(since=Min("created_at"), dps_id=Min("lot__dps_id")))
    first = {row["authority_id"]: (row["dps_id"], _local_date(row["since"])) for row in first}
    for authority_id, (dps_id, since) in first.items():
        for start, end in periods:
            if since > end:
                continue
            yield Candidate(Kind.PAYMENTS_COMPLIANCE, authority_id=authority_id, dps_id=dps_id,
                            subject_type=SubjectType.AUTHORITY, subject_id=authority_id,
                            occurrence=f"period-{start.isoformat()}", event_on=end,
                            due_by=rules.payments_compliance_due(end))


SOURCES = (dynamic_market_candidates, award_candidates, placement_candidates,
           change_candidates, payments_candidates)


def candidates(today=None):
    today = today or timezone.localdate()
    for source in SOURCES:
        yield from source(today)
