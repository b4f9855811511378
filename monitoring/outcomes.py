"""A child's outcomes on a placement: every domain rated in one go, and the trend per domain
that the outcomes page and the placement page show (issue "A council officer's first week",
finding 4). The rule for one rating stays `services.record_outcome_rating`."""

from collections import defaultdict

from django.db import transaction

from dps.errors import Conflict, RuleViolation
from monitoring import selectors
from monitoring.services import record_outcome_rating
from referrals.models import OutcomeDomain

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 160, 44, 6


@transaction.atomic
def record_outcome_ratings(*, by, placement, ratings, rated_on=None):
    """Record `ratings` ([(domain, rating, note)], at least one) on one day: all of them, or
    none when any is refused (each refusal names its domain)."""
    if not ratings:
        raise RuleViolation("Rate at least one outcome domain.", code="invalid",
                            fields={"ratings": ["Rate at least one outcome domain."]})
    labels = dict(OutcomeDomain.choices)
    rows = []
    for domain, rating, note in ratings:
        try:
            rows.append(record_outcome_rating(by=by, placement=placement, domain=domain,
                                              rating=rating, rated_on=rated_on, note=note))
        except Conflict as exc:
            message = f"{labels.get(domain, domain)} already has a rating for that day."
            raise Conflict(message, fields={f"ratings.{domain}": [message]}) from exc
    return rows


def _spark(points):
    """Polyline points for ratings 1–5 over time (evenly spaced): a picture only, the table
    beside it carries the figures."""
    usable = SPARK_HEIGHT - 2 * SPARK_PAD
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(len(points) - 1, 1)
    coords = [(SPARK_PAD + index * step, SPARK_PAD + (5 - point.rating) * usable / 4)
              for index, point in enumerate(points)]
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in coords), coords[-1]


def _trend_text(points):
    first, last = points[0].rating, points[-1].rating
    if len(points) == 1:
        return f"One rating: {last}"
    if last > first:
        return f"Up from {first} to {last}"
    if last < first:
        return f"Down from {first} to {last}"
    return f"Unchanged at {last}"


def domain_trends(placement_id):
    """Each of the 11 outcome domains with its ratings over time and a sparkline: one
    query."""
    ratings = defaultdict(list)
    for rating in selectors.outcome_trend(placement_id).select_related("rated_by"):
        ratings[rating.domain].append(rating)
    rows = []
    for domain in OutcomeDomain:
        points = ratings[domain.value]
        row = {"domain": domain.value, "label": domain.label, "points": points}
        if points:
            row["line"], row["last"] = _spark(points)
            row["trend"] = _trend_text(points)
            row["latest"] = points[-1]
        rows.append(row)
    return rows
