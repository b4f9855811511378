"""The day-12 reminder: once per posting or confirmation, never for a withdrawn vacancy."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from sufficiency import services
from tests import factories as f
from tests.sufficiency.factories import vacancy

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    membership = f.AdmittedMembershipFactory(lot=f.lot("residential"))
    f.ProviderUserFactory(organisation=membership.provider, email="homes@example.org")
    return membership


def test_day_12_reminds_the_provider_once(member):
    vacancy(member, confirmed_days_ago=12)
    vacancy(member, confirmed_days_ago=11)  # not yet
    vacancy(member, confirmed_days_ago=12, withdrawn=True)
    vacancy(member, confirmed_days_ago=14)  # already expired
    assert services.remind_expiring() == 1
    assert services.remind_expiring() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["homes@example.org"]
    assert "/vacancies/" in mail.outbox[0].body
    assert "West Sussex" in mail.outbox[0].body


def test_confirming_starts_a_new_reminder_cycle(member):
    user = member.provider.users.first()
    reminded = vacancy(member, confirmed_days_ago=12)
    assert services.remind_expiring() == 1
    services.confirm_vacancy(reminded, by=user)
    assert services.remind_expiring() == 0
    with time_machine.travel(timezone.now() + datetime.timedelta(days=12)):
        assert services.remind_expiring() == 1
    assert len(mail.outbox) == 2
