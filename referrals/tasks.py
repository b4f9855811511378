"""Referrals' scheduled work."""

from celery import shared_task


@shared_task(acks_late=True)
def clear_expired_identities():
    from referrals.retention import clear_expired_identities as clear

    return clear()
