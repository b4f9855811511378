"""Escalation pages: the DPS administrator's list of escalated actions recommending suspension
with the history that justifies each; suspending goes through the memberships service;
dismissing records the decision. Nobody else may."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dps import audit
from dps.models import AuditEntry
from monitoring.models import EscalationDecision
from providers.models import Membership
from tests import factories as f
from tests.asserts import nothing_changes
from tests.monitoring import factories as mf
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db

LIST = reverse("monitoring:escalations")


def url(name, item):
    return reverse(f"monitoring:{name}", args=[item.pk])


def escalate(item):
    """What the scheduler does: a reminder, then the flag, each in the audit trail."""
    audit.record(item, "actionitem.reminded", by=None, reason="Overdue: reminder sent.")
    audit.record(item, "actionitem.escalated", by=None, reason="No response: suspension "
                                                                "recommended.")
    return item


@pytest.fixture
def escalated(today):
    return escalate(mf.OverdueActionItemFactory(
        reminder_sent_at=timezone.now() - datetime.timedelta(days=15),
        escalated_at=timezone.now()))


def suspend_form(memberships, until="2026-06-01", reason="No engagement with the plan"):
    day = datetime.date.fromisoformat(until)
    return {"suspend-memberships": [str(m.pk) for m in memberships],
            "suspend-until_day": day.day, "suspend-until_month": day.month,
            "suspend-until_year": day.year, "suspend-reason": reason}


def test_anonymous_visitors_are_sent_to_sign_in(client, escalated):
    for path in (LIST, url("escalation", escalated)):
        assert client.get(path).status_code == 302
    with nothing_changes():
        assert client.post(url("dismiss-escalation", escalated),
                           {"dismiss-reason": "x"}).status_code == 302


def test_only_the_dps_admin_opens_and_decides(as_user, commissioner, escalated):
    membership = f.AdmittedMembershipFactory(provider=escalated.plan.provider)
    for user in (commissioner, f.ProviderUserFactory(organisation=escalated.plan.provider),
                 f.BudgetHolderFactory()):
        client = as_user(user)
        assert client.get(LIST).status_code == 403
        assert client.get(url("escalation", escalated)).status_code == 403
        with nothing_changes():
            assert client.post(url("suspend-provider", escalated),
                               suspend_form([membership])).status_code == 403
            assert client.post(url("dismiss-escalation", escalated),
                               {"dismiss-reason": "Engaged"}).status_code == 403


def test_an_item_never_escalated_is_not_found(as_user, dps_admin, today):
    item = mf.OverdueActionItemFactory()
    client = as_user(dps_admin)
    assert client.get(url("escalation", item)).status_code == 404
    with nothing_changes():
        assert client.post(url("dismiss-escalation", item),
                           {"dismiss-reason": "Engaged"}).status_code == 404


def test_the_list_shows_the_history_and_the_lots(as_user, dps_admin, escalated):
    f.AdmittedMembershipFactory(provider=escalated.plan.provider)
    mf.OverdueActionItemFactory()  # overdue but not escalated: not listed
    response = as_user(dps_admin).get(LIST)
    page = text(response)
    assert escalated.plan.provider.name in page
    assert "1 escalated action" in page
    assert "reminder sent to the provider" in page
    assert "escalated, suspension recommended" in page
    assert f"Due {escalated.due_date:%-d %B %Y}" in page
    assert "Independent fostering (admitted)" in page
    assert f'href="{url("escalation", escalated)}"' in response.content.decode()


def test_the_attention_page_links_here_for_the_dps_admin_only(as_user, dps_admin, commissioner):
    attention = reverse("monitoring:attention")
    assert f'href="{LIST}"' in as_user(dps_admin).get(attention).content.decode()
    assert f'href="{LIST}"' not in as_user(commissioner).get(attention).content.decode()


def test_dps_admin_suspends_through_the_membership_service(as_user, dps_admin, escalated):
    fostering = f.AdmittedMembershipFactory(provider=escalated.plan.provider)
    residential = f.AdmittedMembershipFactory(provider=escalated.plan.provider,
                                              lot=f.lot("residential"))
    client = as_user(dps_admin)
    page = text(client.get(url("escalation", escalated)))
    assert "Suspend the provider" in page
    assert "Dismiss the recommendation" in page
    response = client.post(url("suspend-provider", escalated), suspend_form([fostering]),
                           follow=True)
    assert "suspended from Independent fostering until 1 June 2026" in banner(response)
    fostering.refresh_from_db()
    residential.refresh_from_db()
    assert (fostering.status, fostering.suspended_until) == (Membership.Status.SUSPENDED,
                                                             datetime.date(2026, 6, 1))
    assert residential.status == Membership.Status.ADMITTED
    assert AuditEntry.objects.filter(action="membership.suspend", actor=dps_admin).count() == 1
    escalated.refresh_from_db()
    assert escalated.escalation_decision == EscalationDecision.SUSPENDED
    assert "No escalations are waiting for a decision." in text(response)
    # The decision shows on the item's page; the forms are gone.
    page = text(client.get(url("escalation", escalated)))
    assert "Provider suspended" in page
    assert "Dismiss the recommendation" not in page


def test_the_membership_services_rules_apply(as_user, dps_admin, escalated):
    membership = f.AdmittedMembershipFactory(provider=escalated.plan.provider)
    client = as_user(dps_admin)
    with nothing_changes():
        response = client.post(url("suspend-provider", escalated),
                               suspend_form([membership], until="2026-12-01"))
        assert "A suspension may last at most" in error_summary(response)
        response = client.post(url("suspend-provider", escalated),
                               suspend_form([membership], reason=""))
        assert "Say why the provider is suspended." in error_summary(response)
        response = client.post(url("suspend-provider", escalated), suspend_form([]))
        assert "Choose at least one lot to suspend" in error_summary(response)
        response = client.post(url("suspend-provider", escalated),
                               suspend_form([membership], until="2026-03-01"))
        assert "A suspension must end after today." in error_summary(response)


def test_dps_admin_dismisses_the_recommendation(as_user, dps_admin, escalated):
    client = as_user(dps_admin)
    with nothing_changes():
        response = client.post(url("dismiss-escalation", escalated), {"dismiss-reason": " "})
    assert "Say why suspension is not needed." in error_summary(response)
    response = client.post(url("dismiss-escalation", escalated),
                           {"dismiss-reason": "Fire log received late but complete."},
                           follow=True)
    assert "dismissed" in banner(response)
    escalated.refresh_from_db()
    assert (escalated.escalation_decision, escalated.escalation_decided_by) == (
        EscalationDecision.DISMISSED, dps_admin)
    with nothing_changes():
        response = client.post(url("dismiss-escalation", escalated),
                               {"dismiss-reason": "Twice"})
    assert "Only an open action whose escalation has not been decided" in \
        error_summary(response)


def test_list_query_count_does_not_grow(as_user, dps_admin, today,
                                        django_assert_max_num_queries):
    client = as_user(dps_admin)

    def make(count):
        for _ in range(count):
            item = escalate(mf.OverdueActionItemFactory(
                reminder_sent_at=timezone.now(), escalated_at=timezone.now()))
            f.AdmittedMembershipFactory(provider=item.plan.provider)

    make(2)
    client.get(LIST)
    with CaptureQueriesContext(connection) as small:
        client.get(LIST)
    make(12)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(LIST)
    assert "14 escalated actions" in text(response)
