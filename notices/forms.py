"""The notices' page forms: shape only; the rules are the services'."""

from django import forms

from dps.forms import DatePartsField, GovukForm


class PublicationForm(GovukForm):
    notice_identifier = forms.CharField(
        label="Find a Tender notice identifier", max_length=100,
        help_text="As Find a Tender shows it on the published notice, for example 012345-2026.",
        error_messages={"required": "Enter the Find a Tender notice identifier"})
    published_on = DatePartsField(label="Published on", subject="it was published",
                                  help_text="For example, 27 11 2026.")
