from django.apps import AppConfig


class DpsConfig(AppConfig):
    name = "dps"
    verbose_name = "Organisations, users and audit"
