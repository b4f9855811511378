"""The call-off generator behind `manage.py seed_calloffs` (the command's docstring says what it
makes and how it differs from production): plans every row in memory, then writes them as plain
rows through dps.bulk. Split from the command, which keeps its arguments, reset and report."""

import bisect
import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from typing import NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import CommandError
from django.utils import timezone

from calloffs.models import CallOff, ExpressionOfInterest, Question
from calloffs.seeding_rows import RowWriter
from calloffs.seeding_texts import (
    AUDIT_FIELDS,
    CANCEL_REASONS,
    HOW_MET,
    NO_AWARD_REASONS,
    OUTCOMES_APPROACH,
    QUESTIONS,
    SITUATIONS,
    STRENGTHS,
)
from calloffs.services import award_value
from dps.approvals import KEY_DECISION_THRESHOLD
from dps.bulk import Draft, insert_rows
from dps.models import AuditEntry, Organisation, Role, User
from dps.money import pennies
from providers.management.commands.seed_scale import (
    FIRST_NAMES,
    LAST_NAMES,
    LOT_PROFILES,
    PREFIX,
)
from providers.models import Membership, PriceUnit
from referrals.crypto import reference_digest
from referrals.models import (
    Alternative,
    BudgetKind,
    Child,
    Need,
    OutcomeDomain,
    PanelDecision,
    Referral,
    Urgency,
)

CASE_PREFIX = "SCALE-"  # seeded children's case references: --reset finds its rows through them
FIXED_LOTS = ("residential", "fostering")
HISTORY_DAYS = 365
OPEN_SHARE = 0.015
MEAN_EOIS = 5  # the design's 1 million EoIs for 200,000 placements
FIXED_EOI_RATE = 0.2  # the fixed provider answers one invitation in five

Status = CallOff.Status
AGES = {"fostering": (0, 17), "residential": (8, 17), "inmss": (5, 18), "tuition": (7, 16)}
WEEKS = {"fostering": (26, 156), "residential": (12, 104), "inmss": (38, 114),
         "tuition": (6, 39)}


class Member(NamedTuple):
    pk: int
    provider_id: int
    lot_id: int
    price_cap: Decimal
    status: str
    admitted_at: datetime.datetime
    suspended_from: datetime.date | None
    removed_at: datetime.datetime | None


class Plan:
    """One call-off being generated, and everything that hangs off it."""

    __slots__ = ("lot", "authority", "commissioner", "status", "published_at", "deadline",
                 "closed_at", "ended_at", "recommended_at", "approved_at", "negotiation_until",
                 "invited", "child", "referral", "need_ids", "calloff", "eois", "winner",
                 "ranked_first", "questions")


class Generator(RowWriter):
    """Builds the rows in memory (invitations excepted: those stream), then bulk_creates."""

    def __init__(self, dps, rng, n_calloffs, per_calloff, step=None):
        self.dps = dps
        self.step = step or (lambda message: None)
        self.rng = rng
        self.n_calloffs = n_calloffs
        self.per_calloff = per_calloff
        self.now = timezone.now()
        self.lots = {lot.code: lot for lot in dps.lots.all()}
        missing = set(LOT_PROFILES) - set(self.lots)
        if missing:
            raise CommandError(f"The children's DPS lacks the lots {sorted(missing)}.")
        self.lot_codes = list(LOT_PROFILES)
        self.lot_weights = [LOT_PROFILES[code][0] for code in self.lot_codes]
        self.need_ids = list(Need.objects.filter(is_active=True).values_list("pk", flat=True))
        self.commissioners, self.budget_holders = {}, {}
        for user in User.objects.filter(username__startswith=f"{PREFIX}a",
                                        organisation__kind="authority").order_by("username"):
            if Role.COMMISSIONER in user.roles:
                self.commissioners.setdefault(user.organisation_id, user)
            if Role.BUDGET_HOLDER in user.roles:
                self.budget_holders.setdefault(user.organisation_id, user)
        self.authorities = list(Organisation.objects.filter(pk__in=self.commissioners)
                                .order_by("-is_lead", "pk"))
        if not self.authorities:
            raise CommandError("No seeded commissioners: run `manage.py seed_scale` first.")
        # The lead council places the most; the partners share the rest.
        self.authority_weights = [3 if a.is_lead else 1 for a in self.authorities]
        self.provider_users = {}
        self.provider_names = {}
        for org_id, user_id, name in (
                User.objects.filter(username__startswith=f"{PREFIX}p",
                                    organisation__kind="provider")
                .order_by("username").values_list("organisation_id", "pk",
                                                  "organisation__name")):
            self.provider_users.setdefault(org_id, user_id)
            self.provider_names[org_id] = name
        self.members = defaultdict(list)  # lot id → [Member]
        for row in (Membership.objects.filter(lot__dps=dps, provider__in=self.provider_users)
                    .order_by("pk").values_list("pk", "provider_id", "lot_id", "price_cap",
                                                "status", "admitted_at", "suspended_from",
                                                "removed_at")):
            self.members[row[2]].append(Member(*row))
        self.pools = {}  # lot id → (other members, the fixed provider's), for invite()
        self.timelines = {}  # lot id → sorted admissions, removals and suspensions
        self.content_types = {model: ContentType.objects.get_for_model(model) for model in
                              (Referral, CallOff, ExpressionOfInterest, Question, Membership)}
        self.audit_count = 0

    # --- helpers ----------------------------------------------------------------------------

    def days(self, lo, hi):
        return datetime.timedelta(days=self.rng.uniform(lo, hi))

    def between(self, start, end, lo=0.0, hi=1.0):
        return start + (end - start) * self.rng.uniform(lo, hi)

    def cap(self, code):
        lo, hi, step = LOT_PROFILES[code][1]
        return Decimal(self.rng.randrange(lo, hi + step, step)).quantize(Decimal("0.01"))

    def eligible(self, member, at):
        """Admitted on the lot at `at`: what publication would have invited."""
        if member.admitted_at > at:
            return False
        if member.status == Membership.Status.REMOVED and member.removed_at <= at:
            return False
        return not (member.status == Membership.Status.SUSPENDED
                    and member.suspended_from <= timezone.localdate(at))

    def admitted_count(self, lot_id, at):
        """How many providers publication at `at` would have invited (every admitted one)."""
        if lot_id not in self.timelines:
            members = self.members[lot_id]
            self.timelines[lot_id] = (
                sorted(m.admitted_at for m in members),
                sorted(m.removed_at for m in members if m.status == Membership.Status.REMOVED),
                sorted(m.suspended_from for m in members
                       if m.status == Membership.Status.SUSPENDED))
        admitted, removed, suspended = self.timelines[lot_id]
        return (bisect.bisect_right(admitted, at) - bisect.bisect_right(removed, at)
                - bisect.bisect_right(suspended, timezone.localdate(at)))

    def audit(self, model, pk, repr_, action, at, *, by=None, from_state="", to_state="",
              reason="", data=None):
        """An audit row as `dps.bulk.insert_rows` takes it (AUDIT_FIELDS)."""
        self.audit_count += 1
        return (at, by, self.content_types[model].pk, pk, repr_[:200], action, from_state,
                to_state, reason, data or {})

    # --- the run ----------------------------------------------------------------------------

    def run(self):
        fixed = self.fixed_provider()
        self.step("reference data and the fixed provider")
        plans = [self.plan(index, fixed) for index in range(self.n_calloffs)]
        plans.sort(key=lambda p: p.published_at)  # ids follow publication, as in real life
        self.step(f"planned {len(plans)} call-offs")
        self.write(plans)
        status = Counter(p.status for p in plans)
        soon = self.now + datetime.timedelta(hours=48)
        fixed_plans = [p for p in plans if any(m.provider_id == fixed["provider_id"]
                                               for m in p.invited)]
        return {
            "calloffs": len(plans), "status": status,
            "closing_soon": sum(p.status == Status.OPEN and p.deadline <= soon for p in plans),
            "referrals": len(plans), "needs": sum(len(p.need_ids) for p in plans),
            "invitations": sum(len(p.invited) for p in plans), "per_calloff": self.per_calloff,
            "complete": sum(self.admitted_count(p.lot.pk, p.published_at) for p in plans),
            "eois": sum(len(p.eois) for p in plans),
            "questions": sum(len(p.questions) for p in plans), "audit": self.audit_count,
            "fixed_id": fixed["provider_id"], "fixed_name": fixed["name"],
            "fixed_user_id": fixed["user_id"], "fixed_username": fixed["username"],
            "fixed_lots": " and ".join(FIXED_LOTS),
            "fixed_invitations": len(fixed_plans),
            "fixed_open": sum(p.status == Status.OPEN for p in fixed_plans),
            "fixed_eois": sum(e.provider_id == fixed["provider_id"] for p in plans
                              for e in p.eois),
        }

    def fixed_provider(self):
        """The longest-admitted residential provider (admitted or unlisted on fostering); made a
        member of both lots if it is not yet."""
        lots = [self.lots[code] for code in FIXED_LOTS]
        live = {(m.provider_id, m.lot_id): m for lot in lots for m in self.members[lot.pk]
                if m.status in Membership.LIVE}
        best = None
        for provider_id in self.provider_users:
            held = [live.get((provider_id, lot.pk)) for lot in lots]
            if any(m is not None and m.status != Membership.Status.ADMITTED for m in held):
                continue  # suspended on one of the lots: not the provider to measure
            admitted = [m.admitted_at for m in held if m is not None]
            key = (min(admitted, default=self.now), -len(admitted), provider_id)
            if best is None or key < best[0]:
                best = (key, provider_id, held)
        if best is None:
            raise CommandError("No seeded provider can be admitted to the residential and "
                               "fostering lots.")
        _, provider_id, held = best
        since = min((m.admitted_at for m in held if m is not None),
                    default=self.now - datetime.timedelta(days=HISTORY_DAYS + 30))
        added = [Membership(provider_id=provider_id, lot=lot, price_cap=self.cap(lot.code),
                            status=Membership.Status.ADMITTED, admitted_at=since,
                            status_reason="Meets the specification and the quality threshold.")
                 for lot, member in zip(lots, held, strict=True) if member is None]
        Membership.objects.bulk_create(added)
        audit = []
        for membership in added:
            self.members[membership.lot_id].append(Member(
                membership.pk, provider_id, membership.lot_id, membership.price_cap,
                membership.status, membership.admitted_at, None, None))
            audit.append(self.audit(
                Membership, membership.pk,
                f"{self.provider_names[provider_id]} on {membership.lot.code}",
                "membership.admitted", since, to_state="admitted",
                reason=membership.status_reason))
        insert_rows(AuditEntry, AUDIT_FIELDS, audit)
        user_id = self.provider_users[provider_id]
        return {"provider_id": provider_id, "name": self.provider_names[provider_id],
                "user_id": user_id,
                "username": User.objects.values_list("username", flat=True).get(pk=user_id)}

    def plan(self, index, fixed):
        rng, now = self.rng, self.now
        p = Plan()
        n_open = min(self.n_calloffs, max(3, round(self.n_calloffs * OPEN_SHARE)))
        is_open = index < n_open
        # The first two open call-offs are on the fixed provider's residential lot, so its
        # "open" and "closing soon" lists are never empty, at any size.
        code = "residential" if index < 2 else rng.choices(self.lot_codes, self.lot_weights)[0]
        p.lot = self.lots[code]
        p.authority = rng.choices(self.authorities, self.authority_weights)[0]
        p.commissioner = self.commissioners[p.authority.pk]
        p.closed_at = p.ended_at = p.recommended_at = p.approved_at = None
        p.negotiation_until = None
        p.winner = None
        p.ranked_first = False
        if is_open:
            p.status = Status.OPEN
            p.published_at = now - self.days(0.1, 6)
            p.deadline = now + (datetime.timedelta(hours=rng.uniform(1, 46)) if index % 3 == 0
                                else self.days(2.1, 10))
        else:
            p.deadline = now - self.days(0.02, HISTORY_DAYS)
            p.published_at = p.deadline - self.days(2, 10)
            if p.deadline > now - datetime.timedelta(days=2):
                p.status = Status.CLOSED  # evaluation has only just started
            elif p.deadline > now - datetime.timedelta(days=21):
                p.status = rng.choices(
                    [Status.CLOSED, Status.AWAITING_APPROVAL, Status.AWARDED, Status.NO_AWARD,
                     Status.CANCELLED], [40, 15, 30, 8, 7])[0]
            else:
                p.status = rng.choices([Status.AWARDED, Status.NO_AWARD, Status.CANCELLED],
                                       [78, 13, 9])[0]
        self.invite(p, fixed)
        self.referral(p, index)
        self.calloff(p)
        self.expressions_of_interest(p, fixed)
        self.decide(p)
        self.ask_questions(p, fixed, force=index == 1)
        return p

    def invite(self, p, fixed):
        """A random sample of the lot's members admitted at publication; the fixed provider on
        top whenever it was admitted."""
        k = self.per_calloff
        if p.lot.pk not in self.pools:  # the members other than the fixed provider, per lot
            members = self.members[p.lot.pk]
            self.pools[p.lot.pk] = (
                [m for m in members if m.provider_id != fixed["provider_id"]],
                [m for m in members if m.provider_id == fixed["provider_id"]])
        pool, fixed_members = self.pools[p.lot.pk]
        candidates = self.rng.sample(pool, min(len(pool), 2 * k))
        chosen, seen = [], set()
        for member in candidates:
            if member.provider_id not in seen and self.eligible(member, p.published_at):
                chosen.append(member)
                seen.add(member.provider_id)
                if len(chosen) == k:
                    break
        if len(chosen) < k and len(candidates) < len(pool):
            eligible = {m.provider_id: m for m in pool if self.eligible(m, p.published_at)}
            chosen = self.rng.sample(sorted(eligible.values()), min(k, len(eligible)))
        fixed_member = next((m for m in fixed_members if self.eligible(m, p.published_at)),
                            None)
        if fixed_member is not None:
            chosen.append(fixed_member)
        p.invited = chosen

    def referral(self, p, index):
        rng = self.rng
        code = p.lot.code
        age = rng.randint(*AGES[code])
        start = timezone.localdate(p.deadline) + datetime.timedelta(days=rng.randint(3, 28))
        dob = start - datetime.timedelta(days=int(365.25 * age) + rng.randint(1, 360))
        created = p.published_at - self.days(0.5, 10)
        p.child = Child(
            authority=p.authority, first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES), date_of_birth=dob,
            case_reference=f"{CASE_PREFIX}{index + 1:06d}", postcode=p.authority.postcode,
            case_reference_digest=reference_digest(f"{CASE_PREFIX}{index + 1:06d}"),
            created_at=created, updated_at=created,
        )
        lo, hi, _ = LOT_PROFILES[code][1]
        budget_kind, budget_amount = "", None
        roll = rng.random()
        if roll < 0.5:
            budget_kind = BudgetKind.CEILING
            budget_amount = pennies(Decimal(rng.uniform(lo + (hi - lo) * 0.4, hi)))
        elif roll < 0.6:
            budget_kind = BudgetKind.PERSONAL_BUDGET
            budget_amount = pennies(Decimal(rng.uniform(lo, hi)))
        area = p.authority.area if rng.random() < 0.8 else rng.choice(self.authorities).area
        panel = rng.random() < 0.3
        p.referral = Referral(
            authority=p.authority, child=p.child, lot=p.lot, status=Referral.Status.PUBLISHED,
            outcomes=rng.sample(OutcomeDomain.values, rng.randint(2, 4)),
            summary=f"{rng.choice(SITUATIONS)} {rng.choice(STRENGTHS)}",
            placement_start=start, duration_weeks=rng.randint(*WEEKS[code]),
            hours_per_week=Decimal(rng.randint(5, 25)) if p.lot.price_unit == PriceUnit.HOUR
            else None,
            location_area=area or "South East",
            urgency=rng.choices(Urgency.values, [70, 25, 5])[0],
            budget_kind=budget_kind, budget_amount=budget_amount,
            alternatives_considered=rng.sample(Alternative.values, rng.randint(1, 2)),
            panel_date=timezone.localdate(created) if panel else None,
            panel_decision=PanelDecision.APPROVED if panel else "",
            created_at=created, created_by_id=p.commissioner.pk,
            published_at=p.published_at, published_by_id=p.commissioner.pk,
        )
        p.need_ids = rng.sample(self.need_ids, min(len(self.need_ids), rng.randint(1, 4)))

    def calloff(self, p):
        start, dob = p.referral.placement_start, p.child.date_of_birth
        age = start.year - dob.year - ((start.month, start.day) < (dob.month, dob.day))
        quality = 60 if self.rng.random() < 0.8 else 70
        if p.status != Status.OPEN:
            p.closed_at = p.deadline + datetime.timedelta(seconds=self.rng.uniform(1, 60))
        if p.status == Status.CANCELLED and self.rng.random() < 0.5:
            p.closed_at = None  # cancelled while still open
            p.ended_at = self.between(p.published_at, p.deadline, 0.2, 0.9)
        p.calloff = CallOff(
            referral=p.referral, authority=p.authority, lot=p.lot, child_age=age,
            status=p.status, deadline=p.deadline, quality_weight=quality,
            price_weight=100 - quality, invited_count=len(p.invited),
            published_at=p.published_at, published_by_id=p.commissioner.pk,
            closed_at=p.closed_at,
        )
        if p.status == Status.CANCELLED:
            p.calloff.ended_reason = self.rng.choice(CANCEL_REASONS)

    def expressions_of_interest(self, p, fixed):
        rng = self.rng
        end = p.ended_at or (self.now if p.status == Status.OPEN else p.deadline)
        share = (end - p.published_at) / (p.deadline - p.published_at)  # 1 once it closed
        others = [m for m in p.invited if m.provider_id != fixed["provider_id"]]
        mine = [m for m in p.invited if m.provider_id == fixed["provider_id"]]
        n = round(min(len(others), rng.randint(0, 2 * MEAN_EOIS)) * share)
        needs_offer = p.status in (Status.AWARDED, Status.AWAITING_APPROVAL)
        if needs_offer and not n and not mine:
            n = min(1, len(others))
        responders = rng.sample(others, n)
        if mine and rng.random() < FIXED_EOI_RATE * share:
            responders += mine
        if needs_offer and not responders:
            p.status = Status.NO_AWARD  # nobody was invited: nothing to award
            p.calloff = None
            self.calloff(p)
        p.eois = []
        for number, member in enumerate(responders):
            price = pennies(member.price_cap * Decimal(rng.uniform(0.8, 1.0)))
            submitted = self.between(p.published_at, end, 0.05, 0.95)
            withdrawn = number > 0 and rng.random() < 0.04
            eoi = Draft(  # an EoI's fields, cheaper than a model instance (100,000 of them)
                ExpressionOfInterest, calloff=p.calloff, provider_id=member.provider_id,
                status=ExpressionOfInterest.Status.WITHDRAWN if withdrawn
                else ExpressionOfInterest.Status.SUBMITTED,
                price=price, offered_price=price,
                proposed_start=p.referral.placement_start
                + datetime.timedelta(days=rng.randint(0, 7)),
                how_needs_met=rng.choice(HOW_MET), outcomes_approach=rng.choice(OUTCOMES_APPROACH),
                submitted_at=submitted, updated_at=submitted,
                submitted_by_id=self.provider_users[member.provider_id],
                withdrawn_at=self.between(submitted, end) if withdrawn else None,
            )
            if withdrawn:
                eoi.updated_at = eoi.withdrawn_at
            p.eois.append(eoi)

    def decide(self, p):
        """Evaluation, recommendation, approval and the bidders' outcomes, by the rules."""
        rng, now = self.rng, self.now
        live = [e for e in p.eois if e.status == ExpressionOfInterest.Status.SUBMITTED]
        if p.status in (Status.OPEN, Status.CANCELLED):
            return
        evaluator = p.commissioner.pk
        if p.status == Status.CLOSED:
            for eoi in live:
                if rng.random() < 0.6:
                    self.score(eoi, self.between(p.closed_at, now), evaluator)
            return
        p.recommended_at = p.closed_at + (min(datetime.timedelta(days=6), now - p.closed_at)
                                          * rng.uniform(0.3, 0.6))
        for eoi in live:
            self.score(eoi, self.between(p.closed_at, p.recommended_at, 0.1, 0.9), evaluator)
        if p.status == Status.NO_AWARD:
            p.ended_at = p.recommended_at
            p.calloff.ended_reason = rng.choice(NO_AWARD_REASONS)
            for eoi in live:
                eoi.outcome_notified_at = p.ended_at + datetime.timedelta(minutes=2)
            return
        if rng.random() < 0.05:  # a negotiation stage lowered some prices before the ranking
            p.negotiation_until = self.between(p.closed_at, p.recommended_at, 0.3, 0.6)
            p.calloff.negotiation_until = p.negotiation_until
            for eoi in live:
                if rng.random() < 0.5:
                    eoi.price = pennies(eoi.offered_price * Decimal(rng.uniform(0.95, 0.99)))
                    eoi.updated_at = p.negotiation_until
        weights = (p.calloff.price_weight, p.calloff.quality_weight)
        lowest = min(e.price for e in live)
        for eoi in live:
            eoi.price_score = pennies(lowest / eoi.price * Decimal(weights[0]))
            quality = pennies(Decimal(eoi.quality_score) / 100 * weights[1])
            eoi.total_score = pennies(eoi.price_score + quality)
        ranked = sorted(live, key=lambda e: (-e.total_score, e.price, e.submitted_at))
        for rank, eoi in enumerate(ranked, start=1):
            eoi.rank = rank
        preference = len(ranked) > 1 and rng.random() < 0.1
        p.winner = ranked[1] if preference else ranked[0]
        p.ranked_first = not preference
        p.calloff.recommendation_reason = (
            "Second-ranked offer: the child and family preferred its location, within budget."
            if preference else "Highest total score on the published criteria.")
        p.calloff.recommended_at = p.recommended_at
        p.calloff.recommended_by_id = p.commissioner.pk
        if p.status == Status.AWAITING_APPROVAL:
            for eoi in live:  # ranks are stored when the award is made and bidders are told
                eoi.rank = eoi.price_score = eoi.total_score = None
            return
        p.approved_at = p.recommended_at + (min(datetime.timedelta(days=3),
                                                now - p.recommended_at) * rng.uniform(0.3, 0.9))
        value = award_value(price=p.winner.price, unit=p.lot.price_unit,
                            duration_weeks=p.referral.duration_weeks,
                            hours_per_week=p.referral.hours_per_week)
        p.calloff.award_value = value
        if value > KEY_DECISION_THRESHOLD:
            p.calloff.key_decision_reference = f"KD/{p.approved_at:%Y}/{rng.randint(1, 999):03d}"
        p.calloff.approved_at = p.approved_at
        p.calloff.approved_by_id = self.budget_holders[p.authority.pk].pk
        for eoi in live:
            eoi.outcome = (ExpressionOfInterest.Outcome.AWARDED if eoi is p.winner
                           else ExpressionOfInterest.Outcome.UNSUCCESSFUL)
            eoi.outcome_notified_at = p.approved_at + datetime.timedelta(minutes=2)

    def score(self, eoi, at, by):
        eoi.quality_score = self.rng.randint(35, 95)
        eoi.evaluation_notes = "Scored against the published quality criteria."
        eoi.evaluated_at = at
        eoi.evaluated_by_id = by

    def ask_questions(self, p, fixed, force=False):
        rng = self.rng
        p.questions = []
        if not p.invited:
            return
        end = p.ended_at or (self.now if p.status == Status.OPEN else p.deadline)
        if not force and rng.random() >= (0.3 if p.status == Status.OPEN else 0.12):
            return
        mine = [m for m in p.invited if m.provider_id == fixed["provider_id"]]
        for number in range(2 if force else rng.randint(1, 3)):
            asker = (mine[0] if mine and (force and number == 1 or rng.random() < 0.2)
                     else rng.choice(p.invited))
            text, answer = rng.choice(QUESTIONS)
            asked = self.between(p.published_at, end, 0.05, 0.7)
            question = Question(calloff=p.calloff, asked_by_id=asker.provider_id, text=text,
                                asked_at=asked)
            answered = (number == 0) if force else \
                rng.random() < (0.5 if p.status == Status.OPEN else 0.9)
            if answered:
                question.answer = answer
                question.answered_at = self.between(asked, end, 0.1, 0.9)
                question.answered_by_id = p.commissioner.pk
                question.notified_at = question.answered_at + datetime.timedelta(minutes=1)
            p.questions.append(question)

    # --- writing ----------------------------------------------------------------------------
