"""What every browser test does: sign in through the form, fill GOV.UK date inputs, and run
axe on the page (no violation of any impact)."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

PASSWORD = "correct-horse-battery"


def assert_accessible(page, name):
    """No axe violation of any impact, moderate and minor included."""
    results = Axe().run(page)
    bad = results.response["violations"]
    assert not bad, f"{name}: axe found problems:\n" + results.generate_report()


def sign_in(page, user, password=PASSWORD):
    expect(page).to_have_title("Sign in – Placements DPS")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def fill_date(scope, group, day, time=None, exact=False):
    fieldset = scope.get_by_role("group", name=group, exact=exact)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))
    if time:
        fieldset.get_by_label("Time").fill(time)
