"""The e-mails notices send: a reminder a week before a notice is due, and word that it is
overdue, to the council's commissioners and the DPS administrators. Each once (services)."""

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string

from dps.models import Role, User
from notices import rules
from notices.models import Notice


def _recipients(notice):
    users = User.objects.filter(is_active=True).exclude(email="").order_by("pk")
    found = []
    for email, roles, organisation_id in users.values_list("email", "roles", "organisation_id"):
        roles = roles or []
        if Role.DPS_ADMIN in roles or (Role.COMMISSIONER in roles
                                       and organisation_id == notice.authority_id):
            found.append(email)
    return found


def _send(notice_id, template, subject):
    notice = Notice.objects.select_related("dps", "authority").get(pk=notice_id)
    to = _recipients(notice)
    if not to:
        return 0
    body = render_to_string(template, {"notice": notice, "rule": rules.rule(notice.kind)})
    return mail.EmailMessage(subject.format(kind=notice.get_kind_display()), body,
                             settings.DEFAULT_FROM_EMAIL, to).send()


def send_reminder(notice_id):
    return _send(notice_id, "notices/email/reminder.txt", "{kind} due within a week")


def send_overdue(notice_id):
    return _send(notice_id, "notices/email/overdue.txt", "{kind} overdue")
