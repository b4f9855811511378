"""A budget holder whose limit does not cover a spot placement or block purchase passes it to
one whose limit does, as for awards: through the page and the API, audited, the approver
e-mailed, and the queue says it was passed. Bad passes change nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from contracts import approvals, services
from contracts.models import Approval, BlockContract
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db
APPROVALS = reverse("calloffs:approvals")


@pytest.fixture
def council(frozen):
    return f.AuthorityFactory()


@pytest.fixture
def commissioner(council):
    return f.CommissionerFactory(organisation=council)


@pytest.fixture
def holder(council):
    return f.BudgetHolderFactory(organisation=council, approval_limit=Decimal("10000.00"),
                                 first_name="Sam", last_name="Small")


@pytest.fixture
def director(council):
    return f.BudgetHolderFactory(organisation=council, approval_limit=Decimal("2000000.00"),
                                 first_name="Dee", last_name="Director")


def spot(commissioner):
    """£2,000 a week for 12 weeks: £24,000, above Sam's £10,000."""
    start = datetime.date(2026, 6, 1)
    return services.record_spot_placement(
        by=commissioner, provider_name="Harbour Lights Care Ltd", lot=f.lot("residential"),
        price=Decimal("2000.00"), start_date=start,
        planned_end_date=start + datetime.timedelta(weeks=12, days=-1),
        exception_reason="No DPS provider could offer a bed within 48 hours.")


def block(api, commissioner):
    provider = f.ProviderOrgFactory()
    f.AdmittedMembershipFactory(provider=provider, lot=f.lot("residential"),
                                price_cap=Decimal("5500.00"))
    response = api(commissioner).post("/api/v1/blocks/", {
        "lot": "residential", "beds": 2, "price_per_bed": "1000.00", "provider": provider.pk,
        "start_date": "2026-06-01", "end_date": "2026-08-23", "reference": "BLK-1"},
        format="json")
    assert response.status_code == 201, response.content
    return BlockContract.objects.get(pk=response.json()["id"])


def test_the_page_passes_a_spot_placement_to_the_director(
        as_user, commissioner, holder, director, django_capture_on_commit_callbacks):
    placement = spot(commissioner)
    page = as_user(holder).get(reverse("contracts:approve-placement", args=[placement.pk]))
    assert "Spot placement above your limit with Harbour Lights Care Ltd" in text(page)
    assert "above your approval limit of £10,000.00" in text(page)
    assert "Dee Director, approval limit £2,000,000.00" in text(page)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(holder).post(
            reverse("contracts:pass-placement", args=[placement.pk]),
            {"pass-on-to": director.pk, "pass-on-note": "Over my limit; urgent."}, follow=True)
    assert "Passed to Dee Director" in banner(response)
    placement.refresh_from_db()
    assert placement.approval == Approval.AWAITING
    entry = AuditEntry.objects.get(action="placement.approval_passed_on")
    assert (entry.actor, entry.reason, entry.data["to"]) == (holder, "Over my limit; urgent.",
                                                             director.pk)
    [message] = mail.outbox
    assert message.to == [director.email]
    assert "Sam Small has passed a spot placement to you" in message.body
    assert reverse("contracts:approve-placement", args=[placement.pk]) in message.body
    # The queue and the page say it was passed; the form is gone.
    queue = text(as_user(holder).get(APPROVALS))
    assert "To Dee Director on 1 June 2026: nothing more for you to do" in queue
    again = as_user(holder).get(reverse("contracts:approve-placement", args=[placement.pk]))
    assert "It was passed to Dee Director on 1 June 2026" in text(again)
    assert "Pass to this approver" not in text(again)
    # The director approves it as usual.
    approvals.approve_placement(placement, by=director)
    placement.refresh_from_db()
    assert placement.approval == Approval.APPROVED


def test_the_api_passes_a_block_purchase(api, commissioner, holder, director,
                                         django_capture_on_commit_callbacks):
    contract = block(api, commissioner)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(holder).post(f"/api/v1/blocks/{contract.pk}/pass-on/",
                                    {"to": director.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"to": director.pk, "name": "Dee Director"}
    assert AuditEntry.objects.filter(action="blockcontract.approval_passed_on",
                                     object_id=contract.pk).count() == 1
    [message] = mail.outbox
    assert "block purchase" in message.subject
    assert reverse("contracts:approve-block", args=[contract.pk]) in message.body


def test_bad_passes_are_refused_and_change_nothing(api, commissioner, holder, director,
                                                   django_capture_on_commit_callbacks):
    placement = spot(commissioner)
    url = f"/api/v1/placements/{placement.pk}/pass-on/"
    stranger = f.BudgetHolderFactory(approval_limit=Decimal("9000000.00"))
    small_peer = f.BudgetHolderFactory(organisation=holder.organisation,
                                       approval_limit=Decimal("5000.00"))
    with nothing_changes(), django_capture_on_commit_callbacks(execute=True):
        # To someone whose limit does not cover it, or of another authority, or nobody.
        for to in (small_peer.pk, stranger.pk, 0, holder.pk):
            assert_error(api(holder).post(url, {"to": to}, format="json"), 400, "invalid",
                         ["to"])
        assert_error(api(holder).post(url, {"to": "Dee"}, format="json"), 400, "invalid",
                     ["to"])
        # The director's own limit covers it: approve it, not pass it.
        assert_error(api(director).post(url, {"to": holder.pk}, format="json"), 400, "invalid",
                     ["to"])
        assert_error(api(commissioner).post(url, {"to": director.pk}, format="json"), 403,
                     "forbidden")
        assert_error(api(stranger).post(url, {"to": director.pk}, format="json"), 404,
                     "not_found")
    assert mail.outbox == []
    approvals.approve_placement(placement, by=director)
    assert_error(api(holder).post(url, {"to": director.pk}, format="json"), 409,
                 "invalid_transition")


def test_the_page_shows_a_bad_pass_on_the_form(as_user, commissioner, holder, director):
    placement = spot(commissioner)
    with nothing_changes():
        response = as_user(holder).post(
            reverse("contracts:pass-placement", args=[placement.pk]), {"pass-on-to": ""})
    assert response.status_code == 400
    assert "Choose who should approve it" in error_summary(response)


def test_the_queue_stays_within_its_queries(as_user, commissioner, holder, director,
                                           django_assert_max_num_queries):
    for _ in range(6):
        approvals.pass_placement(spot(commissioner), by=holder, to=director.pk)
    with django_assert_max_num_queries(5):
        queue = approvals.approval_queue(holder)
    assert len(queue["placements"]) == 6
    assert all(item.passed_to[0] == director for item in queue["placements"])
