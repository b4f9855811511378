"""Admission page forms: shape only. The rules (caps above £0, every declaration, decisions with
reasons, rounds that do not overlap) are the services'; their errors come back through
`add_domain_error` and `field_for_error`."""

from django import forms

from dps.forms import DatePartsField, GovukForm, MoneyField, example_day
from providers.models import CreditCheckResult, Outcome, Regulator


class ApplyForm(GovukForm):
    lots = forms.MultipleChoiceField(
        label="Which lots are you applying for?", required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose lots from the list"},
    )
    ofsted_urn = forms.CharField(
        label="Ofsted unique reference number (URN)", required=False, max_length=12,
        help_text="Needed for regulated lots. For example, SC123456.",
    )
    cqc_location_id = forms.CharField(
        label="CQC location ID", required=False, max_length=20,
        help_text="Needed for regulated lots. For example, 1-123456789.",
    )
    declarations = forms.MultipleChoiceField(
        label="Declarations", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Select each statement to confirm it is true.",
    )
    credit_check_date = DatePartsField(
        label="Date of your most recent credit check (optional)", required=False,
        subject="of your credit check", help_text="For example, 27 3 2025",
    )
    credit_check_result = forms.ChoiceField(
        label="Result of that credit check (optional)", required=False,
        choices=CreditCheckResult.choices, widget=forms.RadioSelect,
    )

    def __init__(self, *args, dps, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.dps = dps
        self.lot_list = list(lots)
        self.fields["lots"].choices = [(lot.code, lot.name) for lot in self.lot_list]
        self.fields["declarations"].choices = [
            (item["key"], item["label"]) for item in dps.required_declarations
        ]
        for lot in self.lot_list:
            self.fields[self.cap_name(lot)] = MoneyField(
                label=f"Your price cap for {lot.name}, £ {lot.get_price_unit_display()}",
                required=False,
                error_messages={
                    "invalid": f"Enter the price cap for {lot.name} as an amount in pounds, "
                               "like 1100 or 1100.50",
                    "max_decimal_places": "Enter the price cap in pounds and pence, "
                                          "like 1100.50",
                },
            )
        # Ask only for the reference of this DPS's regulator.
        if dps.regulator != Regulator.OFSTED:
            del self.fields["ofsted_urn"]
        if dps.regulator != Regulator.CQC:
            del self.fields["cqc_location_id"]
        if not dps.required_declarations:
            del self.fields["declarations"]
        order = ["lots"]
        for lot in self.lot_list:
            order.append(self.cap_name(lot))
        self.order_fields(order + ["ofsted_urn", "cqc_location_id", "declarations",
                                   "credit_check_date", "credit_check_result"])
        self.chosen_codes = []

    @staticmethod
    def cap_name(lot):
        return f"cap_{lot.code}"

    def lot_rows(self):
        """(lot, checkbox checked?, its cap field) for the template."""
        chosen = set(self["lots"].value() or ())
        return [(lot, lot.code in chosen, self[self.cap_name(lot)]) for lot in self.lot_list]

    def clean(self):
        cleaned = super().clean()
        chosen = set(cleaned.get("lots") or ())
        self.chosen_codes = [lot.code for lot in self.lot_list if lot.code in chosen]
        for lot in self.lot_list:
            name = self.cap_name(lot)
            if lot.code in chosen and name not in self.errors and cleaned.get(name) is None:
                self.add_error(name, f"Enter your price cap for {lot.name}")
        return cleaned

    def service_kwargs(self):
        """The keyword arguments of services.create_application, lots in the page's order."""
        data = self.cleaned_data
        return {
            "lots": [{"lot": code, "price_cap": data[f"cap_{code}"]}
                     for code in self.chosen_codes],
            "ofsted_urn": data.get("ofsted_urn", ""),
            "cqc_location_id": data.get("cqc_location_id", ""),
            "declarations": {key: key in data.get("declarations", ())
                             for key in self.dps.declaration_keys},
            "credit_check_date": data.get("credit_check_date"),
            "credit_check_result": data.get("credit_check_result", ""),
        }

    def field_for_error(self, key):
        # "lots.<n>.price_cap" counts the chosen lots in the DPS's lot order, which is the order
        # both service_kwargs and the application's stored lots use.
        parts = key.split(".")
        if parts[0] == "lots" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if parts[2] == "price_cap" and index < len(self.chosen_codes):
                return f"cap_{self.chosen_codes[index]}"
            return "lots"
        return super().field_for_error(parts[0])


class RoundForm(GovukForm):
    opens_at = DatePartsField(
        label="When does the round open?", with_time=True, subject="the round opens",
        help_text=example_day(7, " and 09:00. UK time. A time now or in the past opens "
                                 "the round at once."),
    )
    closes_at = DatePartsField(
        label="When does the round close?", with_time=True, subject="the round closes",
        help_text=example_day(35, " and 17:00. UK time."),
    )


class DecideForm(GovukForm):
    """One admitted/rejected choice and a reason per lot applied for."""

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(application.lots.all())
        for item in self.items:
            code = item.lot.code
            self.fields[f"outcome_{code}"] = forms.ChoiceField(
                label=f"Decision for {item.lot.name}", required=False,
                choices=Outcome.choices, widget=forms.RadioSelect,
            )
            self.fields[f"reason_{code}"] = forms.CharField(
                label=f"Reason for the decision on {item.lot.name}", required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text="Required when you reject. The provider sees it.",
            )
        self.decided_codes = []

    def lot_rows(self):
        return [(item, self[f"outcome_{item.lot.code}"], self[f"reason_{item.lot.code}"])
                for item in self.items]

    def decisions(self):
        data = self.cleaned_data
        self.decided_codes = [item.lot.code for item in self.items
                              if data.get(f"outcome_{item.lot.code}")]
        return [{"lot": code, "outcome": data[f"outcome_{code}"],
                 "reason": data.get(f"reason_{code}", "")} for code in self.decided_codes]

    def field_for_error(self, key):
        parts = key.split(".")
        if parts[0] == "decisions" and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(self.decided_codes):
                kind = "reason" if parts[2] == "reason" else "outcome"
                return f"{kind}_{self.decided_codes[index]}"
        if key == "decisions":
            # "Decide every lot": point at the first lot still without a decision.
            for item in self.items:
                if item.lot.code not in self.decided_codes:
                    return f"outcome_{item.lot.code}"
        return super().field_for_error(key)


class DynamicMarketForm(GovukForm):
    """Start a dynamic market from a DPS under the 2015 Regulations (providers.successor)."""

    name = forms.CharField(label="Name of the dynamic market", max_length=200)
    code = forms.SlugField(label="Short code", max_length=40,
                           help_text="Letters, numbers and hyphens, for example children-2029.")
    regime = forms.ChoiceField(
        label="Under the Procurement Act 2023, as", widget=forms.RadioSelect,
        choices=[("pa2023_light_touch", "A dynamic market for light-touch contracts (care and "
                                        "education placements)"),
                 ("pa2023_dynamic_market", "A dynamic market")])
    starts_on = DatePartsField(label="Starts on", subject="the market starts",
                               help_text="For example, 1 4 2028")
    ends_on = DatePartsField(label="Ends on", subject="the market ends",
                             help_text="For example, 31 3 2036")
