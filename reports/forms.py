"""The finance pages' filters, from the query string. Choices are filled by the view."""

from django import forms

from contracts.models import Placement
from dps.forms import DatePartsField, GovukForm
from reports.models import ExportJob
from reports.spend import LOCATIONS, range_problems

GROUP_CHOICES = [("", "No grouping (total only)"), ("lot", "Lot"), ("provider", "Provider"),
                 ("authority", "Authority"), ("month", "Month"), ("route", "Route"),
                 ("location", "Location (in or out of area)")]


class FilterFieldsForm(GovukForm):
    lot = forms.ChoiceField(label="Lot", required=False)
    provider = forms.ChoiceField(label="Provider", required=False)
    route = forms.ChoiceField(label="Route", required=False,
                              choices=[("", "Any route"), *Placement.Route.choices])
    location = forms.ChoiceField(label="Location", required=False,
                                 choices=[("", "In or out of area"), *LOCATIONS.items()])
    authority = forms.ChoiceField(label="Authority", required=False)

    def __init__(self, *args, lots, providers, authorities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [("", "Any lot"), *lots]
        self.fields["provider"].choices = [("", "Any provider"), *providers]
        if authorities is None:  # a finance user: their own authority only
            del self.fields["authority"]
            if "group_by" in self.fields:
                self.fields["group_by"].choices = [c for c in GROUP_CHOICES
                                                   if c[0] != "authority"]
        else:
            self.fields["authority"].choices = [("", "Every authority"), *authorities]

    def filters(self):
        data = self.cleaned_data
        out = {}
        for name in ("lot", "route", "location"):
            if data.get(name):
                out[name] = data[name]
        for name in ("provider", "authority"):
            if data.get(name):
                out[name] = int(data[name])
        return out


class RangeForm(FilterFieldsForm):
    date_from = DatePartsField(label="From", subject="the report starts",
                               help_text="For example, 1 4 2026.")
    date_to = DatePartsField(label="To", subject="the report ends",
                             help_text="For example, 31 3 2027. Both days count.")

    def clean(self):
        data = super().clean()
        for name, messages in range_problems(data.get("date_from"), data.get("date_to")).items():
            self.add_error({"to": "date_to", "from": "date_from"}[name], messages)
        return data


# What a pound of spend is (issue 14): what placements cost for their days, what providers
# invoiced for them (approved invoices), or what was paid (by the day it was paid).
BASIS_CHOICES = [("accrued", "Accrued: what placements cost for the days they were live"),
                 ("invoiced", "Invoiced: approved invoices, for the days they cover"),
                 ("paid", "Paid: payments, on the day they were made")]


class SpendForm(RangeForm):
    group_by = forms.ChoiceField(label="Group by", required=False, choices=GROUP_CHOICES)
    basis = forms.ChoiceField(label="Count spend as", required=False, choices=BASIS_CHOICES)
    field_order = ["date_from", "date_to", "basis", "group_by", "lot", "provider", "route",
                   "location", "authority"]


class CommitmentsForm(FilterFieldsForm):
    as_of = DatePartsField(label="As of", subject="the commitment starts", required=False,
                           help_text="Leave blank for today. For example, 1 10 2026.")
    group_by = forms.ChoiceField(label="Group by", required=False, choices=GROUP_CHOICES)
    field_order = ["as_of", "group_by", "lot", "provider", "route", "location", "authority"]


class PaymentsForm(RangeForm):
    field_order = ["date_from", "date_to", "lot", "provider", "route", "location", "authority"]


class ExportForm(SpendForm):
    """Any finance report as a file built in the background. For commitments, "From" is the
    day they are counted from (to the end of that financial year) and "To" is not used."""

    kind = forms.ChoiceField(label="Export", choices=ExportJob.Kind.choices,
                             widget=forms.RadioSelect)
    format = forms.ChoiceField(label="File format", choices=ExportJob.Format.choices,
                               widget=forms.RadioSelect, initial="xlsx")
    field_order = ["kind", "format", "date_from", "date_to", "group_by", "lot", "provider",
                   "route", "location", "authority"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date_from"].help_text = ("For example, 1 4 2026. For commitments, the day "
                                              "they are counted from.")
        self.fields["date_to"].help_text = "For example, 31 3 2027. Not used for commitments."
        self.fields["date_to"].required = False
        del self.fields["basis"]  # exports are built on the accrued basis (the API has the others)

    def clean(self):
        data = super().clean()
        if (data.get("kind") != ExportJob.Kind.COMMITMENTS and not data.get("date_to")
                and "date_to" not in self.errors):
            self.add_error("date_to", "Enter the date the report ends")
        return data
