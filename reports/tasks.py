"""Background work of the reports: building export files."""

from celery import shared_task


@shared_task(acks_late=True)
def build_export(job_id):
    """Build one export job; a duplicate or retried task finds it claimed and does nothing."""
    from reports.exports import run_export

    return run_export(job_id)
