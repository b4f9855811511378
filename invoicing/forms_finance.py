"""Finance's invoice forms: shape only; the rules are the services'."""

from django import forms
from django.utils.safestring import mark_safe

from dps.forms import DatePartsField, GovukForm, MoneyField


class DecisionForm(GovukForm):
    DECISIONS = [("approve", "Approve for payment"), ("query", "Query it with the provider"),
                 ("reject", "Reject it")]
    decision = forms.ChoiceField(label="Decision", choices=DECISIONS, widget=forms.RadioSelect,
                                 error_messages={"required": "Choose a decision"})
    reason = forms.CharField(
        label="Reason", required=False, widget=forms.Textarea, max_length=4000,
        help_text="The provider reads this. Needed to query or reject, and to approve an "
                  "invoice that differs from what was accrued. Do not name a child.")

    def field_for_error(self, key):
        return "reason" if key in ("reason", "accept_difference_reason") else super() \
            .field_for_error(key)


class PaymentForm(GovukForm):
    paid_on = DatePartsField(label="Paid on", subject="it was paid",
                             help_text="For example, 27 11 2026.")
    amount = MoneyField(label="Amount paid", min_value=0,
                        error_messages={"required": "Enter the amount paid"})
    reference = forms.CharField(label="Payment reference", max_length=60,
                                help_text="The ledger's payment or remittance reference.",
                                error_messages={"required": "Enter the payment reference"})


class RemittanceForm(GovukForm):
    file = forms.FileField(
        label="Remittance file (CSV)",
        # The file's own words (column names, the year-first date a ledger exports) are set
        # as code: what the file must say, not how the page speaks.
        help_text=mark_safe(  # noqa: S308 - a constant, no input in it
            "A header row naming the columns <code>invoice_reference</code> (the provider's "
            "invoice number), <code>provider</code> (its name as registered), "
            "<code>paid_on</code> (the day paid, like 31/12/2026 or <code>2026-12-31</code>), "
            "<code>amount</code> (like 1234.50) and <code>reference</code> (your payment "
            "reference)."),
        error_messages={"required": "Choose the remittance CSV file"})
