from django.apps import AppConfig


class SufficiencyConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sufficiency"
    verbose_name = "Sufficiency: vacancies and matching"
