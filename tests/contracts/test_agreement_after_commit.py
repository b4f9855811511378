"""Approving an award returns at once (finding 7): the first agreement's PDF is built after
the approval commits, through the outbox (contracts.agreements). Until then the placement's
pages say "The agreement is being prepared" and its download answers 409 `conflict`, never a
500; building it twice issues one version; a second approval is still 409."""

import pytest
from django.urls import reverse

from calloffs import services as calloff_services
from contracts import services
from contracts.agreements import issue_first_agreement
from contracts.models import AgreementVersion
from dps.models import OutboxMessage
from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts.conftest import commissioner_of, provider_of

pytestmark = pytest.mark.django_db

TASK = "contracts.tasks.issue_first_agreement"


def pdf_url(placement):
    return f"/api/v1/placements/{placement.pk}/agreement.pdf"


@pytest.fixture
def approval():
    calloff, _ = cf.awaiting_approval(authority=f.LeadAuthorityFactory())
    return calloff, f.BudgetHolderFactory(organisation=calloff.authority)


def test_the_approval_queues_the_agreement_instead_of_rendering_it(
        api, approval, django_capture_on_commit_callbacks):
    calloff, approver = approval
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(approver).post(f"/api/v1/calloffs/{calloff.pk}/approve/", {},
                                      format="json")
    assert response.status_code == 200, response.json()
    placement_id = response.json()["placement"]
    # Returned with no PDF rendered: the agreement waits in the outbox for the commit.
    assert not AgreementVersion.objects.filter(placement_id=placement_id).exists()
    assert OutboxMessage.objects.filter(task=TASK, args__0=placement_id).count() == 1
    for callback in callbacks:
        callback()
    version = AgreementVersion.objects.get(placement_id=placement_id)
    assert (version.version, version.reason) == (1, "Awarded through the DPS call-off")
    assert version.created_by == approver


def test_while_it_is_prepared_the_download_is_409_and_the_pages_say_so(
        api, as_user, approval, django_capture_on_commit_callbacks):
    calloff, approver = approval
    with django_capture_on_commit_callbacks(execute=False):
        placement = calloff_services.approve_award(calloff, by=approver)
    for user in (commissioner_of(placement), provider_of(placement)):
        response = api(user).get(pdf_url(placement))
        assert response.status_code == 409
        assert response.json()["code"] == "conflict"
        assert "being prepared" in response.json()["detail"]
    page = as_user(commissioner_of(placement)).get(
        reverse("contracts:detail", args=[placement.pk])).content.decode()
    assert "The agreement is being prepared" in page
    mine = as_user(provider_of(placement)).get(
        reverse("contracts:my-placement", args=[placement.pk])).content.decode()
    assert "The agreement is being prepared" in mine

    issue_first_agreement(placement.pk, reason="Awarded through the DPS call-off")
    assert api(commissioner_of(placement)).get(pdf_url(placement)).status_code == 200
    page = as_user(commissioner_of(placement)).get(
        reverse("contracts:detail", args=[placement.pk])).content.decode()
    assert "being prepared" not in page
    assert "Download agreement version 1" in page


def test_an_earlier_version_asked_for_by_number_is_still_404(api, approval,
                                                             django_capture_on_commit_callbacks):
    calloff, approver = approval
    with django_capture_on_commit_callbacks(execute=False):
        placement = calloff_services.approve_award(calloff, by=approver)
    response = api(commissioner_of(placement)).get(pdf_url(placement) + "?version=1")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_building_it_twice_issues_one_version(approval, django_capture_on_commit_callbacks):
    calloff, approver = approval
    with django_capture_on_commit_callbacks(execute=True):
        placement = calloff_services.approve_award(calloff, by=approver)
    assert issue_first_agreement(placement.pk, reason="again") is None
    assert list(placement.agreement_versions.values_list("version", flat=True)) == [1]


def test_a_later_version_issued_first_is_not_overwritten(approval,
                                                         django_capture_on_commit_callbacks):
    calloff, approver = approval
    with django_capture_on_commit_callbacks(execute=False):
        placement = calloff_services.approve_award(calloff, by=approver)
    services.issue_agreement(placement, by=None, reason="Fee change")
    assert issue_first_agreement(placement.pk, reason="Award") is None
    assert list(placement.agreement_versions.values_list("reason", flat=True)) == ["Fee change"]


def test_a_second_approval_is_409_and_queues_nothing_more(api, approval,
                                                          django_capture_on_commit_callbacks):
    calloff, approver = approval
    client = api(approver)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/api/v1/calloffs/{calloff.pk}/approve/", {}, format="json")
        second = client.post(f"/api/v1/calloffs/{calloff.pk}/approve/", {}, format="json")
    assert first.status_code == 200
    assert (second.status_code, second.json()["code"]) == (409, "invalid_transition")
    assert OutboxMessage.objects.filter(task=TASK).count() == 1
    assert AgreementVersion.objects.filter(placement_id=first.json()["placement"]).count() == 1


def test_the_schema_documents_the_409(anon):
    schema = anon.get("/api/schema/?format=json").json()
    responses = schema["paths"]["/api/v1/placements/{id}/agreement.pdf"]["get"]["responses"]
    assert "409" in responses
    assert "being prepared" in responses["409"]["description"]


def test_a_fee_change_queues_its_version_and_building_it_twice_issues_one(
        as_user, approval, django_capture_on_commit_callbacks):
    """Later versions are never rendered in the request either (issue 19)."""
    from decimal import Decimal

    from contracts.agreements import issue_agreement_version

    calloff, approver = approval
    with django_capture_on_commit_callbacks(execute=True):
        placement = calloff_services.approve_award(calloff, by=approver)
    council = commissioner_of(placement)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.record_fee_change(placement, by=council, new_price=Decimal("5250.00"),
                                   effective_from=placement.start_date + (
                                       placement.planned_end_date - placement.start_date) / 2,
                                   reason="Uplift")
    assert list(placement.agreement_versions.values_list("version", flat=True)) == [1]
    [message] = OutboxMessage.objects.filter(task="contracts.tasks.issue_agreement_version")
    page = as_user(council).get(reverse("contracts:detail", args=[placement.pk])).content.decode()
    assert "A new version is being prepared" in page
    assert "Download agreement version 1" in page
    for callback in callbacks:
        callback()
    reason = message.args[2]
    assert reason.startswith("Fee change")
    assert issue_agreement_version(placement.pk, reason=reason) is None  # run again: nothing
    assert sorted(placement.agreement_versions.values_list("version", flat=True)) == [1, 2]
    page = as_user(council).get(reverse("contracts:detail", args=[placement.pk])).content.decode()
    assert "being prepared" not in page
    assert "Download agreement version 2" in page
