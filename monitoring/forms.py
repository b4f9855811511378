"""Monitoring page forms: shape only. The rules (bands, next-due limits, trigger details, dates,
KPI ranges and required values) are monitoring.services'; their errors come back through
`add_domain_error`."""

from django import forms

from dps.forms import DatePartsField
from monitoring.models import (
    RAISABLE_TRIGGER_KINDS,
    FinancialStanding,
    KpiTimeliness,
    MonitoringLevel,
    RegulatorRating,
)
from referrals.forms import ServiceForm

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
                                  help_text="For example, 27 3 2026")

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
