"""Volume for benchmarks: `manage.py seed_scale --providers 2000 [--authorities 8] [--reset]`.

N provider organisations (each with a user) on the children's DPS with the admission history a
few years of running leaves: completed rounds whose applications were decided lot by lot, one
closed round with applications awaiting decisions, one open round taking submissions, drafts,
withdrawals, and memberships mostly admitted, some suspended, some removed, each with the audit
rows the services would have written.

Rows go in with bulk_create (seconds for 2,000 providers), so the services' rules are not run:
the generator keeps to them itself (one live membership per provider and lot, one pending
application per provider, decisions only in completed rounds, suspensions within six months).
Users get unusable passwords unless --password is given. The same --seed gives the same data.
"""

import datetime
import random
import time
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from dps import audit
from dps.models import AuditEntry, Organisation, Role, User
from dps.workdays import add_working_days
from providers.models import (
    AdmissionRound,
    Application,
    ApplicationLot,
    CreditCheckResult,
    Dps,
    Membership,
    Outcome,
)

PREFIX = "scale-"  # every user this command creates; --reset finds its rows through them
BATCH = 1000
COMPLETED_ROUNDS = 6

AUTHORITIES = [
    ("West Sussex County Council", "West Sussex", "PO19 1RQ"),
    ("Brighton and Hove City Council", "Brighton and Hove", "BN3 3BQ"),
    ("East Sussex County Council", "East Sussex", "BN7 1UE"),
    ("Surrey County Council", "Surrey", "KT1 2DN"),
    ("Kent County Council", "Kent", "ME14 1XQ"),
    ("Hampshire County Council", "Hampshire", "SO23 8UJ"),
    ("Portsmouth City Council", "Portsmouth", "PO1 2AL"),
    ("Southampton City Council", "Southampton", "SO14 7LY"),
    ("Isle of Wight Council", "Isle of Wight", "PO30 1UD"),
    ("Medway Council", "Medway", "ME4 4TR"),
]
# Provider service areas and their postcode areas (letters only); some out of the region.
PROVIDER_AREAS = [(area, postcode.split()[0].rstrip("0123456789"))
                  for _, area, postcode in AUTHORITIES] + [
    ("Croydon", "CR"), ("Bournemouth, Christchurch and Poole", "BH"), ("Wiltshire", "SN"),
    ("Oxfordshire", "OX"), ("Buckinghamshire", "HP"),
]
PLACES = [
    "Oakfield", "Harbour", "Meadowbank", "Downs View", "Southdown", "Weald", "Chalk Hill",
    "Riverside", "Coastal", "Bright Steps", "Pathways", "Willow", "Beacon", "Hilltop",
    "Greenacre", "Brookside", "Elmwood", "Fairhaven", "Kingsmead", "Larkspur", "Maplewood",
    "Northgate", "Orchard", "Pebble Bay", "Queensway", "Rosehill", "Seaview", "Thornbury",
    "Upland", "Valley", "Westfield", "Yew Tree", "Ashdown", "Birchwood", "Cedar", "Dovecote",
    "Evergreen", "Foxglove", "Goldcrest", "Hazel", "Ivy Lane", "Juniper",
]
LEGAL = [" Ltd", " Limited", " CIC", "", " Group Ltd"]
# Lot code → share of providers whose main lot it is, price cap range and step, name words.
LOT_PROFILES = {
    "fostering": (35, (850, 1250, 5), ["Fostering", "Foster Care", "Family Placements"]),
    "residential": (30, (4500, 9500, 50), ["Children's Homes", "Care Homes", "Residential Care"]),
    "inmss": (10, (45000, 95000, 500), ["School", "Specialist College", "Learning Trust"]),
    "tuition": (25, (35, 65, 1), ["Tuition", "Tutors", "Alternative Provision"]),
}
SECOND_LOTS = {"fostering": ["residential"], "residential": ["fostering", "tuition"],
               "inmss": ["tuition"], "tuition": ["inmss", "residential"]}
FIRST_NAMES = ["Alex", "Sam", "Jo", "Priya", "Tom", "Aisha", "Ben", "Chloe", "Dev", "Ella",
               "Femi", "Grace", "Harry", "Imran", "Jess", "Kate", "Liam", "Maya", "Niall", "Orla"]
LAST_NAMES = ["Smith", "Jones", "Patel", "Williams", "Brown", "Khan", "Taylor", "Davies",
              "Evans", "Wilson", "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Green"]
ADMITTED_REASON = "Meets the specification and the quality threshold."
REJECTED_REASONS = [
    "The safeguarding policy does not meet section 4 of the specification.",
    "No evidence of the insurance levels the specification sets.",
    "Latest Ofsted judgement below 'good' and no improvement plan.",
    "The method statement does not show how outcomes will be measured.",
]
SUSPENDED_REASONS = [
    "Safeguarding concern under investigation.",
    "Ofsted judgement 'inadequate': suspended until re-inspection.",
    "Not engaging with contract monitoring (action plan overdue).",
]
REMOVED_REASONS = [
    "Failed the specification: registration cancelled by Ofsted.",
    "Failed the specification after an unresolved monitoring action plan.",
]


@contextmanager
def explicit_timestamps(*fields):
    """Let bulk_create keep the past dates we give auto_now_add fields (history, not 'now')."""
    saved = [(field, field.auto_now_add) for field in fields]
    for field, _ in saved:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field, value in saved:
            field.auto_now_add = value


def _field(model, name):
    return model._meta.get_field(name)


class Command(BaseCommand):
    help = ("Seed N providers with users, rounds, applications and memberships on the children's "
            "DPS, with bulk writes (for benchmarks and load tests).")

    def add_arguments(self, parser):
        parser.add_argument("--providers", type=int, default=2000)
        parser.add_argument("--authorities", type=int, default=8,
                            help="Councils: the lead plus partners (default 8).")
        parser.add_argument("--reset", action="store_true",
                            help="First delete every round, application and membership of the "
                                 "children's DPS and the organisations and users an earlier "
                                 "run made.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--password", default="",
                            help="Password for every seeded user (default: unusable).")

    def handle(self, *args, providers, authorities, reset, seed, password, **options):
        if providers < 1 or authorities < 1:
            raise CommandError("--providers and --authorities must be at least 1.")
        dps = Dps.objects.filter(code="children").first()
        if dps is None:
            raise CommandError("The children's DPS is missing: run `manage.py migrate` first.")
        started = time.monotonic()
        with transaction.atomic():
            if reset:
                self.wipe(dps)
            else:
                self.refuse_if_seeded(dps)
            counts = Generator(dps, random.Random(seed), providers, authorities, password).run()
        counts["seconds"] = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            "Seeded {providers} providers ({users} users), {authorities} authorities, "
            "{rounds} rounds (closed round {closed_round}: {awaiting} awaiting decisions; "
            "open round {open_round}), {applications} applications, {application_lots} "
            "application lots, {memberships} memberships ({admitted} admitted, {suspended} "
            "suspended, {removed} removed), {audit} audit entries in {seconds:.1f} s."
            .format(**counts)))

    def refuse_if_seeded(self, dps):
        if User.objects.filter(username__startswith=PREFIX).exists():
            raise CommandError("seed_scale has already run on this database: pass --reset to "
                               "delete its data and seed again.")
        if AdmissionRound.objects.filter(dps=dps).exists() or \
                Application.objects.filter(dps=dps).exists() or \
                Membership.objects.filter(lot__dps=dps).exists():
            raise CommandError("The children's DPS already has rounds, applications or "
                               "memberships: use an empty database, or --reset to delete them.")

    def wipe(self, dps):
        seeded_users = User.objects.filter(username__startswith=PREFIX)
        seeded_orgs = list(Organisation.objects.filter(users__in=seeded_users)
                           .values_list("pk", flat=True).distinct())
        owned = [
            (AdmissionRound, AdmissionRound.objects.filter(dps=dps)),
            (Application, Application.objects.filter(dps=dps)),
            (Membership, Membership.objects.filter(lot__dps=dps)),
        ]
        try:
            for model, queryset in owned:
                with audit.purge():  # resetting a seeded database: the one allowed purge
                    AuditEntry.objects.filter(
                        content_type=ContentType.objects.get_for_model(model),
                        object_id__in=queryset.values("pk"),
                    ).delete()
            for _, queryset in reversed(owned):
                queryset.delete()
            if dps.lead_authority_id in seeded_orgs:
                Dps.objects.filter(pk=dps.pk).update(lead_authority=None)
                dps.lead_authority = None
            seeded_users.delete()
            Organisation.objects.filter(pk__in=seeded_orgs).delete()
        except ProtectedError as exc:
            raise CommandError(
                f"Other records still refer to the seeded data, so it cannot be reset: {exc}. "
                "Start from an empty database instead.") from exc


class Generator:
    """Builds the rows in memory, then writes each table with bulk_create."""

    def __init__(self, dps, rng, n_providers, n_authorities, password):
        self.dps = dps
        self.rng = rng
        self.n_providers = n_providers
        self.n_authorities = n_authorities
        self.password = password
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.lots = {lot.code: lot for lot in dps.lots.all()}
        missing = set(LOT_PROFILES) - set(self.lots)
        if missing:
            raise CommandError(f"The children's DPS lacks the lots {sorted(missing)}.")
        self.audit = []
        self.taken_names = {
            (kind, name.lower())
            for kind, name in Organisation.objects.values_list("kind", "name")
        }

    # --- helpers ----------------------------------------------------------------------------

    def days(self, lo, hi):
        return datetime.timedelta(days=self.rng.uniform(lo, hi))

    def cap(self, code):
        lo, hi, step = LOT_PROFILES[code][1]
        return Decimal(self.rng.randrange(lo, hi + step, step)).quantize(Decimal("0.01"))

    def unique_name(self, kind, base, qualifier):
        name, number = base, 1
        while (kind, name.lower()) in self.taken_names:
            number += 1
            name = f"{base} ({qualifier})" if number == 2 else f"{base} ({qualifier} {number})"
        self.taken_names.add((kind, name.lower()))
        return name

    def password_hash(self):
        # Hashing is slow on purpose: hash a chosen password once and share it.
        if not hasattr(self, "_hash"):
            self._hash = make_password(self.password) if self.password else None
        return self._hash or make_password(None)

    def user(self, username, organisation, roles, email_domain, **extra):
        return User(
            username=username, email=f"{username.removeprefix(PREFIX)}@{email_domain}",
            first_name=self.rng.choice(FIRST_NAMES), last_name=self.rng.choice(LAST_NAMES),
            organisation=organisation, roles=roles, password=self.password_hash(),
            date_joined=organisation.created_at, **extra,
        )

    def record(self, obj, action, at, *, by=None, from_state="", to_state="", reason="",
               data=None):
        self.audit.append(AuditEntry(
            at=at, actor=by, content_type=ContentType.objects.get_for_model(obj),
            object_id=obj.pk, object_repr=str(obj)[:200], action=action,
            from_state=from_state, to_state=to_state, reason=reason, data=data or {},
        ))

    # --- the run ----------------------------------------------------------------------------

    def run(self):
        authorities, staff = self.create_authorities()
        providers, users = self.create_providers()
        rounds = self.create_rounds()
        applications, app_lots = self.create_applications(providers, users, rounds)
        memberships = self.create_memberships(applications, app_lots)
        with explicit_timestamps(_field(AuditEntry, "at")):
            AuditEntry.objects.bulk_create(self.audit, batch_size=BATCH)
        status = [m.status for m in memberships]
        return {
            "providers": len(providers), "users": len(users) + len(staff),
            "authorities": len(authorities), "rounds": len(rounds["all"]),
            "closed_round": rounds["closed"].pk, "open_round": rounds["open"].pk,
            "awaiting": sum(a.round_id == rounds["closed"].pk for a in applications),
            "applications": len(applications), "application_lots": len(app_lots),
            "memberships": len(memberships), "admitted": status.count("admitted"),
            "suspended": status.count("suspended"), "removed": status.count("removed"),
            "audit": len(self.audit),
        }

    def create_authorities(self):
        created = self.now - datetime.timedelta(days=3 * 365)
        rows = list(AUTHORITIES)
        rows += [(f"Borough Council {n}", f"Borough {n}", "AB1 2CD")
                 for n in range(len(rows) + 1, self.n_authorities + 1)]
        authorities = [
            Organisation(name=self.unique_name("authority", name, "scale"), kind="authority",
                         is_lead=index == 0, area=area, postcode=postcode, created_at=created)
            for index, (name, area, postcode) in enumerate(rows[: self.n_authorities])
        ]
        with explicit_timestamps(_field(Organisation, "created_at")):
            Organisation.objects.bulk_create(authorities, batch_size=BATCH)
        lead = authorities[0]
        self.admin = self.user(f"{PREFIX}admin", lead, [Role.DPS_ADMIN], "dps.example.org")
        staff = [self.admin]
        for index, authority in enumerate(authorities, start=1):
            domain = f"council{index}.example.org"
            staff += [
                self.user(f"{PREFIX}a{index:02d}-commissioner", authority, [Role.COMMISSIONER],
                          domain),
                self.user(f"{PREFIX}a{index:02d}-budgetholder", authority, [Role.BUDGET_HOLDER],
                          domain, approval_limit=Decimal(self.rng.choice([250_000, 500_000,
                                                                          1_000_000]))),
                self.user(f"{PREFIX}a{index:02d}-finance", authority, [Role.FINANCE], domain),
            ]
        User.objects.bulk_create(staff, batch_size=BATCH)
        if self.dps.lead_authority_id is None:
            Dps.objects.filter(pk=self.dps.pk).update(lead_authority=lead)
        return authorities, staff

    def create_providers(self):
        codes = list(LOT_PROFILES)
        weights = [LOT_PROFILES[code][0] for code in codes]
        providers = []
        for index in range(1, self.n_providers + 1):
            main = self.rng.choices(codes, weights)[0]
            area, prefix = self.rng.choice(PROVIDER_AREAS)
            base = (f"{self.rng.choice(PLACES)} {self.rng.choice(LOT_PROFILES[main][2])}"
                    f"{self.rng.choice(LEGAL)}")
            provider = Organisation(
                name=self.unique_name("provider", base, area), kind="provider", area=area,
                postcode=f"{prefix}{self.rng.randint(1, 20)} {self.rng.randint(1, 9)}"
                         f"{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                         f"{self.rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                companies_house_number=f"{9_000_000 + index:08d}",
                # Registered before the oldest round opened (24 + 91 × 6 days ago).
                created_at=self.now - self.days(600, 3 * 365),
            )
            provider.main_lot = main
            providers.append(provider)
        with explicit_timestamps(_field(Organisation, "created_at")):
            Organisation.objects.bulk_create(providers, batch_size=BATCH)
        users = []
        for index, provider in enumerate(providers, start=1):
            domain = f"provider{index}.example.org"
            provider.first_user = self.user(f"{PREFIX}p{index:05d}", provider, [Role.PROVIDER],
                                            domain)
            users.append(provider.first_user)
            if self.rng.random() < 0.2:
                users.append(self.user(f"{PREFIX}p{index:05d}-b", provider, [Role.PROVIDER],
                                       domain))
        User.objects.bulk_create(users, batch_size=BATCH)
        return providers, users

    def local_day(self, days, hour):
        """`days` from today at `hour` o'clock, London time: rounds open at 9 and close at 5."""
        day = self.today + datetime.timedelta(days=days)
        return datetime.datetime.combine(day, datetime.time(hour),
                                         tzinfo=timezone.get_current_timezone())

    def create_rounds(self):
        completed = []
        for k in range(COMPLETED_ROUNDS, 0, -1):  # oldest first, a quarter apart
            opens = self.local_day(-24 - 91 * k, 9)
            closes = self.local_day(-3 - 91 * k, 17)
            completed.append(AdmissionRound(
                dps=self.dps, opens_at=opens, closes_at=closes, opened_at=opens,
                closed_at=closes, completed_at=closes + datetime.timedelta(days=14),
                status=AdmissionRound.Status.COMPLETED,
            ))
        closed = AdmissionRound(
            dps=self.dps, opens_at=self.local_day(-24, 9), closes_at=self.local_day(-3, 17),
            opened_at=self.local_day(-24, 9), closed_at=self.local_day(-3, 17),
            status=AdmissionRound.Status.CLOSED,
        )
        open_ = AdmissionRound(
            dps=self.dps, opens_at=self.local_day(-5, 9), closes_at=self.local_day(16, 17),
            opened_at=self.local_day(-5, 9), status=AdmissionRound.Status.OPEN,
        )
        rounds = [*completed, closed, open_]
        for round_ in rounds:
            round_.created_by = self.admin
            round_.created_at = round_.opens_at - datetime.timedelta(days=14)
        with explicit_timestamps(_field(AdmissionRound, "created_at")):
            AdmissionRound.objects.bulk_create(rounds, batch_size=BATCH)
        path = {
            AdmissionRound.Status.OPEN: ["open"],
            AdmissionRound.Status.CLOSED: ["open", "close"],
            AdmissionRound.Status.COMPLETED: ["open", "close", "complete"],
        }
        for round_ in rounds:
            self.record(round_, "round.created", round_.created_at, by=self.admin,
                        to_state="scheduled")
            state, stamps = "scheduled", {"open": round_.opened_at, "close": round_.closed_at,
                                          "complete": round_.completed_at}
            targets = {"open": "open", "close": "closed", "complete": "completed"}
            for step in path[round_.status]:
                self.record(round_, f"admissionround.{step}", stamps[step],
                            from_state=state, to_state=targets[step],
                            reason="Every application decided." if step == "complete" else "")
                state = targets[step]
        return {"completed": completed, "closed": closed, "open": open_, "all": rounds}

    def plan(self, providers):
        """Each provider's first application: where it is now (most were decided long ago)."""
        n = len(providers)
        counts = {"closed": max(2, round(n * 0.07)), "open": max(1, round(n * 0.04)),
                  "draft": max(1, round(n * 0.03)), "withdrawn": round(n * 0.01)}
        kinds = []
        for kind, count in counts.items():
            kinds += [kind] * count
        kinds = kinds[:n]
        kinds += ["completed"] * (n - len(kinds))
        self.rng.shuffle(kinds)
        return kinds

    def create_applications(self, providers, users, rounds):
        """Applications and their lots; later rounds hold re-applications and extra lots."""
        declarations = {key: True for key in self.dps.declaration_keys}
        applications, lots = [], []

        def application(provider, round_, status, lot_caps):
            urn = ""
            if any(self.lots[c].requires_regulator_reference for c in lot_caps):
                urn = (f"{100000 + provider.pk:06d}" if provider.main_lot == "inmss"
                       else f"SC{400000 + provider.pk:06d}")
            if round_ is None:
                created = self.now - self.days(1, 20)
            else:
                end = min(round_.closes_at, self.now) - datetime.timedelta(hours=2)
                created = round_.opens_at + (end - round_.opens_at) * self.rng.uniform(0, 0.7)
            app = Application(
                dps=self.dps, provider=provider, round=round_, status=status,
                ofsted_urn=urn, declarations=declarations, created_at=created,
                created_by=provider.first_user,
            )
            if status != Application.Status.DRAFT and round_ is not None:
                app.submitted_at = created + (end - created) * self.rng.uniform(0.1, 1)
                app.submitted_by = provider.first_user
            if round_ is not None and round_.closed_at:
                app.evaluation_due = add_working_days(
                    timezone.localdate(round_.closed_at), self.dps.evaluation_working_days)
            if status == Application.Status.DECIDED:
                app.decided_at = round_.closed_at + self.days(1, 13)
                app.decided_by = self.admin
                app.credit_check_date = timezone.localdate(app.submitted_at)
                app.credit_check_result = self.rng.choices(
                    [CreditCheckResult.PASS, CreditCheckResult.REFER], [9, 1])[0]
            app.lot_caps = lot_caps
            applications.append(app)
            return app

        def first_lots(provider):
            chosen = [provider.main_lot]
            if self.rng.random() < 0.25:
                chosen.append(self.rng.choice(SECOND_LOTS[provider.main_lot]))
            return {code: self.cap(code) for code in chosen}

        completed = rounds["completed"]
        # Re-applications for rejected lots, and admitted providers adding a lot they do not
        # hold, go into a later round: (provider, lot codes, index of the earliest round).
        follow_ups = []
        for provider, kind in zip(providers, self.plan(providers), strict=True):
            caps = first_lots(provider)
            if kind == "completed":
                index = self.rng.randrange(len(completed))
                app = application(provider, completed[index], Application.Status.DECIDED, caps)
                app.outcomes = {code: Outcome.ADMITTED if self.rng.random() < 0.88
                                else Outcome.REJECTED for code in caps}
                admitted = {c for c, o in app.outcomes.items() if o == Outcome.ADMITTED}
                rejected = set(caps) - admitted
                if rejected and self.rng.random() < 0.5:
                    follow_ups.append((provider, sorted(rejected), index + 1))
                elif admitted and self.rng.random() < 0.06:
                    spare = [c for c in LOT_PROFILES if c not in caps]
                    follow_ups.append((provider, [self.rng.choice(spare)], index + 1))
            elif kind == "closed":
                application(provider, rounds["closed"], Application.Status.SUBMITTED, caps)
            elif kind == "open":
                application(provider, rounds["open"], Application.Status.SUBMITTED, caps)
            elif kind == "draft":
                application(provider, None, Application.Status.DRAFT, caps)
            else:
                application(provider, rounds["open"], Application.Status.WITHDRAWN, caps)

        later = [*completed, rounds["closed"], rounds["open"]]
        for provider, codes, start in follow_ups:
            round_ = later[self.rng.randrange(start, len(later))]
            caps = {code: self.cap(code) for code in codes}
            if round_.status == AdmissionRound.Status.COMPLETED:
                app = application(provider, round_, Application.Status.DECIDED, caps)
                app.outcomes = {code: Outcome.ADMITTED if self.rng.random() < 0.8
                                else Outcome.REJECTED for code in caps}
            else:
                application(provider, round_, Application.Status.SUBMITTED, caps)

        with explicit_timestamps(_field(Application, "created_at")):
            Application.objects.bulk_create(applications, batch_size=BATCH)
        for app in applications:
            outcomes = getattr(app, "outcomes", {})
            for code, cap in app.lot_caps.items():
                outcome = outcomes.get(code, "")
                reason = (ADMITTED_REASON if outcome == Outcome.ADMITTED else
                          self.rng.choice(REJECTED_REASONS) if outcome == Outcome.REJECTED
                          else "")
                lots.append(ApplicationLot(application=app, lot=self.lots[code], price_cap=cap,
                                           outcome=outcome, reason=reason))
            self.audit_application(app)
        ApplicationLot.objects.bulk_create(lots, batch_size=BATCH)
        return applications, lots

    def audit_application(self, app):
        by = app.provider.first_user
        self.record(app, "application.created", app.created_at, by=by, to_state="draft")
        if app.submitted_at:
            self.record(app, "application.submit", app.submitted_at, by=by,
                        from_state="draft", to_state="submitted", data={"round": app.round_id})
        if app.status == Application.Status.WITHDRAWN:
            self.record(app, "application.withdraw", app.submitted_at + self.days(0.1, 2),
                        by=by, from_state="submitted", to_state="withdrawn",
                        reason="We cannot take on new placements this year.")
        if app.decided_at:
            self.record(app, "application.decide", app.decided_at, by=self.admin,
                        from_state="submitted", to_state="decided",
                        data=dict(sorted(app.outcomes.items())))

    def create_memberships(self, applications, app_lots):
        memberships = []
        for item in app_lots:
            if item.outcome != Outcome.ADMITTED:
                continue
            app = item.application
            # The status is set once, at construction: django-fsm protects it afterwards.
            state = {"status": Membership.Status.ADMITTED, "status_reason": item.reason}
            roll = self.rng.random()
            if roll < 0.05:
                state = {
                    "status": Membership.Status.SUSPENDED,
                    "suspended_from": self.today - datetime.timedelta(
                        days=self.rng.randint(1, 60)),
                    # Well within six months of suspended_from.
                    "suspended_until": self.today + datetime.timedelta(
                        days=self.rng.randint(7, 85)),
                    "status_reason": self.rng.choice(SUSPENDED_REASONS),
                }
            elif roll < 0.10:
                state = {
                    "status": Membership.Status.REMOVED,
                    "removed_at": app.decided_at
                    + (self.now - app.decided_at) * self.rng.uniform(0.2, 0.9),
                    "status_reason": self.rng.choice(REMOVED_REASONS),
                }
            memberships.append(Membership(
                provider=app.provider, lot=item.lot, price_cap=item.price_cap,
                application=app, admitted_at=app.decided_at, **state,
            ))
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        for membership in memberships:
            self.record(membership, "membership.admitted", membership.admitted_at,
                        by=self.admin, to_state="admitted", reason=ADMITTED_REASON)
            if membership.status == Membership.Status.SUSPENDED:
                start = datetime.datetime.combine(membership.suspended_from, datetime.time(10),
                                                  tzinfo=timezone.get_current_timezone())
                self.record(membership, "membership.suspend", start, by=self.admin,
                            from_state="admitted", to_state="suspended",
                            reason=membership.status_reason,
                            data={"until": membership.suspended_until.isoformat()})
            elif membership.status == Membership.Status.REMOVED:
                self.record(membership, "membership.remove", membership.removed_at,
                            by=self.admin, from_state="admitted", to_state="removed",
                            reason=membership.status_reason)
        return memberships

