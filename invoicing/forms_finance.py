"""Finance's invoice forms: shape only; the rules are the services'."""

from django import forms

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
        help_text="A header row naming the columns invoice_reference (the provider's invoice "
                  "number), provider (its name as registered), paid_on (the day paid, like "
                  "31/12/2026 or 2026-12-31), amount (like 1234.50) and reference (your "
                  "payment reference).",
        error_messages={"required": "Choose the remittance CSV file"})
