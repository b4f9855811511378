from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invoicing"
    verbose_name = "Invoicing: provider invoices, vouching, approval and payments"
