"""Browser-facing hardening: the Content Security Policy allows no inline script or style, and
nothing we serve needs one; frames are refused. (HSTS and secure cookies with DEBUG off are
checked by tests/dps/test_deploy_check.py running `check --deploy`.)"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Rendered by WeasyPrint into PDFs, never served to a browser: inline style is how they print.
PDF_TEMPLATES = {"contracts/agreement.html"}

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>",
                           re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"|\son[a-z]+=\"", re.IGNORECASE)


def served_templates():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        if name not in PDF_TEMPLATES:
            yield name, path.read_text()


def test_no_template_carries_inline_script_style_or_handlers():
    offenders = [name for name, text in served_templates()
                 if INLINE_SCRIPT.search(text) or INLINE_STYLE.search(text)]
    assert offenders == []


def test_the_sweep_would_catch_an_inline_script():
    assert INLINE_SCRIPT.search('<script>alert(1)</script>')
    assert INLINE_STYLE.search('<p style="color: red">')
    assert not INLINE_SCRIPT.search('<script type="module" src="/static/js/init.js">')


def directives(response):
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/sign-in/", "/api/docs/", "/healthz"])
def test_every_response_carries_a_strict_policy(client, url):
    response = client.get(url)
    policy = directives(response)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/sign-in/", "/api/docs/"])
def test_served_pages_have_no_inline_script_or_style(client, url):
    html = client.get(url).content.decode()
    assert not INLINE_SCRIPT.search(html), html
    assert not re.search(r"<style\b", html, re.IGNORECASE), html


@pytest.mark.django_db
def test_signed_in_pages_have_no_inline_script_or_style(as_user, commissioner):
    client = as_user(commissioner)
    html = client.get("/", follow=True).content.decode()
    assert "Sign out" in html
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html)


@pytest.mark.django_db
def test_the_swagger_page_loads_its_setup_from_a_file(client):
    html = client.get("/api/docs/").content.decode()
    script = re.search(r'<script src="([^"]*\?script[^"]*)"', html)
    assert script, html
    response = client.get(script.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert b"SwaggerUIBundle" in response.content
