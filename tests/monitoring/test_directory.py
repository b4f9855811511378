"""The provider directory and profile (finding 2): every provider is reachable from monitoring,
not only the flagged ones; the list shows the rating, lots and last assessment, filters by
rating and lot, searches by name, pages, and keeps a fixed query count; the profile ties the
provider's memberships, placements, risk history, visits, KPI returns, action plans, triggers
and annual reports together, linking to their pages."""

import pytest
from django.urls import reverse

from dps.models import Organisation
from tests import factories as f
from tests.contracts import factories as pf
from tests.monitoring import factories as mf
from tests.pages import text

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("monitoring:providers")


def _row(body, name):
    """The text of the directory row that starts with the provider `name`."""
    return body.split(f"{name} : provider profile", 1)[1].split(": provider profile", 1)[0]


def profile(provider):
    return reverse("monitoring:provider-profile", args=[provider.pk])


def test_signed_out_people_are_sent_to_sign_in_and_other_roles_refused(client, as_user):
    provider = f.ProviderOrgFactory()
    for url in (DIRECTORY, profile(provider)):
        assert client.get(url)["Location"].startswith(reverse("login"))
    for user in (f.ProviderUserFactory(organisation=provider), f.FinanceFactory(),
                 f.BudgetHolderFactory()):
        client = as_user(user)
        assert client.get(DIRECTORY).status_code == 403
        assert client.get(profile(provider)).status_code == 403


def test_an_authority_is_not_a_provider_profile(as_user):
    authority = f.AuthorityFactory()
    assert as_user(f.CommissionerFactory()).get(profile(authority)).status_code == 404


def test_every_provider_is_listed_not_only_those_needing_attention(as_user):
    calm = f.ProviderOrgFactory(name="Calm Waters Care Ltd")
    mf.GreenAssessmentFactory(provider=calm)
    f.MembershipFactory(provider=calm, lot=f.lot("fostering"))
    f.RemovedMembershipFactory(provider=calm, lot=f.lot("residential"))
    flagged = f.ProviderOrgFactory(name="Stormy Heights Ltd")
    mf.RedAssessmentFactory(provider=flagged)
    new = f.ProviderOrgFactory(name="Brand New Homes Ltd")
    client = as_user(f.CommissionerFactory())
    attention = text(client.get(reverse("monitoring:attention")))
    assert "Calm Waters Care Ltd" not in attention
    assert 'href="/monitoring/providers/"' in client.get(
        reverse("monitoring:attention")).content.decode()
    page = client.get(DIRECTORY)
    assert page.status_code == 200
    body = text(page)
    for provider in (calm, flagged, new):
        assert provider.name in body
        assert profile(provider) in page.content.decode()
    assert "3 providers" in body
    calm_row = _row(body, "Calm Waters Care Ltd")
    assert "Green 6" in calm_row
    assert f.lot("fostering").name in calm_row
    assert f.lot("residential").name not in calm_row  # removed from that lot
    assert "Not assessed – Never None" in _row(body, "Brand New Homes Ltd")


@pytest.mark.parametrize(("query", "expected", "absent"), [
    ({"rag": "red"}, ["Stormy Heights Ltd"], ["Calm Waters Care Ltd", "Brand New Homes Ltd"]),
    ({"rag": "green"}, ["Calm Waters Care Ltd"], ["Stormy Heights Ltd"]),
    ({"rag": "none"}, ["Brand New Homes Ltd"], ["Stormy Heights Ltd", "Calm Waters Care Ltd"]),
    ({"q": "storm"}, ["Stormy Heights Ltd"], ["Calm Waters Care Ltd"]),
    ({"q": "ZZ999999"}, ["Brand New Homes Ltd"], ["Stormy Heights Ltd"]),
])
def test_filter_by_rating_and_search_by_name_or_number(as_user, query, expected, absent):
    calm = f.ProviderOrgFactory(name="Calm Waters Care Ltd")
    mf.GreenAssessmentFactory(provider=calm)
    mf.RedAssessmentFactory(provider=f.ProviderOrgFactory(name="Stormy Heights Ltd"))
    f.ProviderOrgFactory(name="Brand New Homes Ltd", companies_house_number="ZZ999999")
    body = text(as_user(f.CommissionerFactory()).get(DIRECTORY, query))
    for name in expected:
        assert name in body
    for name in absent:
        assert name not in body


def test_filter_by_lot_counts_live_memberships_only(as_user):
    fostering = f.lot("fostering")
    f.MembershipFactory(provider=f.ProviderOrgFactory(name="Admitted Ltd"), lot=fostering)
    f.SuspendedMembershipFactory(provider=f.ProviderOrgFactory(name="Suspended Ltd"),
                                 lot=fostering)
    f.RemovedMembershipFactory(provider=f.ProviderOrgFactory(name="Removed Ltd"), lot=fostering)
    body = text(as_user(f.CommissionerFactory()).get(DIRECTORY, {"lot": fostering.pk}))
    assert "Admitted Ltd" in body
    assert f"{fostering.name} Suspended" in _row(body, "Suspended Ltd")
    assert "Removed Ltd" not in body


def test_a_bad_filter_is_a_400_with_the_message(as_user):
    response = as_user(f.CommissionerFactory()).get(DIRECTORY, {"lot": "nonsense"})
    assert response.status_code == 400
    assert "Error: All providers" in response.content.decode()


def test_the_list_pages_and_its_query_count_does_not_grow(as_user,
                                                          django_assert_max_num_queries):
    client = as_user(f.DpsAdminFactory())
    for n in range(3):
        provider = f.ProviderOrgFactory(name=f"Provider {n:02d}")
        mf.RiskAssessmentFactory(provider=provider)
        f.MembershipFactory(provider=provider, lot=f.lot("fostering"))
    with django_assert_max_num_queries(9) as small:
        client.get(DIRECTORY)
    for n in range(3, 40):
        provider = f.ProviderOrgFactory(name=f"Provider {n:02d}")
        mf.RiskAssessmentFactory(provider=provider)
        f.MembershipFactory(provider=provider, lot=f.lot("fostering"))
        f.MembershipFactory(provider=provider, lot=f.lot("residential"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        large = client.get(DIRECTORY)
    body = text(large)
    assert "40 providers (page 1 of 2)" in body
    assert "Provider 24" in body
    assert "Provider 25" not in body
    assert "Provider 39" in text(client.get(DIRECTORY, {"page": 2}))


def _world(authority):
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd", area="West Sussex")
    f.MembershipFactory(provider=provider, lot=f.lot("residential"))
    f.SuspendedMembershipFactory(provider=provider, lot=f.lot("fostering"))
    mf.RiskAssessmentFactory(provider=provider, is_current=False, impact=2, probability=2)
    mf.RedAssessmentFactory(provider=provider)
    mf.TriggerFactory(provider=provider)
    mf.DoneActivityFactory(provider=provider)
    mf.LateKpiReturnFactory(provider=provider)
    plan = mf.ActionPlanFactory(provider=provider, title="Night staffing plan")
    mf.ActionItemFactory(plan=plan)
    report = mf.AnnualReportFactory(provider=provider)
    own = pf.PlacementFactory(authority=authority, provider=provider, cap=False)
    other = pf.PlacementFactory(provider=provider, cap=False)  # another authority's
    return provider, plan, report, own, other


def test_the_profile_ties_the_providers_monitoring_together(as_user):
    authority = f.AuthorityFactory()
    provider, plan, report, own, other = _world(authority)
    response = as_user(f.CommissionerFactory(organisation=authority)).get(profile(provider))
    assert response.status_code == 200
    html = response.content.decode()
    body = text(response)
    for expected in ("Provider profile", "Harbour Lights Care Ltd", f.lot("residential").name,
                     "Admitted", f.lot("fostering").name, "Suspended until", "Red",
                     "Night staffing plan",
                     f"Annual report {report.year_label}", "Late KPI returns 1",
                     "Live placements 1", "Open triggers"):
        assert expected in body, expected
    for link in (reverse("monitoring:provider", args=[provider.pk]),
                 reverse("monitoring:plan", args=[plan.pk]),
                 reverse("monitoring:annual-report", args=[report.pk]),
                 reverse("contracts:detail", args=[own.pk]),
                 f"{reverse('contracts:list')}?provider={provider.pk}"):
        assert f'href="{link}"' in html, link
    # Placements are the authority's own: another authority's is not shown.
    assert reverse("contracts:detail", args=[other.pk]) not in html


def test_a_dps_administrator_sees_every_authoritys_placements(as_user):
    authority = f.AuthorityFactory()
    provider, _plan, _report, own, other = _world(authority)
    html = as_user(f.DpsAdminFactory()).get(profile(provider)).content.decode()
    assert reverse("contracts:detail", args=[own.pk]) in html
    assert reverse("contracts:detail", args=[other.pk]) in html


def test_the_profile_query_count_does_not_grow(as_user, django_assert_max_num_queries):
    authority = f.AuthorityFactory()
    provider, *_ = _world(authority)
    client = as_user(f.CommissionerFactory(organisation=authority))
    with django_assert_max_num_queries(30) as small:
        client.get(profile(provider))
    for _ in range(15):
        mf.RiskAssessmentFactory(provider=provider, is_current=False)
        mf.DoneActivityFactory(provider=provider)
        mf.ActionItemFactory(plan=mf.ActionPlanFactory(provider=provider))
        pf.PlacementFactory(authority=authority, provider=provider, cap=False)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(profile(provider))


def test_the_risk_page_links_back_to_the_profile(as_user):
    provider = f.ProviderOrgFactory()
    html = as_user(f.CommissionerFactory()).get(
        reverse("monitoring:provider", args=[provider.pk])).content.decode()
    assert f'href="{profile(provider)}"' in html
    assert Organisation.objects.filter(pk=provider.pk).exists()
