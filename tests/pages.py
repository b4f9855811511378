"""Reading server-rendered GOV.UK pages in tests: text, error summaries, banners."""

import html as htmllib
import re


def text(response):
    html = response.content.decode()
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def error_summary(response):
    html = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert match, "no error summary on the page"
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))))


def banner(response):
    html = response.content.decode()
    match = re.search(r'govuk-notification-banner--success.*?</div>\s*</div>', html, re.S)
    assert match, "no success banner on the page"
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))))
