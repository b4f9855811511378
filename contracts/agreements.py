"""Agreements are built after the change that needs them commits (finding 7, issue 19):
rendering a PDF takes 0.3–1.5 s of WeasyPrint, which no request should wait for. An award's
approval, a spot or block placement, an approved fee change and a new support item each queue
a task through the outbox (dps.outbox), so it runs once the change is stored, survives a
broker outage, and the request returns at once. Each task is idempotent: a first agreement is
issued only while the placement has none, a later version only if no version carries its
reason (which names the fee change or support item), so running it twice issues one.

A version is rendered as the placement stands when the task runs: two changes committed
moments apart give two versions that both show the second. Until a queued version is built
the placement's pages say it is being prepared (and the download of a placement with none
answers 409 `conflict`)."""

from django.db import transaction

from dps import outbox

FIRST_TASK = "contracts.tasks.issue_first_agreement"
VERSION_TASK = "contracts.tasks.issue_agreement_version"


def queue_first_agreement(placement, *, by, reason):
    """Inside the caller's transaction: build version 1 after commit."""
    from contracts.tasks import issue_first_agreement

    outbox.enqueue(issue_first_agreement, placement.pk, getattr(by, "pk", None), reason)


def queue_agreement(placement, *, by, reason):
    """Inside the caller's transaction: build the next version after commit."""
    from contracts.tasks import issue_agreement_version

    outbox.enqueue(issue_agreement_version, placement.pk, getattr(by, "pk", None),
                   reason[:200])


def _issue(placement_id, by_id, reason, *, unless):
    from contracts import services
    from contracts.models import Placement
    from dps.models import User

    placement = Placement.objects.select_for_update().filter(pk=placement_id).first()
    if placement is None or unless(placement.agreement_versions):
        return None
    by = User.objects.filter(pk=by_id).first() if by_id else None
    return services.issue_agreement(placement, by=by, reason=reason)


@transaction.atomic
def issue_first_agreement(placement_id, *, by_id=None, reason):
    """Issue version 1 unless the placement already has an agreement: running it twice, or
    after a fee change issued one, changes nothing. None when nothing was issued."""
    return _issue(placement_id, by_id, reason, unless=lambda versions: versions.exists())


@transaction.atomic
def issue_agreement_version(placement_id, *, by_id=None, reason):
    """Issue the next version unless one already carries `reason`. None when nothing was."""
    return _issue(placement_id, by_id, reason,
                  unless=lambda versions: versions.filter(reason=reason[:200]).exists())


def is_being_prepared(placement, versions=None):
    """An agreement for `placement` is queued and not built yet: an awarded placement still
    without its first, or a queued version whose reason no version carries yet. `versions`
    (the placement's, when the caller has them) saves a query."""
    from django.db.models import Q

    from dps.models import OutboxMessage

    versions = list(placement.agreement_versions.all()) if versions is None else versions
    if placement.calloff_id is not None and not versions:
        return True
    reasons = {version.reason for version in versions}
    # Not finished: waiting to be queued, or queued and not done (the outbox's two partial
    # indexes, so the read stays small however long the outbox's history).
    unfinished = Q(sent_at__isnull=True) | Q(sent_at__isnull=False, done_at__isnull=True)
    for task, args in (OutboxMessage.objects.filter(unfinished, task__in=[FIRST_TASK, VERSION_TASK],
                                                    args__0=placement.pk)
                       .values_list("task", "args")):
        if task == FIRST_TASK and not versions:
            return True
        if task == VERSION_TASK and len(args) > 2 and args[2] not in reasons:
            return True
    return False
