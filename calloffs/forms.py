"""Call-off page forms: shape only. The rules (caps, deadlines, scores, recommendations,
approval limits, key decisions) are the services'; their errors come back through
`add_domain_error`."""

from django import forms

from dps import formatting
from dps.forms import DatePartsField, GovukForm, MoneyField
from referrals.forms import ServiceForm


def _reason(label, hint, required_message):
    return forms.CharField(label=label, help_text=hint, widget=forms.Textarea,
                           error_messages={"required": required_message})


# --- Commissioners --------------------------------------------------------------------------

class ScoreForm(ServiceForm):
    """One offer's quality score. Prefixed per offer: several sit on one page."""

    quality_score = forms.IntegerField(
        label="Quality score", min_value=0, max_value=100, help_text="From 0 to 100.",
        error_messages={"required": "Enter a quality score from 0 to 100",
                        "invalid": "Enter the quality score as a whole number from 0 to 100",
                        "min_value": "Enter a quality score from 0 to 100",
                        "max_value": "Enter a quality score from 0 to 100"})
    notes = forms.CharField(label="Evaluation notes (optional)", required=False,
                            widget=forms.Textarea)

    def __init__(self, *args, eoi, **kwargs):
        kwargs.setdefault("prefix", f"eoi-{eoi.pk}")
        if eoi.quality_score is not None:
            kwargs.setdefault("initial", {"quality_score": eoi.quality_score,
                                          "notes": eoi.evaluation_notes})
        super().__init__(*args, **kwargs)
        self.eoi = eoi
        self.fields["quality_score"].label = f"Quality score for {eoi.provider.name}"
        self.fields["notes"].label = f"Feedback for {eoi.provider.name} (optional)"
        self.fields["notes"].help_text = (
            "Why the offer scored as it did. The provider reads it with the outcome once the "
            "call-off is decided: do not name or identify the child.")


def _score_field(label):
    return forms.IntegerField(
        label=label, min_value=0, max_value=100, help_text="From 0 to 100.",
        error_messages={"required": f"Enter the {label[0].lower()}{label[1:]} from 0 to 100",
                        "invalid": f"Enter the {label[0].lower()}{label[1:]} as a whole number "
                                   "from 0 to 100",
                        "min_value": f"Enter the {label[0].lower()}{label[1:]} from 0 to 100",
                        "max_value": f"Enter the {label[0].lower()}{label[1:]} from 0 to 100"})


class CriteriaScoreForm(ServiceForm):
    """One offer scored on each of its call-off's published criteria (ADR 0026): a score and
    a note per criterion, and overall feedback. Prefixed per offer: several sit on one page."""

    notes = forms.CharField(required=False, widget=forms.Textarea)

    def __init__(self, *args, eoi, criteria, **kwargs):
        kwargs.setdefault("prefix", f"eoi-{eoi.pk}")
        given = {row.criterion_id: row for row in eoi.criterion_scores.all()}
        if given:
            initial = {"notes": eoi.evaluation_notes}
            for pk, row in given.items():
                initial[f"score_{pk}"] = row.score
                initial[f"note_{pk}"] = row.note
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.eoi = eoi
        self.criteria = list(criteria)
        name = eoi.provider.name
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = _score_field(
                f"{criterion.name} score for {name}")
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                label=f"Note on {criterion.name.lower()} for {name} (optional)",
                required=False, widget=forms.Textarea)
        # Field order: each criterion's score and note, then the overall feedback.
        self.order_fields([*[f for c in self.criteria for f in (f"score_{c.pk}",
                                                                f"note_{c.pk}")], "notes"])
        self.fields["notes"].label = f"Overall feedback for {name} (optional)"
        self.fields["notes"].help_text = (
            "The provider reads your notes with the outcome once the call-off is decided: do "
            "not name or identify the child.")

    def rows(self):
        """[(criterion, score field, note field)] for the template."""
        return [(c, self[f"score_{c.pk}"], self[f"note_{c.pk}"]) for c in self.criteria]

    def field_for_error(self, key):
        if key.startswith("scores.") and key.endswith(".note"):
            number = int(key.split(".")[1])
            return f"note_{self.criteria[number].pk}"
        return super().field_for_error(key)

    def service_arguments(self):
        data = self.cleaned_data
        return {"notes": data["notes"], "scores": [
            {"criterion": c.pk, "score": data[f"score_{c.pk}"], "note": data[f"note_{c.pk}"]}
            for c in self.criteria]}


class RecommendForm(ServiceForm):
    eoi = forms.TypedChoiceField(
        label="Which offer do you recommend?", coerce=int, widget=forms.RadioSelect,
        help_text="Give your reason below whichever you choose: the budget holder reads it. "
                  "If the offer is not ranked first, say why, for example the child's or the "
                  "family's preference.",
        error_messages={"required": "Choose the offer you recommend",
                        "invalid_choice": "Choose the offer you recommend"})
    reason = _reason("Reason for the recommendation",
                     "The budget holder reads it before approving.",
                     "Give the reason for the recommendation")

    def __init__(self, *args, ranking, **kwargs):
        kwargs.setdefault("prefix", "recommend")
        super().__init__(*args, **kwargs)
        self.fields["eoi"].choices = [
            (row["eoi"], f"{row['provider_name']}: ranked {row['rank']}"
                         + (f", total {row['total']}" if row["total"] is not None
                            else ", not scored yet"))
            for row in ranking]


class ReasonForm(ServiceForm):
    """A reason for ending or sending back (cancel, no award, send back): prefix per use."""

    reason = forms.CharField(widget=forms.Textarea)

    def __init__(self, *args, label, hint="", required_message, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.label = label
        field.help_text = hint
        field.error_messages["required"] = required_message


class NegotiationForm(ServiceForm):
    until = DatePartsField(
        label="Negotiation ends", with_time=True, subject="the negotiation ends",
        help_text="Bidders may lower their prices until then. For example, 27 3 2026 and "
                  "17:00. UK time.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "negotiation")
        super().__init__(*args, **kwargs)


class AnswerForm(ServiceForm):
    text = forms.CharField(label="Your answer", max_length=4000, widget=forms.Textarea,
                           help_text="Every invited provider sees the question and your answer. "
                                     "The provider who asked is not named.",
                           error_messages={"required": "Enter your answer",
                                           "max_length": "The answer must be 4,000 characters "
                                                         "or fewer"})

    def __init__(self, *args, question, **kwargs):
        kwargs.setdefault("prefix", f"q-{question.pk}")
        super().__init__(*args, **kwargs)
        self.question = question


# --- Budget holders -------------------------------------------------------------------------

class ApproveForm(ServiceForm):
    key_decision_reference = forms.CharField(
        label="Key decision reference", max_length=100,
        error_messages={"required": "Enter the key decision reference"})

    def __init__(self, *args, key_decision, threshold=None, noun="An award", **kwargs):
        super().__init__(*args, **kwargs)
        if not key_decision:
            del self.fields["key_decision_reference"]
        else:
            self.fields["key_decision_reference"].help_text = (
                f"{noun} above {formatting.whole_money(threshold)} is a key decision. Give the "
                "reference of "
                "the published decision.")


class PassOnForm(ServiceForm):
    """Pass an award above one's limit to a named approver whose limit covers it."""

    to = forms.TypedChoiceField(
        label="Who should approve it?", coerce=int, widget=forms.RadioSelect,
        error_messages={"required": "Choose who should approve it",
                        "invalid_choice": "Choose who should approve it"})
    note = forms.CharField(
        label="Note for them (optional)", required=False, widget=forms.Textarea,
        help_text="They receive it by e-mail with a link to the award.")

    def __init__(self, *args, approvers, **kwargs):
        kwargs.setdefault("prefix", "pass-on")
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [
            (user.pk, f"{user.get_full_name() or user.username}, approval limit "
                      f"{formatting.money(user.approval_limit)}") for user in approvers]


# --- Providers ------------------------------------------------------------------------------

MONEY_ERRORS = {
    "required": "Enter your price",
    "invalid": "Enter your price as an amount in pounds, like 4500 or 4500.50",
    "max_decimal_places": "Enter your price in pounds and pence, like 4500.50",
    "max_digits": "Enter a smaller price",
    "max_whole_digits": "Enter a smaller price",
}


class EoiForm(ServiceForm):
    price = MoneyField(label="Your price", error_messages=MONEY_ERRORS)
    proposed_start = DatePartsField(label="When could the placement start?",
                                    subject="the placement could start",
                                    help_text="For example, 1 6 2026")
    how_needs_met = forms.CharField(
        label="How would you meet the child's needs?", widget=forms.Textarea,
        error_messages={"required": "Say how you would meet the child's needs"})
    outcomes_approach = forms.CharField(
        label="How would you work towards the outcomes? (optional)", required=False,
        widget=forms.Textarea)

    def __init__(self, *args, unit_label, cap=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit_label = unit_label
        self.fields["price"].label = f"Your price, £ {unit_label}"
        if cap is not None:
            self.fields["price"].help_text = (
                f"Your price cap for this lot is {formatting.money(cap)} {unit_label}. "
                "Your price cannot be "
                "above it.")

    @staticmethod
    def initial_from(eoi):
        return {name: getattr(eoi, name) for name in (
            "price", "proposed_start", "how_needs_met", "outcomes_approach")}

    def changes(self, eoi):
        """The fields that differ from `eoi`: what amend_eoi is given."""
        return {name: value for name, value in self.cleaned_data.items()
                if getattr(eoi, name) != value}


class RevisePriceForm(ServiceForm):
    price = MoneyField(label="Your new price", error_messages={
        **MONEY_ERRORS, "required": "Enter your new price"})

    def __init__(self, *args, unit_label, current, **kwargs):
        kwargs.setdefault("prefix", "revise")
        super().__init__(*args, **kwargs)
        self.unit_label = unit_label
        self.fields["price"].label = f"Your new price, £ {unit_label}"
        self.fields["price"].help_text = (
            f"Your price now is {formatting.money(current)} {unit_label}. "
            "In a negotiation a price can only "
            "go down.")


class QuestionForm(ServiceForm):
    text = forms.CharField(
        label="Your question", max_length=4000, widget=forms.Textarea,
        help_text="Every invited provider will see the question and its answer. Your "
                  "organisation is not named.",
        error_messages={"required": "Enter your question",
                        "max_length": "The question must be 4,000 characters or fewer"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "question")
        super().__init__(*args, **kwargs)


class OpportunityFilterForm(GovukForm):
    """The opportunity list's filters, from the query string; invalid values are ignored."""

    lot = forms.ChoiceField(label="Lot", required=False)
    need = forms.ChoiceField(label="Need", required=False)
    area = forms.CharField(label="Area", required=False, max_length=100)
    closing_soon = forms.BooleanField(label="Closing within 48 hours", required=False)

    def __init__(self, *args, lots, needs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [("", "Any lot")] + [(lot.code, lot.name) for lot in lots]
        self.fields["need"].choices = [("", "Any need")] + [(n.code, n.name) for n in needs]

    def filters(self):
        self.is_valid()  # an unknown lot or need is dropped; the other filters still apply
        data = self.cleaned_data
        return {"lot": data.get("lot", ""), "need": data.get("need", ""),
                "area": data.get("area", ""), "closing_soon": data.get("closing_soon", False)}

    def active(self):
        return any(self.filters().values())
