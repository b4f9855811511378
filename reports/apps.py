from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Reports: spend, payments, market insight and open data"

    def ready(self):
        from dps import queue_health
        from reports import checks  # noqa: F401  (registers the deploy checks)

        def oldest_export():
            from reports.models import ExportJob

            return (ExportJob.objects.filter(status__in=[ExportJob.Status.QUEUED,
                                                         ExportJob.Status.RUNNING])
                    .order_by("created_at").values_list("created_at", flat=True).first())

        queue_health.register("exports waiting to be built", oldest_export)
