"""The Django admin works for back-office staff: every registered model's pages load."""

import pytest
from django.contrib import admin
from django.urls import reverse

from providers.models import AdmissionRound
from tests import factories as f

pytestmark = pytest.mark.django_db

MODELS = [model for model in admin.site._registry
          if model._meta.app_label in {"dps", "providers", "referrals", "calloffs", "monitoring",
                                              "contracts"}]


@pytest.fixture
def staff_client(client, django_user_model):
    superuser = django_user_model.objects.create_superuser("backoffice", "bo@example.org",
                                                           "correct-horse-battery")
    client.force_login(superuser)
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_changelist_and_add_pages_load(staff_client, model):
    f.SubmittedApplicationFactory()
    f.SuspendedMembershipFactory()
    opts = model._meta
    changelist = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    add = staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    assert add.status_code in {200, 403}  # some records change only through services


def test_audit_entries_cannot_be_added_by_hand(staff_client):
    response = staff_client.get(reverse("admin:dps_auditentry_add"))
    assert response.status_code == 403


def test_close_now_action_goes_through_the_service(staff_client):
    round_ = f.OpenRoundFactory()
    f.SubmittedApplicationFactory(round=round_)
    response = staff_client.post(reverse("admin:providers_admissionround_changelist"), {
        "action": "close_now", "_selected_action": [round_.pk]})
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.status == AdmissionRound.Status.CLOSED
