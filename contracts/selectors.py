"""Read queries for placements: lists whose query count stays flat as the data grows."""

import datetime
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from contracts import rules
from contracts.models import BlockContract, FeePeriod, Placement, PlacementReview
from dps.api.scoping import for_authority, for_provider
from dps.money import pennies
from providers.models import PriceUnit


def with_current_figures(queryset, today=None):
    """Annotate `current_price` (the fee period in force today; before the start, the agreed
    price) and `next_review` (the due date of the review still to hold; none once ended)."""
    today = today or timezone.localdate()
    in_force = (FeePeriod.objects.filter(placement=OuterRef("pk"), effective_from__lte=today)
                .order_by("-effective_from").values("price")[:1])
    pending = (PlacementReview.objects.filter(placement=OuterRef("pk"), done_date__isnull=True)
               .order_by("sequence").values("due_date")[:1])
    return queryset.annotate(
        current_price=Coalesce(Subquery(in_force), F("price")),
        next_review=Case(When(status=Placement.Status.ENDED, then=None),
                         default=Subquery(pending)),
    )


def placements_for(user, today=None):
    queryset = with_current_figures(
        Placement.objects.select_related("lot", "child"), today).order_by("-start_date", "-id")
    if user.is_authority_user:
        return for_authority(queryset, user)
    return for_provider(queryset, user)


def review_due(queryset, value, today=None):
    """`true`: the next review falls within the reminder window (or is overdue); a date: due
    on or before it; `false`: neither."""
    today = today or timezone.localdate()
    text = str(value).strip().lower()
    window = today + timedelta(days=rules.placement_reminder_days())
    if text in {"1", "true", "yes"}:
        return queryset.filter(_review_due_by(window))
    if text in {"0", "false", "no"}:
        return queryset.exclude(_review_due_by(window))
    return queryset.filter(_review_due_by(value))


def _review_due_by(day):
    """Live placements whose pending review (at most one: a constraint) is due by `day`.

    The same rows as `next_review <= day`, but as `id IN (…)` over the partial index of
    pending reviews, so the planner does not compute next_review for every placement."""
    pending = PlacementReview.objects.filter(done_date__isnull=True, due_date__lte=day)
    return Q(pk__in=pending.values("placement_id")) & ~Q(status=Placement.Status.ENDED)


# --- Block contracts ------------------------------------------------------------------------

def financial_year(today=None):
    """(1 April, 31 March) of the financial year `today` falls in."""
    today = today or timezone.localdate()
    first = today.year if today.month >= 4 else today.year - 1
    return datetime.date(first, 4, 1), datetime.date(first + 1, 3, 31)


def _stays(queryset, block_end, start, end):
    """Annotate each placement's bed-stay clipped to `start`..`end` (and the block's end).

    A placement holds its bed from its start to its end, or its planned end while it has none
    (or, with neither, the block's end).
    """
    return queryset.annotate(
        stay_start=Greatest("start_date", Value(start, output_field=DateField())),
        stay_end=Least(Coalesce("end_date", "planned_end_date",
                                Value(block_end, output_field=DateField())),
                       Value(block_end, output_field=DateField()),
                       Value(end, output_field=DateField())),
    ).filter(stay_end__gte=F("stay_start"))


def blocks_for(user, today=None):
    """Blocks the caller may see, each with `occupied_today`: beds taken today."""
    today = today or timezone.localdate()
    occupying = (Q(placements__start_date__lte=today)
                 & (Q(placements__end_date__gte=today)
                    | Q(placements__end_date__isnull=True,
                        placements__planned_end_date__gte=today)
                    | Q(placements__end_date__isnull=True,
                        placements__planned_end_date__isnull=True)))
    queryset = (BlockContract.objects.select_related("authority", "provider", "lot")
                .annotate(occupied_today=Count("placements", filter=occupying))
                .order_by("-start_date", "-id"))
    if user.is_authority_user:
        return for_authority(queryset, user)
    return for_provider(queryset, user)


def daily_bed_price(block):
    """A bed's price for one day: price / 7 (week), price × hours / 7 (hour), price / 365
    (year). Unrounded: round the total, not each day."""
    price = block.price_per_bed
    if block.unit == PriceUnit.WEEK:
        return price / Decimal(7)
    if block.unit == PriceUnit.HOUR:
        return price * (block.hours_per_week or Decimal(0)) / Decimal(7)
    return price / Decimal(365)


@dataclass(frozen=True)
class Occupancy:
    date_from: datetime.date
    date_to: datetime.date
    days: int
    bed_days_bought: int
    bed_days_occupied: int
    void_bed_days: int
    daily_bed_price: Decimal
    cost_bought: Decimal
    void_cost: Decimal
    placements: int

    @property
    def occupancy_percent(self):
        if not self.bed_days_bought:
            return None
        return pennies(Decimal(self.bed_days_occupied) * 100 / Decimal(self.bed_days_bought))


def block_occupancy(block, date_from, date_to):
    """Bed-days bought, occupied and void (with their cost) from `date_from` to `date_to`,
    both inclusive, clipped to the block's own dates. Summed in the database."""
    start = max(date_from, block.start_date)
    end = min(date_to, block.end_date)
    days = max((end - start).days + 1, 0)
    occupied = placements = 0
    if days:
        row = _stays(Placement.objects.filter(block=block), block.end_date, start, end).aggregate(
            length=Sum(ExpressionWrapper(F("stay_end") - F("stay_start"),
                                         output_field=DurationField())),
            count=Count("id"))
        placements = row["count"] or 0
        # Each stay's end minus start, plus one for the inclusive last day.
        occupied = (row["length"].days if row["length"] else 0) + placements
    bought = block.beds * days
    void = max(bought - occupied, 0)
    daily = daily_bed_price(block)
    return Occupancy(date_from=date_from, date_to=date_to, days=days, bed_days_bought=bought,
                     bed_days_occupied=occupied, void_bed_days=void, daily_bed_price=daily,
                     cost_bought=pennies(daily * bought), void_cost=pennies(daily * void),
                     placements=placements)
