"""Exclusions (PA 2023 ss. 57–62; s.37 for dynamic markets): the debarment list's ground and end
date, and the check at admission, at each invitation, at award and by removal."""

import datetime

import pytest
from django.utils import timezone

from calloffs.models import Invitation
from dps.models import AuditEntry
from providers.exclusions import remove_excluded_members
from providers.models import Debarment, Dps, Membership
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db

URL = "/api/v1/debarments/"
ALL = ["pcr2015_dps", "light_touch", "pa2023_dynamic_market", "pa2023_light_touch"]
REMOVES = {"pcr2015_dps": False, "light_touch": False, "pa2023_dynamic_market": True,
           "pa2023_light_touch": True}


def regime(code):
    Dps.objects.filter(code="children").update(regime=code)


def entry(provider, **changes):
    return {"organisation": provider.pk, "name": provider.name,
            "starts_on": str(timezone.localdate()), "reason": "Convicted of fraud (Sch. 6)",
            **changes}


def test_the_debarment_list_carries_the_ground_and_end_date(api, dps_admin):
    provider = f.ProviderOrgFactory()
    ends = str(timezone.localdate() + datetime.timedelta(days=365 * 3))
    body = api(dps_admin).post(URL, entry(provider, ground="discretionary", ends_on=ends),
                               format="json").json()
    assert (body["ground"], body["ends_on"]) == ("discretionary", ends)
    assert api(dps_admin).post(URL, entry(provider), format="json").json()["ground"] == \
        "mandatory"


def test_a_debarment_with_an_unknown_ground_is_refused(api, dps_admin):
    provider = f.ProviderOrgFactory()
    with nothing_changes():
        response = api(dps_admin).post(URL, entry(provider, ground="vague"), format="json")
    assert_error(response, 400, "invalid", fields=["ground"])
    assert not Debarment.objects.exists()


@pytest.mark.parametrize("code", ALL)
def test_an_excluded_supplier_is_removed_from_a_dynamic_market_with_the_entrys_reason(
        api, dps_admin, code):
    regime(code)
    membership = f.AdmittedMembershipFactory()
    other = f.AdmittedMembershipFactory()
    response = api(dps_admin).post(URL, entry(membership.provider), format="json")
    assert response.status_code == 201, response.json()
    membership.refresh_from_db()
    other.refresh_from_db()
    assert other.status == Membership.Status.ADMITTED
    if REMOVES[code]:
        assert membership.status == Membership.Status.REMOVED
        assert "s.37" in membership.status_reason
        assert "Convicted of fraud" in membership.status_reason
        assert AuditEntry.objects.filter(action="membership.remove",
                                         object_id=membership.pk).exists()
    else:
        assert membership.status == Membership.Status.ADMITTED


def test_an_entry_starting_later_removes_the_member_when_its_day_comes_and_only_once():
    regime("pa2023_dynamic_market")
    membership = f.AdmittedMembershipFactory()
    starts = timezone.localdate() + datetime.timedelta(days=5)
    f.DebarmentFactory(organisation=membership.provider, starts_on=starts)
    assert remove_excluded_members(today=starts - datetime.timedelta(days=1)) == 0
    assert remove_excluded_members(today=starts) == 1
    assert remove_excluded_members(today=starts) == 0
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REMOVED


def test_a_supplier_listed_by_companies_house_number_is_removed_too():
    regime("pa2023_light_touch")
    provider = f.ProviderOrgFactory(companies_house_number="07999001")
    membership = f.AdmittedMembershipFactory(provider=provider)
    f.DebarmentFactory(organisation=None, name="Same company", companies_house_number="07999001")
    assert remove_excluded_members() == 1
    membership.refresh_from_db()
    assert membership.status == Membership.Status.REMOVED


def test_an_ended_entry_excludes_nobody():
    regime("pa2023_dynamic_market")
    membership = f.AdmittedMembershipFactory()
    f.DebarmentFactory(organisation=membership.provider,
                       starts_on=timezone.localdate() - datetime.timedelta(days=30),
                       ends_on=timezone.localdate() - datetime.timedelta(days=1))
    assert remove_excluded_members() == 0


@pytest.mark.parametrize("code", ALL)
def test_an_excluded_member_is_not_invited(api, commissioner, code):
    regime(code)
    lot = f.lot("residential")
    kept = f.AdmittedMembershipFactory(lot=lot)
    excluded = f.AdmittedMembershipFactory(lot=lot)
    f.DebarmentFactory(organisation=excluded.provider)  # listed outside the service
    referral = cf.ReferralFactory(authority=commissioner.organisation, lot=lot)
    deadline = (timezone.now() + datetime.timedelta(days=12)).isoformat()
    response = api(commissioner).post(f"/api/v1/referrals/{referral.pk}/publish/",
                                      {"deadline": deadline}, format="json")
    assert response.status_code == 201, response.json()
    calloff = response.json()["calloff"]
    assert list(Invitation.objects.filter(calloff_id=calloff).values_list(
        "provider_id", flat=True)) == [kept.provider_id]
    entry_ = AuditEntry.objects.get(action="calloff.published", object_id=calloff)
    assert entry_.data["excluded_suppliers_not_invited"] == 1


def test_a_member_whose_entry_has_ended_is_invited_again(api, commissioner):
    lot = f.lot("residential")
    member = f.AdmittedMembershipFactory(lot=lot)
    f.DebarmentFactory(organisation=member.provider,
                       ends_on=timezone.localdate() - datetime.timedelta(days=1))
    referral = cf.ReferralFactory(authority=commissioner.organisation, lot=lot)
    deadline = (timezone.now() + datetime.timedelta(days=12)).isoformat()
    calloff = api(commissioner).post(f"/api/v1/referrals/{referral.pk}/publish/",
                                     {"deadline": deadline}, format="json").json()["calloff"]
    assert Invitation.objects.filter(calloff_id=calloff, provider=member.provider).exists()
