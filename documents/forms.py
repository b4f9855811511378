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
