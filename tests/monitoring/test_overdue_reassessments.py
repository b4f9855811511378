"""The daily task flags providers whose reassessment is overdue and e-mails once per due date."""

import datetime

import pytest
import time_machine
from django.core import mail

from dps.models import AuditEntry
from monitoring import services, tasks
from tests import factories as f
from tests.monitoring import factories as mf
from tests.monitoring.conftest import NOON, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return f.DpsAdminFactory(email="dps.team@example.org")


def test_nothing_is_sent_before_the_due_date_has_passed(today, admin_user):
    mf.RiskAssessmentFactory(next_due=TODAY)  # due today: not yet overdue
    mf.RiskAssessmentFactory(next_due=TODAY - datetime.timedelta(days=3), is_current=False)
    assert tasks.flag_overdue_reassessments() == 0
    assert mail.outbox == []


def test_overdue_reassessment_is_e_mailed_once_to_the_assessor_and_dps_admins(today,
                                                                             admin_user):
    assessment = mf.OverdueAssessmentFactory()
    assert tasks.flag_overdue_reassessments() == 1
    assert tasks.flag_overdue_reassessments() == 0
    [message] = mail.outbox
    assert set(message.to) == {admin_user.email, assessment.assessed_by.email}
    assert assessment.provider.name in message.subject
    assert "9 March 2026" in message.body
    assert AuditEntry.objects.filter(action="riskassessment.overdue",
                                     object_id=assessment.pk).count() == 1


def test_a_new_due_date_is_reminded_again_once_it_passes(today, admin_user, commissioner):
    old = mf.OverdueAssessmentFactory()
    tasks.flag_overdue_reassessments()
    new = services.record_risk_assessment(by=commissioner, provider=old.provider, impact=2,
                                          probability=2, next_due=TODAY
                                          + datetime.timedelta(days=30))
    assert tasks.flag_overdue_reassessments() == 0
    with time_machine.travel(NOON + datetime.timedelta(days=31), tick=False):
        assert tasks.flag_overdue_reassessments() == 1
        assert tasks.flag_overdue_reassessments() == 0
    assert len(mail.outbox) == 2
    new.refresh_from_db()
    assert new.overdue_notified_at is not None


def test_overdue_provider_shows_on_its_risk_page(today, staff):
    assessment = mf.OverdueAssessmentFactory()
    body = staff.get(f"/api/v1/provider-risk/{assessment.provider_id}/").json()
    assert body["reassessment_overdue"] is True
