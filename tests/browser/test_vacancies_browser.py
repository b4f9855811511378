"""Vacancies in a real browser: a provider posts one and confirms it with one click; the
commissioner sees it in the matching panel of a draft referral, in the area first, and on the
call-off after publication marked as invited. axe on each page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from referrals.models import Need, Referral
from tests import factories as f
from tests.browser.helpers import assert_accessible, fill_date, sign_in
from tests.calloffs import factories as cf
from tests.sufficiency.factories import vacancy

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_provider_posts_and_confirms_a_vacancy(live_server, page):
    member = f.AdmittedMembershipFactory(lot=f.lot("residential"),
                                         provider__name="Downs View Homes Ltd")
    user = f.ProviderUserFactory(organisation=member.provider)

    page.goto(f"{live_server.url}/portal/")
    sign_in(page, user)
    page.get_by_role("link", name="Your vacancies").click()
    page.get_by_role("link", name="Post a vacancy").click()
    assert_accessible(page, "post a vacancy")
    page.get_by_label("How many places?").fill("2")
    page.get_by_label("Where are the places?").select_option("Brighton and Hove")
    page.get_by_label("Youngest age").fill("16")
    page.get_by_label("Oldest age").fill("12")
    page.get_by_label("Social, emotional and mental health (SEMH)").check()
    fill_date(page, "Available from", timezone.localdate())
    page.get_by_label("Notes (optional)").fill("Two-bed home, garden, near a good school.")
    page.get_by_role("button", name="Post the vacancy").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The oldest age cannot be below the youngest age")
    assert_accessible(page, "vacancy form with an error")
    page.get_by_label("Youngest age").fill("12")
    page.get_by_label("Oldest age").fill("16")
    page.get_by_role("button", name="Post the vacancy").click()
    expect(page.get_by_text("Vacancy posted.")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Brighton and Hove")
    assert_accessible(page, "your vacancies")
    page.get_by_role("button", name="Confirm still open").click()
    expect(page.get_by_text("Vacancy confirmed")).to_be_visible()


def test_commissioner_sees_matching_vacancies_while_writing_and_on_the_call_off(
        live_server, page):
    commissioner = f.CommissionerFactory()
    referral = cf.ReferralFactory(authority=commissioner.organisation,
                                  placement_start=timezone.localdate()
                                  + datetime.timedelta(days=20))
    referral.needs.set(Need.objects.filter(code="semh"))
    far = vacancy(f.AdmittedMembershipFactory(lot=f.lot("residential"),
                                              provider__name="Weald House Ltd"),
                  area="E10000016", ages=(10, 17))
    near = vacancy(f.AdmittedMembershipFactory(lot=f.lot("residential"),
                                               provider__name="Harbour Lights Care Ltd"),
                   area="E10000032", ages=(10, 17), confirmed_days_ago=3)

    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    sign_in(page, commissioner)
    panel = page.locator("#matching-vacancies")
    expect(panel).to_contain_text("Vacancies that match")
    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Harbour Lights Care Ltd")
    expect(rows.first).to_contain_text("In area")
    expect(rows.first).to_contain_text("3 days ago")
    expect(rows.nth(1)).to_contain_text("Weald House Ltd")
    assert_accessible(page, "draft referral with matching vacancies")

    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.PUBLISHED)
    calloff = cf.OpenCallOffFactory(referral=referral, authority=referral.authority,
                                    lot=referral.lot)
    cf.invite(calloff, near.provider.memberships.get())
    cf.invite(calloff, far.provider.memberships.get())
    page.goto(f"{live_server.url}/call-offs/{calloff.pk}/")
    expect(page.locator("#matching-vacancies")).to_contain_text(
        "Invited, has a matching vacancy")
    assert_accessible(page, "call-off with matching vacancies marked")
