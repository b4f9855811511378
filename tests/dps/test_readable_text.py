"""Issue 16, finding 8: no page a person reaches shows an internal id or code where words
belong. Each role's pages are crawled (same-site links from the front door, one visit per kind
of page) and their visible text searched for raw ISO dates, pounds without a thousands
separator, "Opportunity 4", "name (name)" and snake_case codes. The e-mail templates are
checked for money written without the shared `money` filter."""

import html as htmllib
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.test_front_doors_browser import _world

pytestmark = pytest.mark.django_db

PATTERNS = {
    "ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "pounds without a thousands separator": re.compile(r"£\d{4,}"),
    "an id for a name": re.compile(r"\b(?:Opportunity|Export) \d+\b"),
    "a name twice": re.compile(r"\b([\w.@+-]{3,}) \(\1\)"),
    "a snake_case code": re.compile(r"\b[a-z]+_[a-z]+(?:_[a-z]+)*\b"),
    # An address for programs, not people: a page names the API in words (issue 16).
    "an API path": re.compile(r"/api/v\d"),
    "a leading zero in a date": re.compile(r"\b0\d (?:January|February|March|April|May|June|"
                                           r"July|August|September|October|November|December)"),
}
SKIP = re.compile(r"(/api/|/admin/|/sign-out|download|\.pdf$|\.csv$|\.xlsx$|format=|/static/|"
                  r"mailto:|/two-factor/)")
LIMIT = 60
# The columns of the CSV files people upload (API.md binds them): they must be typed as shown.
FILE_COLUMNS = {"support_item", "invoice_reference", "paid_on"}


def _visible(html):
    main = re.search(r"<main.*?</main>", html, re.S)
    body = main.group(0) if main else html
    body = re.sub(r"<(script|style|code|textarea)\b.*?</\1>", " ", body, flags=re.S)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def _kind(url):
    path, _, query = url.partition("?")
    return re.sub(r"/\d+(?=/|$)", "/N", path) + ("?" if query else "")


def _crawl(client, start):
    seen, queue, pages = set(), [start], []
    while queue and len(pages) < LIMIT:
        url = queue.pop(0)
        if _kind(url) in seen or SKIP.search(url):
            continue
        seen.add(_kind(url))
        response = client.get(url, follow=True)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages.append((url, html))
        for href in re.findall(r'<a [^>]*href="(/[^"#]*)', html):
            queue.append(htmllib.unescape(href))
    return pages


@pytest.mark.parametrize("role", ["commissioner", "provider", "budget_holder", "finance"])
def test_no_page_shows_ids_codes_or_machine_dates(client, role):
    people = _world()
    client.force_login(people[role])
    problems = []
    pages = _crawl(client, "/")
    for url, html in pages:
        text = _visible(html)
        for name, pattern in PATTERNS.items():
            for match in pattern.finditer(text):
                if match.group(0) in FILE_COLUMNS:
                    continue
                around = text[max(0, match.start() - 40):match.end() + 20]
                problems.append(f"{url}: {name}: …{around}…")
    assert len(pages) >= 5, [url for url, _ in pages]
    assert problems == []


def test_e_mails_write_money_with_the_shared_filter():
    raw_money = re.compile(r"£\{\{")
    problems = []
    for path in Path(settings.BASE_DIR, "templates").rglob("email/*.txt"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if raw_money.search(line) or "|date:\"d" in line:
                problems.append(f"{path.name}:{number}: {line.strip()}")
    assert problems == []
