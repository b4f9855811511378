"""The four regimes as rules (ADR 0017): each rule a test, parametrised where regimes differ."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dps.models import AuditEntry
from providers.models import Dps
from providers.regimes import PCR_DPS_TRANSITION_END, REGIMES, warnings_for
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db

DPS_URL = "/api/v1/dps/"
ALL = ["pcr2015_dps", "light_touch", "pa2023_dynamic_market", "pa2023_light_touch"]
PCR = ["pcr2015_dps", "light_touch"]
ACT = ["pa2023_dynamic_market", "pa2023_light_touch"]
# A term each regime allows: the 2015 Regulations only for what started before 24 Feb 2025.
TERMS = {"pcr2015_dps": ("2024-04-01", "2029-02-23"), "light_touch": ("2024-04-01", "2031-03-31"),
         "pa2023_dynamic_market": ("2026-04-01", "2034-03-31"),
         "pa2023_light_touch": ("2026-04-01", "2034-03-31")}


def spec(regime, **changes):
    starts_on, ends_on = TERMS[regime]
    return {"code": f"arr-{regime.replace('_', '-')}", "name": f"Arrangement {regime}",
            "regime": regime, "starts_on": starts_on, "ends_on": ends_on,
            "lots": [{"code": "home_care", "name": "Home care", "price_unit": "hour"}],
            **changes}


def market(regime, **settings):
    """An arrangement under `regime` with the regime's starting settings."""
    return f.DpsFactory(regime=regime, **{**REGIMES[regime].defaults, **settings})


# --- Regime as data, per arrangement --------------------------------------------------------

@pytest.mark.parametrize("regime", ALL)
def test_each_regime_is_recorded_with_its_rules_and_starting_settings(api, dps_admin, regime):
    response = api(dps_admin).post(DPS_URL, spec(regime), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    rules = REGIMES[regime]
    assert body["regime"] == regime
    for setting, value in rules.defaults.items():
        assert body[setting] == value
    assert body["regime_rules"] == {
        "label": rules.label, "law": rules.law,
        "standstill_working_days": rules.standstill_working_days,
        "user_choice_direct_award": rules.user_choice_direct_award,
        "conditions_fixed": rules.conditions_fixed,
        "removes_excluded_members": rules.removes_excluded_members,
        "transition_end": str(rules.transition_end) if rules.transition_end else None}


def test_light_touch_stays_a_valid_value_meaning_the_2015_light_touch_regime(api, dps_admin):
    body = api(dps_admin).post(DPS_URL, spec("light_touch"), format="json").json()
    assert body["regime"] == "light_touch"
    assert body["regime_rules"]["law"] == "pcr2015"


@pytest.mark.parametrize(("regime", "minimum"), [
    ("pcr2015_dps", 10), ("light_touch", 0), ("pa2023_dynamic_market", 10),
    ("pa2023_light_touch", 0)])
def test_the_minimum_response_time_is_the_regimes(regime, minimum):
    assert REGIMES[regime].defaults["min_response_days"] == minimum


@pytest.mark.parametrize(("regime", "refused"), [
    ("pcr2015_dps", True), ("light_touch", False), ("pa2023_dynamic_market", True),
    ("pa2023_light_touch", False)])
def test_a_three_day_deadline_needs_a_reason_where_the_regime_sets_a_minimum(
        api, commissioner, regime, refused):
    dps = market(regime)
    referral = cf.ReferralFactory(authority=commissioner.organisation,
                                  lot=dps.lots.get(code="supported_living"))
    deadline = (timezone.now() + datetime.timedelta(days=3)).isoformat()
    response = api(commissioner).post(f"/api/v1/referrals/{referral.pk}/publish/",
                                      {"deadline": deadline}, format="json")
    if refused:
        assert_error(response, 400, "deadline_too_short", fields=["short_deadline_reason"])
    else:
        assert response.status_code == 201, response.json()


@pytest.mark.parametrize(("regime", "days", "most"), [
    ("pcr2015_dps", 10, 15), ("light_touch", 10, 15), ("pa2023_dynamic_market", 10, 15),
    ("pa2023_light_touch", 10, 15)])
def test_applications_are_decided_within_the_regimes_period_unless_the_market_sets_its_own(
        api, dps_admin, regime, days, most):
    # Reg. 34: 10 working days, 15 at most. The Act: "a reasonable period", set per market.
    body = api(dps_admin).post(DPS_URL, spec(regime), format="json").json()
    assert (body["evaluation_working_days"], body["evaluation_max_working_days"]) == (days, most)
    own = api(dps_admin).post(DPS_URL, spec(regime, code="own", evaluation_working_days=20,
                                            evaluation_max_working_days=30), format="json")
    if REGIMES[regime].is_act:
        assert own.status_code == 201, own.json()
        assert own.json()["evaluation_working_days"] == 20
    else:
        assert own.status_code == 201  # a council records what its notice says (ADR 0003)


# --- The transition from the 2015 Regulations -------------------------------------------------

def test_a_pcr2015_dps_cannot_end_after_23_february_2029(api, dps_admin):
    with nothing_changes():
        response = api(dps_admin).post(DPS_URL, spec("pcr2015_dps", ends_on="2029-02-24"),
                                       format="json")
    assert_error(response, 400, "beyond_transition_end", fields=["ends_on"])
    assert not Dps.objects.filter(regime="pcr2015_dps").exists()


@pytest.mark.parametrize("regime", ["light_touch", *ACT])
def test_only_a_pcr2015_dps_has_the_2029_transition_end(api, dps_admin, regime):
    response = api(dps_admin).post(DPS_URL, spec(regime, ends_on="2035-03-31"), format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize("regime", PCR)
def test_no_new_arrangement_under_the_2015_regulations_from_24_february_2025(
        api, dps_admin, regime):
    with nothing_changes():
        response = api(dps_admin).post(DPS_URL, spec(regime, starts_on="2025-02-24"),
                                       format="json")
    assert_error(response, 400, "regime_closed", fields=["regime"])


@pytest.mark.parametrize("regime", ACT)
def test_a_new_arrangement_from_24_february_2025_runs_under_the_act(api, dps_admin, regime):
    response = api(dps_admin).post(DPS_URL, spec(regime, starts_on="2025-02-24"), format="json")
    assert response.status_code == 201, response.json()


def test_a_pcr2015_dps_warns_a_year_before_its_transition_end():
    dps = Dps(name="Old DPS", regime="pcr2015_dps", starts_on=datetime.date(2022, 4, 1),
              ends_on=datetime.date(2029, 2, 23))
    year_before = PCR_DPS_TRANSITION_END - datetime.timedelta(days=365)
    assert warnings_for(dps, year_before - datetime.timedelta(days=1)) == []
    [warning] = warnings_for(dps, year_before)
    assert "23 February 2029" in warning
    assert "365 days" in warning


@pytest.mark.parametrize("regime", PCR)
def test_an_arrangement_recorded_under_the_2015_regulations_after_the_act_is_flagged(regime):
    dps = Dps(name="Children's DPS", regime=regime, starts_on=datetime.date(2025, 4, 1),
              ends_on=datetime.date(2029, 2, 1))
    found = warnings_for(dps, datetime.date(2026, 12, 2))
    assert any("Procurement Act 2023" in sentence for sentence in found)


@pytest.mark.parametrize("regime", ACT)
def test_an_arrangement_under_the_act_has_no_transition_warning(regime):
    dps = Dps(name="Market", regime=regime, starts_on=datetime.date(2025, 4, 1),
              ends_on=datetime.date(2035, 3, 31))
    assert warnings_for(dps, datetime.date(2029, 1, 1)) == []


# --- Standstill -------------------------------------------------------------------------------

@pytest.mark.parametrize(("regime", "standstill"), [
    ("pcr2015_dps", None), ("light_touch", None), ("pa2023_dynamic_market", 8),
    ("pa2023_light_touch", None)])
def test_an_award_records_whether_a_standstill_applies_before_the_contract(
        api, regime, standstill):
    Dps.objects.filter(code="children").update(regime=regime)
    calloff, _ = cf.awaiting_approval()
    approver = f.BudgetHolderFactory(organisation=calloff.authority,
                                     approval_limit=Decimal("300000.00"))
    response = api(approver).post(f"/api/v1/calloffs/{calloff.pk}/approve/", {}, format="json")
    assert response.status_code == 200, response.json()
    entry = AuditEntry.objects.get(action="calloff.approve", object_id=calloff.pk)
    assert entry.data["standstill_working_days"] == standstill
    assert entry.data["route"] == "competition"


@pytest.mark.parametrize("regime", ALL)
def test_no_regime_caps_the_number_of_members(regime):
    assert REGIMES[regime].member_cap is None


# --- What an administrator is shown ------------------------------------------------------------

def test_the_dashboard_warns_the_dps_team_of_an_arrangement_the_law_no_longer_allows(as_user,
                                                                                     dps_admin):
    # An installation from before this change: its children's DPS still says PCR light-touch.
    Dps.objects.filter(code="children").update(regime="light_touch")
    html = as_user(dps_admin).get("/dashboard/").content.decode()
    assert "legal regime needs attention" in html
    assert f"/providers/arrangements/{f.childrens_dps().pk}/regime/" in html


def test_the_dashboard_has_no_regime_warning_for_a_market_under_the_act(as_user, dps_admin):
    html = as_user(dps_admin).get("/dashboard/").content.decode()
    assert "legal regime needs attention" not in html


@pytest.mark.parametrize("regime", ALL)
def test_the_regime_page_says_what_the_regime_means(as_user, dps_admin, regime):
    Dps.objects.filter(code="children").update(regime=regime)
    response = as_user(dps_admin).get(f"/providers/arrangements/{f.childrens_dps().pk}/regime/")
    assert response.status_code == 200
    html = response.content.decode()
    rules = REGIMES[regime]
    assert rules.standstill.replace("'", "&#x27;") in html
    assert ("Latest end" in html) is (rules.transition_end is not None)


def test_a_provider_cannot_read_the_regime_page(as_user, provider_user):
    page = f"/providers/arrangements/{f.childrens_dps().pk}/regime/"
    assert as_user(provider_user).get(page).status_code == 403


# --- Start a dynamic market from this DPS -------------------------------------------------------

def successor(**changes):
    return {"code": "children-2029", "name": "Children's placements dynamic market",
            "regime": "pa2023_light_touch", "starts_on": "2028-04-01", "ends_on": "2036-03-31",
            **changes}


def test_a_dynamic_market_started_from_a_pcr_dps_copies_its_lots_and_invites_its_members(
        api, dps_admin, mailoutbox, django_capture_on_commit_callbacks):
    Dps.objects.filter(code="children").update(regime="pcr2015_dps")
    members = [f.AdmittedMembershipFactory(lot=f.lot("fostering")),
               f.SuspendedMembershipFactory(lot=f.lot("residential"))]
    f.RemovedMembershipFactory(lot=f.lot("inmss"))
    for member in members:
        f.ProviderUserFactory(organisation=member.provider)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(dps_admin).post(f"{DPS_URL}children/dynamic-market/", successor(),
                                       format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["regime"] == "pa2023_light_touch"
    assert [(lot["code"], lot["price_unit"]) for lot in body["lots"]] == [
        ("fostering", "week"), ("residential", "week"), ("inmss", "year"), ("tuition", "hour")]
    entry = AuditEntry.objects.get(action="dps.started_from")
    assert entry.data["invited_to_apply"] == sorted(m.provider_id for m in members)
    [message] = mailoutbox
    assert len(message.bcc) == 2
    assert "Apply to join" in message.subject


@pytest.mark.parametrize("regime", ACT)
def test_a_market_under_the_act_is_not_restarted_as_a_dynamic_market(api, dps_admin, regime):
    Dps.objects.filter(code="children").update(regime=regime)
    with nothing_changes():
        response = api(dps_admin).post(f"{DPS_URL}children/dynamic-market/", successor(),
                                       format="json")
    assert_error(response, 409, "invalid_transition")


def test_a_dynamic_market_is_set_up_under_the_act(api, dps_admin):
    Dps.objects.filter(code="children").update(regime="light_touch")
    with nothing_changes():
        response = api(dps_admin).post(f"{DPS_URL}children/dynamic-market/",
                                       successor(regime="pcr2015_dps"), format="json")
    assert_error(response, 400, "invalid", fields=["regime"])


def test_only_the_dps_team_starts_a_dynamic_market(api, commissioner):
    with nothing_changes():
        response = api(commissioner).post(f"{DPS_URL}children/dynamic-market/", successor(),
                                          format="json")
    assert_error(response, 403, "forbidden")


def test_the_dps_team_starts_a_dynamic_market_from_the_regime_page(as_user, dps_admin):
    Dps.objects.filter(code="children").update(regime="light_touch")
    page = f"/providers/arrangements/{f.childrens_dps().pk}/dynamic-market/"
    response = as_user(dps_admin).post(page, {
        "name": "Children's market", "code": "children-market", "regime": "pa2023_light_touch",
        "starts_on_day": "1", "starts_on_month": "4", "starts_on_year": "2028",
        "ends_on_day": "31", "ends_on_month": "3", "ends_on_year": "2036"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Dps.objects.get(code="children-market").lots.count() == 4


# --- Conditions of membership ------------------------------------------------------------------

NEW_CONDITIONS = {"required_declarations": [{"key": "living_wage",
                                             "label": "We pay the real Living Wage."}]}


@pytest.mark.parametrize(("regime", "fixed"), [
    ("pcr2015_dps", False), ("light_touch", False), ("pa2023_dynamic_market", True),
    ("pa2023_light_touch", True)])
def test_conditions_of_membership_cannot_change_once_a_dynamic_market_is_established(
        api, dps_admin, regime, fixed):
    Dps.objects.filter(code="children").update(regime=regime)
    conditions = f"{DPS_URL}children/conditions/"
    if fixed:
        with nothing_changes():
            response = api(dps_admin).post(conditions, NEW_CONDITIONS, format="json")
        assert_error(response, 409, "conditions_fixed")
    else:
        response = api(dps_admin).post(conditions, NEW_CONDITIONS, format="json")
        assert response.status_code == 200, response.json()
        assert AuditEntry.objects.filter(action="dps.conditions_changed").exists()


@pytest.mark.parametrize("regime", ACT)
def test_a_change_of_conditions_in_a_dynamic_market_is_a_recorded_modification(
        api, dps_admin, regime):
    Dps.objects.filter(code="children").update(regime=regime)
    response = api(dps_admin).post(f"{DPS_URL}children/conditions/", {
        **NEW_CONDITIONS, "modification_reason": "A change the Act allows (legal advice 12)."},
        format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["required_declarations"] == NEW_CONDITIONS["required_declarations"]
    entry = AuditEntry.objects.get(action="dps.conditions_modified")
    assert entry.reason == "A change the Act allows (legal advice 12)."


@pytest.mark.parametrize("regime", ACT)
def test_a_dynamic_market_not_yet_established_may_change_its_conditions(api, dps_admin, regime):
    Dps.objects.filter(code="children").update(
        regime=regime, starts_on=timezone.localdate() + datetime.timedelta(days=30))
    response = api(dps_admin).post(f"{DPS_URL}children/conditions/", NEW_CONDITIONS,
                                   format="json")
    assert response.status_code == 200, response.json()
