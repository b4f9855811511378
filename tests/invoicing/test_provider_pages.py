"""The provider's invoice pages: its invoices, one click from the draft, a CSV upload, one
invoice; never another provider's, never a child's identity."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from invoicing.drafts import draft_lines
from invoicing.forms_provider import line_key
from invoicing.models import Invoice
from tests import factories as f
from tests.asserts import nothing_changes
from tests.invoicing.factories import D, frozen_fixture, line, make_world, submitted, world_fixture  # noqa: F401
from tests.pages import banner, error_summary, text
from tests.reports.conftest import make_placement

pytestmark = pytest.mark.django_db
LIST, NEW, UPLOAD = "/invoices/", "/invoices/new/", "/invoices/upload/"


def test_the_portal_links_to_the_invoices(as_user, world):
    response = as_user(world.user).get("/portal/")
    assert 'href="/invoices/"' in response.content.decode()


def test_the_list_shows_status_total_what_was_queried_and_when_paid(as_user, world,
                                                                     django_assert_max_num_queries):
    submitted(world, "A-1", [line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3100.00")])
    queried = submitted(world, "A-2", [line(world.block, D(2026, 5, 1), D(2026, 5, 31), "1.00")])
    Invoice.objects.filter(pk=queried.pk).update(reason="The block is two beds, not one.")
    paid = submitted(world, "A-3", [line(world.support, D(2026, 5, 1), D(2026, 5, 31),
                                         "310.00")])
    Invoice.objects.filter(pk=paid.pk).update(status="paid", paid_on=D(2026, 6, 10))
    client = as_user(world.user)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    body = text(response)
    assert response.status_code == 200
    assert "A-1" in body
    assert "£3,100.00" in body
    assert "Queried" in body
    assert "The block is two beds, not one." in body
    assert "Paid 10 June 2026" in body
    filtered = text(client.get(LIST, {"status": "query"}))
    assert "A-2" in filtered
    assert "A-1" not in filtered


def test_another_providers_invoices_are_not_shown(as_user, world):
    other = make_world(authority=world.authority)
    theirs = submitted(other, "THEIRS-1", [line(other.placement, D(2026, 5, 1), D(2026, 5, 1),
                                                "100.00")])
    client = as_user(world.user)
    assert "THEIRS-1" not in text(client.get(LIST))
    assert client.get(f"/invoices/{theirs.pk}/").status_code == 404


def test_the_detail_shows_each_line_and_its_difference(as_user, world):
    invoice = submitted(world, "A-1", [
        line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3150.00"),
        line(world.block, D(2026, 5, 1), D(2026, 5, 31), "6200.00")])
    body = text(as_user(world.user).get(f"/invoices/{invoice.pk}/"))
    assert f"Placement {world.placement.pk}: the fee" in body
    assert f"Block contract {world.block.pk}: its beds" in body
    assert "£3,150.00 £3,100.00 £50.00" in body
    assert "Queried" in body
    # The placement's number, never the child.
    child = world.placement.child
    assert child is None or child.first_name not in body


def test_one_click_invoices_every_uninvoiced_day(as_user, world):
    client = as_user(world.user)
    response = client.get(NEW)
    assert response.status_code == 200
    body = text(response)
    assert f"Invoice to {world.authority.name}" in body
    assert f"Placement {world.placement.pk}: the fee, 1 April 2026 to 15 June 2026: £7,600.00" \
        in body
    response = client.post(f"{NEW}?authority={world.authority.pk}", {
        "authority": world.authority.pk, "reference": "JUNE-1",
        "lines": [c[0] for c in _choices(world)]})
    assert response.status_code == 302, error_summary(response)
    invoice = Invoice.objects.get()
    assert invoice.status == "vouched"
    assert invoice.channel == "portal"
    assert response["Location"] == f"/invoices/{invoice.pk}/"
    assert "JUNE-1 was sent" in banner(client.get(response["Location"]))
    assert "You have invoiced every day" in text(client.get(NEW))


def _choices(world):
    return [(line_key(ln), ln) for ln in draft_lines(world.provider, world.authority)]


def test_unticked_lines_stay_in_the_draft(as_user, world):
    client = as_user(world.user)
    keys = [c[0] for c in _choices(world)]
    response = client.post(NEW, {"authority": world.authority.pk, "reference": "PART",
                                 "lines": keys[:1]})
    assert response.status_code == 302
    assert Invoice.objects.get().lines.count() == 1
    assert len(_choices(world)) == len(keys) - 1


@pytest.mark.parametrize(("data", "message"), [
    ({"reference": "", "lines": "ALL"}, "Enter your invoice number."),
    ({"reference": "X", "lines": []}, "Choose at least one line to invoice."),
    ({"reference": "X", "lines": ["placement:1:2020-01-01:2020-01-02"]},
     "The days to invoice have changed"),
])
def test_a_bad_draft_form_shows_its_errors_and_sends_nothing(as_user, world, data, message):
    client = as_user(world.user)
    keys = [c[0] for c in _choices(world)]
    data = {**data, "authority": world.authority.pk}
    if data["lines"] == "ALL":
        data["lines"] = keys
    with nothing_changes():
        response = client.post(NEW, data)
    assert response.status_code == 400
    assert message in error_summary(response)


def test_a_reference_used_before_is_shown_as_an_error(as_user, world):
    submitted(world, "JUNE-1", [line(world.placement, D(2026, 4, 1), D(2026, 4, 1), "100.00")])
    client = as_user(world.user)
    keys = [c[0] for c in _choices(world)]
    with nothing_changes():
        response = client.post(NEW, {"authority": world.authority.pk, "reference": "JUNE-1",
                                     "lines": keys})
    assert response.status_code == 400
    assert "already sent an invoice with this reference" in error_summary(response)


def test_several_councils_are_chosen_first(as_user, world):
    elsewhere = f.AuthorityFactory(name="Elsewhere Council")
    make_placement(authority=elsewhere, provider=world.provider, start=D(2026, 5, 1))
    client = as_user(world.user)
    body = text(client.get(NEW))
    assert "Which council is this invoice for?" in body
    assert "Elsewhere Council" in body
    assert "Choose the council." in error_summary(client.get(NEW, {"choose": "1"}))
    response = client.get(NEW, {"choose": "1", "authority": str(elsewhere.pk)})
    assert response.status_code == 200
    assert "Invoice to Elsewhere Council" in text(response)
    other = f.AuthorityFactory()
    assert client.get(NEW, {"authority": str(other.pk)}).status_code == 404


def test_a_provider_with_nothing_to_invoice_is_told(as_user, frozen):
    user = f.ProviderUserFactory()
    assert "no approved placements" in text(as_user(user).get(NEW))


def test_upload_sends_every_invoice_of_the_file(as_user, world):
    csv = ("reference,placement,kind,support_item,from,to,amount\n"
           f"U-1,{world.placement.pk},placement,,2026-05-01,2026-05-31,3100.00\n"
           f"U-2,{world.placement.pk},placement,,2026-06-01,2026-06-10,1000.00\n")
    client = as_user(world.user)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("june.csv", csv.encode(),
                                                               "text/csv")})
    assert response.status_code == 302
    assert "2 invoices sent: U-1, U-2." in banner(client.get(LIST))


def test_upload_errors_name_the_rows_and_send_nothing(as_user, world):
    csv = ("reference,placement,kind,support_item,from,to,amount\n"
           f"U-1,{world.placement.pk},placement,,2026-05-01,2026-05-31,3100.00\n"
           f"U-1,{world.placement.pk},placement,,2026-06-01,2026-06-10,ten\n")
    client = as_user(world.user)
    with nothing_changes():
        response = client.post(UPLOAD, {"file": SimpleUploadedFile("june.csv", csv.encode(),
                                                                   "text/csv")})
    assert response.status_code == 400
    body = text(response)
    assert "Row 3" in body
    assert "amount:" in body
    with nothing_changes():
        response = client.post(UPLOAD, {})
    assert "Choose a CSV or Excel (.xlsx) file." in error_summary(response)


@pytest.mark.parametrize("path", [LIST, NEW, UPLOAD])
def test_only_providers_use_the_invoice_pages(as_user, world, path):
    assert Client().get(path).status_code == 302
    assert as_user(world.finance).get(path).status_code == 403
