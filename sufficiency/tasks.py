"""The day-12 reminder. Each run finds what is due and claims each vacancy before e-mailing,
so running it twice (or on two workers at once) reminds once."""

from celery import shared_task


@shared_task(acks_late=True)
def remind_expiring_vacancies():
    from sufficiency import services

    return services.remind_expiring()
