"""POST /api/v1/invoices/upload/: a CSV file of invoices, one per reference, all or none, with
refusals keyed by the file's row."""

import pytest

from invoicing.models import Invoice
from tests.asserts import assert_error, nothing_changes
from tests.invoicing.factories import D, frozen_fixture, line, make_world, submitted, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/upload/"
HEADER = "reference,placement,kind,support_item,from,to,amount\n"


def upload(api, user, text, content_type="text/csv"):
    body = text.encode() if isinstance(text, str) else text
    return api(user).generic("POST", URL, body, content_type=content_type)


def test_one_invoice_per_reference(api, world):
    p, s = world.placement.pk, world.support.pk
    text = (HEADER
            + f"INV-1,{p},placement,,2026-05-01,2026-05-31,3100.00\n"
            + f"INV-1,{p},support,{s},2026-05-01,2026-05-31,310.00\n"
            + "\n"
            + f"INV-2,{p},placement,,2026-06-01,2026-06-10,1000.00\n")
    response = upload(api, world.user, text)
    assert response.status_code == 201, response.content
    invoices = response.json()["invoices"]
    assert [(i["reference"], i["status"], i["total"], len(i["lines"])) for i in invoices] == [
        ("INV-1", "vouched", "3410.00", 2), ("INV-2", "vouched", "1000.00", 1)]
    assert set(Invoice.objects.values_list("channel", flat=True)) == {"upload"}


def test_a_block_line_names_its_block_in_the_block_column(api, world):
    text = ("reference,placement,kind,support_item,block,from,to,amount\n"
            f"INV-1,,block,,{world.block.pk},2026-05-01,2026-05-31,6200.00\n")
    response = upload(api, world.user, text)
    assert response.status_code == 201, response.content
    assert response.json()["invoices"][0]["lines"][0]["block"] == world.block.pk


def test_bad_rows_are_each_named_and_nothing_is_stored(api, world):
    p = world.placement.pk
    text = (HEADER
            + f"INV-1,{p},placement,,2026-05-01,2026-05-31,3100.00\n"
            + f"INV-1,{p},placement,,2026-06-01,2026-06-40,10.00\n"
            + f"INV-2,{p},nonsense,,2026-06-01,2026-06-02,10.00\n"
            + f",{p},placement,,2026-06-01,2026-06-02,10.00\n"
            + f"INV-3,{p},placement,,2026-06-03,2026-06-04,-1\n")
    with nothing_changes():
        response = upload(api, world.user, text)
    body = assert_error(response, 400, "invalid", fields=["row 3", "row 4", "row 5", "row 6"])
    assert "row 2" not in body["fields"]
    assert any(m.startswith("to:") for m in body["fields"]["row 3"])


def test_a_rule_refused_on_one_invoice_stores_none_and_names_the_row(api, world):
    p = world.placement.pk
    text = (HEADER
            + f"INV-1,{p},placement,,2026-05-01,2026-05-31,3100.00\n"
            + f"INV-2,{p},placement,,2026-06-01,2026-06-10,1000.00\n"
            + f"INV-2,{p},placement,,2026-06-11,2026-06-16,600.00\n")
    with nothing_changes():
        response = upload(api, world.user, text)
    assert_error(response, 400, "invoice_in_advance", fields=["row 4"])


def test_two_invoices_of_one_file_for_the_same_days_conflict(api, world):
    p = world.placement.pk
    text = (HEADER
            + f"INV-1,{p},placement,,2026-05-01,2026-05-31,3100.00\n"
            + f"INV-2,{p},placement,,2026-05-31,2026-06-01,200.00\n")
    with nothing_changes():
        response = upload(api, world.user, text)
    assert_error(response, 409, "already_invoiced", fields=["row 3"])


def test_a_reference_already_used_is_a_conflict_on_its_row(api, world):
    submitted(world, "INV-1", [line(world.placement, D(2026, 4, 1), D(2026, 4, 1), "100.00")])
    text = HEADER + f"INV-1,{world.placement.pk},placement,,2026-05-01,2026-05-31,3100.00\n"
    with nothing_changes():
        response = upload(api, world.user, text)
    assert_error(response, 409, "duplicate_reference", fields=["row 2"])


@pytest.mark.parametrize("text", [
    "",
    HEADER,
    "reference,placement,kind,from,to,amount\nINV-1,1,placement,2026-05-01,2026-05-02,1.00\n",
    "reference,placement,kind,support_item,from,to,amount,colour\n",
    HEADER + "INV-1,1,placement\n",
    b"\xff\xfe" + b"r\x00e\x00",
    HEADER.encode("utf-16"),
])
def test_a_file_that_is_not_the_format_is_invalid(api, world, text):
    with nothing_changes():
        response = upload(api, world.user, text)
    assert_error(response, 400, "invalid")


def test_a_body_over_the_upload_limit_is_refused(api, world, settings):
    row = f"INV-1,{world.placement.pk},placement,,2026-05-01,2026-05-01,100.00\n"
    text = HEADER + row * (3 * 1024 * 1024 // len(row))
    with nothing_changes():
        response = upload(api, world.user, text)
    assert_error(response, 400, "invalid", fields=["body"])


def test_only_a_provider_uploads(api, anon, world):
    text = HEADER + f"INV-1,{world.placement.pk},placement,,2026-05-01,2026-05-31,3100.00\n"
    with nothing_changes():
        assert_error(anon.generic("POST", URL, text.encode(), content_type="text/csv"), 401,
                     "not_authenticated")
        assert_error(upload(api, world.finance, text), 403, "forbidden")
    with nothing_changes():
        assert_error(upload(api, world.user, text, content_type="application/pdf"), 415,
                     "unsupported_media_type")


def test_another_providers_placement_in_a_file_is_unknown(api, world):
    other = make_world(authority=world.authority)
    text = HEADER + f"INV-1,{other.placement.pk},placement,,2026-05-01,2026-05-31,3100.00\n"
    with nothing_changes():
        response = upload(api, world.user, text)
    assert_error(response, 400, "unknown_placement", fields=["row 2"])
