"""Structured logs: one JSON object a line, each carrying the request id that the response
also returns in `X-Request-ID`, so a council's support desk can quote it and operations can
find every line of that request (docs/operations.md)."""

import contextvars
import json
import logging
import re
import uuid
from datetime import UTC, datetime

from django.http import HttpRequest, QueryDict
from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

request_id = contextvars.ContextVar("request_id", default="-")
# An id from the proxy in front is kept if it looks like one; anything else is replaced.
ACCEPTABLE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        value = given if ACCEPTABLE.match(given) else uuid.uuid4().hex
        token = request_id.set(value)
        request.request_id = value
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = value
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record):
        # django.request logs 4xx/5xx after the middleware has returned: its record carries
        # the request itself.
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id.get()),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


# --- Error reports --------------------------------------------------------------------------
# Django e-mails ADMINS a report of every 500: the POST, the query string and (in its HTML
# part) every frame's local variables. A referral's child block, its form fields and a
# case-reference search must not ride along (issue 7: identities never in error reports).

IDENTITY_KEY = re.compile(
    r"(^|[-_.])(child|first_name|last_name|date_of_birth|case_reference|postcode|q)"
    r"($|[-_.])", re.IGNORECASE)
CLEANSED = "********************"


def _identity_key(name):
    return bool(IDENTITY_KEY.search(str(name)))


def _scrub(value, depth=0):
    """`value` with anything under an identity-like key hidden, looking inside dicts, lists and
    query dicts (a form's or serializer's data)."""
    if depth > 6:
        return value
    request = getattr(value, "_request", value)  # DRF's Request wraps Django's
    if isinstance(request, HttpRequest):
        # Its repr carries the query string (a search for a case reference).
        return f"<{type(value).__name__}: {request.method} {request.path!r}>"
    if isinstance(value, QueryDict):
        return {k: CLEANSED if _identity_key(k) else _scrub(v, depth + 1)
                for k, v in value.lists()}
    if isinstance(value, dict):
        return {k: CLEANSED if _identity_key(k) else _scrub(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(_scrub(v, depth + 1) for v in value)
    return value


class IdentitySafeReporterFilter(SafeExceptionReporterFilter):
    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if not params:
            return params
        cleansed = params.copy()
        for key in list(cleansed):
            if _identity_key(key):
                cleansed[key] = CLEANSED
        return cleansed

    def get_safe_request_meta(self, request):
        meta = super().get_safe_request_meta(request)
        for key in ("QUERY_STRING", "REQUEST_URI", "RAW_URI"):
            if meta.get(key):
                meta[key] = CLEANSED
        return meta

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, CLEANSED if _identity_key(name) else _scrub(value))
                for name, value in super().get_traceback_frame_variables(request, tb_frame)]


class IdentitySafeReporter(ExceptionReporter):
    def get_traceback_data(self):
        data = super().get_traceback_data()
        if self.request is not None:
            data["request_GET_items"] = [(k, CLEANSED if _identity_key(k) else v)
                                         for k, v in self.request.GET.items()]
            data["request_insecure_uri"] = self.request.path
        return data
