"""The GOV.UK confirmation step before an action that cannot be undone (finding 6): closing a
call-off now, withdrawing a referral, ending a placement, buying a block, approving an award.

A check page shows what is about to happen (the answers given, when a form came first) and
POSTs them, unchanged, to the action's own URL: the action's page view, its API twin and
service are not changed by the step, and nothing needs JavaScript. The check page itself only
validates the form's shape; the service's rules still decide on the real POST."""

import datetime
from decimal import Decimal

from django import forms
from django.shortcuts import render

from dps import formatting

NOT_CARRIED = {"csrfmiddlewaretoken"}


def carried(post):
    """The posted answers, as (name, value) pairs, for hidden inputs on the check page."""
    return [(name, value) for name in post if name not in NOT_CARRIED
            for value in post.getlist(name)]


def _shown(field, value):
    if value in (None, "", [], ()):
        return None
    if isinstance(field, forms.BooleanField):
        return "Yes" if value else None
    if isinstance(field, forms.ChoiceField):
        labels = {str(key): label for key, label in field.choices}
        return labels.get(str(value), value)
    if isinstance(value, datetime.datetime):
        return f"{value:%-d %B %Y, %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%-d %B %Y}"
    if isinstance(value, Decimal) and field.__class__.__name__ == "MoneyField":
        return formatting.money(value)
    return value


def answers(form, skip=()):
    """[(label, text)] of a valid form's answers, in form order, empty ones left out."""
    rows = []
    for name, field in form.fields.items():
        if name in skip:
            continue
        text = _shown(field, form.cleaned_data.get(name))
        if text is not None:
            rows.append((str(field.label).removesuffix(" (optional)"), text))
    return rows


def check_page(request, *, title, action, button, rows=(), caption="", lede="",
               warning="", back_url, back_text="Cancel", post=None, warning_button=True,
               change_action=None):
    """Render the check page: `rows` summarise, `action` is the real POST's URL and `post`
    (a QueryDict, by default none) the answers to carry there. With `change_action`, a
    "Change your answers" button posts them back there with `change` set (the form, filled)."""
    return render(request, "confirm.html", {
        "title": title, "caption": caption, "lede": lede, "rows": rows, "warning": warning,
        "action": action, "button": button, "warning_button": warning_button,
        "hidden": carried(post) if post is not None else [],
        "back_url": back_url, "back_text": back_text, "change_action": change_action,
    })


def wants_change(request):
    """The check page's "Change your answers" button: show the form again, filled in."""
    return "change" in request.POST
