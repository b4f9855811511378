"""Asking budget holders to approve an award, and passing one on.

When a commissioner recommends an offer, the authority's budget holders whose limit covers the
award are e-mailed (all of them when no one's does), with the recommended provider's risk
(monitoring.award_risk): nobody approves a red-rated provider without being told. A budget
holder whose limit does not cover an award passes it to one who can, by name: the pass is
audited and that approver is e-mailed through the outbox (issue "A council officer's first
week", findings 3 and 5).
"""

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string

from calloffs import selectors
from calloffs.models import CallOff
from dps import audit, outbox
from dps.approvals import within_approval_limit
from dps.errors import Forbidden, InvalidTransition, NotFound, RuleViolation
from dps.models import Role


def award_value_of(calloff):
    from calloffs.services import award_value

    referral = calloff.referral
    return award_value(price=calloff.recommended_eoi.price, unit=calloff.lot.price_unit,
                       duration_weeks=referral.duration_weeks,
                       hours_per_week=referral.hours_per_week)


def approvers_for(calloff, *, exclude=None):
    """The authority's active budget holders whose limit covers the recommended award,
    highest limit first (never `exclude`)."""
    return selectors.able_to_approve(selectors.budget_holders(calloff.authority_id),
                                     award_value_of(calloff), exclude=exclude)


def request_approval(calloff):
    """Inside the recommendation's transaction: e-mail the approvers after commit."""
    holders = approvers_for(calloff) or selectors.budget_holders(calloff.authority_id)
    if holders:
        from calloffs import tasks

        outbox.enqueue(tasks.notify_approval_request, calloff.pk, [u.pk for u in holders])


@transaction.atomic
def pass_recommendation(calloff, *, by, to, note=""):
    """A budget holder whose limit does not cover the award passes it to `to` (a user id), a
    budget holder of the same authority whose limit does. The call-off stays awaiting
    approval; the pass is audited and `to` is e-mailed."""
    calloff = (CallOff.objects.select_for_update(of=("self",))
               .select_related("lot", "referral", "recommended_eoi").filter(pk=calloff.pk)
               .first())
    if calloff is None or by is None or by.organisation_id != calloff.authority_id:
        raise NotFound()
    if not by.has_role(Role.BUDGET_HOLDER):
        raise Forbidden("Only a budget holder passes an award on.")
    if calloff.status != CallOff.Status.AWAITING_APPROVAL or calloff.recommended_eoi is None:
        raise InvalidTransition("Only a recommendation awaiting approval can be passed on; "
                                f"this call-off is {calloff.get_status_display().lower()}.")
    value = award_value_of(calloff)
    if within_approval_limit(by, value):
        raise RuleViolation("Your approval limit covers this award: approve it or send it back.",
                            code="invalid", fields={"to": ["You can approve it yourself."]})
    approver = next((user for user in approvers_for(calloff, exclude=by)
                     if str(user.pk) == str(to)), None)
    if approver is None:
        raise RuleViolation("Choose a budget holder whose approval limit covers the award.",
                            code="invalid",
                            fields={"to": ["Not a budget holder whose limit covers it."]})
    note = (note or "").strip()
    audit.record(calloff, "calloff.approval_passed_on", by=by, reason=note,
                 data={"to": approver.pk, "value": str(value)})
    from calloffs import tasks

    outbox.enqueue(tasks.notify_approval_request, calloff.pk, [approver.pk], by.pk)
    return approver


def send_approval_request(calloff_id, user_ids, passed_by_id=None):
    """E-mail `user_ids` (the authority's budget holders) that the award waits for them, with
    the recommended provider's risk. Nothing when it no longer waits."""
    from dps.models import User
    from monitoring.award_risk import risk_for

    calloff = (CallOff.objects.select_related("lot", "referral", "recommended_eoi",
                                              "recommended_eoi__provider", "recommended_by")
               .filter(pk=calloff_id, status=CallOff.Status.AWAITING_APPROVAL).first())
    if calloff is None or calloff.recommended_eoi is None:
        return 0
    eoi = calloff.recommended_eoi
    users = list(User.objects.filter(pk__in=user_ids, organisation_id=calloff.authority_id,
                                     is_active=True).exclude(email=""))
    passed_by = User.objects.filter(pk=passed_by_id).first() if passed_by_id else None
    body = render_to_string("calloffs/email/approval_request.txt", {
        "calloff": calloff, "eoi": eoi, "value": award_value_of(calloff),
        "risk": risk_for([eoi.provider_id])[eoi.provider_id], "passed_by": passed_by,
        "unit": calloff.lot.get_price_unit_display(),
    })
    subject = (f"Award to approve: call-off {calloff.pk}, {calloff.lot.name}"
               + (f", passed to you by {passed_by.get_full_name() or passed_by.username}"
                  if passed_by else ""))
    messages = [mail.EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
                for user in users if user.has_role(Role.BUDGET_HOLDER)]
    with mail.get_connection() as connection:
        return connection.send_messages(messages)
