"""Quality criteria: a lot's defaults, a call-off's published copy, and per-criterion scores.

Quality is scored against criteria published with the call-off (PA 2023 s.23(4) and
Sch. 6; PCR 2015 reg. 34(23) and 67(5)): providers are told them and their weights, and each
bidder's feedback gives its score on each (PA 2023 s.50; PCR 2015 reg. 55). The offer's
`quality_score` stays the weighted result, so the price/quality ranking and v1 clients that
send one score are unchanged (ADR 0026).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from calloffs.models import Criterion, CriterionScore, LotCriterion
from dps import audit
from dps.errors import InvalidTransition, RuleViolation
from referrals.audience import refuse_identifiers

# The four examples a lot starts with until the DPS's administrator changes them.
DEFAULT_CRITERIA = (
    ("How the child's needs are met", 40),
    ("Approach to outcomes", 25),
    ("Location and stability", 20),
    ("Staffing", 15),
)
MAX_CRITERIA = 10


def defaults():
    return [{"name": name, "weight": weight} for name, weight in DEFAULT_CRITERIA]


def lot_criteria(lot):
    """The lot's default criteria as [{"name", "weight"}]; the four examples if it has none."""
    rows = [{"name": c.name, "weight": c.weight}
            for c in LotCriterion.objects.filter(lot=lot).order_by("position", "id")]
    return rows or defaults()


def check_criteria(criteria, field="criteria"):
    """Criteria as [{"name", "weight"}], cleaned: 1–10 named, distinct, weights summing to 100.
    Anything else is 400 `invalid` naming `field`, and nothing is stored."""
    if not isinstance(criteria, list | tuple) or not criteria:
        raise RuleViolation("Give at least one quality criterion.", code="invalid",
                            fields={field: ["Give at least one criterion."]})
    if len(criteria) > MAX_CRITERIA:
        raise RuleViolation(f"Give at most {MAX_CRITERIA} quality criteria.", code="invalid",
                            fields={field: [f"At most {MAX_CRITERIA}."]})
    cleaned, seen = [], set()
    for number, item in enumerate(criteria, start=1):
        name = str(item.get("name") or "").strip()
        weight = item.get("weight")
        if not name or len(name) > 100:
            raise RuleViolation(f"Name criterion {number} (up to 100 characters).",
                                code="invalid", fields={field: [f"Criterion {number}: name."]})
        if name.lower() in seen:
            raise RuleViolation(f"“{name}” is given twice: name each criterion once.",
                                code="invalid", fields={field: [f"{name}: twice."]})
        seen.add(name.lower())
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            raise RuleViolation(f"The weight of “{name}” is a whole number from 1 to 100.",
                                code="invalid", fields={field: [f"{name}: weight 1 to 100."]})
        cleaned.append({"name": name, "weight": weight})
    total = sum(item["weight"] for item in cleaned)
    if total != 100:
        raise RuleViolation(
            f"The criteria's weights must add up to 100; they add up to {total}.",
            code="invalid", fields={field: [f"Weights add up to {total}, not 100."]})
    return cleaned


def publish_criteria(calloff, criteria=None):
    """Copy the given criteria (else the lot's defaults) onto a call-off being published."""
    cleaned = check_criteria(lot_criteria(calloff.lot) if criteria is None else criteria)
    # Every invited provider reads them on the opportunity.
    refuse_identifiers(calloff, {"criteria": " ".join(item["name"] for item in cleaned)})
    Criterion.objects.bulk_create([
        Criterion(calloff=calloff, name=item["name"], weight=item["weight"], position=number)
        for number, item in enumerate(cleaned)])
    return cleaned


@transaction.atomic
def set_lot_criteria(lot, *, by, criteria):
    """The DPS administrator's default criteria for a lot's future call-offs."""
    cleaned = check_criteria(criteria)
    before = lot_criteria(lot)
    LotCriterion.objects.filter(lot=lot).delete()
    LotCriterion.objects.bulk_create([
        LotCriterion(lot=lot, name=item["name"], weight=item["weight"], position=number)
        for number, item in enumerate(cleaned)])
    audit.record(lot, "lot.criteria_changed", by=by,
                 data={"criteria": cleaned, "previous": before})
    return cleaned


def change_criteria(calloff, *, by, criteria):
    """Refused: a call-off's criteria were published with it and bidders answered them. To
    score on other criteria, cancel and publish again."""
    raise InvalidTransition("The quality criteria were published with the call-off and are "
                            "fixed: cancel it and publish again to use other criteria.")


def weighted(scores):
    """The weighted result of [(score, weight)], weights summing to 100, to a whole number
    (half up), as a single quality_score is."""
    total = sum(Decimal(score) * weight for score, weight in scores) / 100
    return int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _check_scores(criteria, scores):
    """[{"criterion": id, "score", "note"}] covering each criterion once, scores 0–100."""
    by_id = {criterion.pk: criterion for criterion in criteria}
    given = {}
    for item in scores:
        criterion = by_id.get(item.get("criterion"))
        if criterion is None:
            raise RuleViolation("Score this call-off's own criteria.", code="invalid",
                                fields={"scores": [f"Unknown criterion {item.get('criterion')}."]})
        if criterion.pk in given:
            raise RuleViolation(f"“{criterion.name}” is scored twice.", code="invalid",
                                fields={"scores": [f"{criterion.name}: twice."]})
        score = item.get("score")
        if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
            raise RuleViolation(f"The score for “{criterion.name}” is from 0 to 100.",
                                code="invalid", fields={"scores": [f"{criterion.name}: 0 to 100."]})
        given[criterion.pk] = (criterion, score, str(item.get("note") or ""))
    missing = [c.name for c in criteria if c.pk not in given]
    if missing:
        raise RuleViolation(f"Score every criterion: {', '.join(missing)} still to score.",
                            code="invalid", fields={"scores": [f"{name}: not scored." for name in
                                                               missing]})
    return [given[c.pk] for c in criteria]


def score_by_criteria(eoi, *, by, scores, notes=""):
    """Store each criterion's score and note and set quality_score to their weighted result.
    The caller (services.evaluate_eoi) holds the EoI's lock and has checked its state."""
    criteria = list(eoi.calloff.criteria.all())
    if not criteria:
        raise RuleViolation("This call-off has no published criteria: send one quality_score.",
                            code="invalid", fields={"scores": ["No criteria to score."]})
    rows = _check_scores(criteria, scores)
    # Each note is the bidder's feedback once the call-off is decided.
    refuse_identifiers(eoi.calloff, {"notes": notes, **{
        f"scores.{number}.note": note for number, (_, _, note) in enumerate(rows)}})
    result = weighted((score, criterion.weight) for criterion, score, _ in rows)
    CriterionScore.objects.filter(eoi=eoi).delete()
    CriterionScore.objects.bulk_create([
        CriterionScore(eoi=eoi, criterion=criterion, score=score, note=note)
        for criterion, score, note in rows])
    before = eoi.quality_score
    eoi.quality_score = result
    eoi.evaluation_notes = notes
    eoi.evaluated_at = timezone.now()
    eoi.evaluated_by = by
    eoi.save(update_fields=["quality_score", "evaluation_notes", "evaluated_at",
                            "evaluated_by"])
    audit.record(eoi, "eoi.evaluated", by=by, reason=notes, data={
        "quality_score": result, "previous": before,
        "criteria": {criterion.name: score for criterion, score, _ in rows}})
    return eoi


def breakdown(criteria, criterion_scores):
    """Each criterion with this offer's score and note (None while unscored), in order: from
    prefetched rows, no query."""
    by_criterion = {row.criterion_id: row for row in criterion_scores}
    return [{"criterion": c.pk, "name": c.name, "weight": c.weight,
             "score": by_criterion[c.pk].score if c.pk in by_criterion else None,
             "note": by_criterion[c.pk].note if c.pk in by_criterion else ""}
            for c in criteria]
