"""The notices' business actions (ADR 0020): raise an obligation, move it to overdue, remind,
record its publication. One function each, atomic, audited; the task, the API and the pages
call them."""

import datetime
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from dps import audit
from dps.errors import Conflict, InvalidTransition, RuleViolation
from dps.transitions import move
from notices import content, emails, rules, scan
from notices.models import Kind, Notice

# Published ahead of the event by nature: the market is established after its intention notice.
PUBLISHED_AHEAD = frozenset({Kind.DYNAMIC_MARKET_INTENTION})
# Find a Tender's identifiers ("001234-2025") and the older "2025/S 000-001234": letters,
# digits, spaces and / - . only, so a pasted link or sentence is refused.
# Find a Tender's notice identifiers are digits and separators (012345-2026): nothing else is
# accepted, so no name can reach the public open data through this field.
IDENTIFIER = re.compile(r"^[0-9][0-9/\-]{3,39}$")


def raise_notice(candidate, *, by=None):
    """Create the obligation unless it exists; returns (notice, created). Two runs at once:
    the unique constraint lets one insert win, the other reads the winner's row."""
    try:
        with transaction.atomic():
            notice, created = Notice.objects.get_or_create(
                kind=candidate.kind, subject_type=candidate.subject_type,
                subject_id=candidate.subject_id, occurrence=candidate.occurrence,
                defaults={"authority_id": candidate.authority_id, "dps_id": candidate.dps_id,
                          "event_on": candidate.event_on, "due_by": candidate.due_by})
            if created:
                audit.record(notice, "notice.raised", by=by, to_state=notice.status,
                             data={"kind": str(notice.kind), "due_by": notice.due_by.isoformat(),
                                   "subject": notice.subject, "code": rules.code(notice.kind)})
            return notice, created
    except IntegrityError:
        return Notice.objects.get(kind=candidate.kind, subject_type=candidate.subject_type,
                                  subject_id=candidate.subject_id,
                                  occurrence=candidate.occurrence), False


def raise_missing(today=None, *, by=None):
    """Every obligation the records call for and the database lacks; the count raised."""
    existing = set(Notice.objects.values_list("kind", "subject_type", "subject_id",
                                              "occurrence"))
    raised = 0
    for candidate in scan.candidates(today):
        if candidate.key in existing:
            continue
        _, created = raise_notice(candidate, by=by)
        existing.add(candidate.key)
        raised += created
    return raised


def _locked(notice_id):
    return Notice.objects.select_for_update(skip_locked=True).filter(pk=notice_id).first()


@transaction.atomic
def mark_overdue(notice_id, today, *, by=None):
    """Due → overdue once its day has passed; the council is told once. Returns whether it
    moved (a second run finds it moved, or locked by the first, and does nothing)."""
    notice = _locked(notice_id)
    if notice is None or notice.status != Notice.Status.DUE or notice.due_by >= today:
        return False
    write = move(notice, "become_overdue", by=by, action="notice.overdue",
                 data={"due_by": notice.due_by.isoformat()})
    notice.overdue_at = timezone.now()
    notice.save(update_fields=["status", "overdue_at"])
    write()
    transaction.on_commit(lambda: emails.send_overdue(notice.pk))
    return True


@transaction.atomic
def remind(notice_id, today, *, by=None):
    """A week before its day, the council is reminded once of a notice still due."""
    notice = _locked(notice_id)
    if (notice is None or notice.status != Notice.Status.DUE or notice.reminded_at
            or rules.remind_on(notice.due_by) > today or notice.due_by < today):
        return False
    notice.reminded_at = timezone.now()
    notice.save(update_fields=["reminded_at"])
    audit.record(notice, "notice.reminded", by=by, to_state=notice.status,
                 data={"due_by": notice.due_by.isoformat()})
    transaction.on_commit(lambda: emails.send_reminder(notice.pk))
    return True


def refresh(today=None):
    """The beat task's work: raise what is missing, remind, mark overdue. Idempotent."""
    today = today or timezone.localdate()
    raised = raise_missing(today)
    open_ = Notice.objects.filter(status=Notice.Status.DUE)
    reminded = sum(remind(pk, today) for pk in open_.filter(
        reminded_at__isnull=True, due_by__gte=today,
        due_by__lte=today + datetime.timedelta(days=rules.REMIND_DAYS_BEFORE))
        .values_list("pk", flat=True))
    overdue = sum(mark_overdue(pk, today) for pk in open_.filter(due_by__lt=today)
                  .values_list("pk", flat=True))
    return {"raised": raised, "reminded": reminded, "overdue": overdue}


@transaction.atomic
def record_publication(notice, *, by, notice_identifier, published_on):
    """The council published the notice on Find a Tender: its identifier and day. The release
    as published is kept, so the open data serves what was published."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status == Notice.Status.PUBLISHED:
        raise InvalidTransition(
            f"This notice was already recorded as published ({notice.notice_identifier}).")
    identifier = (notice_identifier or "").strip()
    if not IDENTIFIER.match(identifier):
        raise RuleViolation("Enter the notice's identifier as Find a Tender shows it, for "
                            "example 012345-2026.", code="invalid",
                            fields={"notice_identifier": ["Enter the Find a Tender identifier."]})
    today = timezone.localdate()
    if published_on > today:
        raise RuleViolation("The day it was published cannot be in the future.",
                            code="published_in_future",
                            fields={"published_on": [
                                "The day it was published cannot be in the future"]})
    if notice.kind not in PUBLISHED_AHEAD and published_on < notice.event_on:
        raise RuleViolation(
            f"It cannot have been published before the event it reports "
            f"({notice.event_on:%-d %B %Y}).", code="published_before_event",
            fields={"published_on": [f"The day it was published cannot be before "
                                      f"{notice.event_on:%-d %B %Y}, the day of the event"]})
    if Notice.objects.filter(notice_identifier=identifier).exclude(pk=notice.pk).exists():
        raise Conflict("Another notice was recorded with this identifier.",
                       code="notice_identifier_taken",
                       fields={"notice_identifier": ["Another notice has this identifier."]})
    # The audit row names the release published, exactly (its id, filled in below).
    details = {"notice_identifier": identifier, "published_on": published_on.isoformat()}
    write = move(notice, "publish", by=by, action="notice.published", verb="publish",
                 data=details)
    notice.notice_identifier = identifier
    notice.published_on = published_on
    notice.published_at = timezone.now()
    notice.published_by = by
    notice.published_release = content.release(notice)
    details["release_id"] = notice.published_release["id"]
    try:
        with transaction.atomic():
            notice.save(update_fields=["status", "notice_identifier", "published_on",
                                       "published_at", "published_by", "published_release"])
    except IntegrityError as exc:  # the same identifier recorded at the same instant
        raise Conflict("Another notice was recorded with this identifier.",
                       code="notice_identifier_taken") from exc
    write()
    return notice
