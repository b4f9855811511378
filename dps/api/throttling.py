"""Throttles for the open endpoints (token, registration): keyed on the real client address
(dps.net), and never the reason sign-in fails. Their counters live in the cache, which is Redis
in production; with Redis unreachable a request is let through unthrottled and a warning is
logged (at most once a minute per process), as docs/operations.md promises. Any other cache
error is not hidden."""

import logging
import threading
import time

from rest_framework.throttling import ScopedRateThrottle

from dps.net import client_address

logger = logging.getLogger("dps.throttle")

WARN_EVERY = 60  # seconds between two "cache unreachable" warnings from one process
_last_warning = {"at": None}
_lock = threading.Lock()


def _unreachable_errors():
    """The errors that mean "the cache server cannot be reached", not "the cache is wrong"."""
    errors = [ConnectionError, TimeoutError]
    try:
        import redis.exceptions
    except ImportError:  # pragma: no cover - redis is a dependency
        return tuple(errors)
    return (*errors, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _misconfigured_errors():
    """redis-py counts a refused password as a ConnectionError: that is configuration to fix,
    not an outage to ride out."""
    try:
        import redis.exceptions
    except ImportError:  # pragma: no cover
        return ()
    return (redis.exceptions.AuthenticationError, redis.exceptions.AuthorizationError)


UNREACHABLE = _unreachable_errors()
MISCONFIGURED = _misconfigured_errors()


def _warn(scope, exc):
    now = time.monotonic()
    with _lock:
        last = _last_warning["at"]
        if last is not None and now - last < WARN_EVERY:
            return
        _last_warning["at"] = now
    logger.warning("Throttle %r not applied: its cache is unreachable (%s: %s). Requests pass "
                   "unthrottled until it is back.", scope, type(exc).__name__, exc)


class ScopedThrottle(ScopedRateThrottle):
    def get_ident(self, request):
        return client_address(request)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except UNREACHABLE as exc:
            if isinstance(exc, MISCONFIGURED):
                raise
            _warn(getattr(view, "throttle_scope", None), exc)
            return True


class _PageScope:
    throttle_class_name = "page"

    def __init__(self, scope):
        self.throttle_scope = scope


def page_allows(request, scope):
    """The same throttle for a page's POST as for its API twin: one counter per scope and
    client address, so a page and the API share it; unthrottled (with the warning) when the
    cache is unreachable."""
    return ScopedThrottle().allow_request(request, _PageScope(scope))
