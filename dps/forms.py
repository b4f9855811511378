"""Forms shared by every page: GOV.UK error handling, date parts, money, and the sign-in form.

Pages render fields with the partials in templates/govuk/. Forms validate shape only; the rules
live in the services, and `add_domain_error` puts a service's DomainError back on the form.
"""

import datetime
import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.functional import lazy

from dps.input_guard import DATE_WINDOW

TIME_PATTERN = re.compile(r"^(\d{1,2})[:.](\d{2})$")


class GovukFormMixin:
    """Plain ids (GOV.UK convention), an error summary in page order, and DomainError mapping."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def anchor_for(self, name):
        """The id of the first input of a field: where its error summary link goes."""
        bound = self[name]
        if isinstance(bound, DatePartsBoundField):
            return bound.parts[0]["id"]
        return bound.auto_id

    def error_summary(self):
        """[{"text", "href"}] for the error summary: non-field errors first, then page order."""
        items = [{"text": message, "href": self.non_field_anchor}
                 for message in self.non_field_errors()]
        for name in self.fields:
            for message in self.errors.get(name, ()):
                items.append({"text": message, "href": f"#{self.anchor_for(name)}"})
        return items

    # Where a non-field error links to (None: plain text in the summary).
    non_field_anchor = None

    def field_for_error(self, key):
        """Map a DomainError.fields key ("lots.0.price_cap") to a form field name, or None."""
        return key if key in self.fields else None

    def add_domain_error(self, exc):
        """Show a service's DomainError: each field message inline, the rest in the summary."""
        placed = False
        for key, messages in exc.fields.items():
            name = self.field_for_error(key)
            for message in messages:
                if name in self.fields:
                    self.add_error(name, message)
                    placed = True
                else:
                    self.add_error(None, message)
        if not placed and not exc.fields:
            self.add_error(None, exc.detail)


class GovukForm(GovukFormMixin, forms.Form):
    pass


class MoneyField(forms.DecimalField):
    """Pounds and pence, forgiving of "£" and thousands separators ("£1,100.50")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("£", "").replace(",", "").strip()
        return super().to_python(value)


class DatePartsWidget(forms.MultiWidget):
    """Day, month, year (and optionally a time) as separate text inputs: the GOV.UK date input."""

    def __init__(self, with_time=False, attrs=None):
        widgets = {"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput}
        if with_time:
            widgets["time"] = forms.TextInput
        self.with_time = with_time
        super().__init__(widgets, attrs)

    @property
    def part_keys(self):
        return [name.lstrip("_") for name in self.widgets_names]

    def decompress(self, value):
        if not value:
            return [None] * len(self.widgets)
        if isinstance(value, datetime.datetime):
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            return [local.day, local.month, local.year, f"{local:%H:%M}"]
        return [value.day, value.month, value.year]


PART_LABELS = {"day": ("Day", "govuk-input--width-2"), "month": ("Month", "govuk-input--width-2"),
               "year": ("Year", "govuk-input--width-4"), "time": ("Time", "govuk-input--width-5")}


class DatePartsBoundField(BoundField):
    @property
    def parts(self):
        """Each input of the date: name, id, label, value and width class, for the template."""
        value = self.value()
        if not isinstance(value, (list, tuple)):
            value = self.field.widget.decompress(value)
        parts = []
        for key, part_value in zip(self.field.widget.part_keys, value, strict=True):
            label, width = PART_LABELS[key]
            parts.append({"key": key, "name": f"{self.html_name}_{key}",
                          "id": f"{self.auto_id}-{key}", "label": label, "width": width,
                          "value": "" if part_value is None else part_value})
        return parts


def example_day(days, then=""):
    """A date field's hint, "For example, 3 1 2027", `days` from today when the form is shown
    (lazy: a form class is built once, at import, and a fixed example soon lies in the past)."""

    def text():
        day = timezone.localdate() + datetime.timedelta(days=days)
        return f"For example, {day.day} {day.month} {day.year}{then}"

    return lazy(text, str)()


class DatePartsField(forms.MultiValueField):
    """A date from GOV.UK day/month/year inputs; with `with_time`, an aware datetime (UK time).

    `subject` completes the messages: "Enter the date {subject}", "The date {subject} must be a
    real date".
    """

    bound_field_class = DatePartsBoundField

    def __init__(self, *, subject, with_time=False, **kwargs):
        self.subject = subject
        self.with_time = with_time
        count = 4 if with_time else 3
        kwargs.setdefault("require_all_fields", False)
        super().__init__(fields=[forms.CharField(required=False) for _ in range(count)],
                         widget=DatePartsWidget(with_time=with_time), **kwargs)

    def clean(self, value):
        parts = [str(part or "").strip() for part in (value or [])]
        parts += [""] * (len(self.fields) - len(parts))
        what = "date and time" if self.with_time else "date"
        if not any(parts):
            if self.required:
                raise ValidationError(f"Enter the {what} {self.subject}", code="required")
            return None
        day, month, year = parts[:3]
        if not (day and month and year):
            missing = [name for name, part in zip(("day", "month", "year"), parts[:3],
                                                  strict=True) if not part]
            raise ValidationError(
                f"The date {self.subject} must include a {' and '.join(missing)}",
                code="incomplete")
        try:
            day_value = datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # a year of 10**30 overflows, not a ValueError
            raise ValidationError(f"The date {self.subject} must be a real date",
                                  code="invalid") from None
        if len(year) != 4:
            raise ValidationError(f"The year {self.subject} must include 4 numbers",
                                  code="invalid")
        first, last = DATE_WINDOW
        if not first <= day_value <= last:
            raise ValidationError(
                f"The date {self.subject} must be between {first.day} {first:%B %Y} and "
                f"{last.day} {last:%B %Y}", code="date_out_of_range")
        if not self.with_time:
            return day_value
        match = TIME_PATTERN.match(parts[3])
        if not match or int(match[1]) > 23 or int(match[2]) > 59:
            raise ValidationError(
                f"Enter the time {self.subject} in 24-hour format, like 09:00 or 17:30",
                code="invalid_time")
        naive = datetime.datetime.combine(day_value, datetime.time(int(match[1]), int(match[2])))
        return timezone.make_aware(naive)


class SignInForm(GovukFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is inactive.",
    }
    non_field_anchor = "#username"

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


# --- Front doors (issue 8) ------------------------------------------------------------------

class InviteColleagueForm(GovukForm):
    """A provider administrator invites a colleague: they choose their own password."""

    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(
        label="Email address", max_length=254,
        help_text="We send the link to choose a password here.",
        error_messages={"required": "Enter an email address",
                        "invalid": "Enter an email address in the correct format, like "
                                   "name@example.com"})
    username = forms.CharField(
        label="Username", max_length=150, help_text="They sign in with this.",
        error_messages={"required": "Enter a username"})


class ChoosePasswordForm(GovukFormMixin, SetPasswordForm):
    """Choose a password from an invitation link (Django's SetPasswordForm, GOV.UK errors)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.label = "New password"
        first.help_text = "At least 10 characters; not a common password or only numbers."
        first.error_messages["required"] = "Enter a password"
        second.label = "Confirm the password"
        second.help_text = ""
        second.error_messages["required"] = "Confirm the password"


class AreaField(forms.ChoiceField):
    """A local authority area in England chosen from the vendored ONS list (dps/areas.py)."""

    def __init__(self, **kwargs):
        from dps import areas

        kwargs.setdefault("choices", areas.choices(blank="Choose an area"))
        super().__init__(**kwargs)

    def to_python(self, value):
        from dps import areas

        area = areas.find(value)
        return area.name if area else super().to_python(value)
