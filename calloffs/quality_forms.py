"""The criteria rows a commissioner adjusts before publishing, and the DPS administrator's
lot defaults (ADR 0026). Shape only: the rules (weights add up to 100, distinct names) are
calloffs.quality.check_criteria's."""

from django import forms

from calloffs.quality import MAX_CRITERIA
from dps.forms import GovukForm

SPARE_ROWS = 2  # blank rows after the defaults, to add a criterion


class CriteriaRows:
    """Adds `criterion_N` / `criterion_N_weight` rows to a form, filled from `criteria`; call
    `collect_criteria()` from clean(): blank rows are left out."""

    def add_criteria_rows(self, criteria):
        self.criteria_count = min(len(criteria) + SPARE_ROWS, MAX_CRITERIA)
        for number in range(self.criteria_count):
            given = criteria[number] if number < len(criteria) else {}
            self.fields[f"criterion_{number}"] = forms.CharField(
                label=f"Criterion {number + 1}", max_length=100, required=False,
                initial=given.get("name", ""),
                error_messages={"max_length": "A criterion's name is 100 characters or "
                                              "fewer"})
            self.fields[f"criterion_{number}_weight"] = forms.IntegerField(
                label=f"Weight of criterion {number + 1}", min_value=1, max_value=100,
                required=False, initial=given.get("weight"),
                error_messages={
                    "invalid": "Enter the weight as a whole number, like 25",
                    "min_value": "A criterion's weight is from 1 to 100",
                    "max_value": "A criterion's weight is from 1 to 100"})

    def criteria_rows(self):
        return [(self[f"criterion_{n}"], self[f"criterion_{n}_weight"])
                for n in range(self.criteria_count)]

    def collect_criteria(self, data):
        """Pop the rows out of `data` and return [{"name", "weight"}] of the filled ones; None
        when the post carries no rows at all (a form from before them: the lot's defaults)."""
        sent = any(f"{self.add_prefix(f'criterion_{n}')}" in self.data
                   for n in range(self.criteria_count))
        criteria = []
        for number in range(self.criteria_count):
            name = (data.pop(f"criterion_{number}", "") or "").strip()
            weight = data.pop(f"criterion_{number}_weight", None)
            if name and weight is None and not self.has_error(f"criterion_{number}_weight"):
                self.add_error(f"criterion_{number}_weight", f"Enter the weight of {name}")
            elif weight is not None and not name:
                self.add_error(f"criterion_{number}", f"Name criterion {number + 1}, or clear "
                                                      "its weight")
            elif name:
                criteria.append({"name": name, "weight": weight})
        return criteria if sent else None


class LotCriteriaForm(CriteriaRows, GovukForm):
    """The DPS administrator's default criteria for a lot."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_criteria_rows(criteria)

    def clean(self):
        data = super().clean()
        return {"criteria": self.collect_criteria(data)}

    def add_domain_error(self, exc):
        # The rule's sentence ("they add up to 90") reads better than the terse field note.
        self.add_error(None, exc.detail)
