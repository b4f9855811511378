"""Posting, confirming and withdrawing vacancies, and the day-12 reminder (ADR 0021).

One function per action: atomic, takes the acting user, checks the rules with API.md's codes
and writes the audit row in the same transaction. The pages, the API and the beat task call
these; none repeats a rule.
"""

import datetime

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from dps import areas, audit, formatting
from dps.errors import Forbidden, InvalidTransition, RuleViolation
from dps.models import Role, User
from providers.models import Lot, Membership
from referrals.models import Need
from sufficiency.models import LIFETIME_DAYS, REMIND_AFTER_DAYS, Vacancy

MAX_AGE = 25  # care leavers' support runs to 25 (Children and Social Work Act 2017, s.3)
MAX_PLACES = 99
MAX_DAYS_AHEAD = 365
NOTES_MAX = 300


def _invalid(fields, detail="Check the vacancy's details."):
    raise RuleViolation(detail, code="invalid", fields=fields)


def _provider_of(by):
    if not (by.has_role(Role.PROVIDER) and by.organisation_id and by.organisation.is_provider):
        raise Forbidden("Only a provider's users post vacancies.")
    return by.organisation


def _require_admitted(provider, lot):
    if not Membership.objects.filter(provider=provider, lot=lot,
                                     status=Membership.Status.ADMITTED).exists():
        raise RuleViolation(
            f"{provider.name} is not admitted on the {lot.name} lot (or is suspended from it): "
            f"only admitted providers post vacancies on a lot.", code="not_admitted",
            fields={"lot": ["Not admitted on this lot."]})


def _resolve_lot(lot):
    if isinstance(lot, Lot):
        return lot
    found = Lot.objects.filter(code=lot).first()
    if found is None and str(lot).isdigit():
        found = Lot.objects.filter(pk=int(lot)).first()
    if found is None:
        _invalid({"lot": ["No such lot."]})
    return found


def _check(*, places, area, age_from, age_to, needs, available_from, notes, today):
    problems = {}
    if places is None or not 1 <= places <= MAX_PLACES:
        problems["places"] = [f"Between 1 and {MAX_PLACES} places."]
    found_area = areas.find(area)
    if found_area is None:
        problems["area"] = ["Choose a local authority area in England from the list."]
    if age_from is None or not 0 <= age_from <= MAX_AGE:
        problems["age_from"] = [f"An age from 0 to {MAX_AGE}."]
    if age_to is None or not 0 <= age_to <= MAX_AGE:
        problems["age_to"] = [f"An age from 0 to {MAX_AGE}."]
    elif age_from is not None and age_from > age_to:
        problems["age_to"] = ["Cannot be below the youngest age."]
    codes = list(dict.fromkeys(needs or []))
    found = {need.code: need for need in Need.objects.filter(code__in=codes, is_active=True)}
    unknown = [code for code in codes if code not in found]
    if unknown:
        problems["needs"] = [f"Not a need in the list: {', '.join(map(str, unknown))}."]
    if available_from is None or available_from > today + datetime.timedelta(
            days=MAX_DAYS_AHEAD):
        problems["available_from"] = [f"A date at most {MAX_DAYS_AHEAD} days ahead."]
    if len(notes or "") > NOTES_MAX:
        problems["notes"] = [f"At most {NOTES_MAX} characters."]
    if problems:
        _invalid(problems)
    return found_area, [found[code] for code in codes]


@transaction.atomic
def post_vacancy(*, by, lot, places, area, age_from, age_to, needs=(), available_from,
                 notes=""):
    """A provider admitted on `lot` posts a vacancy: live for 14 days unless confirmed."""
    provider = _provider_of(by)
    lot = _resolve_lot(lot)
    _require_admitted(provider, lot)
    now, today = timezone.now(), timezone.localdate()
    found_area, need_rows = _check(places=places, area=area, age_from=age_from, age_to=age_to,
                                   needs=needs, available_from=available_from, notes=notes,
                                   today=today)
    vacancy = Vacancy.objects.create(
        provider=provider, lot=lot, places=places, area_code=found_area.code,
        age_from=age_from, age_to=age_to, available_from=available_from,
        notes=(notes or "").strip(), posted_at=now, posted_by=by, confirmed_at=now,
        expires_on=today + datetime.timedelta(days=LIFETIME_DAYS))
    vacancy.needs.set(need_rows)
    audit.record(vacancy, "vacancy.posted", by=by, to_state="live", data={
        "lot": lot.code, "places": places, "area": found_area.code,
        "ages": [age_from, age_to], "needs": [n.code for n in need_rows],
        "expires_on": vacancy.expires_on.isoformat()})
    return vacancy


def _locked_own(vacancy, by):
    provider = _provider_of(by)
    locked = Vacancy.objects.select_for_update().select_related("lot").get(pk=vacancy.pk)
    if locked.provider_id != provider.pk:
        raise Forbidden("Only the provider that posted a vacancy changes it.")
    if locked.withdrawn_at is not None:
        raise InvalidTransition("This vacancy was withdrawn: post a new one instead.")
    return provider, locked


@transaction.atomic
def confirm_vacancy(vacancy, *, by):
    """One click: the vacancy is still open, so it lives another 14 days from today (an expired
    one is listed again)."""
    provider, locked = _locked_own(vacancy, by)
    _require_admitted(provider, locked.lot)
    before = locked.expires_on
    now, today = timezone.now(), timezone.localdate()
    locked.confirmed_at = now
    locked.expires_on = today + datetime.timedelta(days=LIFETIME_DAYS)
    locked.reminded_at = None  # the next reminder is for this confirmation
    locked.save(update_fields=["confirmed_at", "expires_on", "reminded_at"])
    audit.record(locked, "vacancy.confirmed", by=by, to_state="live", data={
        "expires_on": {"from": before.isoformat(), "to": locked.expires_on.isoformat()}})
    return locked


@transaction.atomic
def withdraw_vacancy(vacancy, *, by):
    """The places are filled or no longer offered: the vacancy stops showing at once."""
    _provider, locked = _locked_own(vacancy, by)
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = by
    locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit.record(locked, "vacancy.withdrawn", by=by, from_state="live", to_state="withdrawn")
    return locked


def due_reminder_ids(today=None):
    """Vacancies on day 12 or later of their 14, not yet reminded since their last confirmation."""
    today = today or timezone.localdate()
    return list(Vacancy.objects.filter(
        withdrawn_at__isnull=True, reminded_at__isnull=True, expires_on__gt=today,
        expires_on__lte=today + datetime.timedelta(days=LIFETIME_DAYS - REMIND_AFTER_DAYS))
        .values_list("pk", flat=True))


def claim_reminder(pk):
    """Mark one vacancy reminded: True when this call did, so it is e-mailed once."""
    return bool(Vacancy.objects.filter(pk=pk, reminded_at__isnull=True,
                                       withdrawn_at__isnull=True)
                .update(reminded_at=timezone.now()))


def remind_expiring(today=None, *, site_url=None):
    """The day-12 reminder: each provider's users are asked to confirm or withdraw. Idempotent:
    a vacancy is claimed before its e-mail, so two runs at once send it once."""
    sent = 0
    site_url = (site_url or getattr(settings, "SITE_URL", "") or "").rstrip("/")
    for pk in due_reminder_ids(today):
        if not claim_reminder(pk):
            continue
        vacancy = Vacancy.objects.select_related("provider", "lot").get(pk=pk)
        emails = [user.email for user in User.objects.filter(
            organisation_id=vacancy.provider_id, is_active=True).exclude(email="")
            if Role.PROVIDER in (user.roles or [])]
        if emails:
            mail.EmailMessage(
                f"Is your {vacancy.lot.name.lower()} vacancy still open? It stops showing on "
                f"{formatting.long_date(vacancy.expires_on)}",
                render_to_string("sufficiency/email/expiring.txt", {
                    "vacancy": vacancy, "area": areas.find(vacancy.area_code),
                    "site_url": site_url}),
                settings.DEFAULT_FROM_EMAIL, emails).send()
        sent += 1
    return sent

