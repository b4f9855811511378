"""Read queries for placements: lists whose query count stays flat as the data grows."""

from datetime import timedelta

from django.db.models import Case, F, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from contracts import rules
from contracts.models import FeePeriod, Placement, PlacementReview
from dps.api.scoping import for_authority, for_provider


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
    if text in {"1", "true", "yes"}:
        return queryset.filter(
            next_review__lte=today + timedelta(days=rules.placement_reminder_days()))
    if text in {"0", "false", "no"}:
        window = today + timedelta(days=rules.placement_reminder_days())
        return queryset.filter(Q(next_review__isnull=True) | Q(next_review__gt=window))
    return queryset.filter(next_review__lte=value)
