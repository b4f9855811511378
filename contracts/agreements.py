"""An awarded placement's first agreement is built after the approval commits (finding 7):
rendering the PDF took seconds inside the budget holder's request. The approval queues
contracts.tasks.issue_first_agreement through the outbox (dps.outbox), so it goes once the
approval is stored, survives a broker outage, and the approval returns at once. Until it is
built the placement's pages say "The agreement is being prepared" and its download answers
409 `conflict`. Later versions (fee changes, support items) are still issued in their own
requests, as before."""

from django.db import transaction

from dps import outbox


def queue_first_agreement(placement, *, by, reason):
    """Inside the caller's transaction: build version 1 after commit."""
    from contracts.tasks import issue_first_agreement

    outbox.enqueue(issue_first_agreement, placement.pk, getattr(by, "pk", None), reason)


@transaction.atomic
def issue_first_agreement(placement_id, *, by_id=None, reason):
    """Issue version 1 unless the placement already has an agreement: running it twice, or
    after a fee change issued one, changes nothing. None when nothing was issued."""
    from contracts import services
    from contracts.models import Placement
    from dps.models import User

    placement = Placement.objects.select_for_update().filter(pk=placement_id).first()
    if placement is None or placement.agreement_versions.exists():
        return None
    by = User.objects.filter(pk=by_id).first() if by_id else None
    return services.issue_agreement(placement, by=by, reason=reason)


def is_being_prepared(placement, versions=None):
    """An awarded placement whose first agreement is still queued. `versions`, when the
    caller has them, saves a query."""
    if placement.calloff_id is None:
        return False
    if versions is not None:
        return not versions
    return not placement.agreement_versions.exists()
