"""Referrals: record (commissioner), read (own authority), publish as a call-off."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from calloffs import tasks
from calloffs.models import CallOff, Invitation
from dps.models import AuditEntry
from providers.models import Lot, Regime
from referrals.models import Child, Referral
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"


def url(referral, action=""):
    return f"{URL}{referral.pk}/{action + '/' if action else ''}"


def body(**changes):
    return {
        "child": cf.CHILD | {"date_of_birth": "2012-03-14"},
        "lot": "residential", "needs": ["semh", "asd"], "outcomes": ["safety", "health"],
        "summary": "Needs a calm home with waking night staff and on-site education.",
        "placement_start": str(timezone.localdate() + datetime.timedelta(days=21)),
        "duration_weeks": 52, "hours_per_week": None, "location_area": "West Sussex",
    } | changes


def in_days(days, **extra):
    return {"deadline": (timezone.now() + datetime.timedelta(days=days)).isoformat()} | extra


@pytest.fixture
def council(api, commissioner):
    return api(commissioner)


@pytest.fixture
def draft(commissioner):
    return cf.ReferralFactory(authority=commissioner.organisation)


# --- Create ---------------------------------------------------------------------------------

def test_anonymous_cannot_create_a_referral(anon):
    with nothing_changes():
        assert_error(anon.post(URL, body(), format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.FinanceFactory,
                                     f.BudgetHolderFactory, f.DpsAdminFactory])
def test_non_commissioner_cannot_create_a_referral(api, factory):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(URL, body(), format="json"), 403, "forbidden")


def test_commissioner_cannot_create_a_referral_when_the_lot_is_unknown(council):
    with nothing_changes():
        response = council.post(URL, body(lot="stables"), format="json")
    assert_error(response, 400, "invalid", fields=["lot"])


def test_commissioner_cannot_create_a_referral_when_a_need_is_unknown(council):
    with nothing_changes():
        response = council.post(URL, body(needs=["semh", "wizardry"]), format="json")
    assert_error(response, 400, "invalid", fields=["needs"])


def test_commissioner_cannot_create_a_referral_when_an_outcome_is_unknown(council):
    with nothing_changes():
        response = council.post(URL, body(outcomes=["safety", "fame"]), format="json")
    error = assert_error(response, 400, "invalid")
    assert any(name.startswith("outcomes") for name in error["fields"]), error


def test_commissioner_cannot_create_a_tuition_referral_without_hours_per_week(council):
    with nothing_changes():
        response = council.post(URL, body(lot="tuition"), format="json")
    assert_error(response, 400, "invalid", fields=["hours_per_week"])


def test_commissioner_cannot_create_a_referral_when_a_budget_kind_has_no_amount(council):
    with nothing_changes():
        response = council.post(URL, body(budget_kind="ceiling"), format="json")
    assert_error(response, 400, "invalid", fields=["budget_amount"])


def test_commissioner_cannot_create_a_referral_starting_before_the_child_is_born(council):
    child = cf.CHILD | {"date_of_birth": str(timezone.localdate() + datetime.timedelta(days=60))}
    with nothing_changes():
        response = council.post(URL, body(child=child), format="json")
    assert_error(response, 400, "invalid", fields=["child.date_of_birth"])


def test_commissioner_cannot_create_a_referral_without_the_childs_identity(council):
    with nothing_changes():
        response = council.post(URL, body(child={"first_name": "Jayden"}), format="json")
    assert_error(response, 400, "invalid", fields=["child.last_name", "child.date_of_birth",
                                                   "child.case_reference"])


def test_commissioner_creates_a_draft_referral_for_their_authority(council, commissioner):
    response = council.post(URL, body(budget_kind="ceiling", budget_amount="5600"),
                            format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    referral = Referral.objects.get(pk=data["id"])
    assert (data["status"], data["lot"], data["needs"], data["outcomes"]) == (
        "draft", "residential", ["semh", "asd"], ["safety", "health"])
    assert data["child"] == cf.CHILD | {"date_of_birth": "2012-03-14"}
    assert data["budget_amount"] == "5600.00"
    assert data["calloff"] is None
    assert referral.authority == commissioner.organisation
    assert referral.created_by == commissioner
    assert AuditEntry.objects.filter(action="referral.created", object_id=referral.pk).exists()


def test_commissioner_creates_a_tuition_referral_with_hours_per_week(council):
    response = council.post(URL, body(lot="tuition", hours_per_week="12.5"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["hours_per_week"] == "12.50"


def test_hours_per_week_are_dropped_for_a_weekly_lot(council):
    response = council.post(URL, body(hours_per_week="10"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["hours_per_week"] is None


def test_budget_is_kept_with_the_referral(council):
    response = council.post(URL, body(budget_kind="personal_budget", budget_amount="4800.00"),
                            format="json")
    assert Referral.objects.get(pk=response.json()["id"]).budget_amount == Decimal("4800.00")


def test_referring_the_same_child_again_reuses_and_updates_its_identity(council):
    council.post(URL, body(), format="json")
    child = cf.CHILD | {"date_of_birth": "2012-03-14", "postcode": "rh13 5aa"}
    response = council.post(URL, body(child=child), format="json")
    assert response.status_code == 201, response.json()
    assert Child.objects.count() == 1
    assert Child.objects.get().postcode == "RH13 5AA"


# --- Read -----------------------------------------------------------------------------------

def test_anonymous_cannot_list_referrals(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")


def test_provider_cannot_list_referrals(api, provider_user):
    assert_error(api(provider_user).get(URL), 403, "forbidden")


def test_partner_commissioner_cannot_see_the_lead_authoritys_referral(api):
    lead = cf.ReferralFactory(authority=f.LeadAuthorityFactory())
    partner = f.CommissionerFactory()
    assert_error(api(partner).get(url(lead)), 404, "not_found")
    assert api(partner).get(URL).json()["results"] == []


def test_commissioner_lists_only_their_authoritys_referrals(council, draft):
    cf.ReferralFactory()
    body = council.get(URL).json()
    assert [r["id"] for r in body["results"]] == [draft.pk]
    assert body["count"] == 1


def test_authority_sees_the_childs_identity_on_its_own_referral(council, draft):
    data = council.get(url(draft)).json()
    assert data["child"]["case_reference"] == draft.child.case_reference
    assert data["child"]["postcode"] == draft.child.postcode


def test_dps_admin_sees_every_authoritys_referrals(api, dps_admin):
    referrals = {cf.ReferralFactory().pk, cf.ReferralFactory().pk}
    client = api(dps_admin)
    assert {r["id"] for r in client.get(URL).json()["results"]} == referrals
    for pk in referrals:
        assert client.get(f"{URL}{pk}/").status_code == 200


# --- Publish --------------------------------------------------------------------------------

def test_anonymous_cannot_publish_a_referral(anon, draft):
    with nothing_changes():
        assert_error(anon.post(url(draft, "publish"), in_days(3), format="json"),
                     401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.FinanceFactory])
def test_non_commissioner_cannot_publish_a_referral(api, draft, factory):
    user = factory(**({} if factory is f.ProviderUserFactory
                      else {"organisation": draft.authority}))
    with nothing_changes():
        assert_error(api(user).post(url(draft, "publish"), in_days(3), format="json"),
                     403, "forbidden")


def test_partner_commissioner_cannot_publish_another_authoritys_referral(api, draft):
    partner = api(f.CommissionerFactory())
    with nothing_changes():
        response = partner.post(url(draft, "publish"), in_days(3), format="json")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("status", [Referral.Status.PUBLISHED, Referral.Status.WITHDRAWN])
def test_commissioner_cannot_publish_a_referral_when_it_is_not_a_draft(council, commissioner,
                                                                        status):
    referral = cf.ReferralFactory(authority=commissioner.organisation, status=status)
    with nothing_changes():
        response = council.post(url(referral, "publish"), in_days(3), format="json")
    assert_error(response, 409, "invalid_transition")


IDENTIFIERS = {
    "first_name": "Jayden needs a calm home.",
    "last_name": "The oakes family agree.",
    "date_of_birth": "Born 14th Mar 2012, needs a calm home.",
    "case_reference": "See case wscc 48213.",
    "postcode": "Home is near RH124QT.",
}


@pytest.mark.parametrize("field", ["summary", "location_area"])
@pytest.mark.parametrize(("kind", "text"), IDENTIFIERS.items())
def test_commissioner_cannot_publish_when_provider_facing_text_identifies_the_child(
        council, commissioner, kind, text, field):
    child = cf.ChildFactory(authority=commissioner.organisation, case_reference="WSCC-48213")
    referral = cf.ReferralFactory(authority=commissioner.organisation, child=child,
                                  **{field: text})
    with nothing_changes():
        response = council.post(url(referral, "publish"), in_days(3), format="json")
    error = assert_error(response, 400, "identifiers_in_text", fields=[field])
    assert error["fields"] == {field: [f"Contains the child's {kind.replace('_', ' ')}."]}


def test_identifiers_in_both_texts_name_both_fields(council, draft):
    draft.summary = "Jayden Oakes needs a calm home."
    draft.location_area = "rh12-4qt"
    draft.save()
    with nothing_changes():
        response = council.post(url(draft, "publish"), in_days(3), format="json")
    error = assert_error(response, 400, "identifiers_in_text")
    assert error["fields"] == {
        "summary": ["Contains the child's first name.", "Contains the child's last name."],
        "location_area": ["Contains the child's postcode."]}


@pytest.fixture
def strict_referral(commissioner):
    """A draft on a DPS run under reg. 34, whose minimum response time is 10 days."""
    dps = f.DpsFactory(regime=Regime.PCR2015_DPS, min_response_days=10,
                       lots=[("residential_care", "week", True)])
    return cf.ReferralFactory(authority=commissioner.organisation,
                              lot=Lot.objects.get(dps=dps, code="residential_care"))


def test_commissioner_cannot_publish_with_a_deadline_shorter_than_the_regimes_minimum(
        council, strict_referral):
    with nothing_changes():
        response = council.post(url(strict_referral, "publish"), in_days(9), format="json")
    assert_error(response, 400, "deadline_too_short", fields=["short_deadline_reason"])


def test_commissioner_cannot_publish_a_short_deadline_with_a_blank_reason(
        council, strict_referral):
    with nothing_changes():
        response = council.post(url(strict_referral, "publish"),
                                in_days(2, short_deadline_reason="   "), format="json")
    assert_error(response, 400, "deadline_too_short")


def test_commissioner_cannot_publish_with_a_deadline_in_the_past(council, draft):
    with nothing_changes():
        response = council.post(url(draft, "publish"), in_days(-1), format="json")
    assert_error(response, 400, "invalid", fields=["deadline"])


@pytest.mark.parametrize(("quality", "price"), [(60, 60), (50, 40), (100, 10)])
def test_commissioner_cannot_publish_when_the_weights_do_not_sum_to_100(
        council, draft, quality, price):
    with nothing_changes():
        response = council.post(url(draft, "publish"), in_days(
            3, quality_weight=quality, price_weight=price), format="json")
    assert_error(response, 400, "invalid", fields=["quality_weight"])


def test_commissioner_cannot_publish_when_the_child_is_born_after_the_start(council, draft):
    # The child's record changed after the referral was written (say, a corrected date).
    Child.objects.filter(pk=draft.child_id).update(
        date_of_birth=draft.placement_start + datetime.timedelta(days=1))
    with nothing_changes():
        response = council.post(url(draft, "publish"), in_days(3), format="json")
    assert_error(response, 400, "invalid", fields=["placement_start"])


def test_commissioner_cannot_publish_without_a_deadline(council, draft):
    with nothing_changes():
        response = council.post(url(draft, "publish"), {}, format="json")
    assert_error(response, 400, "invalid", fields=["deadline"])


@pytest.fixture
def panel_referral(commissioner):
    authority = commissioner.organisation
    authority.requires_resource_panel = True
    authority.save()
    return cf.ReferralFactory(authority=authority)


def test_commissioner_cannot_publish_without_the_resource_panels_approval(
        council, panel_referral):
    with nothing_changes():
        response = council.post(url(panel_referral, "publish"), in_days(3), format="json")
    assert_error(response, 400, "panel_approval_required")


def test_commissioner_cannot_publish_when_the_panel_declined(council, panel_referral):
    response = council.post(url(panel_referral, "panel-decision"), {
        "panel_date": str(timezone.localdate()), "panel_decision": "declined"}, format="json")
    assert response.status_code == 200, response.json()
    with nothing_changes():
        response = council.post(url(panel_referral, "publish"), in_days(3), format="json")
    assert_error(response, 400, "panel_approval_required")


def test_commissioner_publishes_once_the_panel_approved(council, panel_referral):
    response = council.post(url(panel_referral, "panel-decision"), {
        "panel_date": str(timezone.localdate()), "panel_decision": "approved",
        "panel_notes": "Agreed at panel"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["panel_decision"] == "approved"
    response = council.post(url(panel_referral, "publish"), in_days(3), format="json")
    assert response.status_code == 201, response.json()


def test_commissioner_publishes_a_short_deadline_with_a_reason(council, strict_referral):
    response = council.post(url(strict_referral, "publish"), in_days(
        2, short_deadline_reason="Placement breakdown: the child needs a home this week."),
        format="json")
    assert response.status_code == 201, response.json()
    calloff = CallOff.objects.get(pk=response.json()["calloff"])
    assert calloff.short_deadline_reason.startswith("Placement breakdown")


def test_a_deadline_of_exactly_the_minimum_needs_no_reason(council, strict_referral):
    now = timezone.now().replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        response = council.post(url(strict_referral, "publish"), {
            "deadline": (now + datetime.timedelta(days=10)).isoformat()}, format="json")
    assert response.status_code == 201, response.json()


def test_publication_invites_exactly_the_admitted_members_of_the_lot(
        council, draft, django_capture_on_commit_callbacks):
    residential = f.lot("residential")
    admitted = [f.AdmittedMembershipFactory(lot=residential) for _ in range(3)]
    others = [f.SuspendedMembershipFactory(lot=residential),
              f.RemovedMembershipFactory(lot=residential),
              f.AdmittedMembershipFactory(lot=f.lot("fostering"))]
    invited_users = [f.ProviderUserFactory(organisation=m.provider)
                     for m in admitted for _ in range(2)]
    for membership in others:
        f.ProviderUserFactory(organisation=membership.provider)

    with django_capture_on_commit_callbacks(execute=True):
        response = council.post(url(draft, "publish"), in_days(
            3, quality_weight=70, price_weight=30), format="json")

    assert response.status_code == 201, response.json()
    assert set(response.json()) == {"calloff"}
    calloff = CallOff.objects.get(pk=response.json()["calloff"])
    assert calloff.status == "open"
    assert (calloff.quality_weight, calloff.price_weight) == (70, 30)
    assert calloff.invited_count == 3
    assert set(Invitation.objects.filter(calloff=calloff).values_list("membership", flat=True)) \
        == {m.pk for m in admitted}
    draft.refresh_from_db()
    assert draft.status == "published"
    assert council.get(url(draft)).json()["calloff"] == calloff.pk
    # One e-mail to each invited provider's users, none to anyone else.
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted(u.email for u in invited_users)
    assert all(cf.child_identifiers_in(m.body + m.subject) == [] for m in mail.outbox)
    assert not Invitation.objects.filter(calloff=calloff, notified_at__isnull=True).exists()

    assert tasks.notify_invited_providers(calloff.pk) == 0
    assert len(mail.outbox) == 3


def test_invitations_are_e_mailed_only_after_the_commit(
        council, draft, django_capture_on_commit_callbacks):
    for _ in range(2):
        f.ProviderUserFactory(organisation=f.AdmittedMembershipFactory(
            lot=f.lot("residential")).provider)
    with django_capture_on_commit_callbacks() as callbacks:
        response = council.post(url(draft, "publish"), in_days(3), format="json")
        assert response.status_code == 201, response.json()
        assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 2


def test_publication_records_the_audit_rows(council, draft, commissioner):
    response = council.post(url(draft, "publish"), in_days(3), format="json")
    calloff = response.json()["calloff"]
    actions = set(AuditEntry.objects.filter(actor=commissioner).values_list("action", flat=True))
    assert {"referral.publish", "calloff.published"} <= actions
    assert CallOff.objects.get(pk=calloff).published_by == commissioner


def test_publication_to_an_empty_lot_invites_nobody(council, draft):
    response = council.post(url(draft, "publish"), in_days(3), format="json")
    assert response.status_code == 201, response.json()
    assert CallOff.objects.get(pk=response.json()["calloff"]).invited_count == 0


# --- Withdraw -------------------------------------------------------------------------------

def test_provider_cannot_withdraw_a_referral(api, provider_user, draft):
    client = api(provider_user)
    with nothing_changes():
        assert_error(client.post(url(draft, "withdraw")), 403, "forbidden")


def test_partner_commissioner_cannot_withdraw_another_authoritys_referral(api, draft):
    client = api(f.CommissionerFactory())
    with nothing_changes():
        assert_error(client.post(url(draft, "withdraw")), 404, "not_found")


def test_commissioner_cannot_withdraw_a_published_referral(council, commissioner):
    referral = cf.ReferralFactory(authority=commissioner.organisation,
                                  status=Referral.Status.PUBLISHED)
    with nothing_changes():
        assert_error(council.post(url(referral, "withdraw")), 409, "invalid_transition")


def test_commissioner_withdraws_a_draft_referral(council, draft):
    response = council.post(url(draft, "withdraw"))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"
    assert AuditEntry.objects.filter(action="referral.withdraw", object_id=draft.pk).exists()
