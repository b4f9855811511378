"""Attaching certificates while applying (issue 17): the apply page takes the application's
kinds of document, with the expiry date of the expiring ones; each file goes through the
documents service (its checks and audit) and a refused file keeps nothing."""

import datetime

import pytest
from django.urls import reverse

from documents.models import Document
from dps.models import AuditEntry
from providers.models import Application
from tests import factories as f
from tests.documents import files
from tests.pages import text
from tests.providers.test_pages import apply_data, error_summary

pytestmark = pytest.mark.django_db

APPLY = reverse("providers:apply")
MINE = reverse("providers:my-applications")


@pytest.fixture
def client_of(client):
    def sign_in(user):
        client.force_login(user)
        return client
    return sign_in


def _expiry(prefix, day):
    return {f"{prefix}_expires_on_day": str(day.day),
            f"{prefix}_expires_on_month": str(day.month),
            f"{prefix}_expires_on_year": str(day.year)}


NEXT_YEAR = datetime.date.today() + datetime.timedelta(days=365)


def test_the_apply_page_offers_the_step_to_attach_documents(client_of):
    page = text(client_of(f.ProviderUserFactory()).get(APPLY))
    assert "Attach your documents" in page
    for label in ("Insurance certificate (optional)", "Registration certificate (optional)",
                  "Safeguarding policy (optional)", "When does your insurance certificate "
                  "expire?"):
        assert label in page
    assert page.index("Attach your documents") < page.index("Submit application")


def test_insurance_without_its_expiry_date_is_refused_and_nothing_is_kept(client_of):
    response = client_of(f.ProviderUserFactory()).post(
        APPLY, {**apply_data(), "insurance": files.upload(files.pdf(), "insurance.pdf")})
    assert response.status_code == 200
    assert "Enter the date your insurance certificate expires" in error_summary(response)
    assert "Choose your files again" in text(response)
    assert not Application.objects.exists()
    assert not Document.objects.exists()


def test_a_file_the_documents_service_refuses_keeps_no_application(client_of):
    response = client_of(f.ProviderUserFactory()).post(APPLY, {
        **apply_data(), "safeguarding_policy": files.upload(files.EXE, "policy.pdf")})
    assert response.status_code == 200
    summary = error_summary(response)
    assert "#safeguarding_policy" in response.content.decode()
    assert summary.strip()
    assert not Application.objects.exists()
    assert not Document.objects.exists()


def test_an_expiry_date_without_its_file_is_refused(client_of):
    response = client_of(f.ProviderUserFactory()).post(
        APPLY, {**apply_data(), **_expiry("registration_certificate", NEXT_YEAR)})
    assert "Choose the file of your registration certificate" in error_summary(response)
    assert not Application.objects.exists()


def test_provider_applies_with_its_certificates_and_policy_attached(client_of):
    f.OpenRoundFactory()
    user = f.ProviderUserFactory()
    client = client_of(user)
    response = client.post(APPLY, {
        **apply_data(),
        "insurance": files.upload(files.pdf("Insurance"), "insurance.pdf"),
        **_expiry("insurance", NEXT_YEAR),
        "safeguarding_policy": files.upload(files.docx("Safeguarding"), "safeguarding.docx",
                                            "application/octet-stream"),
    })
    assert response.status_code == 302, error_summary(response)
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    documents = {d.kind: d for d in Document.objects.filter(attached_to="application",
                                                            object_id=application.pk)}
    assert set(documents) == {"insurance", "safeguarding_policy"}
    assert documents["insurance"].expires_on == NEXT_YEAR
    assert documents["insurance"].provider_id == user.organisation_id
    assert documents["safeguarding_policy"].expires_on is None
    assert AuditEntry.objects.filter(action="document_uploaded").count() == 2
    mine = client.get(MINE)
    assert "with 2 documents" in text(mine)
    assert reverse("documents:application", args=[application.pk]) in mine.content.decode()
    assert "Attach your documents" in text(mine)
