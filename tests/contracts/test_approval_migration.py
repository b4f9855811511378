"""contracts 0008: placements and blocks recorded before approvals existed are approved (they
counted as spend and still do), with their value worked out; new rows wait by default."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests import factories as f

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

BEFORE = [("contracts", "0007_list_indexes")]


def _migrate(targets=None):
    """Migrate to `targets`, or (None) forward to every app's latest migration: going back to
    contracts 0007 unapplies the apps that depend on it too (invoicing), and the tests after
    this one need them back."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_rows_are_approved_with_their_value():
    authority, provider = f.AuthorityFactory(), f.ProviderOrgFactory()
    lot = f.lot("residential")
    old = _migrate(BEFORE)
    try:
        Placement = old.get_model("contracts", "Placement")
        FeePeriod = old.get_model("contracts", "FeePeriod")
        BlockContract = old.get_model("contracts", "BlockContract")
        start = datetime.date(2026, 4, 1)
        fixed = Placement.objects.create(
            authority_id=authority.pk, provider_id=provider.pk, provider_name=provider.name,
            lot_id=lot.pk, route="spot", status="active", start_date=start,
            planned_end_date=start + datetime.timedelta(weeks=10, days=-1),
            price=Decimal("2100.00"), price_unit="week")
        FeePeriod.objects.create(placement=fixed, price=Decimal("2000.00"), unit="week",
                                 effective_from=start)  # the agreed price, since raised
        open_ended = Placement.objects.create(
            authority_id=authority.pk, provider_name="Unlisted Homes", lot_id=lot.pk,
            route="spot", status="active", start_date=start, price=Decimal("1000.00"),
            price_unit="week")
        block = BlockContract.objects.create(
            authority_id=authority.pk, provider_id=provider.pk, lot_id=lot.pk, beds=2,
            price_per_bed=Decimal("700.00"), unit="week", start_date=start,
            end_date=start + datetime.timedelta(days=69))
    finally:
        new = _migrate()
    Placement = new.get_model("contracts", "Placement")
    BlockContract = new.get_model("contracts", "BlockContract")
    rows = {p.pk: (p.approval, p.value) for p in Placement.objects.all()}
    assert rows[fixed.pk] == ("approved", Decimal("20000.00"))  # 10 weeks × £2,000
    assert rows[open_ended.pk] == ("approved", Decimal("52000.00"))  # 52 weeks
    migrated = BlockContract.objects.get(pk=block.pk)
    assert (migrated.approval, migrated.value) == ("approved", Decimal("14000.00"))
    # New rows wait for approval unless a service says otherwise.
    fresh = Placement.objects.create(
        authority_id=authority.pk, provider_name="Unlisted Homes", lot_id=lot.pk,
        route="spot", status="active", start_date=start, price=Decimal("1.00"),
        price_unit="week")
    assert fresh.approval == "awaiting"
