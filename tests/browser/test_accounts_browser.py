"""The signed-out doors in a real browser (finding 12): a person who forgot their password
follows "Forgotten your password?", gets the e-mail, chooses a new password and signs in with
it; a provider registers its organisation from the sign-in page. Every page passes axe."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from dps.models import User
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NEW_PASSWORD = "amber-kestrel-meadow-81"


def test_a_person_resets_a_forgotten_password(live_server, page):
    user = f.ProviderUserFactory(email="amina@harbour.example")
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page).to_have_title("Reset your password – Placements DPS")
    assert_accessible(page, "reset: ask")
    page.get_by_label("Email address").fill("amina@harbour.example")
    page.get_by_role("button", name="Send the link").click()
    expect(page).to_have_title("Check your email – Placements DPS")
    assert_accessible(page, "reset: sent")

    (message,) = mail.outbox
    link = re.search(r"http://\S+/reset-password/\S+", message.body)[0]
    page.goto(link)
    expect(page).to_have_title("Choose a new password – Placements DPS")
    assert "/reset-password/" in page.url
    assert "set-password" in page.url
    page.get_by_label("New password").fill("short")
    page.get_by_label("Confirm the password").fill("short")
    page.get_by_role("button", name="Change the password").click()
    expect(page).to_have_title("Error: Choose a new password – Placements DPS")
    assert_accessible(page, "reset: error")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_label("Confirm the password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change the password").click()
    expect(page.locator("main")).to_contain_text(
        "Your password has been changed")
    sign_in(page, user, password=NEW_PASSWORD)
    expect(page).to_have_title(re.compile("Supplier portal|Placements DPS"))
    assert "/portal/" in page.url


def test_a_provider_registers_from_the_sign_in_page(live_server, page):
    page.goto(f"{live_server.url}/sign-in/")
    page.get_by_role("link", name="Register your organisation").click()
    expect(page).to_have_title("Register your organisation – Placements DPS")
    assert_accessible(page, "sign-up")
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_title("Error: Register your organisation – Placements DPS")
    assert_accessible(page, "sign-up: errors")
    page.get_by_label("Organisation name").fill("Sunrise Homes Ltd")
    page.get_by_label("Companies House number").fill("SC123456")
    page.get_by_label("Local authority area of your service").select_option("Brighton and Hove")
    page.get_by_label("Postcode").fill("BN1 1AA")
    page.get_by_label("Email address").fill("bids@sunrise.example")
    page.get_by_label("Username").fill("sunrise")
    page.get_by_label("Password").fill("plum-orchard-lantern-42")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("main")).to_contain_text("Your organisation is registered")
    user = User.objects.get(username="sunrise")
    sign_in(page, user, password="plum-orchard-lantern-42")
    assert "/portal/" in page.url
