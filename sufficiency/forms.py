from django import forms

from dps.forms import AreaField, DatePartsField, GovukForm


def _required(message):
    return {"required": message}


class VacancyForm(GovukForm):
    """Shape only; the service checks admission, the needs and the ages."""

    lot = forms.ChoiceField(label="Lot", widget=forms.RadioSelect,
                            error_messages=_required("Choose the lot the places are on"))
    places = forms.IntegerField(
        label="How many places?", min_value=1, max_value=99,
        error_messages={"required": "Enter how many places are free",
                        "invalid": "Enter the number of places as a whole number, like 2",
                        "min_value": "Enter at least 1 place",
                        "max_value": "Enter at most 99 places"})
    area = AreaField(label="Where are the places?",
                     help_text="The local authority area the home or service is in.",
                     error_messages={"required": "Choose the area the places are in",
                                     "invalid_choice": "Choose the area from the list"})
    age_from = forms.IntegerField(
        label="Youngest age", min_value=0, max_value=25,
        error_messages={"required": "Enter the youngest age you can take",
                        "invalid": "Enter the youngest age as a whole number, like 8",
                        "min_value": "The youngest age cannot be below 0",
                        "max_value": "The youngest age can be at most 25"})
    age_to = forms.IntegerField(
        label="Oldest age", min_value=0, max_value=25,
        error_messages={"required": "Enter the oldest age you can take",
                        "invalid": "Enter the oldest age as a whole number, like 17",
                        "min_value": "The oldest age cannot be below 0",
                        "max_value": "The oldest age can be at most 25"})
    needs = forms.MultipleChoiceField(
        label="Which needs can you meet?", required=False, help_text="Select all that apply.",
        error_messages={"invalid_choice": "Choose needs from the list"})
    available_from = DatePartsField(label="Available from", subject="the places are available",
                                    help_text="For example, 1 6 2027")
    notes = forms.CharField(
        label="Notes (optional)", required=False, max_length=300, widget=forms.Textarea,
        help_text="Up to 300 characters, for example the kind of home or school. Do not "
                  "include any personal data: no names or details of children or staff.",
        error_messages={"max_length": "Notes can be at most 300 characters"})

    def __init__(self, *args, lots, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [(lot.code, lot.name) for lot in lots]
        self.fields["needs"].choices = [(need.code, need.name) for need in needs]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("age_from") is not None and cleaned.get("age_to") is not None and \
                cleaned["age_from"] > cleaned["age_to"]:
            self.add_error("age_to", "The oldest age cannot be below the youngest age")
        return cleaned

    def service_kwargs(self):
        data = self.cleaned_data
        return {name: data[name] for name in ("lot", "places", "area", "age_from", "age_to",
                                              "needs", "available_from", "notes")}
