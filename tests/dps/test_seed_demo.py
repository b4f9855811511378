"""`make demo` loads its data through the services; loading twice changes nothing."""

import pytest
from django.core.management import call_command

from calloffs.models import CallOff
from contracts.models import Placement
from dps.models import AuditEntry, User
from providers.models import Dps, Membership

pytestmark = pytest.mark.django_db


def test_demo_data_loads_once_with_every_role_and_stage():
    call_command("seed_demo")
    roles = {role for user in User.objects.all() for role in user.roles}
    assert roles == {"dps_admin", "commissioner", "budget_holder", "finance", "provider"}
    assert Dps.objects.count() == 3
    assert Membership.objects.filter(status="admitted").count() >= 10
    assert Membership.objects.filter(status="suspended").count() == 1
    assert sorted(CallOff.objects.values_list("status", flat=True)) == [
        "awaiting_approval", "awarded", "open"]
    assert sorted(Placement.objects.values_list("route", "approval")) == [
        ("dps", "approved"), ("spot", "awaiting")]
    counts = (User.objects.count(), AuditEntry.objects.count())

    call_command("seed_demo")
    assert (User.objects.count(), AuditEntry.objects.count()) == counts
