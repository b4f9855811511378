"""POST /api/v1/invoices/: vouched against the spend engine, every rule's refusal with its
code, and nothing stored when a line is refused."""

import datetime as dt
from decimal import Decimal

import pytest

from dps.models import AuditEntry
from invoicing.models import Invoice, InvoiceLine
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.invoicing.factories import D, frozen_fixture, line, make_world, submitted, world_fixture  # noqa: F401
from tests.reports.conftest import make_placement, make_support

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/"


def post(api, world, lines, reference="INV-1"):
    return api(world.user).post(URL, {"reference": reference, "lines": lines}, format="json")


def test_an_invoice_at_the_expected_amounts_is_vouched(api, world):
    response = post(api, world, [
        line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3100.00"),
        line(world.support, D(2026, 5, 1), D(2026, 5, 31), "310.00"),
        line(world.block, D(2026, 5, 1), D(2026, 5, 31), "6200.00")])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "vouched"
    assert body["reference"] == "INV-1"
    assert body["received_on"] == "2026-06-15"
    assert_money(body["total"], "9610.00")
    assert [set(ln) for ln in body["lines"]] == [{
        "id", "placement", "support_item", "block", "kind", "from", "to", "amount", "expected",
        "difference"}] * 3
    first, support, block = body["lines"]
    assert (first["placement"], first["kind"], first["from"], first["to"]) == (
        world.placement.pk, "placement", "2026-05-01", "2026-05-31")
    assert_money(first["expected"], "3100.00")
    assert_money(first["difference"], "0.00")
    assert (support["placement"], support["support_item"]) == (world.placement.pk,
                                                               world.support.pk)
    assert (block["placement"], block["block"]) == (None, world.block.pk)
    invoice = Invoice.objects.get()
    assert (invoice.authority, invoice.provider, invoice.channel) == (
        world.authority, world.provider, "api")
    assert invoice.expected_total == Decimal("9610.00")
    entry = AuditEntry.objects.get(action="invoice_submitted")
    assert (entry.actor, entry.object_id, entry.to_state) == (world.user, invoice.pk, "vouched")


def test_a_difference_puts_the_invoice_in_query(api, world):
    response = post(api, world, [
        line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3100.00"),
        line(world.block, D(2026, 5, 1), D(2026, 5, 31), "6300.01")])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "query"
    assert [ln["difference"] for ln in body["lines"]] == ["0.00", "100.01"]
    assert_money(body["total"], "9400.01")


def test_an_unapproved_placement_expects_nothing_so_is_queried(api, world):
    awaiting = make_placement(authority=world.authority, provider=world.provider,
                              start=D(2026, 5, 1), approval="awaiting")
    response = post(api, world, [line(awaiting, D(2026, 5, 1), D(2026, 5, 31), "3100.00")])
    assert response.status_code == 201
    assert response.json()["lines"][0]["expected"] == "0.00"
    assert response.json()["status"] == "query"


def test_a_day_after_today_is_invoicing_in_advance(api, world):
    with nothing_changes():
        response = post(api, world, [
            line(world.placement, D(2026, 6, 1), D(2026, 6, 15), "1500.00"),
            line(world.placement, D(2026, 6, 16), D(2026, 6, 16), "100.00")])
    assert_error(response, 400, "invoice_in_advance", fields=["lines.1.to"])


def test_today_is_not_in_advance_in_london(api, world, time_machine):
    # 00:30 on 16 June in London is still 15 June in UTC: London's day counts.
    time_machine.move_to(dt.datetime(2026, 6, 15, 23, 30, tzinfo=dt.UTC), tick=False)
    response = post(api, world, [line(world.placement, D(2026, 6, 16), D(2026, 6, 16),
                                      "100.00")])
    assert response.status_code == 201, response.content
    assert response.json()["received_on"] == "2026-06-16"


@pytest.mark.parametrize(("which", "days", "field"), [
    ("placement", (D(2026, 3, 31), D(2026, 4, 30)), "lines.0.from"),
    ("support", (D(2026, 4, 30), D(2026, 5, 31)), "lines.0.from"),
    ("block", (D(2026, 3, 1), D(2026, 4, 30)), "lines.0.from"),
    ("ended", (D(2026, 5, 1), D(2026, 5, 21)), "lines.0.to"),
])
def test_a_day_outside_the_live_days_is_refused(api, world, which, days, field):
    ended = make_placement(authority=world.authority, provider=world.provider,
                           start=D(2026, 4, 1), end=D(2026, 5, 20))
    target = {"placement": world.placement, "support": world.support, "block": world.block,
              "ended": ended}[which]
    with nothing_changes():
        response = post(api, world, [line(target, *days, "100.00")])
    assert_error(response, 400, "outside_placement", fields=[field])


def test_a_support_item_ends_with_its_placement(api, world):
    short = make_placement(authority=world.authority, provider=world.provider,
                           start=D(2026, 4, 1), end=D(2026, 5, 10))
    item = make_support(short, start=D(2026, 5, 1), end=D(2026, 5, 31), weekly_cost="70.00")
    with nothing_changes():
        response = post(api, world, [line(item, D(2026, 5, 1), D(2026, 5, 11), "110.00")])
    assert_error(response, 400, "outside_placement", fields=["lines.0.to"])


def test_what_is_not_the_providers_is_unknown_whether_it_exists_or_not(api, world):
    other = make_world(authority=world.authority)
    for target, field in ((other.placement, "lines.0.placement"),
                          (other.support, "lines.0.support_item"),
                          (other.block, "lines.0.block")):
        with nothing_changes():
            response = post(api, world, [line(target, D(2026, 5, 1), D(2026, 5, 2), "1.00")])
        body = assert_error(response, 400, "unknown_placement", fields=[field])
    missing = {"kind": "placement", "placement": 99999999, "from": "2026-05-01",
               "to": "2026-05-02", "amount": "1.00"}
    with nothing_changes():
        response = post(api, world, [missing])
    assert assert_error(response, 400, "unknown_placement")["detail"] == body["detail"]


def test_a_support_line_naming_another_placement_is_unknown(api, world):
    other = make_placement(authority=world.authority, provider=world.provider,
                           start=D(2026, 4, 1))
    bad = line(world.support, D(2026, 5, 1), D(2026, 5, 2), "20.00")
    bad["placement"] = other.pk
    with nothing_changes():
        response = post(api, world, [bad])
    assert_error(response, 400, "unknown_placement", fields=["lines.0.support_item"])


def test_a_block_placement_is_invoiced_through_its_block(api, world):
    placed = make_placement(authority=world.authority, provider=world.provider,
                            start=D(2026, 4, 1), route="block", block=world.block)
    with nothing_changes():
        response = post(api, world, [line(placed, D(2026, 5, 1), D(2026, 5, 2), "200.00")])
    assert_error(response, 400, "invalid", fields=["lines.0.kind"])


def test_lines_for_two_councils_are_two_invoices(api, world):
    elsewhere = make_placement(authority=f.AuthorityFactory(), provider=world.provider,
                               start=D(2026, 4, 1))
    with nothing_changes():
        response = post(api, world, [
            line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3100.00"),
            line(elsewhere, D(2026, 5, 1), D(2026, 5, 31), "3100.00")])
    assert_error(response, 400, "invalid", fields=["lines.1.placement"])


def test_a_day_already_invoiced_is_a_conflict(api, world):
    submitted(world, "INV-0", [line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3100.00"),
                               line(world.support, D(2026, 5, 1), D(2026, 5, 10), "100.00"),
                               line(world.block, D(2026, 5, 1), D(2026, 5, 10), "2000.00")])
    for target, days in ((world.placement, (D(2026, 5, 31), D(2026, 6, 5))),
                         (world.support, (D(2026, 5, 10), D(2026, 5, 12))),
                         (world.block, (D(2026, 4, 20), D(2026, 5, 1)))):
        with nothing_changes():
            response = post(api, world, [
                line(world.placement, D(2026, 6, 1), D(2026, 6, 1), "100.00")
                if target is not world.placement else
                line(world.block, D(2026, 6, 1), D(2026, 6, 1), "200.00"),
                line(target, *days, "100.00")])
        assert_error(response, 409, "already_invoiced", fields=["lines.1.from"])
    # The support item's days are not the placement fee's: both may be invoiced.
    response = post(api, world, [line(world.support, D(2026, 5, 11), D(2026, 5, 31), "210.00")],
                    reference="INV-2")
    assert response.status_code == 201, response.content


def test_overlapping_lines_in_one_invoice_are_a_conflict(api, world):
    with nothing_changes():
        response = post(api, world, [
            line(world.placement, D(2026, 5, 1), D(2026, 5, 15), "1500.00"),
            line(world.placement, D(2026, 5, 15), D(2026, 5, 31), "1700.00")])
    assert_error(response, 409, "already_invoiced", fields=["lines.1.from"])


def test_a_rejected_invoices_days_may_be_invoiced_again(api, world):
    first = submitted(world, "INV-0", [line(world.placement, D(2026, 5, 1), D(2026, 5, 31),
                                            "3000.00")])
    # As finance's rejection leaves it (invoicing.decisions): the lines are no longer live.
    Invoice.objects.filter(pk=first.pk).update(status="rejected")
    InvoiceLine.objects.filter(invoice=first).update(live=False)
    response = post(api, world, [line(world.placement, D(2026, 5, 1), D(2026, 5, 31),
                                      "3100.00")])
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "vouched"


def test_a_reference_is_used_once_per_provider(api, world):
    submitted(world, "INV-1", [line(world.placement, D(2026, 5, 1), D(2026, 5, 1), "100.00")])
    with nothing_changes():
        response = post(api, world, [line(world.placement, D(2026, 5, 2), D(2026, 5, 2),
                                          "100.00")], reference="INV-1")
    assert_error(response, 409, "duplicate_reference", fields=["reference"])
    # Another provider may use the same number.
    other = make_world(authority=world.authority)
    response = post(api, other, [line(other.placement, D(2026, 5, 2), D(2026, 5, 2),
                                      "100.00")], reference="INV-1")
    assert response.status_code == 201


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": "0.00"}, "lines.0.amount"),
    ({"amount": "-5.00"}, "lines.0.amount"),
    ({"amount": "10.001"}, "lines.0.amount"),
    ({"amount": "ten"}, "lines.0.amount"),
    ({"amount": None}, "lines.0.amount"),
    ({"amount": "1e400"}, "lines.0.amount"),
    ({"kind": "fee"}, "lines.0.kind"),
    ({"from": "2026-02-30"}, "lines.0.from"),
    ({"from": "2026-05-10", "to": "2026-05-01"}, "lines.0.to"),
    ({"placement": "abc"}, "lines.0.placement"),
    ({"placement": 2 ** 40}, "lines.0.placement"),
    ({"to": "0001-01-01"}, "lines.0.to"),
])
def test_a_bad_line_is_invalid_naming_its_field(api, world, change, field):
    good = line(world.placement, D(2026, 5, 1), D(2026, 5, 5), "500.00")
    bad = {**good, **change}
    with nothing_changes():
        response = post(api, world, [bad])
    assert_error(response, 400, "invalid", fields=[field])


@pytest.mark.parametrize(("mistake", "lines", "field"), [
    ("a support line without its item", [{"kind": "support", "placement": 0}],
     "lines.3.support_item"),
    ("a block line without its block", [{"kind": "block"}], "lines.3.block"),
    ("a placement line without its placement", [{"kind": "placement"}], "lines.3.placement"),
    ("a block line naming a placement", [{"kind": "block", "block": 0, "placement": 0}],
     "lines.3.placement"),
])
def test_a_line_naming_the_wrong_things_is_invalid(api, world, mistake, lines, field):
    good = [line(world.placement, D(2026, 5, d), D(2026, 5, d), "100.00") for d in (1, 2, 3)]
    raw = {"from": "2026-05-04", "to": "2026-05-04", "amount": "100.00", **lines[0]}
    for key in ("placement", "block"):
        if raw.get(key) == 0:
            raw[key] = world.placement.pk if key == "placement" else world.block.pk
    with nothing_changes():
        response = post(api, world, [*good, raw])
    assert_error(response, 400, "invalid", fields=[field])


@pytest.mark.parametrize("body", [
    {"reference": "INV-1", "lines": []},
    {"reference": "INV-1"},
    {"reference": "", "lines": [{"kind": "placement"}]},
    {"reference": "x" * 61, "lines": []},
    {"reference": "INV-1", "lines": "all of them"},
    {"reference": "INV-1", "lines": [None]},
    [],
])
def test_a_bad_body_is_invalid(api, world, body):
    with nothing_changes():
        response = api(world.user).post(URL, body, format="json")
    assert_error(response, 400, "invalid")


def test_only_providers_send_invoices(api, anon, world):
    body = {"reference": "INV-1", "lines": [
        line(world.placement, D(2026, 5, 1), D(2026, 5, 1), "100.00")]}
    others = (world.finance, f.CommissionerFactory(organisation=world.authority),
              f.DpsAdminFactory())
    with nothing_changes():
        assert_error(anon.post(URL, body, format="json"), 401, "not_authenticated")
        for user in others:
            assert_error(api(user).post(URL, body, format="json"), 403, "forbidden")
