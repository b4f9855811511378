from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "invoicing"
    verbose_name = "Invoicing: provider invoices, vouching, approval and payments"

    def ready(self):
        from invoicing import basis, transparency
        from reports import sources

        sources.register_payments(transparency.published_payments)
        sources.register_compliance(transparency.payment_compliance)
        sources.register_basis("invoiced", basis.invoiced_spend)
        sources.register_basis("paid", basis.paid_spend)
