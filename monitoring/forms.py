"""Monitoring page forms: shape only. The rules (bands, next-due limits, trigger details, dates,
KPI ranges and required values) are monitoring.services'; their errors come back through
`add_domain_error`."""

from django import forms

from dps.forms import DatePartsField, example_day
from monitoring.models import (
    RAISABLE_TRIGGER_KINDS,
    FinancialStanding,
    Frequency,
    KpiTimeliness,
    MonitoringLevel,
    RegulatorRating,
)
from referrals.forms import ServiceForm
from referrals.models import OutcomeDomain

ONE_TO_FIVE = [(str(n), str(n)) for n in range(1, 6)]
COUNT_ERRORS = {"invalid": "Enter a whole number, like 0 or 3",
                "min_value": "Enter a number of 0 or more"}
ITEM_ROWS = 3


def _count(label):
    return forms.IntegerField(label=label, required=False, min_value=0,
                              error_messages=COUNT_ERRORS)


class RiskAssessmentForm(ServiceForm):
    impact = forms.ChoiceField(
        label="Impact", choices=ONE_TO_FIVE, widget=forms.RadioSelect,
        help_text="How serious the harm would be, from 1 (minor) to 5 (severe).",
        error_messages={"required": "Choose the impact, from 1 to 5",
                        "invalid_choice": "Choose the impact, from 1 to 5"})
    probability = forms.ChoiceField(
        label="Probability", choices=ONE_TO_FIVE, widget=forms.RadioSelect,
        help_text="How likely it is, from 1 (rare) to 5 (almost certain).",
        error_messages={"required": "Choose the probability, from 1 to 5",
                        "invalid_choice": "Choose the probability, from 1 to 5"})
    regulator_rating = forms.ChoiceField(label="Ofsted or CQC rating (optional)",
                                         choices=RegulatorRating.choices, required=False,
                                         widget=forms.RadioSelect)
    regulator_rating_date = DatePartsField(label="Date of the rating (optional)",
                                           subject="of the rating", required=False,
                                           help_text="For example, 14 1 2026")
    complaints = _count("Complaints (optional)")
    safeguarding_concerns = _count("Safeguarding concerns (optional)")
    notifications = _count("Notifications of serious events (optional)")
    financial_standing = forms.ChoiceField(label="Financial standing (optional)",
                                           choices=FinancialStanding.choices, required=False,
                                           widget=forms.RadioSelect)
    kpi_timeliness = forms.ChoiceField(label="KPI returns (optional)",
                                       choices=KpiTimeliness.choices, required=False,
                                       widget=forms.RadioSelect)
    placement_breakdowns = _count("Placement breakdowns (optional)")
    staff_turnover = forms.DecimalField(
        label="Staff turnover (optional)", required=False, min_value=0, max_value=100,
        max_digits=5, decimal_places=2, help_text="Percentage over the last twelve months.",
        error_messages={"invalid": "Enter staff turnover as a percentage, like 12.5",
                        "min_value": "Enter staff turnover from 0 to 100",
                        "max_value": "Enter staff turnover from 0 to 100",
                        "max_decimal_places": "Enter staff turnover to 2 decimal places"})
    notes = forms.CharField(label="Assessor's notes (optional)", required=False,
                            widget=forms.Textarea,
                            help_text="Not shown to the provider.")
    next_due = DatePartsField(label="Next assessment due (optional)",
                              subject="the next assessment is due", required=False,
                              help_text="Leave blank for six months from today. It may be "
                                        "sooner, never later.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "assess")
        super().__init__(*args, **kwargs)

    def clean_impact(self):
        return int(self.cleaned_data["impact"])

    def clean_probability(self):
        return int(self.cleaned_data["probability"])


class TriggerForm(ServiceForm):
    kind = forms.ChoiceField(label="What happened?", choices=RAISABLE_TRIGGER_KINDS,
                             widget=forms.RadioSelect,
                             error_messages={"required": "Choose what happened",
                                             "invalid_choice": "Choose what happened"})
    details = forms.CharField(label="Details", required=False, widget=forms.Textarea,
                              help_text="Only commissioners and DPS administrators see this.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "trigger")
        super().__init__(*args, **kwargs)


class ScheduleActivityForm(ServiceForm):
    kind = forms.ChoiceField(label="Kind of activity", choices=MonitoringLevel.choices,
                             widget=forms.RadioSelect,
                             error_messages={"required": "Choose the kind of activity",
                                             "invalid_choice": "Choose the kind of activity"})
    planned_date = DatePartsField(label="Planned date", subject="of the activity",
                                  help_text=example_day(21))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "activity")
        super().__init__(*args, **kwargs)


class CompleteActivityForm(ServiceForm):
    findings = forms.CharField(label="Findings", required=False, widget=forms.Textarea,
                               help_text="The provider sees the findings.")
    done_date = DatePartsField(label="Date done (optional)", subject="the activity was done",
                               required=False, help_text="Leave blank for today.")

    def __init__(self, *args, activity, **kwargs):
        kwargs.setdefault("prefix", f"done-{activity.pk}")
        super().__init__(*args, **kwargs)
        self.activity = activity
        name = activity.get_kind_display().lower()
        self.fields["findings"].label = f"Findings of the {name} planned for " \
                                        f"{activity.planned_date:%-d %B %Y}"


class ActionPlanForm(ServiceForm):
    """A title and up to ITEM_ROWS actions; empty rows are left out."""

    field_sentences = True
    title = forms.CharField(label="Title", required=False, max_length=200,
                            error_messages={"max_length": "The title must be 200 characters "
                                                          "or fewer"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "plan")
        super().__init__(*args, **kwargs)
        for row in range(ITEM_ROWS):
            number = row + 1
            self.fields[f"item{row}_action"] = forms.CharField(
                label=f"Action {number}", required=False, widget=forms.Textarea)
            self.fields[f"item{row}_owner"] = forms.CharField(
                label=f"Who is responsible for action {number}", required=False,
                max_length=200)
            self.fields[f"item{row}_due_date"] = DatePartsField(
                label=f"Action {number} due by", subject=f"action {number} is due",
                required=False)
        self.non_field_anchor = "#plan-item0_action"

    def rows(self):
        return [(row + 1, self[f"item{row}_action"], self[f"item{row}_owner"],
                 self[f"item{row}_due_date"]) for row in range(ITEM_ROWS)]

    def items(self):
        """The filled rows as the service takes them, keeping the row for error mapping."""
        self.row_of_item = []
        items = []
        for row in range(ITEM_ROWS):
            action = self.cleaned_data.get(f"item{row}_action", "")
            owner = self.cleaned_data.get(f"item{row}_owner", "")
            due = self.cleaned_data.get(f"item{row}_due_date")
            if action or owner or due:
                self.row_of_item.append(row)
                items.append({"action": action, "owner": owner, "due_date": due})
        return items

    def field_for_error(self, key):
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "items" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(self.row_of_item):
                return f"item{self.row_of_item[index]}_{parts[2]}"
        return super().field_for_error(key)


class ReasonForm(ServiceForm):
    reason = forms.CharField(widget=forms.Textarea, required=False)

    def __init__(self, *args, label, hint="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = hint


class RespondForm(ServiceForm):
    provider_response = forms.CharField(label="What have you done?", required=False,
                                        widget=forms.Textarea)
    evidence = forms.CharField(label="Evidence (optional)", required=False,
                               widget=forms.Textarea,
                               help_text="For example, the records or documents that show it.")

    def __init__(self, *args, item, number, **kwargs):
        kwargs.setdefault("prefix", f"item-{item.pk}")
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["provider_response"].label = f"What have you done about action {number}?"
        self.fields["evidence"].label = f"Evidence for action {number} (optional)"


class KpiReturnForm(ServiceForm):
    """A value per KPI of the return, named after its code. Required values and ranges are the
    service's to check."""

    field_sentences = True

    def __init__(self, *args, kpis, **kwargs):
        super().__init__(*args, **kwargs)
        self.kpis = list(kpis)
        for kpi in self.kpis:
            hint = []
            if kpi.min_value is not None and kpi.max_value is not None:
                hint.append(f"From {kpi.min_value.normalize():f} to "
                            f"{kpi.max_value.normalize():f} {kpi.unit}.")
            elif kpi.min_value is not None:
                hint.append(f"At least {kpi.min_value.normalize():f} {kpi.unit}.")
            elif kpi.max_value is not None:
                hint.append(f"At most {kpi.max_value.normalize():f} {kpi.unit}.")
            self.fields[f"kpi_{kpi.code}"] = forms.DecimalField(
                label=kpi.name if kpi.required else f"{kpi.name} (optional)",
                required=False, max_digits=12, decimal_places=2, help_text=" ".join(hint),
                error_messages={"invalid": f"Enter {kpi.name} as a number, like 12 or 12.5",
                                "max_decimal_places": f"Enter {kpi.name} to 2 decimal places",
                                "max_digits": f"Enter a smaller number for {kpi.name}",
                                "max_whole_digits": f"Enter a smaller number for {kpi.name}"})

    def rows(self):
        return [(kpi, self[f"kpi_{kpi.code}"]) for kpi in self.kpis]

    def values(self):
        return {kpi.code: self.cleaned_data.get(f"kpi_{kpi.code}") for kpi in self.kpis}

    def field_for_error(self, key):
        if key.startswith("values."):
            name = f"kpi_{key.removeprefix('values.')}"
            return name if name in self.fields else None
        return super().field_for_error(key)

    def add_domain_error(self, exc):
        names = {f"values.{kpi.code}": kpi.name for kpi in self.kpis}
        for key, messages in exc.fields.items():
            name = names.get(key)
            if name:
                exc.fields[key] = [m if m.startswith(name) else f"{name}: {m[0].lower()}{m[1:]}"
                                   for m in messages]
        super().add_domain_error(exc)


# --- Child outcomes -------------------------------------------------------------------------

class OutcomeRatingsForm(ServiceForm):
    """Rate any or all of the 11 outcome domains on one day: a rating (1–5) per domain, left
    blank for a domain not rated this time, each with an optional note."""

    rated_on = DatePartsField(label="Date of the ratings (optional)", subject="of the ratings",
                              required=False, help_text="Leave blank for today.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "ratings")
        super().__init__(*args, **kwargs)
        for domain in OutcomeDomain:
            self.fields[f"rating_{domain.value}"] = forms.ChoiceField(
                label=domain.label, choices=ONE_TO_FIVE, widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": "Choose a rating from 1 to 5"})
            self.fields[f"note_{domain.value}"] = forms.CharField(
                label=f"Note on {domain.label.lower()} (optional)", required=False,
                max_length=2000)

    def domain_rows(self):
        """[(rating field, note field)] in domain order, for the template."""
        return [(self[f"rating_{domain.value}"], self[f"note_{domain.value}"])
                for domain in OutcomeDomain]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.ratings():
            self.add_error(f"rating_{OutcomeDomain.values[0]}",
                           "Rate at least one outcome domain")
        return cleaned

    def ratings(self):
        """[(domain, rating, note)] for each domain given a rating."""
        data = getattr(self, "cleaned_data", {})
        return [(domain.value, int(data[f"rating_{domain.value}"]),
                 data.get(f"note_{domain.value}", ""))
                for domain in OutcomeDomain if data.get(f"rating_{domain.value}")]

    def field_for_error(self, key):
        if key.startswith("ratings."):  # the service names the domain: ratings.<domain>
            return f"rating_{key.split('.', 1)[1]}"
        if key == "ratings":
            return f"rating_{OutcomeDomain.values[0]}"
        return super().field_for_error(key)


# --- Annual reports -------------------------------------------------------------------------

def _whole(label, hint=""):
    return forms.IntegerField(
        label=label, required=False, min_value=0, help_text=hint,
        error_messages={"invalid": f"Enter {label.lower()} as a whole number, like 0 or 12",
                        "min_value": f"Enter {label.lower()} as 0 or more"})


class AnnualReportForm(ServiceForm):
    """The report's evidence; with `with_year`, the financial year too (a first submission).
    Every rule (the year, local ≤ total, required answers) is the service's."""

    field_sentences = True
    year = forms.TypedChoiceField(
        label="Financial year", coerce=int, widget=forms.RadioSelect,
        error_messages={"required": "Choose the financial year the report covers",
                        "invalid_choice": "Choose the financial year the report covers"})
    total_employees = _whole("Total staff", "Everyone employed at the end of the year.")
    local_employees = _whole("Staff living locally",
                             "Staff living in the area of a council using the DPS.")
    apprenticeships = _whole("Apprenticeships")
    work_placements = _whole("Work placements")
    community_hours = _whole("Hours of community work",
                             "Hours staff spent on community work or volunteering.")
    community_work = forms.CharField(label="Community work", required=False,
                                     widget=forms.Textarea,
                                     help_text="What you did for the communities you serve.")
    environmental_impact = forms.CharField(
        label="Environmental impact", required=False, widget=forms.Textarea,
        help_text="Your impact on the environment and what you did to reduce it.")
    narrative = forms.CharField(label="Overview of the year", required=False,
                                widget=forms.Textarea)

    def __init__(self, *args, years=None, **kwargs):
        super().__init__(*args, **kwargs)
        if years is None:
            del self.fields["year"]
        else:
            self.fields["year"].choices = [(str(year), f"April {year} to March {year + 1}")
                                           for year in years]

    def evidence(self):
        data = dict(self.cleaned_data)
        data.pop("year", None)
        return data


class ReviewForm(ServiceForm):
    field_sentences = True
    outcome = forms.ChoiceField(label="Your review", widget=forms.RadioSelect,
                                choices=[("accepted", "Accept the report"),
                                         ("returned", "Return it to the provider for changes")],
                                error_messages={"required": "Choose whether to accept the "
                                                            "report or return it",
                                                "invalid_choice": "Choose whether to accept "
                                                                  "the report or return it"})
    comments = forms.CharField(label="Comments", required=False, widget=forms.Textarea,
                               help_text="The provider sees these. Required when you return "
                                         "the report: say what must change.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "review")
        super().__init__(*args, **kwargs)


# --- KPI definitions ------------------------------------------------------------------------

def _bound(label):
    return forms.DecimalField(
        label=label, required=False, max_digits=12, decimal_places=2,
        error_messages={"invalid": f"Enter the {label.lower().replace(' (optional)', '')} as a "
                                   f"number, like 0 or 100",
                        "max_decimal_places": "Enter a number to 2 decimal places",
                        "max_digits": "Enter a smaller number",
                        "max_whole_digits": "Enter a smaller number"})


class KpiForm(ServiceForm):
    """Define a KPI (with `lots`) or change one (without: lot, code and frequency are fixed)."""

    field_sentences = True
    lot = forms.ChoiceField(label="Lot", widget=forms.RadioSelect,
                            error_messages={"required": "Choose the lot",
                                            "invalid_choice": "Choose the lot"})
    code = forms.SlugField(label="Code", max_length=40,
                           help_text="Letters, numbers, hyphens and underscores, like "
                                     "placement_stability. Used in the API; fixed once set.",
                           error_messages={"required": "Enter a code",
                                           "invalid": "Enter a code using only letters, "
                                                      "numbers, hyphens and underscores",
                                           "max_length": "The code must be 40 characters or "
                                                         "fewer"})
    name = forms.CharField(label="Name", max_length=200,
                           error_messages={"required": "Enter the KPI's name",
                                           "max_length": "The name must be 200 characters or "
                                                         "fewer"})
    unit = forms.CharField(label="Unit", max_length=30, help_text='For example, "%", "days" or '
                                                                  '"children".',
                           error_messages={"required": "Enter the unit",
                                           "max_length": "The unit must be 30 characters or "
                                                         "fewer"})
    frequency = forms.ChoiceField(label="How often", choices=Frequency.choices,
                                  initial=Frequency.QUARTERLY, widget=forms.RadioSelect,
                                  error_messages={"required": "Choose how often",
                                                  "invalid_choice": "Choose how often"})
    min_value = _bound("Lowest allowed value (optional)")
    max_value = _bound("Highest allowed value (optional)")
    required = forms.BooleanField(label="Providers must give a value", required=False)
    is_active = forms.BooleanField(label="In use (returns ask for it)", required=False)
    position = forms.IntegerField(label="Order on the return", min_value=0, initial=0,
                                  required=False,
                                  error_messages={"invalid": "Enter the order as a whole "
                                                             "number, like 0 or 3",
                                                  "min_value": "Enter the order as 0 or more"})

    def __init__(self, *args, lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        if lots is None:
            for name in ("lot", "code", "frequency"):
                del self.fields[name]
        else:
            del self.fields["is_active"]
            self.lots = {str(lot.pk): lot for lot in lots}
            self.fields["lot"].choices = [(key, lot.name) for key, lot in self.lots.items()]

    def clean_lot(self):
        return self.lots[self.cleaned_data["lot"]]

    def clean_position(self):
        return self.cleaned_data.get("position") or 0


# --- Escalations ----------------------------------------------------------------------------

class SuspendForm(ServiceForm):
    until = DatePartsField(label="Suspended until", subject="the suspension ends",
                           help_text="For example, 30 6 2026")
    memberships = forms.MultipleChoiceField(
        label="Which lots?", widget=forms.CheckboxSelectMultiple,
        help_text="The provider's admitted memberships to suspend.",
        error_messages={"required": "Choose at least one lot to suspend",
                        "invalid_choice": "Choose lots the provider is admitted to"})
    reason = forms.CharField(label="Why is the provider suspended?", required=False,
                             widget=forms.Textarea,
                             help_text="The provider and the audit trail record this.")

    def __init__(self, *args, memberships, **kwargs):
        kwargs.setdefault("prefix", "suspend")
        super().__init__(*args, **kwargs)
        self.choices = {str(m.pk): m for m in memberships}
        self.fields["memberships"].choices = [(key, m.lot.name)
                                              for key, m in self.choices.items()]
        self.fields["memberships"].initial = list(self.choices)

    def clean_memberships(self):
        return [self.choices[key] for key in self.cleaned_data["memberships"]]
