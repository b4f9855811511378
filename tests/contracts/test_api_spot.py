"""POST /api/v1/placements/spot/: an off-contract placement with its exception reason."""

from decimal import Decimal

import pytest

from contracts.models import Placement
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.calloffs import factories as cf
from tests.contracts.conftest import day

pytestmark = pytest.mark.django_db

URL = "/api/v1/placements/spot/"
BODY = {"provider_name": "Harbour Lights Care Ltd", "lot": "residential", "price": "6250.00",
        "start_date": "2026-06-03",
        "exception_reason": "No DPS provider could offer a bed within 48 hours."}
CHILD = {"first_name": "Mia", "last_name": "Hart", "date_of_birth": "2011-09-02",
         "case_reference": "WSCC-77001", "postcode": "BN11 3QT"}


@pytest.fixture
def commissioner(frozen):
    return f.CommissionerFactory()


@pytest.fixture
def council(api, commissioner):
    return api(commissioner)


def test_anonymous_cannot_record_a_spot_placement(anon, frozen):
    with nothing_changes():
        assert_error(anon.post(URL, BODY, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.BudgetHolderFactory, f.FinanceFactory,
                                     f.ProviderUserFactory, f.DpsAdminFactory])
def test_only_a_commissioner_records_spot_placements(api, frozen, factory):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(URL, BODY, format="json"), 403, "forbidden")


@pytest.mark.parametrize(("changes", "field"), [
    ({"exception_reason": ""}, "exception_reason"),
    ({"exception_reason": "   "}, "exception_reason"),
    ({"price": "0.00"}, "price"),
    ({"price": "62.505"}, "price"),
    ({"lot": "no-such-lot"}, "lot"),
    ({"start_date": ""}, "start_date"),
    ({"provider_name": ""}, "provider_name"),
    ({"provider": 999999}, "provider"),
    ({"calloff": 999999}, "calloff"),
    ({"lot": "tuition", "price": "45.00"}, "hours_per_week"),
])
def test_invalid_spot_placements_are_refused(council, changes, field):
    with nothing_changes():
        assert_error(council.post(URL, {**BODY, **changes}, format="json"), 400, "invalid",
                     fields=[field])


def test_a_missing_exception_reason_is_refused(council):
    body = {key: value for key, value in BODY.items() if key != "exception_reason"}
    with nothing_changes():
        assert_error(council.post(URL, body, format="json"), 400, "invalid",
                     fields=["exception_reason"])


@pytest.mark.parametrize("factory", [cf.OpenCallOffFactory, cf.ClosedCallOffFactory,
                                     cf.AwardedCallOffFactory, cf.CancelledCallOffFactory])
def test_only_a_no_award_calloff_leads_to_a_spot_purchase(council, commissioner, factory):
    calloff = factory(referral__authority=commissioner.organisation)
    with nothing_changes():
        assert_error(council.post(URL, {**BODY, "calloff": calloff.pk}, format="json"), 400,
                     "invalid", fields=["calloff"])


def test_another_authoritys_calloff_is_refused(council):
    calloff = cf.NoAwardCallOffFactory()
    with nothing_changes():
        assert_error(council.post(URL, {**BODY, "calloff": calloff.pk}, format="json"), 400,
                     "invalid", fields=["calloff"])


def test_one_spot_placement_per_no_award_calloff(council, commissioner):
    calloff = cf.NoAwardCallOffFactory(referral__authority=commissioner.organisation)
    assert council.post(URL, {**BODY, "calloff": calloff.pk}, format="json").status_code == 201
    with nothing_changes():
        assert_error(council.post(URL, {**BODY, "calloff": calloff.pk}, format="json"), 409,
                     "conflict")


def test_commissioner_records_a_spot_placement(council, commissioner,
                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the agreement follows the commit
        response = council.post(URL, BODY, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["route"], data["lot"], data["provider"], data["provider_name"],
            data["start_date"], data["status"], data["authority"]) == (
        "spot", "residential", None, "Harbour Lights Care Ltd", "2026-06-03", "pending_start",
        commissioner.organisation_id)
    assert_money(data["price"], "6250.00")
    assert data["exception_reason"] == BODY["exception_reason"]
    assert data["next_review_date"] == "2026-07-01"  # 20 working days after 3 June
    placement = Placement.objects.get(pk=data["id"])
    [period] = placement.fee_periods.all()
    assert (period.price, period.effective_from) == (Decimal("6250.00"), day("2026-06-03"))
    assert placement.agreement_versions.count() == 1
    assert AuditEntry.objects.filter(action="placement.created", object_id=placement.pk).exists()


def test_a_spot_placement_links_the_no_award_calloff_and_its_child(council, commissioner):
    calloff = cf.NoAwardCallOffFactory(referral__authority=commissioner.organisation)
    data = council.post(URL, {**BODY, "calloff": calloff.pk}, format="json").json()
    placement = Placement.objects.get(pk=data["id"])
    assert (placement.calloff, placement.child) == (calloff, calloff.referral.child)


def test_a_spot_placement_with_a_listed_provider_and_the_childs_identity(council):
    provider = f.ProviderOrgFactory()
    response = council.post(URL, {**BODY, "provider_name": "", "provider": provider.pk,
                                  "child": CHILD, "planned_end_date": "2026-12-31"},
                            format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["provider"], data["provider_name"]) == (provider.pk, provider.name)
    assert data["child"]["case_reference"] == "WSCC-77001"
    assert data["end_date"] == "2026-12-31"


def test_a_spot_placement_starting_today_is_active(council):
    data = council.post(URL, {**BODY, "start_date": "2026-06-01"}, format="json").json()
    assert data["status"] == "active"


def test_spot_placements_are_filtered_by_route(council):
    council.post(URL, BODY, format="json")
    rows = council.get("/api/v1/placements/?route=spot").json()["results"]
    assert [row["route"] for row in rows] == ["spot"]
    assert council.get("/api/v1/placements/?route=dps").json()["count"] == 0
