"""Placement scheduled work and e-mail. Each e-mail task claims what it sends, so a retried or
duplicated task sends nothing twice."""

from celery import shared_task
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone


def organisation_emails(organisation_ids, role=None):
    """{organisation id: [e-mail, ...]} of active users, optionally only those with `role`."""
    from dps.models import User

    addresses = {}
    rows = (User.objects.filter(organisation_id__in=set(organisation_ids), is_active=True)
            .exclude(email="").order_by("pk").values_list("organisation_id", "email", "roles"))
    for organisation_id, email, roles in rows:
        if role is None or role in (roles or []):
            addresses.setdefault(organisation_id, []).append(email)
    return addresses


def commissioner_emails(authority_ids):
    from dps.models import Role

    return organisation_emails(authority_ids, Role.COMMISSIONER)


def send(messages):
    if not messages:
        return 0
    with mail.get_connection() as connection:
        return connection.send_messages(messages)


def message(subject, template, context, to):
    return mail.EmailMessage(subject, render_to_string(template, context),
                             settings.DEFAULT_FROM_EMAIL, to)


@shared_task(acks_late=True)
def apply_placement_dates():
    from contracts import services

    return services.apply_placement_dates()


@shared_task(acks_late=True)
def issue_first_agreement(placement_id, by_id=None, reason=""):
    """An award's agreement, built after the approval commits (contracts.agreements)."""
    from contracts import agreements

    version = agreements.issue_first_agreement(placement_id, by_id=by_id, reason=reason)
    return version.version if version else 0


@shared_task(acks_late=True)
def issue_agreement_version(placement_id, by_id=None, reason=""):
    """A later version (fee change, support item), built after the change commits."""
    from contracts import agreements

    version = agreements.issue_agreement_version(placement_id, by_id=by_id, reason=reason)
    return version.version if version else 0


@shared_task(acks_late=True)
def send_review_reminders():
    from contracts import reminders

    return reminders.send_review_reminders()


def _claim(model, pk, field, **conditions):
    """Mark the row as told; False when another run already did."""
    return bool(model.objects.filter(pk=pk, **{f"{field}__isnull": True}, **conditions)
                .update(**{field: timezone.now()}))


@shared_task(acks_late=True)
def notify_fee_change_requested(fee_change_id):
    """Tell the authority's commissioners that the provider asked for a new price."""
    from contracts.models import FeeChange

    with transaction.atomic():
        if not _claim(FeeChange, fee_change_id, "request_notified_at"):
            return 0
        change = FeeChange.objects.select_related("placement", "placement__lot").get(
            pk=fee_change_id)
        to = commissioner_emails([change.placement.authority_id]).get(
            change.placement.authority_id)
        if not to:
            return 0
        return send([message(f"Fee change requested on placement {change.placement_id}",
                              "contracts/email/fee_change_requested.txt",
                              {"change": change, "placement": change.placement}, to)])


@shared_task(acks_late=True)
def notify_fee_change_decided(fee_change_id):
    """Tell the provider the decision on a fee change (or the change the council recorded)."""
    from contracts.models import FeeChange

    with transaction.atomic():
        if not _claim(FeeChange, fee_change_id, "decision_notified_at",
                      decided_at__isnull=False):
            return 0
        change = FeeChange.objects.select_related("placement", "placement__lot").get(
            pk=fee_change_id)
        provider_id = change.placement.provider_id
        to = organisation_emails([provider_id]).get(provider_id) if provider_id else None
        if not to:
            return 0
        return send([message(f"Fee change {change.get_status_display().lower()}: placement "
                             f"{change.placement_id}",
                             "contracts/email/fee_change_decided.txt",
                             {"change": change, "placement": change.placement}, to)])


@shared_task(acks_late=True)
def notify_placement_ended(placement_id):
    """Tell the provider the placement has ended, with the date and reason."""
    from contracts.models import Placement

    with transaction.atomic():
        if not _claim(Placement, placement_id, "end_notified_at", status="ended"):
            return 0
        placement = Placement.objects.select_related("lot", "authority").get(pk=placement_id)
        to = organisation_emails([placement.provider_id]).get(placement.provider_id) \
            if placement.provider_id else None
        if not to:
            return 0
        return send([message(f"Placement {placement.pk} has ended",
                             "contracts/email/placement_ended.txt", {"placement": placement},
                             to)])


@shared_task(acks_late=True)
def notify_purchase_passed_on(kind, pk, approver_id, passed_by_id):
    """E-mail the approver a spot placement or block purchase was passed to. Nothing once it
    no longer waits (approved meanwhile)."""
    from contracts.models import Approval, BlockContract, Placement
    from dps.models import User

    model = Placement if kind == "placement" else BlockContract
    obj = (model.objects.select_related("lot", "provider")
           .filter(pk=pk, approval=Approval.AWAITING).first())
    approver = User.objects.filter(pk=approver_id, is_active=True).exclude(email="").first()
    if obj is None or approver is None or approver.organisation_id != obj.authority_id:
        return 0
    passed_by = User.objects.filter(pk=passed_by_id).first()
    name = passed_by.get_full_name() or passed_by.username if passed_by else "A budget holder"
    noun = "spot placement" if kind == "placement" else "block purchase"
    return send([message(f"A {noun} to approve, passed to you by {name}",
                         "contracts/email/purchase_passed_on.txt",
                         {"obj": obj, "kind": kind, "noun": noun, "passed_by": name},
                         [approver.email])])
