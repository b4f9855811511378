from celery import shared_task

from notices import services


@shared_task(acks_late=True)
def refresh_notices():
    """Every 15 minutes: raise the notices the records call for, remind a week ahead, mark
    the late ones overdue. Idempotent (notices/services.py)."""
    return services.refresh()
