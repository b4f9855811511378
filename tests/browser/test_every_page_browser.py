"""Every page a person can reach by following links, for each role, in a real browser: it fits
a 320 px wide screen without sideways scrolling (a wide table scrolls inside its own box, not
the page) and axe finds no violation of any impact.

The pages are found by crawling from each role's front door (same-site links only; never a
download, an export, the API, the admin or signing out), so a new page is covered as soon as
something links to it. The world comes from the front doors' test: something in every section.
"""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible
from tests.browser.test_front_doors_browser import PASSWORD, _world

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SKIP = re.compile(r"(/api/|/admin/|/sign-out|download|\.pdf$|\.csv$|\.xlsx$|format=|"
                  r"/static/|mailto:|/two-factor/)")
LIMIT = 60  # pages per role: enough for every kind of page, bounded for time
WIDTH = 320


def _links(page, base):
    hrefs = page.eval_on_selector_all("main a[href], header a[href]",
                                      "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        url = urljoin(base, href.split("#")[0])
        if urlsplit(url).netloc == urlsplit(base).netloc and not SKIP.search(url):
            out.append(url)
    return out


def _kind(url):
    """One visit per kind of page: /placements/12/ and /placements/13/ are the same page."""
    parts = urlsplit(url)
    return re.sub(r"/\d+(?=/|$)", "/N", parts.path) + ("?" if parts.query else "")


def crawl(page, start):
    seen, queue, visited = set(), [start], []
    while queue and len(visited) < LIMIT:
        url = queue.pop(0)
        if _kind(url) in seen:
            continue
        seen.add(_kind(url))
        response = page.goto(url)
        if response is None or response.status >= 400:
            continue
        visited.append(url)
        yield url
        queue.extend(_links(page, url))
    assert visited, "the crawl reached no page"


@pytest.mark.parametrize("role", ["commissioner", "provider", "budget_holder", "finance"])
def test_every_page_fits_a_small_screen_and_passes_axe(live_server, browser, role):
    people = _world()
    context = browser.new_context(viewport={"width": WIDTH, "height": 800})
    page = context.new_page()
    problems, visited = [], []
    try:
        page.goto(f"{live_server.url}/")
        page.get_by_label("Username").fill(people[role].username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("h1")).to_be_visible()
        for url in crawl(page, page.url):
            visited.append(url)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                # The innermost elements that stick out: what to fix.
                wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                                 && ![...e.children].some(c =>
                                      c.getBoundingClientRect().right > window.innerWidth + 1))
                    .slice(0, 4).map(e => e.tagName + '.' + e.className + ' "'
                                          + (e.textContent || '').trim().slice(0, 40) + '"')""")
                problems.append(f"{url}: {width} px wide ({', '.join(wide)})")
            try:
                assert_accessible(page, url)
            except AssertionError as exc:
                problems.append(str(exc)[:1500])
    finally:
        context.close()
    assert len(visited) >= 5, visited
    assert problems == [], f"{role}: {len(problems)} of {len(visited)} pages:\n" + \
        "\n".join(problems)
