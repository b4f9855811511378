"""Subject-access export: everything the system holds about one child, as JSON, for the DPS
admin answering a request under UK GDPR Article 15. Exporting is audited."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from dps import audit
from dps.errors import Forbidden
from dps.models import AuditEntry, Role


def _day(value):
    return value.isoformat() if value else None


def _money(value):
    return None if value is None else f"{value:.2f}"


def _audit_rows(objects):
    by_type = {}
    for obj in objects:
        by_type.setdefault(ContentType.objects.get_for_model(obj), []).append(obj.pk)
    rows = []
    for content_type, ids in by_type.items():
        entries = (AuditEntry.objects.filter(content_type=content_type, object_id__in=ids)
                   .select_related("actor").order_by("at", "id"))
        rows += [{"at": e.at.isoformat(), "object": f"{content_type.model} {e.object_id}",
                  "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
                  "reason": e.reason, "by": e.actor.username if e.actor else None}
                 for e in entries]
    return sorted(rows, key=lambda row: row["at"])


@transaction.atomic
def subject_access_export(child, *, by):
    from calloffs.models import CallOff
    from contracts.models import Placement
    from monitoring.models import OutcomeRating

    if by is None or not by.has_role(Role.DPS_ADMIN):
        raise Forbidden("Only the DPS administrator can export a child's records.")
    referrals = list(child.referrals.select_related("lot").prefetch_related("needs")
                     .order_by("created_at", "id"))
    calloffs = {c.referral_id: c for c in CallOff.objects.filter(referral__in=referrals)}
    placements = list(Placement.objects.filter(child=child).select_related("lot")
                      .prefetch_related("fee_periods", "support_items", "reviews")
                      .order_by("start_date", "id"))
    ratings = OutcomeRating.objects.filter(placement__in=placements).order_by("rated_on", "id")
    body = {
        "exported_at": timezone.now().isoformat(),
        "exported_by": by.username,
        "child": {
            "id": child.pk, "authority": child.authority.name,
            "first_name": child.first_name, "last_name": child.last_name,
            "date_of_birth": _day(child.date_of_birth), "case_reference": child.case_reference,
            "postcode": child.postcode, "created_at": child.created_at.isoformat(),
            "identity_cleared_at": child.identity_cleared_at.isoformat()
            if child.identity_cleared_at else None,
        },
        "referrals": [{
            "id": r.pk, "lot": r.lot.code, "status": r.status, "summary": r.summary,
            "needs": sorted(n.code for n in r.needs.all()), "outcomes": r.outcomes,
            "placement_start": _day(r.placement_start), "duration_weeks": r.duration_weeks,
            "location_area": r.location_area, "urgency": r.urgency,
            "created_at": r.created_at.isoformat(),
            "calloff": None if r.pk not in calloffs else {
                "id": calloffs[r.pk].pk, "status": calloffs[r.pk].status,
                "published_at": calloffs[r.pk].published_at.isoformat(),
                "deadline": calloffs[r.pk].deadline.isoformat()},
        } for r in referrals],
        "placements": [{
            "id": p.pk, "provider": p.provider_name, "lot": p.lot.code, "route": p.route,
            "status": p.status, "start_date": _day(p.start_date),
            "planned_end_date": _day(p.planned_end_date), "end_date": _day(p.end_date),
            "end_reason": p.end_reason,
            "fee_periods": [{"price": _money(f.price), "unit": f.unit,
                             "effective_from": _day(f.effective_from),
                             "effective_to": _day(f.effective_to)}
                            for f in p.fee_periods.all()],
            "support_items": [{"description": s.description,
                               "weekly_cost": _money(s.weekly_cost),
                               "start_date": _day(s.start_date),
                               "review_date": _day(s.review_date),
                               "end_date": _day(s.end_date)} for s in p.support_items.all()],
            "reviews": [{"sequence": v.sequence, "due_date": _day(v.due_date),
                         "done_date": _day(v.done_date), "notes": v.notes}
                        for v in p.reviews.all()],
        } for p in placements],
        "outcome_ratings": [{"placement": o.placement_id, "domain": o.domain,
                             "rating": o.rating, "rated_on": _day(o.rated_on), "note": o.note}
                            for o in ratings],
        "audit": _audit_rows([child, *referrals, *calloffs.values(), *placements]),
    }
    audit.record(child, "child.subject_access_exported", by=by)
    return body
