from django.apps import AppConfig


class DpsConfig(AppConfig):
    name = "dps"
    verbose_name = "Organisations, users and audit"

    def ready(self):
        from dps import credentials
        from dps.models import User

        credentials.connect(User)
