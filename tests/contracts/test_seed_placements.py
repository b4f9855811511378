"""seed_placements: the benchmark volume keeps to the database's rules and the services' shapes."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from contracts import selectors
from contracts.models import BlockContract, FeePeriod, Placement, PlacementReview, SupportItem
from dps.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

PLACEMENTS = 200


def seed(**options):
    out = io.StringIO()
    call_command("seed_placements", placements=PLACEMENTS, providers=40, authorities=7,
                 stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded():
    return seed()


def scalar(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_seeds_the_requested_volume(seeded):
    assert Placement.objects.count() == PLACEMENTS
    live = Placement.objects.exclude(status=Placement.Status.ENDED).count()
    assert 15 <= live <= 25  # about a tenth
    assert 0.9 * PLACEMENTS * 10 <= FeePeriod.objects.count() <= 1.1 * PLACEMENTS * 10
    assert SupportItem.objects.count() == PLACEMENTS // 4
    assert BlockContract.objects.count() == 2
    assert Placement.objects.values("authority").distinct().count() == 7
    assert set(Placement.objects.values_list("route", flat=True)) == {"dps", "spot", "block"}
    assert Placement.objects.filter(lot__dps__code="adults-ldmh").exists()
    assert "Seeded 200 placements" in seeded


def test_fee_periods_form_a_contiguous_history(seeded):
    # Each period ends the day before the next starts: no gap, no overlap.
    assert scalar("""
        SELECT count(*) FROM (
            SELECT effective_to, lead(effective_from) OVER (
                PARTITION BY placement_id ORDER BY effective_from) AS next_from
            FROM contracts_feeperiod) periods
        WHERE next_from IS NOT NULL
          AND (effective_to IS NULL OR effective_to + 1 <> next_from)""") == 0
    # The first starts with the placement; the last is open while it is live and ends with it.
    assert scalar("""
        SELECT count(*) FROM contracts_placement p
        WHERE p.start_date <> (SELECT min(effective_from) FROM contracts_feeperiod f
                               WHERE f.placement_id = p.id)""") == 0
    assert scalar("""
        SELECT count(*) FROM contracts_placement p
        JOIN LATERAL (SELECT * FROM contracts_feeperiod f WHERE f.placement_id = p.id
                      ORDER BY effective_from DESC LIMIT 1) last ON true
        WHERE (p.status <> 'ended' AND last.effective_to IS NOT NULL)
           OR (p.status = 'ended' AND last.effective_to IS DISTINCT FROM p.end_date)
           OR last.price <> p.price OR last.unit <> p.price_unit""") == 0


def test_statuses_follow_the_dates(seeded):
    today = timezone.localdate()
    assert not Placement.objects.filter(status="active", start_date__gt=today).exists()
    assert not Placement.objects.filter(status="active", end_date__isnull=False).exists()
    assert not Placement.objects.filter(status="pending_start", start_date__lte=today).exists()
    assert not Placement.objects.filter(status="ended", end_date__isnull=True).exists()
    assert not Placement.objects.filter(status="ended", end_date__gte=today).exists()
    assert not Placement.objects.filter(route="spot", exception_reason="").exists()
    assert not Placement.objects.filter(route="block", block__isnull=True).exists()
    assert not Placement.objects.filter(lot__price_unit="hour", hours_per_week__isnull=True) \
        .exists()


def test_each_live_placement_has_its_next_review_due(seeded):
    live = Placement.objects.exclude(status=Placement.Status.ENDED)
    pending = PlacementReview.objects.filter(done_date__isnull=True)
    assert pending.count() == live.count()
    assert not pending.filter(placement__status=Placement.Status.ENDED).exists()
    commissioner = User.objects.get(username="scale-a01-commissioner")
    rows = list(selectors.placements_for(commissioner).exclude(status="ended"))
    assert rows
    assert all(row.next_review is not None for row in rows)
    assert all(row.current_price == row.price for row in rows)


def test_block_beds_are_never_overbooked(seeded):
    assert scalar("""
        SELECT count(*) FROM contracts_placement p JOIN contracts_blockcontract b
          ON b.id = p.block_id
        WHERE p.start_date < b.start_date OR p.start_date > b.end_date
           OR (SELECT count(*) FROM contracts_placement q
               WHERE q.block_id = p.block_id AND q.start_date <= p.start_date
                 AND COALESCE(q.end_date, 'infinity') >= p.start_date) > b.beds""") == 0


def test_refuses_a_second_run_unless_reset(seeded):
    with pytest.raises(CommandError, match="--reset"):
        seed()
    seed(reset=True, seed=2)
    assert Placement.objects.count() == PLACEMENTS
