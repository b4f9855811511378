"""A child's placement found through the API, end to end, with the identity kept back."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from contracts.models import Placement
from tests import factories as f
from tests.calloffs.factories import CHILD

pytestmark = pytest.mark.django_db


def _identifiers_in(payload):
    text = json.dumps(payload).lower()
    return [value for value in (CHILD["first_name"], CHILD["last_name"], "2012-03-14",
                                CHILD["case_reference"], CHILD["postcode"])
            if value.lower() in text]


def test_referral_to_placement(api, django_capture_on_commit_callbacks):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("400000.00"))
    providers = []
    for cap in ("5600.00", "6000.00", "5800.00"):
        membership = f.AdmittedMembershipFactory(lot=f.lot("residential"), price_cap=cap)
        providers.append(f.ProviderUserFactory(organisation=membership.provider))
    f.SuspendedMembershipFactory(lot=f.lot("residential"))

    council = api(commissioner)
    response = council.post("/api/v1/referrals/", {
        "child": CHILD | {"date_of_birth": "2012-03-14"},
        "lot": "residential", "needs": ["semh", "asd"], "outcomes": ["safety", "health"],
        "summary": "Needs a calm home with waking night staff and on-site education.",
        "placement_start": str(timezone.localdate() + datetime.timedelta(days=21)),
        "duration_weeks": 52, "hours_per_week": None, "location_area": "West Sussex",
    }, format="json")
    assert response.status_code == 201, response.json()
    referral = response.json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = council.post(f"/api/v1/referrals/{referral}/publish/", {
            "deadline": (timezone.now() + datetime.timedelta(days=2)).isoformat()},
            format="json")
    assert response.status_code == 201, response.json()
    calloff = response.json()["calloff"]
    assert len(mail.outbox) == 3  # the suspended member was not invited

    offers = {}
    for user, price in zip(providers, ("5500.00", "5900.00", "5000.00"), strict=True):
        portal = api(user)
        opportunity = portal.get(f"/api/v1/opportunities/{calloff}/")
        assert opportunity.status_code == 200
        assert opportunity.json()["age"] in {14, 15}
        assert _identifiers_in(opportunity.json()) == []
        response = portal.post(f"/api/v1/opportunities/{calloff}/eois/", {
            "price": price, "proposed_start": opportunity.json()["placement_start"],
            "how_needs_met": "Small home, therapeutic model.", "outcomes_approach": "Key work"},
            format="json")
        assert response.status_code == 201, response.json()
        offers[user.organisation_id] = response.json()["id"]

    assert council.post(f"/api/v1/calloffs/{calloff}/close/").json()["status"] == "closed"
    for eoi, score in zip(offers.values(), (80, 90, 50), strict=True):
        response = council.post(f"/api/v1/eois/{eoi}/evaluate/", {"quality_score": score},
                                format="json")
        assert response.status_code == 200, response.json()
    ranking = council.get(f"/api/v1/calloffs/{calloff}/ranking/").json()
    assert [row["rank"] for row in ranking] == [1, 2, 3]
    best = ranking[0]
    response = council.post(f"/api/v1/calloffs/{calloff}/recommend/", {
        "eoi": best["eoi"], "reason": "Highest score"}, format="json")
    assert response.json()["status"] == "awaiting_approval"

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(holder).post(f"/api/v1/calloffs/{calloff}/approve/", {}, format="json")
    assert response.status_code == 200, response.json()
    placement = Placement.objects.get(pk=response.json()["placement"])
    assert placement.route == "dps"
    assert str(placement.price) == best["price"]
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        assert _identifiers_in(message.body) == []

    winner = next(u for u in providers if u.organisation_id == best["provider"])
    view = api(winner).get(f"/api/v1/placements/{placement.pk}/").json()
    assert view["child"] == {"first_name": CHILD["first_name"], "last_name": CHILD["last_name"],
                             "date_of_birth": "2012-03-14"}
    for loser in (u for u in providers if u != winner):
        assert api(loser).get(f"/api/v1/placements/{placement.pk}/").status_code == 404
        own = api(loser).get("/api/v1/eois/").json()["results"][0]
        assert own["result"]["outcome"] == "unsuccessful"
        assert _identifiers_in(own) == []
