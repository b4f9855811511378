"""The provider is told the outcome of each lot, by e-mail, once the decision is stored."""

import pytest
from django.core import mail

from dps.errors import RuleViolation
from providers import services
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_provider_users_are_emailed_the_decision_per_lot(dps_admin,
                                                         django_capture_on_commit_callbacks):
    application = f.AwaitingDecisionApplicationFactory(
        lots={"fostering": "1100.00", "residential": "5400.00"})
    colleague = f.ProviderUserFactory(organisation=application.provider)
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_application(application, by=dps_admin, decisions=[
            {"lot": "fostering", "outcome": "admitted", "reason": ""},
            {"lot": "residential", "outcome": "rejected", "reason": "No registered manager."},
        ])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [colleague.email]
    assert "Independent fostering: Admitted, with a price cap of £1,100.00 per week" in message.body
    assert "Residential children's homes: Rejected" in message.body
    assert "Reason: No registered manager." in message.body


def test_no_email_when_the_decision_is_refused(dps_admin, django_capture_on_commit_callbacks):
    application = f.AwaitingDecisionApplicationFactory()
    f.ProviderUserFactory(organisation=application.provider)
    f.DebarmentFactory(organisation=application.provider)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuleViolation) as refused:
        services.decide_application(application, by=dps_admin, decisions=[
            {"lot": "fostering", "outcome": "admitted", "reason": ""}])
    assert refused.value.code == "provider_debarred"
    assert mail.outbox == []
