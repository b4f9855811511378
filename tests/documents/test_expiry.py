"""Certificates with `expires_on`: one reminder 30 days before (the task run twice reminds
once), and once lapsed the membership is flagged until a renewed certificate is attached."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from documents import expiry
from documents.models import Document
from documents.tasks import check_expiry
from dps.models import AuditEntry
from tests import factories as f
from tests.documents import files
from tests.documents.test_api_documents import post
from tests.documents.worlds import WORLDS

pytestmark = pytest.mark.django_db


def _certificate(api, days, world=None):
    world = world or WORLDS["membership"]()
    expires = timezone.localdate() + datetime.timedelta(days=days)
    response = post(api(world.uploader), world, files.pdf(), kind="insurance",
                    expires_on=expires.isoformat())
    assert response.status_code == 201, response.json()
    return world, Document.objects.get(pk=response.json()["id"])


def test_a_certificate_expiring_within_30_days_is_reminded_of_once(api):
    world, document = _certificate(api, 20)
    f.DpsAdminFactory(email="dps@example.org")
    mail.outbox = []
    check_expiry.apply(throw=True)
    check_expiry.apply(throw=True)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.uploader.email]
    assert "dps@example.org" in mail.outbox[0].cc
    assert "expires on" in mail.outbox[0].subject
    document.refresh_from_db()
    assert document.expiry_reminded_at is not None


def test_a_certificate_further_off_is_not_reminded_of_yet(api):
    _certificate(api, 45)
    mail.outbox = []
    check_expiry.apply(throw=True)
    assert mail.outbox == []


def test_a_lapsed_certificate_flags_the_membership_once(api):
    world, document = _certificate(api, -1)
    check_expiry.apply(throw=True)
    check_expiry.apply(throw=True)
    assert AuditEntry.objects.filter(action="certificate_lapsed").count() == 1
    assert [d.pk for d in expiry.lapsed_certificates(world.obj.provider_id)] == [document.pk]


def test_a_renewed_certificate_clears_the_flag(api):
    world, _ = _certificate(api, -1)
    check_expiry.apply(throw=True)
    _certificate(api, 300, world)
    assert expiry.lapsed_certificates(world.obj.provider_id) == []
