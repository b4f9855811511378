"""The provider's invoice forms: choose the council, review the draft, upload a CSV file."""

from django import forms
from django.template.defaultfilters import date as format_date

from dps import formatting
from dps.forms import GovukForm

MAX_UPLOAD = 2_621_440  # the API's body cap (DATA_UPLOAD_MAX_MEMORY_SIZE)


def line_key(line):
    """A draft line's value in the form: what it invoices, and its days."""
    kind, target = line.target
    return f"{kind}:{target}:{line.date_from.isoformat()}:{line.date_to.isoformat()}"


def line_label(line):
    days = f"{format_date(line.date_from, 'j F Y')} to {format_date(line.date_to, 'j F Y')}"
    if line.kind == "block":
        what = f"Block contract {line.block_id}: its beds"
    elif line.kind == "support":
        what = f"Placement {line.placement_id}: extra support (item {line.support_item_id})"
    else:
        what = f"Placement {line.placement_id}: the fee"
    return f"{what}, {days}: {formatting.money(line.amount)}"


class ChooseAuthorityForm(GovukForm):
    authority = forms.ChoiceField(label="Which council is this invoice for?", choices=(),
                                  error_messages={"required": "Choose the council.",
                                                  "invalid_choice": "Choose the council."})

    def __init__(self, *args, authorities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"].choices = [(str(a.pk), a.name) for a in authorities]


class DraftInvoiceForm(GovukForm):
    reference = forms.CharField(
        label="Your invoice number", max_length=60,
        help_text="Your own reference for this invoice: each of your invoices has its own.",
        error_messages={"required": "Enter your invoice number.",
                        "max_length": "Your invoice number can be at most 60 characters."})
    lines = forms.MultipleChoiceField(
        label="Days to invoice", choices=(),
        help_text="Every day you have provided and not yet invoiced, at the agreed price. "
                  "Untick any you do not want to invoice now.",
        error_messages={"required": "Choose at least one line to invoice.",
                        "invalid_choice": "The days to invoice have changed since the page "
                                          "was shown: check them again."})

    def __init__(self, *args, draft=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [(line_key(ln), line_label(ln)) for ln in draft]
        if not self.is_bound:
            self.initial["lines"] = [line_key(ln) for ln in draft]

    def field_for_error(self, key):
        if key.startswith("lines"):
            return "lines"
        return super().field_for_error(key)


class UploadForm(GovukForm):
    file = forms.FileField(
        label="Upload a CSV or Excel (.xlsx) file",
        help_text="Columns reference, placement, kind, support_item, from, to, amount (and "
                  "block for block contract lines). One invoice per reference.",
        error_messages={"required": "Choose a CSV or Excel (.xlsx) file.",
                        "empty": "The file is empty."})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The file must be smaller than 2.5 MB.")
        return upload
