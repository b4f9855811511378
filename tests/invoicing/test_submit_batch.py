"""`submit_invoices`: many invoices checked and vouched together, every one stored or none,
with `submit_invoice`'s refusals naming the invoice (`invoice_index`)."""

from decimal import Decimal

import pytest

from dps.errors import DomainError
from dps.models import AuditEntry
from invoicing.batch import submit_invoices
from invoicing.models import Invoice, InvoiceLine
from tests.asserts import nothing_changes
from tests.invoicing.factories import (  # noqa: F401
    D,
    as_service,
    frozen_fixture,
    line,
    make_world,
    submitted,
    world_fixture,
)

pytestmark = pytest.mark.django_db


def refused(batch, by):
    with nothing_changes(), pytest.raises(DomainError) as caught:
        submit_invoices(batch, by=by)
    return caught.value


def test_a_batch_of_two_providers_invoices_is_vouched_and_audited_as_one_by_one(world):
    other = make_world(authority=world.authority)
    batch = [
        (world.provider, "B-1", as_service([
            line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3100.00"),
            line(world.support, D(2026, 5, 1), D(2026, 5, 31), "310.00")])),
        (other.provider, "B-1", as_service([
            line(other.block, D(2026, 5, 1), D(2026, 5, 31), "6200.00")])),
        (world.provider, "B-2", as_service([
            line(world.placement, D(2026, 6, 1), D(2026, 6, 10), "999.99")])),
    ]
    invoices = submit_invoices(batch, by=world.user)
    assert [(i.reference, i.status, i.total, i.expected_total) for i in invoices] == [
        ("B-1", "vouched", Decimal("3410.00"), Decimal("3410.00")),
        ("B-1", "vouched", Decimal("6200.00"), Decimal("6200.00")),
        ("B-2", "query", Decimal("999.99"), Decimal("1000.00"))]
    assert InvoiceLine.objects.count() == 4
    entries = AuditEntry.objects.filter(action="invoice_submitted").order_by("object_id")
    assert [(e.object_id, e.to_state, e.data["lines"], e.actor_id) for e in entries] == [
        (invoices[0].pk, "vouched", 2, world.user.pk), (invoices[1].pk, "vouched", 1,
                                                        world.user.pk),
        (invoices[2].pk, "query", 1, world.user.pk)]
    # The same days again, one by one, are already invoiced.
    with pytest.raises(DomainError) as caught:
        submitted(world, "B-3", [line(world.placement, D(2026, 5, 10), D(2026, 5, 10),
                                      "100.00")])
    assert caught.value.code == "already_invoiced"


def test_the_batch_expects_what_submit_invoice_expects(world):
    lines = [line(world.placement, D(2026, 4, 3), D(2026, 4, 17), "1.00"),
             line(world.support, D(2026, 5, 2), D(2026, 6, 14), "1.00"),
             line(world.block, D(2026, 4, 30), D(2026, 5, 1), "1.00")]
    [batched] = submit_invoices([(world.provider, "B-1", as_service(lines))], by=world.user)
    expected = list(batched.lines.values_list("expected", flat=True))
    InvoiceLine.objects.all().delete()
    Invoice.objects.all().delete()
    single = submitted(world, "S-1", lines)
    assert list(single.lines.values_list("expected", flat=True)) == expected


@pytest.mark.parametrize(("second", "code", "index"), [
    # A day after today, in the second invoice.
    ([("placement", D(2026, 6, 10), D(2026, 6, 16))], "invoice_in_advance", 1),
    # Another provider's placement.
    ([("foreign", D(2026, 5, 1), D(2026, 5, 2))], "unknown_placement", 1),
    # The first invoice's days again, in another invoice of the batch.
    ([("placement", D(2026, 5, 31), D(2026, 6, 1))], "already_invoiced", 1),
    # A day before the placement started.
    ([("placement", D(2026, 3, 31), D(2026, 4, 1))], "outside_placement", 1),
])
def test_one_bad_invoice_stores_none_and_is_named(world, second, code, index):
    other = make_world(authority=world.authority)
    targets = {"placement": world.placement, "foreign": other.placement}
    batch = [(world.provider, "B-1", as_service([
        line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3100.00")]))]
    batch.append((world.provider, "B-2", as_service([
        line(targets[kind], start, end, "10.00") for kind, start, end in second])))
    error = refused(batch, world.user)
    assert (error.code, error.invoice_index) == (code, index)
    assert any(key.startswith("lines.0.") for key in error.fields)


def test_a_reference_used_before_or_twice_in_the_batch_is_a_duplicate(world):
    submitted(world, "B-1", [line(world.placement, D(2026, 4, 1), D(2026, 4, 1), "100.00")])
    one = as_service([line(world.placement, D(2026, 5, 1), D(2026, 5, 1), "100.00")])
    two = as_service([line(world.placement, D(2026, 5, 2), D(2026, 5, 2), "100.00")])
    error = refused([(world.provider, "B-2", one), (world.provider, "B-1", two)], world.user)
    assert (error.code, error.invoice_index) == ("duplicate_reference", 1)
    error = refused([(world.provider, "B-3", one), (world.provider, "B-3", two)], world.user)
    assert (error.code, error.invoice_index) == ("duplicate_reference", 1)


def test_a_day_already_on_a_live_line_is_refused_in_a_batch(world):
    submitted(world, "B-1", [line(world.block, D(2026, 5, 1), D(2026, 5, 31), "6200.00")])
    batch = [(world.provider, "B-2", as_service([
        line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3100.00"),
        line(world.block, D(2026, 5, 31), D(2026, 6, 1), "200.00")]))]
    error = refused(batch, world.user)
    assert (error.code, error.invoice_index, error.status) == ("already_invoiced", 0, 409)
    assert "lines.1.from" in error.fields


def test_an_empty_or_malformed_batch_is_invalid(world):
    assert refused([], world.user).code == "invalid"
    error = refused([(world.provider, "B-1", [{"kind": "nonsense"}])], world.user)
    assert (error.code, error.invoice_index) == ("invalid", 0)
