"""The demo's money over three years: each provider invoices the lead council on the 3rd for
the month before, from its pre-filled draft (so most invoices vouch); finance approves the
vouched ones in bulk on the 10th, accepts or rejects the odd queried one, and pays each on a
day that gives the s.69 figures a spread (most within 30 days, some later). Last month's are
not yet invoiced (the portal offers the draft), and the latest payments are still due."""

import datetime as dt
from dataclasses import replace

PAYMENT_DAYS = [9, 14, 18, 21, 25, 27, 33, 41, 55, 68]


class Money:
    def __init__(self, walk, users, rng):
        self.walk, self.users, self.rng = walk, users, rng
        self.received = []  # invoice ids awaiting finance's decision

    def plan(self):
        from workspace.demo.history import _add_months

        for month in range(2, 37):
            first = _add_months(self.walk.start, month)
            self.walk.at(first.replace(day=3), self.invoice_month)
            self.walk.at(first.replace(day=10), self.decide)

    def invoice_month(self, day):
        from dps.models import Organisation, User
        from invoicing.drafts import draft_lines
        from invoicing.submission import submit_invoice

        lead = self.users["finance"].organisation
        period_end = day.replace(day=1) - dt.timedelta(days=1)
        providers = Organisation.objects.filter(
            kind="provider", placements__authority=lead,
            placements__start_date__lte=period_end).distinct().order_by("pk")
        for provider in providers:
            lines = draft_lines(provider, lead, today=period_end)
            if not lines:
                continue
            if self.rng.random() < 0.1:
                # A provider's own sums differ now and then: the invoice is queried.
                first = lines[0]
                lines[0] = replace(first, amount=first.amount + 25)
            user = User.objects.filter(organisation=provider).order_by("pk").first()
            initials = "".join(word[0] for word in provider.name.split()[:2]).upper()
            invoice = submit_invoice(provider, reference=f"{initials}-{period_end:%Y%m}",
                                     lines=lines, by=user, channel="portal")
            self.received.append(invoice.pk)

    def decide(self, day):
        from invoicing import decisions
        from invoicing.models import Invoice

        finance = self.users["finance"]
        waiting = list(Invoice.objects.filter(pk__in=self.received).order_by("pk"))
        self.received = []
        vouched = [i for i in waiting if i.status == Invoice.Status.VOUCHED]
        if day > self.walk.today - dt.timedelta(days=40):
            # The newest month's invoices are still in finance's queue today.
            return
        approved = []
        if vouched:
            decisions.approve_vouched(vouched, by=finance)
            approved += vouched
        for invoice in waiting:
            if invoice.status != Invoice.Status.QUERY:
                continue
            if self.rng.random() < 0.5:
                decisions.approve_invoice(
                    invoice, by=finance, accept_difference_reason="The provider's mileage for "
                    "a contact visit, agreed by the social worker.")
                approved.append(invoice)
            else:
                decisions.reject_invoice(invoice, by=finance, reason="The fee is not the "
                                         "agreed price: invoice again at the agreed price.")
        for invoice in approved:
            paid_on = day + dt.timedelta(days=self.rng.choice(PAYMENT_DAYS))
            self.walk.at(paid_on, self.pay, invoice.pk)

    def pay(self, day, invoice_id):
        from invoicing.models import Invoice
        from invoicing.payments import record_payment

        invoice = Invoice.objects.get(pk=invoice_id)
        record_payment(invoice, paid_on=day, amount=invoice.approved_total,
                       reference=f"PR{day:%Y%m%d}-{invoice.pk}", by=self.users["finance"])

