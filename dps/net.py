"""The client's address, one rule for every throttle and the sign-in lockout.

Behind reverse proxies, each proxy appends the address it received the request from to
X-Forwarded-For, so with N trusted proxies the client is the N-th address from the right;
anything further left was written by the client and proves nothing. With none trusted (the
default, TRUSTED_PROXY_COUNT from the NUM_PROXIES environment variable) the header is ignored."""

import ipaddress

from django.conf import settings


def _address(text):
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request):
    """`request` is Django's or DRF's (both carry META)."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or ""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if count <= 0 or not forwarded:
        return remote
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return remote
    # Fewer hops than proxies: the left-most is the first our proxies saw (as DRF does).
    chosen = _address(hops[-min(count, len(hops))])
    # A proxy that writes something other than an address is misconfigured: fall back to the
    # connection's address rather than keying on arbitrary text.
    return chosen or remote
