"""A lapsed certificate in a real browser (issue 17): the DPS administrator sees it on the
dashboard; the provider reads it on its portal, follows the link, uploads the renewal, and
the flag goes from both pages."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from dps import formatting
from tests import factories as f
from tests.browser.helpers import assert_accessible, fill_date, sign_in
from tests.documents import files
from tests.documents.factories import CertificateFactory

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_provider_renews_a_lapsed_certificate_from_its_portal(live_server, page,
                                                                   tmp_path):
    user = f.ProviderUserFactory(organisation__name="Oakfield Care Ltd")
    membership = f.AdmittedMembershipFactory(provider=user.organisation)
    expired = timezone.localdate() - datetime.timedelta(days=30)
    CertificateFactory(provider=user.organisation, object_id=membership.pk,
                       expires_on=expired, lapsed_at=timezone.now())
    admin = f.DpsAdminFactory()
    pdf = tmp_path / "insurance-2027.pdf"
    pdf.write_bytes(files.pdf("Public liability insurance, renewed."))

    page.goto(f"{live_server.url}/dashboard/")
    sign_in(page, admin)
    lapsed = page.get_by_role("region", name="Lapsed certificates")
    expect(lapsed.get_by_role("link", name="Oakfield Care Ltd", exact=True)).to_be_visible()
    expect(lapsed).to_contain_text(
        f"Insurance certificate expired on {formatting.long_date(expired)}")
    assert_accessible(page, "dashboard with a lapsed certificate")
    page.context.clear_cookies()

    page.goto(f"{live_server.url}/portal/")
    sign_in(page, user)
    banner = page.get_by_role("region", name="Certificates to renew")
    expect(banner).to_contain_text(
        f"Your insurance certificate expired on {formatting.long_date(expired)}")
    assert_accessible(page, "portal with a lapsed certificate")
    banner.get_by_role("link", name="upload a renewed one").click()
    page.get_by_label("File", exact=True).set_input_files(str(pdf))
    page.get_by_label("Insurance certificate", exact=True).check()
    fill_date(page, "Expiry date (certificates and insurance)",
              timezone.localdate() + datetime.timedelta(days=365))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Insurance certificate uploaded.")).to_be_visible()

    page.goto(f"{live_server.url}/portal/")
    expect(page.get_by_role("heading", name="Your supplier portal")).to_be_visible()
    expect(page.get_by_role("region", name="Certificates to renew")).to_have_count(0)
    page.context.clear_cookies()

    page.goto(f"{live_server.url}/dashboard/")
    sign_in(page, admin)
    expect(page.get_by_role("region", name="Lapsed certificates")).to_contain_text(
        "every certificate with an expiry date is current")


def test_the_provider_attaches_its_insurance_while_applying(live_server, page, tmp_path):
    user = f.ProviderUserFactory()
    f.OpenRoundFactory()
    pdf = tmp_path / "insurance.pdf"
    pdf.write_bytes(files.pdf("Public liability insurance."))

    page.goto(f"{live_server.url}/providers/apply/")
    sign_in(page, user)
    page.get_by_label("Independent fostering", exact=True).check()
    page.get_by_label("Your price cap for Independent fostering, £ per week").fill("1100")
    page.get_by_label("Ofsted unique reference number (URN)").fill("SC123456")
    for checkbox in page.get_by_role("group", name="Declarations").get_by_role(
            "checkbox").all():
        checkbox.check()
    expect(page.get_by_role("heading", name="Attach your documents")).to_be_visible()
    page.get_by_label("Insurance certificate (optional)").set_input_files(str(pdf))
    fill_date(page, "When does your insurance certificate expire?",
              timezone.localdate() + datetime.timedelta(days=300))
    assert_accessible(page, "apply page with a certificate chosen")
    page.get_by_role("button", name="Submit application").click()

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "with 1 document")
    page.get_by_role("link", name="Attach your documents").click()
    expect(page.get_by_role("link", name="insurance.pdf")).to_be_visible()
    assert_accessible(page, "the application's documents")
