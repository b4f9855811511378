"""Referral page forms: shape only. The rules (hours for hourly lots, a budget with its kind,
identifiers kept out of the text, deadlines, the resource panel) are the services'; their errors
come back through `add_domain_error`."""

from django import forms

from calloffs.quality_forms import CriteriaRows
from dps import formatting
from dps.forms import AreaField, DatePartsField, GovukForm, MoneyField, example_day
from providers.models import PriceUnit
from referrals.models import Alternative, BudgetKind, OutcomeDomain, PanelDecision, Urgency


class ServiceForm(GovukForm):
    """A page form for one service call.

    Services pair a sentence (`detail`) with terse per-field messages meant for machines
    ("Required."). When an error names a single field, the sentence is what a person reads
    beside it; forms whose service writes full per-field sentences set `field_sentences`.
    """

    field_sentences = False

    def add_domain_error(self, exc):
        if not self.field_sentences and len(exc.fields) == 1:
            (key,) = exc.fields
            name = self.field_for_error(key)
            self.add_error(name if name in self.fields else None, exc.detail)
            return
        super().add_domain_error(exc)


class LotForm(GovukForm):
    """Step one of a new referral: the lot decides the price unit and the questions asked."""

    lot = forms.ChoiceField(
        label="Which lot is the placement for?", widget=forms.RadioSelect,
        error_messages={"required": "Choose the lot the placement is for",
                        "invalid_choice": "Choose the lot the placement is for"},
    )

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.lots = list(lots)
        self.fields["lot"].choices = [(lot.code, lot.name) for lot in self.lots]


def _required(message):
    return {"required": message}


class ReferralForm(ServiceForm):
    field_sentences = True  # create_referral's per-field messages are sentences

    first_name = forms.CharField(label="First name", max_length=100,
                                 error_messages=_required("Enter the child's first name"))
    last_name = forms.CharField(label="Last name", max_length=100,
                                error_messages=_required("Enter the child's last name"))
    date_of_birth = DatePartsField(label="Date of birth", subject="of birth",
                                   help_text="For example, 27 3 2012")
    case_reference = forms.CharField(
        label="Case reference", max_length=50,
        help_text="The child's reference in your case management system.",
        error_messages=_required("Enter the child's case reference"))
    postcode = forms.CharField(label="Home postcode (optional)", max_length=10, required=False)
    needs = forms.MultipleChoiceField(
        label="What does the child need?", required=False,
        help_text="Select all that apply.",
        error_messages={"invalid_choice": "Choose needs from the list"})
    outcomes = forms.MultipleChoiceField(
        label="Which outcomes should the placement work towards?", required=False,
        choices=OutcomeDomain.choices, help_text="Select all that apply.",
        error_messages={"invalid_choice": "Choose outcomes from the list"})
    summary = forms.CharField(
        label="Summary for providers", widget=forms.Textarea,
        help_text="Providers read this. Describe the child's needs and what the placement must "
                  "offer without identifying them: no name, date of birth, case reference or "
                  "postcode.",
        error_messages=_required("Enter a summary for providers"))
    placement_start = DatePartsField(label="When should the placement start?",
                                     subject="the placement starts",
                                     help_text=example_day(28))
    duration_weeks = forms.IntegerField(
        label="How many weeks is the placement for?", min_value=1, max_value=520,
        error_messages={"required": "Enter how many weeks the placement is for",
                        "invalid": "Enter the number of weeks as a whole number, like 52",
                        "min_value": "The placement must be for at least 1 week",
                        "max_value": "The placement can be for at most 520 weeks"})
    hours_per_week = forms.DecimalField(
        label="How many hours a week?", required=False, min_value=0, max_value=168,
        max_digits=5, decimal_places=2,
        error_messages={"invalid": "Enter the hours a week as a number, like 15 or 7.5",
                        "min_value": "The hours a week cannot be negative",
                        "max_value": "A week has at most 168 hours",
                        "max_decimal_places": "Enter the hours a week to at most 2 decimal "
                                              "places"})
    location_area = AreaField(
        label="Where should the placement be?",
        help_text="The local authority area, for example West Sussex. Providers see it.",
        error_messages={"required": "Choose the area the placement should be in",
                        "invalid_choice": "Choose the area from the list"})
    urgency = forms.ChoiceField(label="How urgent is it?", choices=Urgency.choices,
                                widget=forms.RadioSelect, initial=Urgency.ROUTINE,
                                error_messages=_required("Choose how urgent the placement is"))
    budget_kind = forms.ChoiceField(label="Kind of budget (optional)", required=False,
                                    choices=BudgetKind.choices, widget=forms.RadioSelect)
    budget_amount = MoneyField(
        label="Budget (optional)", required=False, min_value=0,
        help_text="Offers above it are flagged to you, not hidden. Providers never see it.",
        error_messages={"invalid": "Enter the budget as an amount in pounds, like 4500 or "
                                   "4500.50",
                        "min_value": "The budget cannot be negative",
                        "max_decimal_places": "Enter the budget in pounds and pence, like "
                                              "4500.50"})
    alternatives_considered = forms.MultipleChoiceField(
        label="What alternatives have you already considered?", required=False,
        choices=Alternative.choices,
        help_text="Select all that apply. If you considered none, say why in the notes.",
        error_messages={"invalid_choice": "Choose alternatives from the list"})
    alternatives_notes = forms.CharField(label="Notes on the alternatives", required=False,
                                         widget=forms.Textarea)
    panel_date = DatePartsField(label="Date of the resource panel", required=False,
                                subject="of the resource panel",
                                help_text=example_day(14))
    panel_decision = forms.ChoiceField(label="Panel decision", required=False,
                                       choices=PanelDecision.choices, widget=forms.RadioSelect)
    panel_notes = forms.CharField(label="Panel notes (optional)", required=False,
                                  widget=forms.Textarea)

    def __init__(self, *args, lot, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.lot = lot
        self.fields["needs"].choices = [(need.code, need.name) for need in needs]
        if lot.price_unit != PriceUnit.HOUR:
            del self.fields["hours_per_week"]
        else:
            self.fields["hours_per_week"].required = True
            self.fields["hours_per_week"].error_messages["required"] = \
                "Enter how many hours a week the placement is for"

    @property
    def unit_label(self):
        return self.lot.get_price_unit_display()

    @classmethod
    def initial_from(cls, referral):
        child = referral.child
        initial = {name: getattr(referral, name) for name in (
            "summary", "placement_start", "duration_weeks", "hours_per_week", "location_area",
            "urgency", "budget_kind", "budget_amount", "outcomes", "alternatives_considered",
            "alternatives_notes", "panel_date", "panel_decision", "panel_notes")}
        initial.update({name: getattr(child, name) for name in (
            "first_name", "last_name", "date_of_birth", "case_reference", "postcode")})
        initial["needs"] = [need.code for need in referral.needs.all()]
        return initial

    def clean(self):
        cleaned = super().clean()
        if "alternatives_considered" not in self.errors and not cleaned.get(
                "alternatives_considered") and not cleaned.get("alternatives_notes", "").strip():
            self.add_error("alternatives_considered",
                           "Select the alternatives you have considered, or say in the notes "
                           "why there were none")
        if cleaned.get("panel_decision") and not cleaned.get("panel_date") and \
                "panel_date" not in self.errors:
            self.add_error("panel_date", "Enter the date of the resource panel")
        return cleaned

    def service_kwargs(self):
        """The keyword arguments of create_referral and update_referral, less `by` and `lot`."""
        data = self.cleaned_data
        return {
            "child": {name: data[name] for name in (
                "first_name", "last_name", "date_of_birth", "case_reference", "postcode")},
            "needs": data["needs"], "outcomes": data["outcomes"], "summary": data["summary"],
            "placement_start": data["placement_start"],
            "duration_weeks": data["duration_weeks"],
            "hours_per_week": data.get("hours_per_week"),
            "location_area": data["location_area"], "urgency": data["urgency"],
            "budget_kind": data["budget_kind"], "budget_amount": data["budget_amount"],
            "alternatives_considered": data["alternatives_considered"],
            "alternatives_notes": data["alternatives_notes"],
            "panel_date": data["panel_date"], "panel_decision": data["panel_decision"],
            "panel_notes": data["panel_notes"],
        }

    def field_for_error(self, key):
        # The service nests the child's identity: "child.date_of_birth".
        return super().field_for_error(key.removeprefix("child."))


# Referral fields a publication error can name, with the label and the id of the input that
# fixes it on the change page.
REFERRAL_FIELDS = {
    "summary": ("Summary", "summary"),
    "location_area": ("Location", "location_area"),
    "placement_start": ("Placement start", "placement_start-day"),
    "hours_per_week": ("Hours per week", "hours_per_week"),
}


class PublishForm(CriteriaRows, ServiceForm):
    deadline = DatePartsField(
        label="When do responses close?", with_time=True, subject="responses close",
        help_text=example_day(10, " and 12:00. UK time."))
    quality_weight = forms.IntegerField(
        label="Quality", min_value=0, max_value=100, initial=60,
        error_messages={"required": "Enter the quality weighting",
                        "invalid": "Enter the quality weighting as a whole number, like 60",
                        "min_value": "The quality weighting is from 0 to 100",
                        "max_value": "The quality weighting is from 0 to 100"})
    price_weight = forms.IntegerField(
        label="Price", min_value=0, max_value=100, initial=40,
        error_messages={"required": "Enter the price weighting",
                        "invalid": "Enter the price weighting as a whole number, like 40",
                        "min_value": "The price weighting is from 0 to 100",
                        "max_value": "The price weighting is from 0 to 100"})
    short_deadline_reason = forms.CharField(
        label="Reason for a short deadline (if needed)", required=False, widget=forms.Textarea)

    def __init__(self, *args, change_url, dps, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.change_url = change_url
        # The lot's default quality criteria, to adjust before publishing (ADR 0026).
        self.add_criteria_rows(list(criteria))
        days = dps.min_response_days
        self.fields["short_deadline_reason"].help_text = (
            f"Under the {dps.get_regime_display()} providers get at least {days} "
            f"day{'s' if days != 1 else ''} to respond. A shorter deadline needs a reason."
            if days else
            f"Under the {dps.get_regime_display()} there is no minimum response time, but "
            "record why if you give providers less than usual. For example, an emergency "
            "placement.")
        self.referral_problems = []  # errors in the referral itself: fixed on its change page
        self.referral_errors = {}  # the same, by referral field, shown in the summary list

    def clean(self):
        data = super().clean()
        data["criteria"] = self.collect_criteria(data)
        return data

    def add_domain_error(self, exc):
        for key in list(exc.fields):
            if key in self.fields or key not in REFERRAL_FIELDS:
                continue
            label, anchor = REFERRAL_FIELDS[key]
            for message in exc.fields[key]:
                text = f"{label}: {message[:1].lower()}{message[1:]}"
                self.referral_problems.append({"text": text,
                                               "href": f"{self.change_url}#{anchor}"})
                self.referral_errors.setdefault(key, []).append(text)
        if self.referral_problems:
            return
        if exc.code == "panel_approval_required":
            self.referral_problems.append({"text": exc.detail, "href": "#panel_date-day"})
            return
        super().add_domain_error(exc)

    def error_summary(self):
        return self.referral_problems + super().error_summary()


class PanelForm(ServiceForm):
    panel_date = DatePartsField(label="Date of the resource panel",
                                subject="of the resource panel",
                                help_text=example_day(14))
    panel_decision = forms.ChoiceField(
        label="Decision", choices=PanelDecision.choices, widget=forms.RadioSelect,
        error_messages=_required("Choose the panel's decision"))
    panel_notes = forms.CharField(label="Notes (optional)", required=False,
                                  widget=forms.Textarea)


class DirectAwardForm(ServiceForm):
    """The user-choice route (calloffs.direct_award): the provider the child or family chose."""

    provider = forms.TypedChoiceField(
        label="Provider chosen", coerce=int,
        error_messages=_required("Choose the provider the child or family chose"))
    price = MoneyField(label="Price", error_messages=_required("Enter the agreed price"))
    choice_by = forms.ChoiceField(
        label="Whose choice decided?", widget=forms.RadioSelect,
        choices=[("child", "The child"), ("family", "The child's family"),
                 ("person", "The person")],
        error_messages=_required("Choose whose choice decided"))
    reason = forms.CharField(
        label="Why the choice decides the award", widget=forms.Textarea,
        help_text="Recorded for the budget holder and the audit trail; providers do not see it.",
        error_messages=_required("Record why the choice decides the award"))

    def __init__(self, *args, members=(), unit="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "Choose a provider")] + [
            (m.provider_id, f"{m.provider.name} (cap {formatting.money(m.price_cap)} {unit})")
            for m in members]
        self.fields["price"].help_text = f"In the lot's unit ({unit}), within the provider's cap."
