"""POST /api/v1/placements/{id}/fee-changes/: recorded by a commissioner (approved at once) or
requested by the provider; the 12-month rule, backdating and the price cap."""

from decimal import Decimal

import pytest
from django.core import mail

from contracts import services
from contracts.models import FeeChange, FeePeriod
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.contracts import factories as pf
from tests.contracts.conftest import commissioner_of, day, provider_of

pytestmark = pytest.mark.django_db


def url(placement):
    return f"/api/v1/placements/{placement.pk}/fee-changes/"


def body(**changes):
    return {"new_price": "5200.00", "effective_from": "2026-05-15", "reason": "Annual uplift",
            **changes}


@pytest.fixture
def placement(frozen):
    return pf.PlacementFactory(start_date=day("2026-01-05"), planned_end_date=None)


@pytest.fixture
def council(api, placement):
    return api(commissioner_of(placement))


@pytest.fixture
def provider(api, placement):
    return api(provider_of(placement))


def record(placement, effective_from, price="5200.00", **kwargs):
    return services.record_fee_change(placement, by=commissioner_of(placement),
                                      new_price=Decimal(price),
                                      effective_from=day(effective_from),
                                      reason="Agreed uplift", **kwargs)


# --- 401, 403, 404, 409 -----------------------------------------------------------------------

def test_anonymous_cannot_change_a_fee(anon, placement):
    with nothing_changes():
        assert_error(anon.post(url(placement), body(), format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.BudgetHolderFactory, f.FinanceFactory])
def test_other_authority_roles_cannot_change_a_fee(api, placement, factory):
    client = api(factory(organisation=placement.authority))
    with nothing_changes():
        assert_error(client.post(url(placement), body(), format="json"), 403, "forbidden")


def test_another_authoritys_commissioner_gets_not_found(api, placement):
    client = api(f.CommissionerFactory())
    with nothing_changes():
        assert_error(client.post(url(placement), body(), format="json"), 404, "not_found")


def test_a_provider_not_awarded_gets_not_found(api, placement):
    client = api(f.ProviderUserFactory())
    with nothing_changes():
        assert_error(client.post(url(placement), body(), format="json"), 404, "not_found")


@pytest.mark.parametrize("who", [commissioner_of, provider_of])
def test_nobody_changes_the_fee_of_an_ended_placement(api, frozen, who):
    ended = pf.EndedPlacementFactory(start_date=day("2026-01-05"), end_date=day("2026-05-31"))
    client = api(who(ended))
    with nothing_changes():
        assert_error(client.post(url(ended), body(), format="json"), 409, "invalid_transition")


def test_provider_cannot_request_while_another_request_awaits_a_decision(provider, placement):
    provider.post(url(placement), body(), format="json")
    with nothing_changes():
        assert_error(provider.post(url(placement), body(effective_from="2026-05-20"),
                                   format="json"), 409, "conflict")


# --- 400 --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field"), [
    ({"new_price": "0.00"}, "new_price"),
    ({"new_price": "-5.00"}, "new_price"),
    ({"new_price": "52.1234"}, "new_price"),
    ({"reason": ""}, "reason"),
    ({"effective_from": "not a date"}, "effective_from"),
    ({"effective_from": "2026-01-04"}, "effective_from"),  # before the start
    ({"effective_from": "2026-01-05"}, "effective_from"),  # the current price's own first day
])
def test_a_malformed_change_is_invalid(council, placement, changes, field):
    with nothing_changes():
        assert_error(council.post(url(placement), body(**changes), format="json"), 400,
                     "invalid", fields=[field])


def test_a_second_change_a_day_inside_twelve_months_is_too_soon(council, placement):
    record(placement, "2026-05-15")
    with nothing_changes():
        response = council.post(url(placement), body(effective_from="2027-05-14"), format="json")
        error = assert_error(response, 400, "fee_change_too_soon", fields=["effective_from"])
    assert error["fields"]["effective_from"] == ["On or after 2027-05-15."]


def test_a_provider_request_a_day_inside_twelve_months_is_too_soon(provider, placement):
    record(placement, "2026-05-15")
    with nothing_changes():
        assert_error(provider.post(url(placement), body(effective_from="2027-05-14"),
                                   format="json"), 400, "fee_change_too_soon")


def test_twelve_months_is_the_dps_setting(council, placement):
    placement.lot.dps.fixed_price_months = 6
    placement.lot.dps.save()
    record(placement, "2026-05-15")
    assert_error(council.post(url(placement), body(effective_from="2026-11-14"), format="json"),
                 400, "fee_change_too_soon")
    assert council.post(url(placement), body(effective_from="2026-11-15"),
                        format="json").status_code == 201


def test_backdating_beyond_the_limit_needs_a_reason(council, placement):
    # Today is 1 June 2026 and the limit is 28 days: 3 May is 29 days ago.
    with nothing_changes():
        assert_error(council.post(url(placement), body(effective_from="2026-05-03"),
                                  format="json"), 400, "backdating_reason_required",
                     fields=["backdating_reason"])


def test_the_backdating_limit_is_a_setting(council, placement, settings):
    settings.FEE_CHANGE_MAX_BACKDATE_DAYS = 60
    response = council.post(url(placement), body(effective_from="2026-05-03"), format="json")
    assert response.status_code == 201, response.json()


def test_a_price_above_the_providers_cap_needs_the_warning_acknowledged(council, placement):
    with nothing_changes():
        error = assert_error(council.post(url(placement), body(new_price="5600.00"),
                                          format="json"),
                             400, "above_price_cap_unacknowledged",
                             fields=["acknowledge_cap_warning"])
    assert "£5,500.00" in error["detail"]  # a message people read (issue 16)


def test_false_is_not_an_acknowledgement(council, placement):
    with nothing_changes():
        assert_error(council.post(url(placement), body(new_price="5600.00",
                                                       acknowledge_cap_warning=False),
                                  format="json"), 400, "above_price_cap_unacknowledged")


# --- Happy paths ------------------------------------------------------------------------------

def test_commissioner_records_a_change_approved_at_once(council, placement,
                                                        django_capture_on_commit_callbacks):
    winner = provider_of(placement)
    with django_capture_on_commit_callbacks(execute=True):
        response = council.post(url(placement), body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["effective_from"], data["reason"]) == (
        "approved", "2026-05-15", "Annual uplift")
    assert_money(data["new_price"], "5200.00")
    assert_money(data["previous_price"], "5000.00")
    assert data["cap_warning_acknowledged"] is False

    first, second = FeePeriod.objects.filter(placement=placement).order_by("effective_from")
    assert (first.price, first.effective_from, first.effective_to, first.fee_change) == (
        Decimal("5000.00"), day("2026-01-05"), day("2026-05-14"), None)
    assert (second.price, second.effective_from, second.effective_to,
            second.fee_change_id) == (Decimal("5200.00"), day("2026-05-15"), None, data["id"])
    placement.refresh_from_db()
    assert placement.price == Decimal("5200.00")
    assert AuditEntry.objects.filter(action="feechange.approve", actor__isnull=False,
                                     from_state="requested", to_state="approved").exists()
    assert placement.agreement_versions.count() == 1
    [message] = mail.outbox
    assert message.to == [winner.email]
    assert "£5,200.00 per week" in message.body


def test_exactly_twelve_months_later_a_change_is_allowed(council, placement):
    record(placement, "2026-05-15")
    response = council.post(url(placement), body(new_price="5400.00",
                                                 effective_from="2027-05-15"), format="json")
    assert response.status_code == 201, response.json()
    assert services.price_on(placement, day("2027-05-14")) == Decimal("5200.00")
    assert services.price_on(placement, day("2027-05-15")) == Decimal("5400.00")


def test_backdating_exactly_to_the_limit_needs_no_reason(council, placement):
    response = council.post(url(placement), body(effective_from="2026-05-04"), format="json")
    assert response.status_code == 201, response.json()


def test_a_backdated_change_with_a_reason_is_recorded(council, placement):
    response = council.post(url(placement), body(
        effective_from="2026-02-01", backdating_reason="Agreed at the February review; "
                                                       "paperwork was late."), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["backdating_reason"].startswith("Agreed at the February review")
    placement.refresh_from_db()
    assert placement.price == Decimal("5200.00")


def test_an_acknowledged_price_above_the_cap_is_recorded_with_the_warning(council, placement):
    response = council.post(url(placement), body(new_price="5600.00",
                                                 acknowledge_cap_warning=True), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["cap_warning_acknowledged"] is True
    assert_money(data["price_cap"], "5500.00")
    entry = AuditEntry.objects.get(action="feechange.approve", object_id=data["id"])
    assert entry.data["cap_warning_acknowledged"] is True
    assert entry.data["price_cap"] == "5500.00"


def test_a_price_within_the_cap_acknowledges_nothing(council, placement):
    data = council.post(url(placement), body(new_price="5500.00", acknowledge_cap_warning=True),
                        format="json").json()
    assert data["cap_warning_acknowledged"] is False


def test_a_spot_placement_has_no_cap_to_check(api, frozen):
    spot = pf.SpotPlacementFactory(start_date=day("2026-01-05"))
    response = api(commissioner_of(spot)).post(url(spot), body(new_price="9000.00"),
                                               format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["price_cap"] is None


def test_provider_requests_a_change_and_commissioners_are_told(
        provider, placement, django_capture_on_commit_callbacks):
    colleague = commissioner_of(placement)
    f.FinanceFactory(organisation=placement.authority)
    with django_capture_on_commit_callbacks(execute=True):
        response = provider.post(url(placement), body(new_price="5600.00"), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["decided_at"]) == ("requested", None)
    assert FeePeriod.objects.filter(placement=placement).count() == 1
    placement.refresh_from_db()
    assert placement.price == Decimal("5000.00")
    [message] = mail.outbox
    assert message.to == [colleague.email]
    assert "£5,600.00 per week" in message.body


def test_both_sides_see_the_fee_change_history(council, provider, placement):
    record(placement, "2026-05-15")
    provider.post(url(placement), body(new_price="5300.00", effective_from="2027-05-15"),
                  format="json")
    for client in (council, provider):
        rows = client.get(url(placement)).json()
        assert [(r["status"], r["new_price"], r["effective_from"]) for r in rows] == [
            ("approved", "5200.00", "2026-05-15"), ("requested", "5300.00", "2027-05-15")]


def test_the_history_is_not_found_for_others(api, placement):
    assert_error(api(f.ProviderUserFactory()).get(url(placement)), 404, "not_found")
    assert FeeChange.objects.count() == 0


def test_a_providers_request_above_its_cap_is_warned_first_only_when_the_caller_asks(
        placement):
    """The portal asks (acknowledge_cap_warning=False): told first, nothing stored. The API
    keeps v1's behaviour: the request goes to the council, which decides."""
    provider = provider_of(placement)  # cap £5,500 a week
    ask = dict(by=provider, new_price=Decimal("6000.00"), effective_from=day("2026-05-15"),
               reason="Staffing costs rose with the new pay award.")
    with nothing_changes(), pytest.raises(services.RuleViolation) as refused:
        services.request_fee_change(placement, acknowledge_cap_warning=False, **ask)
    assert refused.value.code == "above_price_cap_unacknowledged"
    assert "£6,000.00 is above your price cap on this lot, £5,500.00" in refused.value.detail
    change = services.request_fee_change(placement, **ask)
    assert change.status == FeeChange.Status.REQUESTED
