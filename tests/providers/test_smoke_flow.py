"""The whole admission cycle through the API, end to end."""

import datetime

import pytest
from django.utils import timezone

from providers.models import Membership

pytestmark = pytest.mark.django_db


def test_provider_is_admitted_through_a_round(api, dps_admin, provider_user):
    admin = api(dps_admin)
    provider = api(provider_user)
    now = timezone.now()
    response = admin.post("/api/v1/rounds/", {
        "opens_at": (now - datetime.timedelta(minutes=1)).isoformat(),
        "closes_at": (now + datetime.timedelta(days=7)).isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    round_id = response.json()["id"]
    assert response.json()["status"] == "open"

    response = provider.post("/api/v1/applications/", {
        "lots": [{"lot": "fostering", "price_cap": "1100.00"}],
        "ofsted_urn": "SC123456",
        "declarations": {"equality_policy": True, "insurance": True,
                         "no_discrimination_findings_3y": True}}, format="json")
    assert response.status_code == 201, response.json()
    application_id = response.json()["id"]
    assert response.json()["status"] == "draft"

    response = provider.post(f"/api/v1/applications/{application_id}/submit/")
    assert response.status_code == 200, response.json()
    assert response.json()["round"] == round_id

    assert admin.post(f"/api/v1/rounds/{round_id}/close/").json()["status"] == "closed"
    response = admin.post(f"/api/v1/applications/{application_id}/decide/", {
        "decisions": [{"lot": "fostering", "outcome": "admitted", "reason": "Meets all criteria"}]
    }, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "decided"

    membership = Membership.objects.get(provider=provider_user.organisation)
    assert membership.price_cap == 1100
    listed = provider.get("/api/v1/memberships/?lot=fostering").json()
    assert [m["id"] for m in listed["results"]] == [membership.pk]
    assert listed["results"][0]["price_cap"] == "1100.00"
