from django.apps import AppConfig


class CallOffsConfig(AppConfig):
    name = "calloffs"
    verbose_name = "Call-offs"
