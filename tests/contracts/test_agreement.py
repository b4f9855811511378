"""The placement agreement: a stored PDF, downloadable by the authority and awarded provider."""

import datetime
from decimal import Decimal

import pytest

from contracts import services
from contracts.models import AgreementVersion
from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts.conftest import commissioner_of, pdf_text, provider_of

pytestmark = pytest.mark.django_db


def url(placement, version=None):
    return f"/api/v1/placements/{placement.pk}/agreement.pdf" + (
        f"?version={version}" if version else "")


def download(client, placement, **kwargs):
    response = client.get(url(placement, **kwargs))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return response.content


def test_anonymous_cannot_download(anon, awarded):
    response = anon.get(url(awarded))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_user_without_a_role_cannot_download(api, awarded):
    response = api(f.UserFactory(organisation=awarded.authority, roles=[])).get(url(awarded))
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_a_provider_that_bid_and_lost_gets_not_found(api, awarded):
    loser = cf.admitted_and_invited(awarded.calloff).provider
    cf.EoiFactory(calloff=awarded.calloff, provider=loser)
    response = api(f.ProviderUserFactory(organisation=loser)).get(url(awarded))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_another_authority_gets_not_found(api, awarded):
    for user in (f.CommissionerFactory(), f.FinanceFactory(), f.BudgetHolderFactory()):
        response = api(user).get(url(awarded))
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_an_unknown_placement_is_not_found(api, awarded):
    response = api(commissioner_of(awarded)).get("/api/v1/placements/999999/agreement.pdf")
    assert response.status_code == 404


def test_no_agreement_issued_is_not_found(api, placement):
    response = api(commissioner_of(placement)).get(url(placement))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_award_issues_version_one_with_the_parties_child_and_price(api, awarded):
    [version] = AgreementVersion.objects.filter(placement=awarded)
    assert (version.version, version.reason) == (1, "Awarded through the DPS call-off")
    text = pdf_text(download(api(commissioner_of(awarded)), awarded))
    child = awarded.child
    for expected in (awarded.authority.name, awarded.provider.name,
                     "Individual placement agreement",
                     f"{child.first_name} {child.last_name}", "14 March 2012",
                     "Residential", "£5,000.00 per week", awarded.start_date.strftime("%-d %B %Y"),
                     awarded.planned_end_date.strftime("%-d %B %Y"), "Key terms", "Signed for",
                     "Page 1 of", "Next review"):
        assert expected in text, expected
    # The provider downloads it too: it never carries the case reference or postcode.
    assert cf.child_identifiers_in(text.replace(child.first_name, "").replace(
        child.last_name, "").replace("14 March 2012", ""), child) == []
    assert child.case_reference not in text
    assert child.postcode not in text


@pytest.mark.parametrize("role", ["commissioner", "budget_holder", "finance", "dps_admin"])
def test_the_authoritys_staff_download_it(api, awarded, role):
    factory = {"commissioner": f.CommissionerFactory, "budget_holder": f.BudgetHolderFactory,
               "finance": f.FinanceFactory, "dps_admin": f.DpsAdminFactory}[role]
    user = factory() if role == "dps_admin" else factory(organisation=awarded.authority)
    assert download(api(user), awarded).startswith(b"%PDF")


def test_the_awarded_provider_downloads_the_same_stored_version(api, awarded):
    council = download(api(commissioner_of(awarded)), awarded)
    provider = download(api(provider_of(awarded)), awarded)
    assert council == provider == bytes(awarded.agreement_versions.get().pdf)
    text = pdf_text(provider)
    assert awarded.authority.name in text
    assert awarded.provider.name in text
    assert "£5,000.00 per week" in text
    assert awarded.child.first_name in text


def test_a_pdf_is_served_whatever_the_client_accepts(api, awarded):
    response = api(provider_of(awarded)).get(url(awarded), HTTP_ACCEPT="application/pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")


def test_a_fee_change_issues_a_new_version_and_the_old_stays(api, awarded,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the agreement follows the commit
        services.record_fee_change(awarded, by=commissioner_of(awarded),
                                   new_price=Decimal("5250.00"),
                                   effective_from=awarded.start_date + (
                                       awarded.planned_end_date - awarded.start_date) / 2,
                                   reason="Uplift agreed at review")
    client = api(provider_of(awarded))
    latest = client.get(url(awarded))
    assert latest["X-Agreement-Version"] == "2"
    text = pdf_text(latest.content)
    assert "£5,250.00 per week" in text
    assert "£5,000.00 per week" in text
    assert "Fee change" in text
    first = pdf_text(download(client, awarded, version=1))
    assert "£5,250.00" not in first
    assert client.get(url(awarded, version=3)).status_code == 404
    versions = client.get(f"/api/v1/placements/{awarded.pk}/agreements/").json()
    assert [v["version"] for v in versions] == [2, 1]


def test_a_support_item_issues_a_new_version_showing_it(api, awarded,
                                                        django_capture_on_commit_callbacks):
    start = awarded.start_date
    with django_capture_on_commit_callbacks(execute=True):  # the agreement follows the commit
        services.add_support_item(awarded, by=commissioner_of(awarded),
                                  description="Speech and language therapy",
                                  weekly_cost=Decimal("320.00"), start_date=start,
                                  review_date=start + datetime.timedelta(days=30),
                                  end_date=awarded.planned_end_date)
    text = pdf_text(download(api(commissioner_of(awarded)), awarded))
    assert "Speech and language therapy" in text
    assert "£320.00" in text


def test_a_spot_placement_without_a_listed_provider_has_an_agreement(api, frozen,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the agreement follows the commit
        placement = services.record_spot_placement(
            by=f.CommissionerFactory(), provider_name="Harbour Lights Care Ltd",
            lot=f.lot("fostering"), price=Decimal("980.00"), start_date=frozen,
            exception_reason="Sibling group kept together")
    text = pdf_text(download(api(commissioner_of(placement)), placement))
    assert "Harbour Lights Care Ltd" in text
    assert "£980.00 per week" in text
    assert "spot purchase" in text.lower()
    assert "Sibling group kept together" not in text  # the council's own reasoning


def test_page_numbers_are_in_the_margin(api, awarded):
    text = pdf_text(download(api(commissioner_of(awarded)), awarded))
    pages = text.count("\f")
    assert f"Page {pages} of {pages}" in text


def test_the_agreement_is_a_tagged_pdf_ua_with_its_language_and_title(api, awarded):
    """PDF/UA-1 (issue: accessibility): a screen reader walks its structure, reads it in
    British English and announces its title, not its file name."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(download(api(commissioner_of(awarded)), awarded)))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == (
        f"Individual placement agreement – placement {awarded.pk}, version 1")
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()  # declares its conformance
