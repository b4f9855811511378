"""Monitoring's scheduled work. Each task finds what is due and moves it through the services;
each e-mail is claimed (a timestamp set) in the transaction that sends it, so it goes once
however often the task runs."""

from celery import shared_task
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone


def _send(subject, template, context, to):
    if not to:
        return 0
    body = render_to_string(template, context)
    return mail.send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)


@shared_task(acks_late=True)
def flag_overdue_reassessments():
    """Tell the assessor and the DPS administrators, once per due date, that a provider's
    reassessment is overdue."""
    from monitoring import selectors, services

    now = timezone.now()
    admins = selectors.dps_admin_emails()
    flagged = 0
    ids = list(selectors.overdue_assessments(timezone.localdate(now))
               .filter(overdue_notified_at__isnull=True).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            assessment = services.claim_overdue_reassessment(pk, now)
            if assessment is None:
                continue  # another worker sent it
            assessor = assessment.assessed_by
            to = sorted({*admins, *([assessor.email] if assessor and assessor.is_active
                                    and assessor.email else [])})
            _send(f"Risk reassessment overdue: {assessment.provider.name}",
                  "monitoring/email/reassessment_overdue.txt", {"assessment": assessment}, to)
            flagged += 1
    return flagged


@shared_task(acks_late=True)
def escalate_overdue_actions():
    """Overdue action items: a reminder to the provider once; a grace period later, still
    without a response, a flag to the DPS administrators recommending suspension (once)."""
    from monitoring import selectors, services

    now = timezone.now()
    today = timezone.localdate(now)
    context = {"grace_days": settings.MONITORING_ESCALATION_GRACE_DAYS}
    reminded = escalated = 0
    for pk in list(selectors.overdue_action_items(today).filter(reminder_sent_at__isnull=True)
                   .values_list("pk", flat=True)):
        with transaction.atomic():
            item = services.claim_reminder(pk, now)
            if item is None:
                continue
            _send(f"Overdue action: {item.plan.title}", "monitoring/email/action_reminder.txt",
                  {**context, "item": item}, selectors.provider_emails(item.plan.provider_id))
            reminded += 1
    admins = selectors.dps_admin_emails()
    for pk in list(selectors.overdue_action_items(today)
                   .filter(reminder_sent_at__lte=services.escalation_due_before(now),
                           escalated_at__isnull=True).values_list("pk", flat=True)):
        with transaction.atomic():
            item = services.claim_escalation(pk, now)
            if item is None:
                continue
            _send(f"Suspension recommended: {item.plan.provider.name}",
                  "monitoring/email/action_escalated.txt", {**context, "item": item}, admins)
            escalated += 1
    return {"reminded": reminded, "escalated": escalated}


@shared_task(acks_late=True)
def open_kpi_returns():
    from monitoring import services

    return services.open_kpi_returns()


@shared_task(acks_late=True)
def detect_late_kpi_returns():
    from monitoring import services

    return services.detect_late_kpi_returns()
