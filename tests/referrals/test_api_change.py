"""PATCH /api/v1/referrals/{id}/ (API.md v1.1): a commissioner corrects a draft referral
through the same service as the referral's change page, with the same checks."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calloffs.models import CallOff
from dps.models import AuditEntry
from referrals.models import Need, Referral
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs import factories as cf
from tests.pages import error_summary
from tests.referrals.test_pages import date_parts, referral_data

pytestmark = pytest.mark.django_db

URL = "/api/v1/referrals/"


def url(referral, action=""):
    return f"{URL}{referral.pk}/{action + '/' if action else ''}"


def in_days(days):
    return {"deadline": (timezone.now() + datetime.timedelta(days=days)).isoformat()}


@pytest.fixture
def council(api, commissioner):
    return api(commissioner)


@pytest.fixture
def draft(commissioner):
    referral = cf.ReferralFactory(authority=commissioner.organisation,
                                  urgency="urgent", alternatives_notes="Kinship ruled out",
                                  panel_notes="Seen in May")
    referral.needs.set(Need.objects.filter(code="semh"))
    return referral


def _row(referral):
    return Referral.objects.filter(pk=referral.pk).values().get()


# --- Who may ----------------------------------------------------------------------------------

def test_anonymous_cannot_change_a_referral(anon, draft):
    with nothing_changes():
        assert_error(anon.patch(url(draft), {"summary": "x"}, format="json"), 401,
                     "not_authenticated")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.FinanceFactory,
                                     f.BudgetHolderFactory, f.DpsAdminFactory])
def test_only_a_commissioner_changes_a_referral(api, draft, commissioner, factory):
    user = factory() if factory is f.ProviderUserFactory else \
        factory(organisation=commissioner.organisation)
    with nothing_changes():
        assert_error(api(user).patch(url(draft), {"summary": "A calm home."}, format="json"),
                     403, "forbidden")


def test_another_authoritys_commissioner_cannot_change_the_referral(api, draft):
    partner = api(f.CommissionerFactory())
    with nothing_changes():
        response = partner.patch(url(draft), {"summary": "A calm home."}, format="json")
    assert_error(response, 404, "not_found")


def test_put_is_not_offered(council, draft):
    with nothing_changes():
        assert council.put(url(draft), {"summary": "A calm home."},
                           format="json").status_code == 405


# --- Changing a draft -------------------------------------------------------------------------

def test_a_referral_refused_for_naming_the_child_is_fixed_through_the_api(council, draft):
    draft.summary = "Jayden needs a calm home with waking night staff."
    draft.location_area = "Near RH12 4QT"
    draft.save()
    with nothing_changes():
        refused = council.post(url(draft, "publish"), in_days(10), format="json")
    assert_error(refused, 400, "identifiers_in_text", fields=["summary", "location_area"])

    response = council.patch(url(draft), {"summary": "Needs a calm home with waking night "
                                                     "staff.", "location_area": "West Sussex"},
                             format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["summary"] == "Needs a calm home with waking night staff."
    assert response.json()["location_area"] == "West Sussex"
    assert response.json()["status"] == "draft"
    entry = AuditEntry.objects.get(object_id=draft.pk, action="referral.updated")
    assert entry.data == {"fields": ["location_area", "summary"]}

    published = council.post(url(draft, "publish"), in_days(10), format="json")
    assert published.status_code == 201, published.json()
    assert CallOff.objects.get(referral=draft).pk == published.json()["calloff"]


def test_what_is_not_sent_stays_as_written(council, draft):
    before = _row(draft)
    response = council.patch(url(draft), {"duration_weeks": 26}, format="json")
    assert response.status_code == 200, response.json()
    after = _row(draft)
    assert after.pop("duration_weeks") == 26
    assert before.pop("duration_weeks") == 52
    assert after == before  # urgency, alternatives, panel, child, lot: untouched
    assert AuditEntry.objects.get(object_id=draft.pk, action="referral.updated").data == {
        "fields": ["duration_weeks"]}


def test_every_changeable_field_changes(council, draft):
    start = timezone.localdate() + datetime.timedelta(days=40)
    response = council.patch(url(draft), {
        "needs": ["asd"], "outcomes": ["resilience"], "placement_start": str(start),
        "budget_kind": "ceiling", "budget_amount": "5200.00",
        "child": {"postcode": "BN1 1AA"}}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["needs"] == ["asd"]
    assert body["outcomes"] == ["resilience"]
    assert body["placement_start"] == str(start)
    assert body["budget_kind"] == "ceiling"
    assert body["budget_amount"] == "5200.00"
    assert body["child"]["postcode"] == "BN1 1AA"
    assert body["child"]["first_name"] == draft.child.first_name
    draft.refresh_from_db()
    assert draft.budget_amount == Decimal("5200.00")
    assert [need.code for need in draft.needs.all()] == ["asd"]


def test_a_different_case_reference_names_another_child(council, draft, commissioner):
    response = council.patch(url(draft), {"child": {
        "first_name": "Mia", "last_name": "Hart", "date_of_birth": "2011-05-02",
        "case_reference": "WSCC-90001"}}, format="json")
    assert response.status_code == 200, response.json()
    draft.refresh_from_db()
    assert draft.child.case_reference == "WSCC-90001"
    assert draft.child.first_name == "Mia"
    assert draft.child.authority == commissioner.organisation


# --- Bad input: 400 with fields, nothing changed ----------------------------------------------

@pytest.mark.parametrize(("change", "field"), [
    ({"needs": ["semh", "wizardry"]}, "needs"),
    ({"outcomes": ["happiness"]}, "outcomes.0"),
    ({"duration_weeks": 0}, "duration_weeks"),
    ({"summary": ""}, "summary"),
    ({"placement_start": "soon"}, "placement_start"),
    ({"budget_kind": "ceiling"}, "budget_amount"),  # a kind needs its amount
    ({"placement_start": "2010-01-01"}, "child.date_of_birth"),  # before the child is born
    ({"lot": "fostering"}, "lot"),  # not changed through this operation: refused, not dropped
    ({"status": "published"}, "status"),
])
def test_bad_input_is_refused_with_its_field_and_changes_nothing(council, draft, change, field):
    with nothing_changes():
        response = council.patch(url(draft), change, format="json")
    assert_error(response, 400, "invalid", fields=[field])


def test_a_case_reference_of_another_child_is_refused(council, draft, commissioner):
    cf.ChildFactory(authority=commissioner.organisation, case_reference="WSCC-70000",
                    first_name="Mia", last_name="Hart")
    with nothing_changes():
        response = council.patch(url(draft), {"child": {"case_reference": "WSCC-70000"}},
                                 format="json")
    assert_error(response, 400, "invalid", fields=["child.case_reference"])


def test_an_hourly_lot_keeps_needing_its_hours(council, commissioner):
    referral = cf.ReferralFactory(authority=commissioner.organisation, lot=f.lot("tuition"),
                                  hours_per_week=Decimal("10.00"))
    with nothing_changes():
        response = council.patch(url(referral), {"hours_per_week": None}, format="json")
    assert_error(response, 400, "invalid", fields=["hours_per_week"])


@pytest.mark.parametrize("status", [Referral.Status.PUBLISHED, Referral.Status.WITHDRAWN])
def test_only_a_draft_is_changed(council, commissioner, status):
    referral = cf.ReferralFactory(authority=commissioner.organisation, status=status)
    with nothing_changes():
        response = council.patch(url(referral), {"summary": "A calm home."}, format="json")
    assert_error(response, 409, "invalid_transition")


# --- One service for the page and the API -----------------------------------------------------

def test_the_page_and_the_api_refuse_the_same_correction_alike(as_user, council, draft,
                                                                commissioner):
    # The page's edit posts the whole form, the API one field; both reach
    # referrals.services.update_referral, so the rule and its message are the same.
    with nothing_changes():
        api_error = council.patch(url(draft), {"placement_start": "2010-01-01"},
                                  format="json").json()
        page = as_user(commissioner).post(
            reverse("referrals:edit", args=[draft.pk]),
            referral_data(case_reference=draft.child.case_reference,
                          **date_parts("placement_start", datetime.date(2010, 1, 1))))
    message = "Must be on or before the placement start."
    assert api_error["fields"]["child.date_of_birth"] == [message]
    assert message in error_summary(page)


def test_the_schema_documents_the_patch_with_its_bodies(anon):
    schema = anon.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/referrals/{id}/"]["patch"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = body.rsplit("/", 1)[-1]
    properties = schema["components"]["schemas"][name]["properties"]
    assert {"summary", "needs", "outcomes", "location_area", "placement_start",
            "duration_weeks", "hours_per_week", "budget_kind", "budget_amount",
            "child"} == set(properties)
    assert not schema["components"]["schemas"][name].get("required")
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("/Referral")
    assert "put" not in schema["paths"]["/api/v1/referrals/{id}/"]
