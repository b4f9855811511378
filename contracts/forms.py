"""Placement page forms: shape only. The rules (the 12-month rule, backdating, the price cap,
support and review dates, endings) are the services'; their errors come back through
`add_domain_error`."""

from django import forms

from contracts.models import EndReason, Placement
from dps.forms import DatePartsField, GovukForm, MoneyField
from referrals.forms import ServiceForm


def _text(label, required_message, *, hint="", required=True):
    return forms.CharField(label=label, help_text=hint, required=required, widget=forms.Textarea,
                           error_messages={"required": required_message})


def _price(label, hint=""):
    return MoneyField(label=label, help_text=hint, min_value=0,
                      error_messages={"required": "Enter the new price",
                                      "invalid": "Enter the new price in pounds, like 5250.00",
                                      "min_value": "The new price must be more than £0",
                                      "max_digits": "Enter a smaller price",
                                      "max_decimal_places": "Enter the price in pounds and pence",
                                      "max_whole_digits": "Enter a smaller price"})


class PlacementFilterForm(GovukForm):
    """The list's filters, from the query string. Choices are filled by the view."""

    lot = forms.ChoiceField(label="Lot", required=False)
    provider = forms.ChoiceField(label="Provider", required=False)
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("", "Any status"), *Placement.Status.choices])
    route = forms.ChoiceField(label="Route", required=False,
                              choices=[("", "Any route"), *Placement.Route.choices])
    review_due = forms.ChoiceField(label="Review", required=False, choices=[
        ("", "Any"), ("true", "Due soon or overdue"), ("false", "Not due soon")])

    def __init__(self, *args, lots, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [("", "Any lot"), *lots]
        self.fields["provider"].choices = [("", "Any provider"), *providers]


class FeeChangeForm(ServiceForm):
    """A fee change: recorded by a commissioner (with the cap acknowledgement when the service
    asks for it) or requested by the provider."""

    new_price = _price("New price")
    effective_from = DatePartsField(label="Takes effect from", subject="the new price takes effect",
                                    help_text="For example, 1 9 2026.")
    reason = _text("Reason for the change", "Say why the fee changes")
    backdating_reason = _text(
        "Backdating reason (if it takes effect in the past)", "", required=False,
        hint="Needed when the change takes effect more than the allowed number of days ago.")
    acknowledge_cap_warning = forms.BooleanField(
        label="I accept the new price is above the provider's price cap", required=False)

    def __init__(self, *args, unit="", cap_field=False, **kwargs):
        kwargs.setdefault("prefix", "fee")
        super().__init__(*args, **kwargs)
        self.fields["new_price"].help_text = f"In pounds {unit}".strip()
        # The acknowledgement shows once the service has said the price is above the cap.
        self.show_cap_warning = bool(self.data.get(self.add_prefix("acknowledge_cap_warning")))
        if not cap_field:
            del self.fields["acknowledge_cap_warning"]

    def add_domain_error(self, exc):
        if exc.code == "above_price_cap_unacknowledged" and \
                "acknowledge_cap_warning" in self.fields:
            self.show_cap_warning = True
            self.add_error("acknowledge_cap_warning", exc.detail)
            return
        super().add_domain_error(exc)


class ApproveFeeChangeForm(ServiceForm):
    acknowledge_cap_warning = forms.BooleanField(
        label="I accept the new price is above the provider's price cap", required=False)

    def __init__(self, *args, change, **kwargs):
        kwargs.setdefault("prefix", f"approve-{change.pk}")
        super().__init__(*args, **kwargs)
        self.change = change
        self.show_cap_warning = bool(self.data.get(self.add_prefix("acknowledge_cap_warning")))

    def add_domain_error(self, exc):
        if exc.code == "above_price_cap_unacknowledged":
            self.show_cap_warning = True
            self.add_error("acknowledge_cap_warning", exc.detail)
            return
        super().add_domain_error(exc)


class DeclineFeeChangeForm(ServiceForm):
    reason = _text("Why are you declining it?", "Say why the fee change is declined",
                   hint="The provider is told.")

    def __init__(self, *args, change, **kwargs):
        kwargs.setdefault("prefix", f"decline-{change.pk}")
        super().__init__(*args, **kwargs)
        self.change = change


class SupportItemForm(ServiceForm):
    field_sentences = True

    description = _text("Description of the support", "Describe the support")
    weekly_cost = MoneyField(label="Weekly cost", min_value=0, error_messages={
        "required": "Enter the weekly cost", "invalid": "Enter the weekly cost in pounds, "
                                                        "like 350.00",
        "min_value": "The weekly cost must be more than £0",
        "max_decimal_places": "Enter the weekly cost in pounds and pence"})
    start_date = DatePartsField(label="Start date", subject="the support starts")
    review_date = DatePartsField(label="Review date", subject="the support is reviewed",
                                 help_text="Between the start and end dates.")
    end_date = DatePartsField(label="End date", subject="the support ends")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "support")
        super().__init__(*args, **kwargs)


class ReviewForm(ServiceForm):
    done_date = DatePartsField(label="Date the review was held", subject="the review was held")
    notes = _text("Notes (optional)", "", required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "review")
        super().__init__(*args, **kwargs)


class EndForm(ServiceForm):
    end_date = DatePartsField(label="End date", subject="the placement ends",
                              help_text="A date after today ends the placement on that day.")
    reason = forms.ChoiceField(label="Why is the placement ending?", widget=forms.RadioSelect,
                               choices=EndReason.choices,
                               error_messages={"required": "Choose why the placement is ending",
                                               "invalid_choice": "Choose why the placement is "
                                                                 "ending"})
    notes = _text("Notes (optional)", "", required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "end")
        super().__init__(*args, **kwargs)
