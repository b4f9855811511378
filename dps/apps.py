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
