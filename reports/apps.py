from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = "Reports: spend, payments, market insight and open data"

    def ready(self):
        from reports import checks  # noqa: F401  (registers the deploy checks)
