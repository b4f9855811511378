"""Documents through a real browser: a provider attaches its insurance certificate to its
application and the DPS administrator opens it from the decision page; a commissioner attaches
a referral pack and an invited provider downloads it."""

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.calloffs import factories as cf
from tests.documents import files

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _attach(page, path, kind):
    page.get_by_label("File", exact=True).set_input_files(str(path))
    page.get_by_label(kind, exact=True).check()
    page.get_by_role("button", name="Upload").click()


def test_provider_attaches_insurance_and_the_administrator_opens_it(live_server, page,
                                                                      tmp_path):
    application = f.AwaitingDecisionApplicationFactory()
    provider = f.ProviderUserFactory(organisation=application.provider)
    admin = f.DpsAdminFactory()
    pdf = tmp_path / "insurance.pdf"
    pdf.write_bytes(files.pdf("Public liability insurance, ten million pounds."))

    page.goto(f"{live_server.url}/documents/application/{application.pk}/")
    sign_in(page, provider)
    assert_accessible(page, "documents page")
    _attach(page, pdf, "Insurance certificate")
    expect(page.get_by_text("Insurance certificate uploaded.")).to_be_visible()
    page.context.clear_cookies()

    page.goto(f"{live_server.url}/providers/applications/{application.pk}/decide/")
    sign_in(page, admin)
    with page.expect_download() as download:
        page.get_by_role("link", name="insurance.pdf").click()
    assert download.value.suggested_filename == "insurance.pdf"
    assert open(download.value.path(), "rb").read() == pdf.read_bytes()


def test_commissioner_attaches_a_referral_pack_and_an_invited_provider_downloads_it(
        live_server, page, tmp_path):
    calloff = cf.OpenCallOffFactory()
    member = cf.admitted_and_invited(calloff)
    commissioner = f.CommissionerFactory(organisation=calloff.authority)
    provider = f.ProviderUserFactory(organisation=member.provider)
    pack = tmp_path / "pack.pdf"
    pack.write_bytes(files.pdf("Needs: a calm home, education on site, weekly therapy."))

    page.goto(f"{live_server.url}/documents/referral/{calloff.referral_id}/")
    sign_in(page, commissioner)
    _attach(page, pack, "Referral pack")
    expect(page.get_by_text("Referral pack uploaded.")).to_be_visible()
    page.context.clear_cookies()

    page.goto(f"{live_server.url}/opportunities/{calloff.pk}/")
    sign_in(page, provider)
    with page.expect_download() as download:
        page.get_by_role("link", name="pack.pdf").click()
    assert open(download.value.path(), "rb").read() == pack.read_bytes()
