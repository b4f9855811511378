"""Placement page forms: shape only. The rules (the 12-month rule, backdating, the price cap,
support and review dates, endings) are the services'; their errors come back through
`add_domain_error`."""

from decimal import Decimal

from django import forms

from calloffs.forms import PassOnForm
from contracts import rules
from contracts.models import Approval, EndReason, Placement
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
    # A text box, not a list: at regional scale an authority uses over a thousand providers.
    provider = forms.CharField(label="Provider name", required=False, max_length=200)
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("", "Any status"), *Placement.Status.choices])
    route = forms.ChoiceField(label="Route", required=False,
                              choices=[("", "Any route"), *Placement.Route.choices])
    review_due = forms.ChoiceField(label="Review", required=False, choices=[
        ("", "Any"), ("true", "Due soon or overdue"), ("false", "Not due soon")])
    approval = forms.ChoiceField(label="Approval", required=False,
                                 choices=[("", "Any"), *Approval.choices])
    block = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput,
                               error_messages={"invalid": "Choose a block contract from its "
                                                          "page"})

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [("", "Any lot"), *lots]


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
        # Say how far back a change may go without a reason, rather than "the allowed number".
        self.fields["backdating_reason"].help_text = (
            f"Needed when the change takes effect more than {rules.max_backdate_days()} days "
            f"ago.")
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


# --- Block contracts ------------------------------------------------------------------------

def _whole(label, message, *, min_value, hint=""):
    return forms.IntegerField(label=label, help_text=hint, min_value=min_value,
                              error_messages={"required": message, "invalid": message,
                                              "min_value": message})


class CapWarningMixin:
    """The acknowledgement shows once the service has said the price is above the cap."""

    def add_domain_error(self, exc):
        if exc.code == "above_price_cap_unacknowledged":
            self.show_cap_warning = True
            self.add_error("acknowledge_cap_warning", exc.detail)
            return
        super().add_domain_error(exc)


class BlockContractForm(CapWarningMixin, ServiceForm):
    field_sentences = True

    provider = forms.ChoiceField(label="Provider", error_messages={
        "required": "Choose the provider", "invalid_choice": "Choose the provider"})
    lot = forms.ChoiceField(label="Lot", error_messages={
        "required": "Choose the lot", "invalid_choice": "Choose the lot"})
    reference = forms.CharField(label="Reference (optional)", max_length=60, required=False,
                                help_text="Your contract reference, for example WS-BLK-2026-01.")
    beds = _whole("Number of beds", "Enter the number of beds, 1 or more", min_value=1)
    price_per_bed = MoneyField(
        label="Price per bed", min_value=0, help_text="In pounds, in the lot's unit (a week, "
                                                      "an hour or a year).",
        error_messages={"required": "Enter the price per bed",
                        "invalid": "Enter the price per bed in pounds, like 4500.00",
                        "min_value": "The price per bed must be more than £0",
                        "max_decimal_places": "Enter the price in pounds and pence"})
    hours_per_week = forms.DecimalField(
        label="Hours a week (hourly lots only)", required=False, max_digits=5, decimal_places=2,
        min_value=0, max_value=168,
        error_messages={"invalid": "Enter the hours a week as a number, like 15",
                        "min_value": "Enter the hours a week as a number, like 15",
                        "max_value": "There are at most 168 hours in a week"})
    start_date = DatePartsField(label="Start date", subject="the block starts",
                                help_text="For example, 1 4 2026.")
    end_date = DatePartsField(label="End date", subject="the block ends",
                              help_text="For example, 31 3 2027.")
    notes = _text("Notes (optional)", "", required=False)
    acknowledge_cap_warning = forms.BooleanField(
        label="I accept the price per bed is above the provider's price cap", required=False)

    def __init__(self, *args, providers, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Choose a provider"), *providers]
        self.fields["lot"].choices = [("", "Choose a lot"), *lots]
        self.show_cap_warning = bool(self.data.get(self.add_prefix("acknowledge_cap_warning")))


class ChildFieldsMixin:
    """The child's identity, kept on the authority side. All or nothing."""

    CHILD_FIELDS = ("first_name", "last_name", "date_of_birth", "case_reference")

    def child_fields(self):
        return {
            "first_name": forms.CharField(label="First name", max_length=100, required=False),
            "last_name": forms.CharField(label="Last name", max_length=100, required=False),
            "date_of_birth": DatePartsField(label="Date of birth", subject="of birth",
                                            required=False,
                                            help_text="For example, 27 3 2012."),
            "case_reference": forms.CharField(
                label="Case reference", max_length=50, required=False,
                help_text="The child's reference in your case management system."),
            "postcode": forms.CharField(label="Home postcode (optional)", max_length=10,
                                        required=False),
        }

    def clean_child(self, data, required):
        given = [name for name in self.CHILD_FIELDS if data.get(name)]
        if not given and not required:
            return None
        missing = {"first_name": "Enter the child's first name",
                   "last_name": "Enter the child's last name",
                   "date_of_birth": "Enter the date of birth",
                   "case_reference": "Enter the child's case reference"}
        for name in self.CHILD_FIELDS:
            if not data.get(name) and name not in self.errors:
                self.add_error(name, missing[name])
        if self.errors:
            return None
        return {name: data[name] for name in (*self.CHILD_FIELDS, "postcode")}


class BlockPlacementForm(ChildFieldsMixin, ServiceForm):
    start_date = DatePartsField(label="Start date", subject="the placement starts",
                                help_text="Within the block's dates.")
    planned_end_date = DatePartsField(
        label="Planned end date (optional)", subject="the placement is planned to end",
        required=False, help_text="Leave blank to run to the end of the block.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(self.child_fields())
        self.order_fields([*self.child_fields(), "start_date", "planned_end_date"])

    def clean(self):
        data = super().clean()
        data["child"] = self.clean_child(data, required=True)
        return data


class OccupancyForm(GovukForm):
    """The period the block's occupancy is shown for (from the query string)."""

    date_from = DatePartsField(label="From", subject="the period starts")
    date_to = DatePartsField(label="To", subject="the period ends")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end of the period must be on or after its start")
        return data


# --- Volume discounts -----------------------------------------------------------------------

class VolumeDiscountForm(ServiceForm):
    field_sentences = True

    provider = forms.ChoiceField(label="Provider", error_messages={
        "required": "Choose the provider", "invalid_choice": "Choose the provider"})
    lot = forms.ChoiceField(label="Lot", error_messages={
        "required": "Choose the lot", "invalid_choice": "Choose the lot"})
    min_concurrent = _whole(
        "From this many live placements", "Enter a number of placements, 2 or more",
        min_value=2, hint="The provider's live placements on the lot, the new one included.")
    percent = forms.DecimalField(
        label="Discount", max_digits=5, decimal_places=2, min_value=Decimal("0.01"),
        max_value=Decimal("99.99"), help_text="A percentage, for example 5.",
        error_messages={"required": "Enter the discount as a percentage",
                        "invalid": "Enter the discount as a percentage, like 5",
                        "min_value": "The discount must be more than 0%%",
                        "max_value": "The discount must be less than 100%%",
                        "max_decimal_places": "Enter the discount to at most 2 decimal places"})

    def __init__(self, *args, providers, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Choose a provider"), *providers]
        self.fields["lot"].choices = [("", "Choose a lot"), *lots]


# --- Spot placements and support reviews ----------------------------------------------------

class SpotPlacementForm(ChildFieldsMixin, ServiceForm):
    field_sentences = True

    provider_name = forms.CharField(label="Provider's name", max_length=200,
                                    error_messages={"required": "Enter the provider's name"})
    lot = forms.ChoiceField(label="Lot", error_messages={
        "required": "Choose the lot", "invalid_choice": "Choose the lot"})
    price = MoneyField(label="Price", min_value=Decimal("0.01"),
                       help_text="In pounds, in the lot's unit (a week, an hour or a year).",
                       error_messages={"required": "Enter the price",
                                       "invalid": "Enter the price in pounds, like 6250.00",
                                       "min_value": "The price must be more than £0",
                                       "max_decimal_places": "Enter the price in pounds and "
                                                             "pence"})
    hours_per_week = BlockContractForm.base_fields["hours_per_week"]
    start_date = DatePartsField(label="Start date", subject="the placement starts")
    planned_end_date = DatePartsField(label="Planned end date (optional)",
                                      subject="the placement is planned to end", required=False)
    exception_reason = _text(
        "Why is this placement bought off-contract?",
        "Say why this placement is bought off-contract",
        hint="For example, no provider on the DPS could offer a bed in time. Spot purchases "
             "are reported as off-contract spend.")

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [("", "Choose a lot"), *lots]
        self.fields.update(self.child_fields())

    def clean(self):
        data = super().clean()
        data["child"] = self.clean_child(data, required=False)
        return data


class SupportReviewForm(ServiceForm):
    reviewed_on = DatePartsField(label="Date the support was reviewed",
                                 subject="the support was reviewed")
    next_review_date = DatePartsField(
        label="Next review date (optional)", subject="of the next review", required=False,
        help_text="Leave blank if the support needs no further review before it ends.")
    notes = _text("Notes (optional)", "", required=False)


class PurchasePassOnForm(PassOnForm):
    """Pass a spot placement or block purchase above one's limit on, as an award (its form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].help_text = "They receive it by e-mail with a link to the purchase."

