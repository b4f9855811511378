"""Figures the reports read from an app above them, registered by that app at start-up.

reports sits below invoicing (invoicing's vouching uses the spend engine), so it never imports
invoicing. invoicing registers, in its AppConfig.ready, the spend bases it computes
(`invoiced`, `paid`) and the s.70 payments list (actual payments), as reports registers a
queue probe with dps.queue_health.
"""

_BASES = {}
_PAYMENTS = []


def register_basis(name, function):
    """`function(date_from=, date_to=, group_by=, authority=, filters=)` → a SpendReport."""
    _BASES[name] = function


def basis(name):
    return _BASES[name]


def bases():
    return ("accrued", *sorted(_BASES))


def register_payments(function):
    """`function(date_from=, date_to=, authority=, filters=)` → the s.70 list."""
    _PAYMENTS[:] = [function]


def published_payments(**kwargs):
    if not _PAYMENTS:
        raise LookupError("No app registered the payments list (is invoicing installed?).")
    return _PAYMENTS[0](**kwargs)


_COMPLIANCE = []


def register_compliance(function):
    """`function(date_from=, date_to=, authority=)` → the s.69 payment compliance figures."""
    _COMPLIANCE[:] = [function]


def payment_compliance(**kwargs):
    """The s.69 figures, or None when no app computes them."""
    return _COMPLIANCE[0](**kwargs) if _COMPLIANCE else None
