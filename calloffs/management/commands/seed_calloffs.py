"""Call-off volume for benchmarks, on top of `seed_scale`:

    manage.py seed_calloffs --calloffs 20000 [--invite-per-calloff 60] [--reset]

About a year of call-offs on the children's DPS: children and their anonymised referrals
(published, with needs from the taxonomy), call-offs across the four lots from the councils
`seed_scale` made, their invitations, expressions of interest, clarification questions and the
audit rows the services would have written. Most call-offs are in the past (awarded, no award,
cancelled, or closed and being evaluated); 1.5 % are open with deadlines to come, a third of
those closing within 48 hours.

Invitations are sampled, not complete. The rule is that a call-off invites every provider
admitted to its lot; at 2,000 providers and 20,000 call-offs that is ~10 million rows. Here each
call-off invites a random sample of --invite-per-calloff of the providers that were admitted
(not suspended, not removed) on its lot when it was published, or all of them when there are
no more than that. One fixed provider, printed at the end, is admitted to the residential and
fostering lots and invited to every call-off on those two lots published since its admission
(about 60 % of all call-offs), so its opportunity list is measured against a big invitation set.

Rows go in as plain rows (dps.bulk: COPY on PostgreSQL, with ids reserved first and the foreign
keys and plain indexes set aside until the end): the per-row services are not run, so the generator
keeps to their rules itself (EoIs only from invited providers, before the deadline, priced within
the provider's cap, one live EoI per provider and call-off; awards only of a live, scored offer,
with ranks and scores by the published formula; one award per call-off). The same --seed gives
the same mix; exact counts move a little with the time of day, as seed_scale's dates do.
"""

import bisect
import datetime
import random
import time
from collections import Counter, defaultdict
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from calloffs.models import CallOff, ExpressionOfInterest, Invitation, Question
from calloffs.services import award_value
from dps import audit
from dps.approvals import KEY_DECISION_THRESHOLD
from dps.bulk import Draft, bulk_load, insert_rows, model_rows, reserve_ids
from dps.models import AuditEntry, Organisation, Role, User
from dps.money import pennies
from providers.management.commands.seed_scale import (
    FIRST_NAMES,
    LAST_NAMES,
    LOT_PROFILES,
    PREFIX,
)
from providers.models import Dps, Membership, PriceUnit
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

AUDIT_FIELDS = ("at", "actor", "content_type", "object_id", "object_repr", "action",
                "from_state", "to_state", "reason", "data")
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
SITUATIONS = [
    "Current placement has broken down after a period of escalating incidents.",
    "Returning from hospital; needs a settled home with consistent adults.",
    "Step-down from a secure setting, with a transition plan agreed by the network.",
    "Placed out of area at present; the plan is to return closer to the home authority.",
    "Siblings are placed locally and family time should continue weekly.",
    "Has been out of education for two terms and needs a graduated return.",
    "Needs a placement that can manage missing episodes and work with the police.",
    "Long-term plan: permanence, with contact arrangements set by the court.",
]
STRENGTHS = [
    "Enjoys football and music; responds well to clear routines.",
    "Bright and articulate, likes art; finds change difficult.",
    "Engages well one to one; anxious in large groups.",
    "Good relationships with their social worker and independent visitor.",
    "Keen to learn to cook and to work towards independence skills.",
]
HOW_MET = [
    "Experienced carers with therapeutic training; a placement support worker visits weekly "
    "and our clinical team reviews the plan monthly.",
    "A two-bed home with 2:1 staffing by day, waking night staff and an in-house education "
    "lead who liaises with the virtual school.",
    "A key worker from the first day, a consistent team and a psychologist-led formulation "
    "within four weeks of arrival.",
    "Specialist teaching in small classes with speech and language and occupational therapy "
    "on site.",
]
OUTCOMES_APPROACH = [
    "Outcomes reviewed at each LAC review against the agreed outcomes star.",
    "Monthly outcome reports to the social worker, with the child's own view recorded.",
    "",
]
NO_AWARD_REASONS = [
    "No offer met the child's needs within the agreed budget.",
    "The only offers could not start before the child's plan required.",
    "The child's plan changed at review: an in-house placement became available.",
]
CANCEL_REASONS = [
    "The child returned home under a support plan.",
    "Placed with family and friends carers following the viability assessment.",
    "Referral published on the wrong lot; republished.",
]
QUESTIONS = [
    ("Is there flexibility on the start date?", "Yes, up to two weeks later."),
    ("Does the child need a placement within the home authority's boundary?",
     "Within 20 miles of the current school is preferred, not required."),
    ("Is transport to school included in the price?",
     "Transport is arranged by the authority separately."),
    ("Can you share the latest education plan?",
     "It will be shared with the shortlisted providers after the deadline."),
]


class Member(NamedTuple):
    pk: int
    provider_id: int
    lot_id: int
    price_cap: Decimal
    status: str
    admitted_at: datetime.datetime
    suspended_from: datetime.date | None
    removed_at: datetime.datetime | None


def seeded_children():
    """Children of the seeded authorities (case references are encrypted, so not by prefix)."""
    return Child.objects.filter(
        authority__in=Organisation.objects.filter(users__username__startswith=PREFIX))


class Progress:
    """Each step's time as it ends, and the time so far (as seed_placements prints them)."""

    def __init__(self, stdout):
        self.stdout = stdout
        self.started = self.last = time.monotonic()

    def __call__(self, message):
        now = time.monotonic()
        self.stdout.write(f"  {message} ({now - self.last:.1f} s; {now - self.started:.1f} s "
                          "in all)")
        self.stdout.flush()
        self.last = now


class Command(BaseCommand):
    help = ("Seed call-offs with referrals, sampled invitations, EoIs and questions on top of "
            "seed_scale's providers, with bulk writes (for benchmarks and load tests).")

    def add_arguments(self, parser):
        parser.add_argument("--calloffs", type=int, default=20000)
        parser.add_argument("--invite-per-calloff", type=int, default=60,
                            help="Providers invited per call-off, sampled from the lot's "
                                 "admitted members (default 60); the fixed provider comes on "
                                 "top.")
        parser.add_argument("--reset", action="store_true",
                            help="First delete the call-offs, referrals and children an earlier "
                                 "run made.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--password", default="",
                            help="Set this password on the fixed provider's user (default: "
                                 "leave the one seed_scale gave).")

    def handle(self, *args, calloffs, invite_per_calloff, reset, seed, password, **options):
        if calloffs < 1 or invite_per_calloff < 1:
            raise CommandError("--calloffs and --invite-per-calloff must be at least 1.")
        dps = Dps.objects.filter(code="children").first()
        if dps is None:
            raise CommandError("The children's DPS is missing: run `manage.py migrate` first.")
        if not User.objects.filter(username=f"{PREFIX}admin").exists():
            raise CommandError("No seed_scale data: run `manage.py seed_scale` first.")
        started = time.monotonic()
        step = Progress(self.stdout)
        with transaction.atomic():
            if reset:
                self.wipe()
                step("deleted the earlier run's rows")
            elif seeded_children().exists():
                raise CommandError("seed_calloffs has already run on this database: pass "
                                   "--reset to delete its data and seed again.")
            counts = Generator(dps, random.Random(seed), calloffs, invite_per_calloff,
                               step).run()
            if password:
                User.objects.filter(pk=counts["fixed_user_id"]).update(
                    password=make_password(password))
        step("committed")
        if connection.vendor == "postgresql":
            self.vacuum()
            step("VACUUM (ANALYZE)")
        counts["seconds"] = time.monotonic() - started
        counts["password"] = "as given with --password" if password else \
            "as seed_scale set it (unusable unless it had --password)"
        status = counts.pop("status")
        counts["mix"] = ", ".join(f"{status[s]} {s}" for s in Status.values if status[s])
        self.stdout.write(self.style.SUCCESS(
            "Seeded {calloffs} call-offs ({mix}; {closing_soon} closing within 48 hours), "
            "{referrals} published referrals with {needs} needs, {invitations} invitations "
            "({per_calloff} sampled per call-off, plus the fixed provider; inviting every "
            "admitted member would have made {complete}), {eois} expressions "
            "of interest, {questions} questions, {audit} audit entries in {seconds:.1f} s.\n"
            "Fixed provider: {fixed_name} (organisation {fixed_id}), user {fixed_username}, "
            "password {password}; admitted to {fixed_lots}; invited to {fixed_invitations} "
            "call-offs ({fixed_open} open), {fixed_eois} EoIs."
            .format(**counts)))

    def vacuum(self):
        """What autovacuum does soon after a bulk load (insert-triggered since PostgreSQL 13):
        fresh planner statistics, and a visibility map so index-only scans skip the heap."""
        tables = [model._meta.db_table for model in (
            Child, Referral, Referral.needs.through, CallOff, Invitation, ExpressionOfInterest,
            Question, AuditEntry, Membership)]
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(f"{verb} " + ", ".join(map(connection.ops.quote_name, tables)))

    def wipe(self):
        children = seeded_children()
        referrals = Referral.objects.filter(child__in=children)
        calloffs = CallOff.objects.filter(referral__in=referrals)
        owned = [
            (Question, Question.objects.filter(calloff__in=calloffs)),
            (ExpressionOfInterest, ExpressionOfInterest.objects.filter(calloff__in=calloffs)),
            (Invitation, Invitation.objects.filter(calloff__in=calloffs)),
            (CallOff, calloffs),
            (Referral, referrals),
        ]
        try:
            for model, queryset in owned:
                with audit.purge():  # resetting a seeded database: the one allowed purge
                    AuditEntry.objects.filter(
                        content_type=ContentType.objects.get_for_model(model),
                        object_id__in=queryset.values("pk"),
                    ).delete()
            calloffs.update(recommended_eoi=None)
            for _, queryset in owned:
                queryset.delete()
            children.delete()
        except ProtectedError as exc:
            raise CommandError(
                f"Other records still refer to the seeded call-offs, so they cannot be reset: "
                f"{exc}. Start from an empty database instead.") from exc


class Plan:
    """One call-off being generated, and everything that hangs off it."""

    __slots__ = ("lot", "authority", "commissioner", "status", "published_at", "deadline",
                 "closed_at", "ended_at", "recommended_at", "approved_at", "negotiation_until",
                 "invited", "child", "referral", "need_ids", "calloff", "eois", "winner",
                 "ranked_first", "questions")


class Generator:
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

    def write(self, plans):
        """Every row by COPY (multi-row INSERTs on SQLite), with ids reserved first: the
        recommended EoI goes in with its call-off (no UPDATE); on PostgreSQL the foreign keys
        are checked and the plain indexes built once per table at the end (dps.bulk.bulk_load),
        not row by row."""
        children = [p.child for p in plans]
        referrals = [p.referral for p in plans]
        calloffs = [p.calloff for p in plans]
        eois = [eoi for p in plans for eoi in p.eois]
        questions = [q for p in plans for q in p.questions]
        for model, objects in ((Child, children), (Referral, referrals), (CallOff, calloffs),
                               (ExpressionOfInterest, eois), (Question, questions)):
            first = reserve_ids(model, len(objects))
            for offset, obj in enumerate(objects):
                obj.pk = first + offset
        for p in plans:
            if p.winner is not None:
                p.calloff.recommended_eoi_id = p.winner.pk
        through = Referral.needs.through
        with bulk_load([Child, Referral, through, CallOff, Invitation,
                                        ExpressionOfInterest, Question, AuditEntry]):
            self.step("ids reserved; foreign keys and indexes set aside")
            for model, objects, what in ((Child, children, "children"),
                                         (Referral, referrals, "referrals"),
                                         (CallOff, calloffs, "call-offs")):
                insert_rows(model, *model_rows(model, objects))
                self.step(f"{len(objects)} {what}")
            needs = insert_rows(through, ("referral", "need"),
                                ((p.referral.pk, need) for p in plans for need in p.need_ids))
            self.step(f"{needs} referral needs")
            invitations = insert_rows(
                Invitation, ("calloff", "provider", "membership", "invited_at", "notified_at"),
                ((p.calloff.pk, m.provider_id, m.pk, p.published_at,
                  p.published_at + datetime.timedelta(seconds=30))
                 for p in plans for m in p.invited))
            self.step(f"{invitations} invitations")
            insert_rows(ExpressionOfInterest, *model_rows(ExpressionOfInterest, eois))
            self.step(f"{len(eois)} expressions of interest")
            insert_rows(Question, *model_rows(Question, questions))
            self.step(f"{len(questions)} questions")
            audit = insert_rows(AuditEntry, AUDIT_FIELDS,
                                (entry for p in plans for entry in self.audit_rows(p)))
            self.step(f"{audit} audit entries")
        self.step("indexes built, foreign keys checked")

    def audit_rows(self, p):
        """The rows the services would have written, at the times they would have."""
        by = p.commissioner.pk
        referral, calloff = p.referral, p.calloff
        yield self.audit(Referral, referral.pk, str(referral), "referral.created",
                         referral.created_at, by=by, to_state="draft")
        yield self.audit(Referral, referral.pk, str(referral), "referral.publish",
                         p.published_at, by=by, from_state="draft", to_state="published")
        yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.published", p.published_at,
                         by=by, to_state="open",
                         data={"invited": len(p.invited), "deadline": p.deadline.isoformat()})
        for eoi in p.eois:
            repr_ = f"EoI {eoi.pk} from {self.provider_names[eoi.provider_id]}"
            yield self.audit(ExpressionOfInterest, eoi.pk, repr_, "eoi.submitted",
                             eoi.submitted_at, by=eoi.submitted_by_id, to_state="submitted",
                             data={"price": str(eoi.offered_price)})
            if eoi.withdrawn_at:
                yield self.audit(ExpressionOfInterest, eoi.pk, repr_,
                                 "expressionofinterest.withdraw", eoi.withdrawn_at,
                                 by=eoi.submitted_by_id, from_state="submitted",
                                 to_state="withdrawn")
            if eoi.evaluated_at:
                yield self.audit(ExpressionOfInterest, eoi.pk, repr_, "eoi.evaluated",
                                 eoi.evaluated_at, by=eoi.evaluated_by_id,
                                 reason=eoi.evaluation_notes,
                                 data={"quality_score": eoi.quality_score, "previous": None})
        for question in p.questions:
            repr_ = f"Question {question.pk} on call-off {calloff.pk}"
            yield self.audit(Question, question.pk, repr_, "question.asked", question.asked_at,
                             by=self.provider_users[question.asked_by_id])
            if question.answered_at:
                yield self.audit(Question, question.pk, repr_, "question.answered",
                                 question.answered_at, by=by)
        if p.closed_at:
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.close", p.closed_at,
                             from_state="open", to_state="closed")
        if p.negotiation_until:
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.negotiation_opened",
                             p.closed_at + (p.negotiation_until - p.closed_at) * 0.2, by=by,
                             data={"until": p.negotiation_until.isoformat()})
        if p.status == Status.CANCELLED:
            at = p.ended_at or self.between(p.closed_at, min(self.now, p.closed_at
                                                             + datetime.timedelta(days=5)))
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.cancel", at, by=by,
                             from_state="closed" if p.closed_at else "open",
                             to_state="cancelled", reason=calloff.ended_reason)
        if p.status == Status.NO_AWARD:
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.no_award", p.ended_at,
                             by=by, from_state="closed", to_state="no_award",
                             reason=calloff.ended_reason)
        if p.winner is not None:
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.recommend",
                             p.recommended_at, by=by, from_state="closed",
                             to_state="awaiting_approval", reason=calloff.recommendation_reason,
                             data={"eoi": p.winner.pk, "ranked_first": p.ranked_first})
        if p.approved_at:
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.approve",
                             p.approved_at, by=calloff.approved_by_id,
                             from_state="awaiting_approval", to_state="awarded",
                             data={"eoi": p.winner.pk, "value": str(calloff.award_value)})
