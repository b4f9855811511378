"""Placements at a regional DPS's size: `manage.py seed_placements --placements 200000`.

On top of `seed_scale`'s councils, providers and memberships (run first, with --providers and
--authorities, when the database has none): ten years of placements ending today, about a tenth
of them live, each with a contiguous history of fee periods (about 2 million at full size), the
placement reviews held so far and the next one due, support items, and block contracts whose beds
are filled by placements one after another. The adults' learning disability and mental health
DPS is added (with memberships for a share of the providers) so hourly community support with
hours per week is in the mix.

Rows are written with PostgreSQL's COPY (multi-row INSERTs elsewhere), not through the ORM or
the services: the generator keeps to the database's constraints and the services' shapes itself
(see bench/README.md for what differs from production). The same --seed gives the same data.
"""

import datetime
import io
import json
import random
import time
from decimal import Decimal
from functools import lru_cache

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from contracts import rules
from contracts.models import (
    AgreementVersion,
    Approval,
    BlockContract,
    EndReason,
    FeeChange,
    FeePeriod,
    Placement,
    PlacementReview,
    SupportItem,
)
from dps.approvals import commitment_value, term_days
from dps.bulk import Progress
from dps.models import Organisation, User
from providers.management.commands.seed_scale import PREFIX
from providers.models import Dps, Lot, Membership

CHUNK = 100_000  # rows per COPY / INSERT batch
ADULTS = {
    "code": "adults-ldmh", "name": "Adults' learning disability and mental health DPS",
    "regime": "pa2023_light_touch", "regulator": "cqc",
    "description": "Community support, supported living and residential care for adults with "
                   "a learning disability or mental health needs.",
    "lots": [
        {"code": "community_support", "name": "Community support", "price_unit": "hour",
         "requires_regulator_reference": True},
        {"code": "supported_living", "name": "Supported living", "price_unit": "week",
         "requires_regulator_reference": True},
        {"code": "residential_care", "name": "Residential care", "price_unit": "week",
         "requires_regulator_reference": True},
    ],
}
ADULTS_MEMBERSHIP_REASON = "Admitted (seed_placements)."
# Lot code → share of placements, price range in pence per unit (today's prices), hours/week.
LOT_MIX = {
    "fostering": (42, (80_000, 125_000), None),
    "residential": (18, (380_000, 800_000), None),
    "inmss": (9, (4_000_000, 9_500_000), None),
    "tuition": (10, (3_500, 6_500), (5, 25)),
    "community_support": (10, (1_800, 3_000), (6, 56)),
    "supported_living": (7, (90_000, 250_000), None),
    "residential_care": (4, (90_000, 200_000), None),
}
BLOCK_LOTS = [("residential", 7), ("fostering", 2), ("residential_care", 1)]
ROUTE_WEIGHTS = [("dps", 88), ("spot", 12)]  # block placements come from the blocks
LIVE_SHARE = 0.10
PENDING_SHARE_OF_LIVE = 0.02
OVERDUE_REVIEW_SHARE = 0.04
UPLIFT_PER_YEAR = 0.03
EXCEPTION_REASONS = [
    "No DPS provider offered a placement that met the child's needs within the deadline.",
    "Emergency placement out of hours: no time to run a call-off.",
    "Sibling group kept together with a provider not on the DPS.",
    "Continuity: the child was already placed with this provider before the DPS.",
    "The call-off had no award; placed with the only provider able to meet the needs.",
]
UNLISTED = ["Harbourside Care Ltd", "Summit Children's Services", "Northern Lights Care",
            "Independent Care Partnership", "Bespoke Support Services Ltd"]
SUPPORT = [
    "Additional 1:1 staffing during evenings", "Therapeutic support sessions (weekly)",
    "Education support worker in school", "Waking night staff", "Transport to school",
    "Speech and language therapy", "Family time supervision", "2:1 staffing in the community",
]
END_NOTES = ["", "", "Moved as planned at the review.", "Notice given after a review."]
# End reasons, weighted (planned moves are the most common ending).
END_REASONS = [(EndReason.PLANNED_MOVE, 40), (EndReason.PLACEMENT_BREAKDOWN, 14),
               (EndReason.PROVIDER_NOTICE, 8), (EndReason.COUNCIL_NOTICE, 8),
               (EndReason.RETURNED_HOME, 15), (EndReason.MOVED_TO_INDEPENDENCE, 10),
               (EndReason.OTHER, 5)]


def money(pence):
    return f"{pence // 100}.{pence % 100:02d}"


class BulkWriter:
    """Writes tuples into a model's table: COPY on PostgreSQL, executemany elsewhere.

    `columns` names the model fields (attnames) the tuples hold, in order; every other
    concrete field gets its default once (or NULL), so a column added later does not break the
    load. Values must already be plain: str, int, date, aware datetime, None, bool, dict.
    """

    def __init__(self, model, columns):
        self.model = model
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise CommandError(f"{self.table} has no columns {sorted(unknown)}.")
        self.fields = [fields[name] for name in columns]
        self.extra = []
        for name, field in fields.items():
            if name in columns or field.primary_key:
                continue  # an id left out is the database's to give
            value = field.get_default()  # "" for text fields without one, else None
            if value is None and not field.null:
                raise CommandError(f"{self.table}.{field.column} needs a value.")
            if value is not None:
                self.extra.append((field, field.get_db_prep_save(value, connection)))
        self.columns = [f.column for f in self.fields] + [f.column for f, _ in self.extra]
        self.postgres = connection.vendor == "postgresql"
        self.written = 0

    @staticmethod
    def _text(value):
        if value is None:
            return "\\N"
        if isinstance(value, str):
            return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                    .replace("\r", "\\r"))
        if isinstance(value, bool):
            return "t" if value else "f"
        if isinstance(value, dict | list):
            return BulkWriter._text(json.dumps(value))
        return str(value)

    def _plain(self, value):
        if isinstance(value, datetime.datetime):
            return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
        if isinstance(value, datetime.date):
            return value.isoformat()
        if isinstance(value, dict | list):
            return json.dumps(value)
        if isinstance(value, Decimal):
            return str(value)
        return value

    def write(self, rows):
        rows = list(rows)
        if not rows:
            return 0
        extra = [value for _, value in self.extra]
        with connection.cursor() as cursor:
            if self.postgres:
                tail = "".join("\t" + self._text(value) for value in extra)
                buffer = io.StringIO()
                text = self._text
                for row in rows:
                    buffer.write("\t".join([text(value) for value in row]) + tail + "\n")
                buffer.seek(0)
                columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
                cursor.cursor.copy_expert(
                    f"COPY {connection.ops.quote_name(self.table)} ({columns}) FROM STDIN",
                    buffer)
            else:
                plain = self._plain
                marks = ", ".join(["%s"] * len(self.columns))
                columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
                cursor.executemany(
                    f"INSERT INTO {connection.ops.quote_name(self.table)} ({columns}) "
                    f"VALUES ({marks})",
                    [[plain(value) for value in row] + [plain(v) for v in extra]
                     for row in rows])
        self.written += len(rows)
        return len(rows)


def reserve_ids(model, count):
    """The first of `count` fresh primary keys for rows we insert with explicit ids."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            highest = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = max(cursor.fetchone()[0], highest + 1)
            cursor.execute("SELECT setval(%s, %s)", [sequence, first + count])
            return first
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0] + 1


def vacuum(models):
    """On PostgreSQL, what autovacuum does soon after a bulk load: statistics and the
    visibility map (index-only scans). Outside a transaction: VACUUM cannot run in one."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{verb} {tables}")


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour),
                                     tzinfo=timezone.get_current_timezone())


class Command(BaseCommand):
    help = ("Seed ten years of placements with fee periods, reviews, support items and block "
            "contracts, with bulk writes (for benchmarks).")

    def add_arguments(self, parser):
        parser.add_argument("--placements", type=int, default=200_000)
        parser.add_argument("--fee-periods-per", type=int, default=10,
                            help="Mean fee periods per placement (default 10).")
        parser.add_argument("--support-items", type=int, default=None,
                            help="Support items (default a quarter of --placements).")
        parser.add_argument("--blocks", type=int, default=None,
                            help="Block contracts (default one per 5,000 placements, at least "
                                 "2).")
        parser.add_argument("--providers", type=int, default=2000,
                            help="For seed_scale, when it has not run yet.")
        parser.add_argument("--authorities", type=int, default=8,
                            help="For seed_scale, when it has not run yet.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--reset", action="store_true",
                            help="First delete every placement, fee period, fee change, "
                                 "review, support item, agreement and block contract.")

    def handle(self, *args, placements, fee_periods_per, support_items, blocks, providers,
               authorities, seed, reset, **options):
        if placements < 10 or fee_periods_per < 1:
            raise CommandError("--placements must be at least 10 and --fee-periods-per at "
                               "least 1.")
        support_items = placements // 4 if support_items is None else support_items
        blocks = max(2, placements // 5000) if blocks is None else blocks
        started = time.monotonic()
        progress = Progress(self.stdout)
        if Placement.objects.exists() or BlockContract.objects.exists():
            if not reset:
                raise CommandError("The database already has placements or block contracts: "
                                   "pass --reset to delete them all and seed again.")
            with transaction.atomic():
                self.wipe()
            progress("deleted the earlier placements")
        if not User.objects.filter(username__startswith=PREFIX).exists():
            call_command("seed_scale", providers=providers, authorities=authorities, seed=seed,
                         stdout=self.stdout)
            progress("seed_scale: councils, providers and memberships")
        with transaction.atomic():
            counts = Generator(random.Random(seed), placements, fee_periods_per, support_items,
                               blocks, progress).run()
        vacuum([Placement, FeePeriod, PlacementReview, SupportItem, BlockContract, Membership])
        progress("VACUUM (ANALYZE)")
        counts["seconds"] = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            "Seeded {placements} placements ({live} live: {active} active, {pending} pending "
            "start; {dps} dps, {spot} spot, {block} block) for {authorities} authorities and "
            "{providers} providers, {fee_periods} fee periods, {reviews} reviews "
            "({reviews_pending} pending), {support_items} support items, {blocks} block "
            "contracts, {adult_memberships} adults' DPS memberships added, in {seconds:.1f} s."
            .format(**counts)))

    def wipe(self):
        models = [SupportItem, PlacementReview, FeePeriod, AgreementVersion, FeeChange,
                  Placement, BlockContract]
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        if connection.vendor == "postgresql":
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(f"TRUNCATE {tables}")
                return
            except DatabaseError:
                pass  # another table refers to them: delete row by row instead
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for model in models:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        except DatabaseError as exc:
            raise CommandError(f"Other records refer to the placements, so they cannot be "
                               f"reset: {exc}. Start from an empty database instead.") from exc


class Generator:
    def __init__(self, rng, n_placements, fee_periods_per, n_support, n_blocks, progress):
        self.rng = rng
        self.n = n_placements
        self.per = fee_periods_per
        self.n_support = n_support
        self.n_blocks = n_blocks
        self.progress = progress
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.first_day = self.today - datetime.timedelta(days=3652)
        self.dps = Dps.objects.filter(code="children").first()
        if self.dps is None:
            raise CommandError("The children's DPS is missing: run `manage.py migrate` first.")
        self.admin = User.objects.filter(username=f"{PREFIX}admin").first()

    # --- reference data -------------------------------------------------------------------

    def load(self):
        self.adults_dps, added = self.adults()
        self.lots = {lot.code: lot for lot in Lot.objects.filter(
            dps__in=[self.dps, self.adults_dps])}
        missing = set(LOT_MIX) - set(self.lots)
        if missing:
            raise CommandError(f"Lots missing: {sorted(missing)}.")
        authorities = list(Organisation.objects.filter(
            kind="authority", users__username__startswith=PREFIX).distinct()
            .order_by("-is_lead", "pk").values_list("pk", "area"))
        if not authorities:
            raise CommandError("No seed_scale councils: run `manage.py seed_scale` first.")
        self.authorities = authorities
        # The lead council places three times as often as each partner.
        self.authority_weights = [3 if i == 0 else 1 for i in range(len(authorities))]
        self.commissioners = dict(User.objects.filter(
            username__startswith=PREFIX, username__endswith="-commissioner")
            .values_list("organisation_id", "pk"))
        providers = dict(Organisation.objects.filter(kind="provider")
                         .values_list("pk", "area"))
        self.names = dict(Organisation.objects.filter(kind="provider").values_list("pk", "name"))
        by_lot = {}
        for provider_id, lot_id, cap in Membership.objects.filter(
                lot__in=self.lots.values()).values_list("provider_id", "lot_id", "price_cap"):
            by_lot.setdefault(lot_id, []).append((provider_id, int(cap * 100),
                                                  providers.get(provider_id, "")))
        self.members = {}
        for code, lot in self.lots.items():
            rows = sorted(by_lot.get(lot.pk, []))
            if not rows:
                raise CommandError(f"No provider is a member of the {code} lot.")
            areas = {}
            for row in rows:
                areas.setdefault(row[2], []).append(row)
            self.members[code] = (rows, areas)
        return added

    def adults(self):
        """The adults' DPS (as seed_demo sets it up) with a share of the providers admitted."""
        from providers import services

        dps = Dps.objects.filter(code=ADULTS["code"]).first()
        if dps is None:
            fields = {k: v for k, v in ADULTS.items() if k != "lots"}
            dps = services.create_dps(by=None, starts_on=datetime.date(2024, 10, 1),
                                      ends_on=datetime.date(2032, 9, 30), lots=ADULTS["lots"],
                                      **fields)
        lots = list(dps.lots.all())
        if Membership.objects.filter(lot__in=lots).exists():
            return dps, 0
        providers = list(Organisation.objects.filter(
            kind="provider", users__username__startswith=PREFIX).distinct()
            .order_by("pk").values_list("pk", flat=True))
        ranges = {code: LOT_MIX[code][1] for code in ("community_support", "supported_living",
                                                      "residential_care")}
        admitted = self.now - datetime.timedelta(days=700)
        memberships = []
        for lot in lots:
            lo, hi = ranges[lot.code]
            share = self.rng.sample(providers, max(1, len(providers) // 8))
            for provider_id in sorted(share):
                cap = self.rng.randrange(lo + (hi - lo) // 3, hi + 1, 5) // 5 * 5
                memberships.append(Membership(
                    provider_id=provider_id, lot=lot, price_cap=Decimal(cap) / 100,
                    status=Membership.Status.ADMITTED, admitted_at=admitted,
                    status_reason=ADULTS_MEMBERSHIP_REASON))
        Membership.objects.bulk_create(memberships, batch_size=5000)
        return dps, len(memberships)

    # --- the run --------------------------------------------------------------------------

    def run(self):
        adult_memberships = self.load()
        self.progress(f"reference data ({adult_memberships} adults' DPS memberships added)")
        blocks, block_placements = self.blocks()
        placements = block_placements + self.placements(self.n - len(block_placements))
        placements.sort(key=lambda p: (p["start"], p["authority"]))
        # Fee periods per day run, so the total is about placements × --fee-periods-per.
        self.scale = plan_scale(placements, len(placements) * self.per, self.today)
        first = reserve_ids(Placement, len(placements))
        for offset, p in enumerate(placements):
            p["id"] = first + offset
        self.progress(f"planned {len(placements)} placements")
        self.write_placements(placements)
        self.progress("placements written")
        fee_periods = self.write_fee_periods(placements)
        self.progress(f"{fee_periods} fee periods written")
        reviews, pending = self.write_reviews(placements)
        self.progress(f"{reviews} reviews written")
        support = self.write_support_items(placements)
        self.progress(f"{support} support items written")
        live = [p for p in placements if p["status"] != "ended"]
        routes = [p["route"] for p in placements]
        return {
            "placements": len(placements), "live": len(live),
            "active": sum(p["status"] == "active" for p in live),
            "pending": sum(p["status"] == "pending_start" for p in live),
            "dps": routes.count("dps"), "spot": routes.count("spot"),
            "block": routes.count("block"), "authorities": len(self.authorities),
            "providers": len({p["provider"] for p in placements if p["provider"]}),
            "fee_periods": fee_periods, "reviews": reviews, "reviews_pending": pending,
            "support_items": support, "blocks": len(blocks),
            "adult_memberships": adult_memberships,
        }

    def authority(self):
        return self.rng.choices(self.authorities, self.authority_weights)[0]

    def provider_for(self, code, area, route):
        rows, areas = self.members[code]
        local = areas.get(area)
        # About half the placements are made in the council's own area.
        if local and self.rng.random() < 0.5:
            return self.rng.choice(local)
        return self.rng.choice(rows)

    def price(self, code, cap=None):
        lo, hi = LOT_MIX[code][1]
        if cap is not None:
            hi = max(lo, min(hi, cap))
            lo = min(lo, hi)
        return self.rng.randint(lo, hi)

    def hours(self, code):
        span = LOT_MIX[code][2]
        return None if span is None else f"{self.rng.randint(span[0] * 2, span[1] * 2) / 2:.2f}"

    def blocks(self):
        """Block contracts, and the placements that fill their beds one after another (with
        voids between), never more at once than the block has beds."""
        codes, weights = zip(*BLOCK_LOTS, strict=True)
        rows, placements = [], []
        first = reserve_ids(BlockContract, self.n_blocks)
        for index in range(self.n_blocks):
            code = self.rng.choices(codes, weights)[0]
            lot = self.lots[code]
            authority_id, area = self.authority()
            provider_id, cap, _ = self.provider_for(code, area, "block")
            beds = self.rng.randint(2, 6)
            price = self.price(code)
            start = self.today - datetime.timedelta(days=self.rng.randint(30, 6 * 365))
            end = start + datetime.timedelta(days=self.rng.randint(365, 4 * 365))
            block_id = first + index
            # Bought and approved years ago: every seeded purchase counts as spend.
            value = commitment_value(price=money(price), unit=lot.price_unit, quantity=beds,
                                     days=(end - start).days + 1)
            rows.append((block_id, authority_id, provider_id, lot.pk, f"BLK-{block_id:05d}",
                         beds, money(price), lot.price_unit, None, start, end, "",
                         at(start - datetime.timedelta(days=30)), self.admin_id,
                         Approval.APPROVED.value, str(value)))
            for _bed in range(beds):
                day = start + datetime.timedelta(days=self.rng.randint(0, 45))
                while day <= min(end, self.today):
                    length = self.rng.randint(30, 600)
                    stop = day + datetime.timedelta(days=length)
                    live = stop > self.today and end >= self.today
                    if not live:
                        stop = min(stop, end, self.today - datetime.timedelta(days=1))
                        if stop < day:
                            break
                    placements.append(self.placement(
                        code=code, authority=(authority_id, area), route="block",
                        provider=(provider_id, cap, ""), start=day,
                        end=None if live else stop, status="active" if live else "ended",
                        block=block_id, price=price))
                    if live:
                        break
                    day = stop + datetime.timedelta(days=self.rng.randint(1, 60))
        BulkWriter(BlockContract, [
            "id", "authority_id", "provider_id", "lot_id", "reference", "beds", "price_per_bed",
            "unit", "hours_per_week", "start_date", "end_date", "notes", "created_at",
            "created_by_id", "approval", "value"]).write(rows)
        self.progress(f"{len(rows)} block contracts, {len(placements)} block placements")
        return rows, placements

    @property
    def admin_id(self):
        return self.admin.pk if self.admin else None

    def placements(self, count):
        """Ten years of placements ending today: a tenth live (a few not started yet)."""
        codes = list(LOT_MIX)
        lot_weights = [LOT_MIX[c][0] for c in codes]
        routes, route_weights = zip(*ROUTE_WEIGHTS, strict=True)
        live = round(count * LIVE_SHARE)
        pending = max(1, round(live * PENDING_SHARE_OF_LIVE))
        span = (self.today - self.first_day).days
        rows = []
        for index in range(count):
            code = self.rng.choices(codes, lot_weights)[0]
            route = self.rng.choices(routes, route_weights)[0]
            authority = self.authority()
            provider = self.provider_for(code, authority[1], route)
            if index < pending:
                status, end = "pending_start", None
                start = self.today + datetime.timedelta(days=self.rng.randint(1, 60))
            elif index < live:
                status, end = "active", None
                # Live placements started recently, mostly: mean about 15 months ago.
                back = min(span, 1 + int(self.rng.expovariate(1 / 450)))
                start = self.today - datetime.timedelta(days=back)
            else:
                status = "ended"
                start = self.first_day + datetime.timedelta(days=self.rng.randint(0, span - 2))
                length = 14 + int(self.rng.expovariate(1 / 330))
                end = min(start + datetime.timedelta(days=length),
                          self.today - datetime.timedelta(days=1))
            if route == "spot" and self.rng.random() < 0.3:
                provider = (None, None, "")
            rows.append(self.placement(code=code, authority=authority, route=route,
                                       provider=provider, start=start, end=end, status=status))
        return rows

    def placement(self, *, code, authority, route, provider, start, end, status, block=None,
                  price=None):
        provider_id, cap, _ = provider
        if price is None:
            price = self.price(code, cap if route == "dps" else None)
        planned = None
        if self.rng.random() < 0.7:
            planned = start + datetime.timedelta(days=self.rng.randint(180, 3 * 365))
            if end is not None and planned < start:
                planned = None
        return {
            "code": code, "lot": self.lots[code].pk, "unit": self.lots[code].price_unit,
            "authority": authority[0], "route": route, "provider": provider_id,
            "provider_name": self.names.get(provider_id) or self.rng.choice(UNLISTED),
            "start": start, "end": end, "status": status, "planned": planned, "block": block,
            "price": price, "hours": self.hours(code),
        }

    # --- placements and their histories -----------------------------------------------------

    def write_placements(self, placements):
        writer = BulkWriter(Placement, [
            "id", "authority_id", "provider_id", "provider_name", "lot_id", "route", "status",
            "start_date", "planned_end_date", "end_date", "end_reason", "end_notes", "ended_at",
            "end_notified_at", "price", "price_unit", "hours_per_week", "exception_reason",
            "block_id", "created_at", "created_by_id", "approval", "value"])
        reasons, weights = zip(*END_REASONS, strict=True)
        batch = []
        for p in placements:
            created = at(min(p["start"], self.today) - datetime.timedelta(
                days=self.rng.randint(1, 20)))
            created_by = self.commissioners.get(p["authority"])
            ended_at = reason = notes = None
            if p["status"] == "ended":
                reason = self.rng.choices(reasons, weights)[0]
                notes = self.rng.choice(END_NOTES)
                ended_at = at(p["end"], 17)
            # The price today is the last fee period's; filled in write_fee_periods' plan.
            p["periods"] = self.plan_periods(p)
            current = p["periods"][-1][1]
            batch.append((
                p["id"], p["authority"], p["provider"], p["provider_name"], p["lot"],
                p["route"], p["status"], p["start"], p["planned"], p["end"], reason or "",
                notes or "", ended_at, ended_at, money(current), p["unit"], p["hours"],
                self.rng.choice(EXCEPTION_REASONS) if p["route"] == "spot" else "",
                p["block"], created, created_by, Approval.APPROVED.value,
                str(commitment_value(price=money(p["periods"][0][1]), unit=p["unit"],
                                     days=term_days(p["start"], p["planned"]),
                                     hours_per_week=p["hours"]))))
            if len(batch) >= CHUNK:
                writer.write(batch)
                batch = []
        writer.write(batch)

    def plan_periods(self, p):
        """[(from, price in pence, to)]: contiguous, the last open while the placement is live.

        Longer placements have more periods: the number is proportional to the days run, scaled
        so the mean is --fee-periods-per (block placements keep the block's price)."""
        start = p["start"]
        last = p["end"] if p["end"] is not None else max(start, self.today)
        days = (last - start).days
        if p["block"] is not None or days == 0:
            count = 1
        else:
            count = min(days + 1, 1 + int(days * self.scale + self.rng.random()))
        cuts = sorted(self.rng.sample(range(1, days + 1), count - 1)) if count > 1 else []
        starts = [start] + [start + datetime.timedelta(days=c) for c in cuts]
        periods = []
        final = p["price"]
        for i, begin in enumerate(starts):
            if p["block"] is not None:
                price = final
            else:
                years_before = (last - begin).days / 365.25
                price = max(1, round(final / (1 + UPLIFT_PER_YEAR) ** years_before))
            if i + 1 < len(starts):
                to = starts[i + 1] - datetime.timedelta(days=1)
            else:
                to = p["end"]
            periods.append((begin, price, to))
        return periods

    def write_fee_periods(self, placements):
        writer = BulkWriter(FeePeriod, ["placement_id", "price", "unit", "effective_from",
                                        "effective_to", "reason", "created_at",
                                        "created_by_id"])
        batch, total = [], 0
        for p in placements:
            for index, (begin, price, to) in enumerate(p.pop("periods")):
                reason = "Agreed price" if index == 0 else "Annual uplift"
                batch.append((p["id"], money(price), p["unit"], begin, to, reason,
                              at(min(begin, self.today) - datetime.timedelta(days=7), 9), None))
            if len(batch) >= CHUNK:
                total += writer.write(batch)
                batch = []
        total += writer.write(batch)
        return total

    @lru_cache(maxsize=8192)  # noqa: B019 (one generator per run)
    def first_review(self, start):
        return rules.review_due_date(start, 1)

    def write_reviews(self, placements):
        """Reviews held so far on the configured schedule; a live placement also has the next
        one due (a few overdue), with the reminders already sent that the task would have."""
        writer = BulkWriter(PlacementReview, [
            "placement_id", "sequence", "due_date", "done_date", "notes", "recorded_by_id",
            "reminder_sent_at", "overdue_sent_at"])
        window = rules.placement_reminder_days()
        batch, total, pending = [], 0, 0
        for p in placements:
            live = p["status"] != "ended"
            last = p["end"] if p["end"] is not None else self.today
            recorder = self.commissioners.get(p["authority"])
            due = self.first_review(p["start"])
            sequence = 1
            while True:
                if due > last or (live and due < self.today and due > self.today
                                  - datetime.timedelta(days=60)
                                  and self.rng.random() < OVERDUE_REVIEW_SHARE * 4):
                    if live:
                        reminded = at(due - datetime.timedelta(days=window), 7) \
                            if due - datetime.timedelta(days=window) <= self.today else None
                        overdue = at(due + datetime.timedelta(days=1), 7) \
                            if due < self.today else None
                        batch.append((p["id"], sequence, due, None, "", None, reminded, overdue))
                        pending += 1
                    break
                done = min(last, due + datetime.timedelta(days=self.rng.randint(-5, 10)))
                done = max(done, p["start"])
                reminded = at(due - datetime.timedelta(days=window), 7)
                batch.append((p["id"], sequence, due, done, "Reviewed: placement meets needs.",
                              recorder, reminded, None))
                sequence += 1
                due = rules.review_due_date(p["start"], sequence, previous=done)
            if len(batch) >= CHUNK:
                total += writer.write(batch)
                batch = []
        total += writer.write(batch)
        return total, pending

    def write_support_items(self, placements):
        """Support items on a sample of placements (live ones twice as likely)."""
        if not self.n_support:
            return 0
        writer = BulkWriter(SupportItem, [
            "placement_id", "description", "weekly_cost", "start_date", "review_date",
            "end_date", "reviewed_on", "review_reminder_sent_at", "overdue_reminder_sent_at",
            "created_at", "created_by_id"])
        weights = [6 if p["status"] != "ended" else 1 for p in placements]
        chosen = self.rng.choices(placements, weights, k=self.n_support)
        window = rules.support_reminder_days()
        batch = []
        for p in chosen:
            last = p["end"] if p["end"] is not None else self.today + datetime.timedelta(
                days=365)
            days = max(0, (last - p["start"]).days)
            begin = p["start"] + datetime.timedelta(days=self.rng.randint(0, days // 2))
            end = min(last, begin + datetime.timedelta(weeks=self.rng.randint(4, 52)))
            review = begin + datetime.timedelta(days=(end - begin).days // 2)
            reviewed = reminded = overdue = None
            if review < self.today:
                reminded = at(review - datetime.timedelta(days=window), 7)
                if p["status"] != "ended" and self.rng.random() < 0.1 and end >= self.today:
                    overdue = at(review + datetime.timedelta(days=1), 7)
                else:
                    reviewed = min(self.today, review + datetime.timedelta(
                        days=self.rng.randint(0, 7)))
            elif review - datetime.timedelta(days=window) <= self.today:
                reminded = at(self.today, 7)
            batch.append((p["id"], self.rng.choice(SUPPORT),
                          money(self.rng.randrange(5_000, 150_000, 500)), begin, review, end,
                          reviewed, reminded, overdue,
                          at(min(begin, self.today) - datetime.timedelta(days=3)),
                          self.commissioners.get(p["authority"])))
        batch.sort(key=lambda row: row[0])
        for i in range(0, len(batch), CHUNK):
            writer.write(batch[i:i + CHUNK])
        return len(batch)


def plan_scale(placements, total, today):
    """Periods per day run, so that the sum over placements of 1 + days × scale is `total`
    (block placements keep one period)."""
    days = sum(((p["end"] or max(p["start"], today)) - p["start"]).days
               for p in placements if p["block"] is None)
    return max(0.0, (total - len(placements)) / days) if days else 0.0
