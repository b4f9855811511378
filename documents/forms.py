from django import forms

from documents.models import Kind
from dps.forms import DatePartsField, GovukFormMixin


class UploadForm(GovukFormMixin, forms.Form):
    file = forms.FileField(label="File", allow_empty_file=False,
                           help_text="PDF, Word (DOCX), OpenDocument text (ODT) or plain text; "
                                     "photos as PNG or JPEG where providers send evidence.",
                           error_messages={"required": "Choose a file to upload",
                                           "empty": "The file is empty"})
    kind = forms.ChoiceField(label="What is it?", widget=forms.RadioSelect,
                             error_messages={"required": "Say what the document is"})
    expires_on = DatePartsField(subject="the certificate expires", required=False,
                                label="Expiry date (certificates and insurance)")

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, Kind(k).label) for k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = kinds[0]


class ApplicationDocumentsForm(GovukFormMixin, forms.Form):
    """The certificates and policies a provider attaches while applying: one optional file
    for each kind an application takes, and the expiry date of those that expire (insurance
    must have one: without it the certificate can never be flagged as lapsed). Shape only:
    `documents.services.upload_document` decides everything else."""

    FILE_HINT = "PDF, Word (DOCX), OpenDocument text (ODT), plain text, PNG or JPEG."

    def __init__(self, *args, kinds=(), **kwargs):
        from documents.access import EXPIRING_KINDS

        super().__init__(*args, **kwargs)
        self.kinds = [k for k in kinds if k != Kind.OTHER]
        for kind in self.kinds:
            label = Kind(kind).label
            self.fields[kind] = forms.FileField(
                label=f"{label} (optional)", required=False, allow_empty_file=False,
                help_text=self.FILE_HINT, error_messages={"empty": "The file is empty"})
            if kind in EXPIRING_KINDS:
                self.fields[f"{kind}_expires_on"] = DatePartsField(
                    subject=f"your {label.lower()} expires", required=False,
                    label=f"When does your {label.lower()} expire?",
                    help_text="For example, 31 3 2027")

    def clean(self):
        data = super().clean()
        if data.get(Kind.INSURANCE) and not data.get(f"{Kind.INSURANCE}_expires_on") \
                and f"{Kind.INSURANCE}_expires_on" not in self.errors:
            self.add_error(f"{Kind.INSURANCE}_expires_on",
                           "Enter the date your insurance certificate expires")
        for kind in self.kinds:
            if data.get(f"{kind}_expires_on") and not data.get(kind) \
                    and kind not in self.errors:
                self.add_error(kind, f"Choose the file of your {Kind(kind).label.lower()}, "
                                     "or leave its expiry date empty")
        return data

    def uploads(self):
        """[(kind, file, expires_on)] of the files chosen, in page order."""
        return [(kind, self.cleaned_data[kind], self.cleaned_data.get(f"{kind}_expires_on"))
                for kind in self.kinds if self.cleaned_data.get(kind)]

    def add_upload_error(self, kind, exc):
        """A service's refusal of one file, shown on that file's own field."""
        for key, messages in (exc.fields or {"file": [exc.detail]}).items():
            name = f"{kind}_expires_on" if key == "expires_on" else kind
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
