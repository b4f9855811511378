"""Certificate expiry: each run finds what is due and claims each row before acting, so running
it twice (or on two workers at once) reminds once and audits each lapse once."""

from celery import shared_task


@shared_task(acks_late=True)
def check_expiry():
    from documents import expiry

    return expiry.check_expiry()
