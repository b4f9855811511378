"""Call-off scheduled work and e-mail. Each e-mail task sends only what has not been sent."""

from celery import shared_task
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from dps import formatting


def _provider_emails(provider_ids):
    from dps.models import User

    addresses = {}
    for org_id, email in (User.objects.filter(organisation_id__in=provider_ids, is_active=True)
                          .exclude(email="").values_list("organisation_id", "email")):
        addresses.setdefault(org_id, []).append(email)
    return addresses


@shared_task(acks_late=True)
def close_due_calloffs():
    from calloffs import services

    return services.close_due_calloffs()


@shared_task(acks_late=True)
def notify_invited_providers(calloff_id, batch_size=200):
    """E-mail every invited provider not yet told. Safe to run twice: it marks what it sent."""
    from calloffs.models import CallOff, Invitation

    calloff = CallOff.objects.select_related("lot", "referral").get(pk=calloff_id)
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(Invitation.objects.select_for_update(skip_locked=True)
                         .filter(calloff_id=calloff_id, notified_at__isnull=True)
                         .order_by("id")[:batch_size])
            if not batch:
                break
            addresses = _provider_emails([i.provider_id for i in batch])
            body = render_to_string("calloffs/email/invitation.txt", {"calloff": calloff})
            subject = f"New opportunity: {calloff.lot.name}, respond by " \
                      f"{formatting.date_time(calloff.deadline)}"
            messages = [mail.EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to)
                        for i in batch if (to := addresses.get(i.provider_id))]
            with mail.get_connection() as connection:
                connection.send_messages(messages)
            Invitation.objects.filter(pk__in=[i.pk for i in batch]).update(
                notified_at=timezone.now())
            sent += len(messages)
    return sent


@shared_task(acks_late=True)
def notify_answer(question_id):
    """Every invited provider sees the answer; the asker is not named."""
    from calloffs.models import Invitation, Question

    with transaction.atomic():
        # Claim the question first: a retried or duplicated task finds it already sent.
        claimed = Question.objects.filter(pk=question_id, notified_at__isnull=True,
                                          answered_at__isnull=False).update(
            notified_at=timezone.now())
        if not claimed:
            return 0
        question = Question.objects.select_related("calloff", "calloff__lot").get(
            pk=question_id)
        provider_ids = list(Invitation.objects.filter(calloff=question.calloff)
                            .values_list("provider_id", flat=True))
        addresses = _provider_emails(provider_ids)
        body = render_to_string("calloffs/email/answer.txt", {"question": question})
        subject = f"Clarification on call-off {question.calloff_id}"
        messages = [mail.EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to)
                    for to in addresses.values()]
        with mail.get_connection() as connection:
            return connection.send_messages(messages)


@shared_task(acks_late=True)
def notify_outcome(calloff_id):
    """Tell each bidder the outcome, with its own rank and scores (never the others')."""
    from calloffs.models import CallOff, ExpressionOfInterest

    calloff = CallOff.objects.select_related("lot").get(pk=calloff_id)
    with transaction.atomic():
        # Only bidders not yet told; marking them in the same transaction makes a retry a no-op.
        pending = ExpressionOfInterest.objects.select_for_update(skip_locked=True).filter(
            calloff=calloff, status=ExpressionOfInterest.Status.SUBMITTED,
            outcome_notified_at__isnull=True)
        eois = list(pending.select_related("provider").prefetch_related(
            "criterion_scores__criterion"))
        bidders = ExpressionOfInterest.objects.filter(
            calloff=calloff, status=ExpressionOfInterest.Status.SUBMITTED).count()
        ExpressionOfInterest.objects.filter(pk__in=[e.pk for e in eois]).update(
            outcome_notified_at=timezone.now())
        return _send_outcomes(calloff, eois, bidders)


def _send_outcomes(calloff, eois, bidders):
    addresses = _provider_emails([e.provider_id for e in eois])
    messages = []
    for eoi in eois:
        to = addresses.get(eoi.provider_id)
        if not to:
            continue
        body = render_to_string("calloffs/email/outcome.txt",
                                {"calloff": calloff, "eoi": eoi, "bidders": bidders})
        messages.append(mail.EmailMessage(f"Outcome of call-off {calloff.pk}", body,
                                          settings.DEFAULT_FROM_EMAIL, to))
    with mail.get_connection() as connection:
        return connection.send_messages(messages)


@shared_task(acks_late=True)
def notify_approval_request(calloff_id, user_ids, passed_by_id=None):
    """Tell budget holders an award waits for their approval, with the provider's risk."""
    from calloffs.approval_requests import send_approval_request

    return send_approval_request(calloff_id, user_ids, passed_by_id)
