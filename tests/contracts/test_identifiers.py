"""The child's case reference and home postcode never reach a provider: every provider-facing
placement response, document and e-mail is searched for them."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core import mail

from contracts import services
from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts.conftest import LONDON, commissioner_of, pdf_text, provider_of

pytestmark = pytest.mark.django_db


def secrets(child):
    return [child.case_reference, child.postcode, child.postcode.replace(" ", ""),
            "case_reference", "postcode"]


def leaks(text, child):
    text = text.lower()
    return [secret for secret in secrets(child) if secret.lower() in text]


@pytest.fixture
def busy(awarded, django_capture_on_commit_callbacks, time_machine):
    """An awarded placement with everything a provider can see: fee changes decided both ways,
    support, a review, several agreement versions, and the end."""
    council = commissioner_of(awarded)
    provider = provider_of(awarded)
    start = awarded.start_date
    with django_capture_on_commit_callbacks(execute=True):
        services.add_support_item(awarded, by=council, description="Therapy",
                                  weekly_cost=Decimal("300.00"), start_date=start,
                                  review_date=awarded.planned_end_date,
                                  end_date=awarded.planned_end_date)
        asked = services.request_fee_change(awarded, by=provider, new_price=Decimal("5100.00"),
                                            effective_from=start.replace(year=start.year + 1),
                                            reason="Costs")
        services.decline_fee_change(asked, by=council, reason="Not now")
        services.record_fee_change(awarded, by=council, new_price=Decimal("5050.00"),
                                   effective_from=start + (awarded.planned_end_date - start) / 2,
                                   reason="Agreed")
        time_machine.move_to(datetime.datetime.combine(start, datetime.time(12), tzinfo=LONDON),
                             tick=False)
        services.activate_due_placements()
        services.end_placement(awarded, by=council, end_date=start, reason="planned_move")
    awarded.refresh_from_db()
    return awarded


def test_provider_facing_responses_carry_no_case_reference_or_postcode(api, busy):
    client = api(provider_of(busy))
    base = f"/api/v1/placements/{busy.pk}/"
    paths = ["/api/v1/placements/", base, f"{base}fee-changes/", f"{base}support-items/",
             f"{base}reviews/", f"{base}agreements/", "/api/v1/fee-changes/",
             f"/api/v1/fee-changes/{busy.fee_changes.first().pk}/",
             f"/api/v1/support-items/{busy.support_items.get().pk}/",
             "/api/v1/placements/?review_due=true", "/api/v1/placements/?status=ended"]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.content)
        assert leaks(json.dumps(response.json()), busy.child) == [], path
    detail = client.get(base).json()
    assert detail["child"] == {"first_name": busy.child.first_name,
                               "last_name": busy.child.last_name,
                               "date_of_birth": busy.child.date_of_birth.isoformat()}
    for version in busy.agreement_versions.all():
        assert leaks(pdf_text(bytes(version.pdf)), busy.child) == [], version.version


def test_provider_emails_carry_no_case_reference_or_postcode(busy):
    provider_mail = [m for m in mail.outbox
                     if set(m.to) & {u.email for u in busy.provider.users.all()}]
    assert len(provider_mail) >= 3  # declined, approved, ended
    for message in provider_mail:
        assert leaks(f"{message.subject}\n{message.body}", busy.child) == [], message.subject


def test_commissioner_reminders_carry_no_identity_either(busy, time_machine):
    # Reminders name the placement, not the child: e-mail travels further than the database.
    from contracts import reminders

    type(busy).objects.filter(pk=busy.pk).update(status="active", end_date=None)
    f.CommissionerFactory(organisation=busy.authority)
    mail.outbox.clear()
    reminders.send_review_reminders(busy.planned_end_date)
    assert mail.outbox
    for message in mail.outbox:
        assert leaks(message.body, busy.child) == []
        assert cf.child_identifiers_in(message.body, busy.child) == []


def test_a_provider_not_awarded_never_sees_the_child(api, busy):
    loser = cf.admitted_and_invited(busy.calloff).provider
    client = api(f.ProviderUserFactory(organisation=loser))
    assert client.get("/api/v1/placements/").json()["results"] == []
    for path in (f"/api/v1/placements/{busy.pk}/", f"/api/v1/placements/{busy.pk}/reviews/",
                 f"/api/v1/placements/{busy.pk}/agreement.pdf", "/api/v1/fee-changes/"):
        response = client.get(path)
        assert cf.child_identifiers_in(response.content.decode(errors="replace"),
                                       busy.child) == [], path
