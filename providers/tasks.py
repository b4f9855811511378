"""Scheduled work. Each task finds what is due and moves it through the same services."""

from celery import shared_task

from providers import services


@shared_task(acks_late=True)
def open_due_rounds():
    return services.open_due_rounds()


@shared_task(acks_late=True)
def close_due_rounds():
    return services.close_due_rounds()


@shared_task(acks_late=True)
def lapse_suspensions():
    return services.lapse_suspensions()
