from django.apps import AppConfig


class DpsConfig(AppConfig):
    name = "dps"
    verbose_name = "Organisations, users and audit"

    def ready(self):
        from dps import credentials
        from dps.models import User

        credentials.connect(User)

        from dps.input_guard import install_input_bounds

        install_input_bounds()

        from celery.signals import task_postrun

        task_postrun.connect(_outbox_task_finished, weak=False,
                             dispatch_uid="dps.outbox.finished")


def _outbox_task_finished(sender=None, task_id=None, state=None, **kwargs):
    """An outbox task that ran to the end is done; one that will be retried is not yet."""
    if state in ("SUCCESS", "FAILURE"):
        from dps import outbox

        outbox.mark_done(task_id)
