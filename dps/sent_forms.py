"""A form's address, opened again: a page that leads back, not an empty 405.

Actions such as "answer a question" are POST-only; when one fails, the page with the error is
shown at the action's address, so reloading or bookmarking it later sends a GET. Django's
`require_POST` answers that with an empty 405, which a person reads as the site breaking. The
status stays 405 (the address really takes no GET), but the body is a page that names the
nearest page above it.
"""
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import Resolver404, resolve

API_PREFIX = "/api/"


def nearest_page(path):
    """The closest ancestor of `path` that is one of our pages ("/" when none is)."""
    parts = [part for part in path.split("/") if part]
    while parts:
        parts.pop()
        candidate = "/" + "/".join(parts) + ("/" if parts else "")
        try:
            resolve(candidate)
        except Resolver404:
            continue
        return candidate
    return "/"


class SentFormPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (isinstance(response, HttpResponseNotAllowed) and not response.content
                and request.method in ("GET", "HEAD")
                and not request.path.startswith(API_PREFIX)):
            page = render(request, "errors/405.html", {"back": nearest_page(request.path)},
                          status=405)
            page["Allow"] = response["Allow"]
            return page
        return response
