"""How people read money, dates and codes: one set of helpers for pages, e-mails, PDFs and the
files people download (the API keeps its own machine formats, API.md).

GOV.UK style: "£5,200.00" (always the thousands separator), "1 April 2027" (no leading zero),
"14:30 on 1 April 2027", and a code's label from its model's choices ("Out of area", never
`out_of_area`).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def money(value, places=2):
    """£5,200.00 (or £500,000 with `places=0`); empty for None. Negative amounts read −£12.50.

    With a true minus sign (U+2212), not a hyphen: it is wider, so it is seen in a column of
    figures, and screen readers say "minus" rather than "dash".
    """
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    # Half up, as finance rounds (dps.money.pennies), not Decimal's default half even.
    amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "\u2212" if amount < 0 else ""
    return f"{sign}£{abs(amount):,.{places}f}"


def whole_money(value):
    """£500,000: for thresholds and limits people read as round figures."""
    return money(value, places=0)


def long_date(value):
    """1 April 2027, for a date or a datetime (in local time); empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def date_time(value):
    """14:30 on 1 April 2027, in local time."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local:%H:%M} on {long_date(local.date())}"


def humanise(code):
    """`out_of_area` → "Out of area": the last resort for a code with no choices to name it."""
    if code is None:
        return ""
    text = str(code).replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


def label(choices, value):
    """A code's label from a `TextChoices` class (or a `choices` list of pairs), falling back to
    `humanise`: "dps" → "DPS call-off", "out_of_area" → "Out of area". A dict of code → label
    does too."""
    if value is None or value == "":
        return ""
    pairs = getattr(choices, "choices", choices)
    if isinstance(pairs, dict):
        pairs = pairs.items()
    for code, text in pairs:
        if code == value:
            return str(text)
    return humanise(value)


def field_label(instance_or_model, field_name, value=None):
    """A model field's choice label for `value` (default: the instance's own value)."""
    field = instance_or_model._meta.get_field(field_name)
    if value is None and not isinstance(instance_or_model, type):
        value = getattr(instance_or_model, field.attname)
    return label(field.flatchoices, value)


def person(user):
    """A person by name, or their username when they have none; never "name (username)"."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
