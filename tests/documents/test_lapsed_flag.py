"""A lapsed certificate flags the membership (issue 17): on the DPS administrators' dashboard
(provider, kind, date, links), on the provider's portal (with where to upload the renewal) and
on the provider's profile, until a current certificate of the same kind is attached; fixed
query counts whatever the number of lapsed certificates."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dps import formatting
from tests import factories as f
from tests.documents.factories import CertificateFactory
from tests.pages import text

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
PORTAL = reverse("portal")


def _lapsed(provider=None, days=30, **kwargs):
    provider = provider or f.ProviderOrgFactory(name="Oakfield Care Ltd")
    return CertificateFactory(provider=provider, expires_on=timezone.localdate()
                              - datetime.timedelta(days=days), lapsed_at=timezone.now(),
                              **kwargs)


def _expired_on(document):
    return formatting.long_date(document.expires_on)


def test_the_dps_administrators_dashboard_lists_a_lapsed_certificate_linked(as_user):
    document = _lapsed()
    html = as_user(f.DpsAdminFactory()).get(DASHBOARD).content.decode()
    section = html.split('id="lapsed-heading"', 1)[1].split("</section>", 1)[0]
    assert "Oakfield Care Ltd" in section
    assert f"Insurance certificate expired on {_expired_on(document)}" in section
    assert reverse("monitoring:provider-profile", args=[document.provider_id]) in section
    assert reverse("documents:membership", args=[document.object_id]) in section


def test_a_renewed_certificate_leaves_the_dashboard(as_user):
    document = _lapsed()
    CertificateFactory(provider=document.provider, object_id=document.object_id,
                       expires_on=timezone.localdate() + datetime.timedelta(days=300))
    page = text(as_user(f.DpsAdminFactory()).get(DASHBOARD))
    assert "Oakfield Care Ltd" not in page
    assert "every certificate with an expiry date is current" in page


def test_a_renewal_of_another_kind_does_not_clear_the_flag(as_user):
    document = _lapsed()
    CertificateFactory(provider=document.provider, object_id=document.object_id,
                       kind="registration_certificate",
                       expires_on=timezone.localdate() + datetime.timedelta(days=300))
    assert "Oakfield Care Ltd" in text(as_user(f.DpsAdminFactory()).get(DASHBOARD))


def test_a_commissioner_does_not_get_the_lapsed_certificates_section(as_user):
    _lapsed()
    page = text(as_user(f.CommissionerFactory()).get(DASHBOARD))
    assert "Lapsed certificates" not in page


def test_the_provider_is_told_on_its_portal_and_where_to_upload_the_renewal(as_user):
    document = _lapsed()
    user = f.ProviderUserFactory(organisation=document.provider)
    response = as_user(user).get(PORTAL)
    assert (f"Your insurance certificate expired on {_expired_on(document)} — upload a "
            "renewed one") in text(response)
    renew = reverse("documents:membership", args=[document.object_id])
    assert f'href="{renew}"' in response.content.decode()
    # The link leads to the upload form of that membership.
    upload = as_user(user).get(renew)
    assert upload.status_code == 200
    assert "Attach a document" in text(upload)


def test_an_application_certificate_is_renewed_on_the_live_membership(as_user):
    provider = f.ProviderOrgFactory()
    application = f.ApplicationFactory(provider=provider)
    membership = f.AdmittedMembershipFactory(provider=provider)
    _lapsed(provider, attached_to="application", object_id=application.pk)
    response = as_user(f.ProviderUserFactory(organisation=provider)).get(PORTAL)
    assert reverse("documents:membership", args=[membership.pk]) in response.content.decode()


def test_another_providers_lapsed_certificate_is_not_on_the_portal(as_user):
    _lapsed()
    page = text(as_user(f.ProviderUserFactory()).get(PORTAL))
    assert "Certificates to renew" not in page
    assert "Oakfield" not in page


def test_the_provider_profile_flags_the_lapsed_certificate(as_user):
    document = _lapsed()
    page = text(as_user(f.DpsAdminFactory()).get(
        reverse("monitoring:provider-profile", args=[document.provider_id])))
    assert f"Certificates Lapsed Insurance certificate expired on {_expired_on(document)}" \
        in page


def test_the_dashboard_query_count_does_not_grow_with_lapsed_certificates(
        as_user, django_assert_max_num_queries):
    client = as_user(f.DpsAdminFactory())
    client.get(DASHBOARD)
    _lapsed()
    with django_assert_max_num_queries(15) as few:
        assert client.get(DASHBOARD).status_code == 200
    for n in range(12):
        _lapsed(f.ProviderOrgFactory(name=f"Provider {n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(DASHBOARD)
    assert "Showing the first 10" in text(response)


def test_the_portal_query_count_does_not_grow_with_lapsed_certificates(
        as_user, django_assert_max_num_queries):
    user = f.ProviderUserFactory()
    client = as_user(user)
    client.get(PORTAL)
    first = _lapsed(user.organisation)
    with django_assert_max_num_queries(20) as few:
        assert client.get(PORTAL).status_code == 200
    for n in range(12):
        _lapsed(user.organisation, days=n + 1, kind="registration_certificate",
                object_id=first.object_id)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(PORTAL).status_code == 200
