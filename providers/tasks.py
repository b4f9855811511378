"""Scheduled work. Each task finds what is due and moves it through the same services."""

from celery import shared_task

from providers import services


@shared_task(acks_late=True)
def open_due_rounds():
    return services.open_due_rounds()


@shared_task(acks_late=True)
def close_due_rounds():
    return services.close_due_rounds()


@shared_task(acks_late=True)
def lapse_suspensions():
    return services.lapse_suspensions()


@shared_task(acks_late=True)
def remove_excluded_members():
    """s.37: excluded suppliers leave dynamic markets under the Act (an entry may start later
    than it was listed)."""
    from providers.exclusions import remove_excluded_members as remove

    return remove()


@shared_task(acks_late=True)
def send_decision_notice(application_id):
    """Tell the provider's users the outcome per lot, with the reasons."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    from dps.models import User
    from providers.models import Application

    application = Application.objects.select_related("dps", "provider").get(pk=application_id)
    recipients = list(
        User.objects.filter(organisation=application.provider, is_active=True)
        .exclude(email="").values_list("email", flat=True)
    )
    if not recipients:
        return 0
    context = {"application": application,
               "lots": application.lots.select_related("lot").order_by("lot__position")}
    body = render_to_string("providers/email/decision.txt", context)
    return send_mail(f"Your application to join {application.dps.name}: decision", body,
                     settings.DEFAULT_FROM_EMAIL, recipients)


@shared_task(acks_late=True)
def invite_members_to_apply(market_id, old_id, provider_ids):
    """Tell the members of a DPS that its successor dynamic market takes applications."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    from dps.models import User
    from providers.models import Dps

    market, old = Dps.objects.get(pk=market_id), Dps.objects.get(pk=old_id)
    recipients = list(User.objects.filter(organisation_id__in=provider_ids, is_active=True)
                      .exclude(email="").values_list("email", flat=True).distinct())
    if not recipients:
        return 0
    body = render_to_string("providers/email/apply_to_market.txt",
                            {"market": market, "old": old})
    # One message, every member blind-copied: no supplier learns who the others are.
    return EmailMessage(f"Apply to join {market.name}", body, settings.DEFAULT_FROM_EMAIL,
                        to=[settings.DEFAULT_FROM_EMAIL], bcc=recipients).send()
