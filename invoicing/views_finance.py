"""Finance's invoice pages, at /finance/invoices/ (namespace `invoicing-finance`): the queue
(bulk approve vouched ones; decide queried ones), a payment, a remittance import, the export
for the finance system, and the reconciliation."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from dps import formatting, sheets
from dps.errors import DomainError
from dps.models import Role
from dps.paging import page_query
from dps.sorting import Sort
from dps.views import role_required
from invoicing import decisions, exports, payments, reconciliation, remittance
from invoicing.access import finance_scope
from invoicing.forms_finance import DecisionForm, PaymentForm, RemittanceForm
from invoicing.models import Invoice, InvoiceLine
from invoicing.reconciliation_sources import SORTS as RECON_SORTS
from reports import exports as report_exports

FINANCE_ROLES = (Role.FINANCE, Role.DPS_ADMIN)
QUEUE_LIMIT = 200
# The queue's columns (oldest received first by default: paid in the order they came).
QUEUE_SORT = {"provider": ("provider__name",), "reference": ("reference",),
              "received": ("received_on",), "total": ("total",)}


def _invoices(request):
    return finance_scope(Invoice.objects.select_related("provider", "authority"),
                         request.user)


def _with_lines(queryset):
    return queryset.prefetch_related(Prefetch(
        "lines", queryset=InvoiceLine.objects.select_related("placement", "block", "support_item")
        .order_by("pk")))


def _posted(request):
    """The POST data to bind a form to (an empty POST still binds, and shows its errors)."""
    return request.POST if request.method == "POST" else None


def _scope_or_403(request):
    if not request.user.has_role(Role.DPS_ADMIN) and not request.user.organisation_id:
        raise PermissionDenied


@role_required(*FINANCE_ROLES)
def queue(request):
    """Invoices waiting for a decision: vouched ones to approve in bulk, queried ones to
    decide one by one (their differing lines shown)."""
    _scope_or_403(request)
    sort = Sort(request, QUEUE_SORT, default="received")
    invoices = _invoices(request).order_by(*sort.order_by)
    vouched = list(invoices.filter(status=Invoice.Status.VOUCHED)[:QUEUE_LIMIT])
    queried = list(_with_lines(invoices.filter(status=Invoice.Status.QUERY))[:QUEUE_LIMIT])
    approved = list(invoices.filter(status=Invoice.Status.APPROVED)[:QUEUE_LIMIT])
    return render(request, "invoicing/finance/queue.html", {
        "vouched": vouched, "queried": queried, "approved": approved,
        "vouched_total": sum((invoice.total for invoice in vouched), Decimal("0.00")),
        "limit": QUEUE_LIMIT, "problems": [], "sort": sort,
    })


@role_required(*FINANCE_ROLES)
@require_POST
def approve_vouched(request):
    ids = [value for value in request.POST.getlist("invoices") if value.isdigit()]
    if not ids:
        messages.error(request, "Choose at least one vouched invoice to approve.")
        return redirect("invoicing-finance:queue")
    try:
        done = decisions.approve_vouched([int(pk) for pk in ids], by=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("invoicing-finance:queue")
    total = sum((invoice.approved_total for invoice in done), Decimal("0.00"))
    messages.success(request, f"{len(done)} invoice{'s' if len(done) != 1 else ''} approved "
                              f"for payment. Total {formatting.money(total)}.")
    return redirect("invoicing-finance:queue")


@role_required(*FINANCE_ROLES)
@require_http_methods(["GET", "POST"])
def invoice_detail(request, pk):
    """One invoice: its lines against what was accrued, the decision, its payments."""
    invoice = get_object_or_404(_with_lines(_invoices(request)), pk=pk)
    form = DecisionForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
        try:
            if decision == "approve":
                decisions.approve_invoice(invoice, by=request.user,
                                          accept_difference_reason=reason)
            elif decision == "query":
                decisions.query_invoice(invoice, by=request.user, reason=reason)
            else:
                decisions.reject_invoice(invoice, by=request.user, reason=reason)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            invoice.refresh_from_db()
            messages.success(request, f"Invoice {invoice.reference}: "
                                      f"{invoice.get_status_display().lower()}.")
            return redirect("invoicing-finance:invoice", pk=invoice.pk)
    return render(request, "invoicing/finance/invoice.html", {
        "invoice": invoice, "form": form, "lines": list(invoice.lines.all()),
        "payments": list(invoice.payments.order_by("paid_on", "pk")),
        "paid": payments.paid_so_far(invoice),
        "decidable": invoice.status in (Invoice.Status.VOUCHED, Invoice.Status.QUERY),
        "problems": form.error_summary() if form.is_bound else [],
    })


@role_required(*FINANCE_ROLES)
@require_http_methods(["GET", "POST"])
def record_payment(request, pk):
    invoice = get_object_or_404(_invoices(request), pk=pk)
    paid = payments.paid_so_far(invoice)
    form = PaymentForm(_posted(request), initial={
        "paid_on": timezone.localdate(),
        "amount": (invoice.approved_total or invoice.total) - paid})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payments.record_payment(invoice, by=request.user, paid_on=data["paid_on"],
                                    amount=data["amount"], reference=data["reference"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Payment {data['reference'].strip()} recorded.")
            return redirect("invoicing-finance:invoice", pk=invoice.pk)
    return render(request, "invoicing/finance/payment.html", {
        "invoice": invoice, "form": form, "paid": paid,
        "outstanding": (invoice.approved_total or 0) - paid,
        "payable": invoice.status == Invoice.Status.APPROVED,
        "problems": form.error_summary() if form.is_bound else [],
    })


@role_required(*FINANCE_ROLES)
@require_http_methods(["GET", "POST"])
def import_remittance(request):
    _scope_or_403(request)
    form = RemittanceForm(_posted(request), request.FILES if request.method == "POST" else None)
    row_errors = {}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = remittance.import_remittance(upload.read(5 * 1024 * 1024 + 1),
                                                  by=request.user, name=upload.name)
        except DomainError as exc:
            row_errors = {key: value for key, value in exc.fields.items()
                          if key.startswith("row ")}
            if "file" in exc.fields:
                form.add_error("file", exc.fields["file"])
            else:
                form.add_error(None, exc.detail)
        else:
            if result.already_imported:
                messages.info(request, "This file was imported before: nothing changed.")
            else:
                count = len(result.created)
                skipped = f", {result.skipped} already recorded" if result.skipped else ""
                messages.success(request, f"{count} payment{'s' if count != 1 else ''} "
                                          f"recorded{skipped}.")
            return redirect("invoicing-finance:queue")
    return render(request, "invoicing/finance/remittance.html", {
        "form": form, "row_errors": row_errors,
        "problems": form.error_summary() if form.is_bound else [],
    })


@role_required(*FINANCE_ROLES)
@require_http_methods(["GET", "POST"])
def export_page(request):
    """Approved invoices for the finance system, each handed over once, in batches that can be
    downloaded again."""
    _scope_or_403(request)
    problems = []
    if request.method == "POST":
        try:
            batch = exports.export_approved(by=request.user)
        except DomainError as exc:
            problems = [{"text": exc.detail, "href": None}]
        else:
            return redirect(f"{reverse('invoicing-finance:export-batch')}?batch={batch}")
    return render(request, "invoicing/finance/export.html", {
        "waiting": exports.exportable(request.user).count(),
        "batches": exports.batches(request.user), "problems": problems,
    })


@role_required(*FINANCE_ROLES)
def export_batch(request):
    batch = request.GET.get("batch", "")
    if not batch:  # no batch named: the export page lists them
        return redirect("invoicing-finance:export")
    if not exports.batch_visible(request.user, batch):
        raise Http404
    table = exports.ledger_table(batch)
    response = HttpResponse(report_exports.csv_bytes(table), content_type=sheets.CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="approved-invoices-{batch}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


_NUMERIC = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'


def _reconciliation_rows(report):
    """The table's rows as HTML, built here: per provider a council has 1,500 rows, and the
    template language took about as long to render them as the figures took to compute."""
    paged = report.page is not None
    cells = _NUMERIC * 4
    out = []
    for row in report.rows:
        label = (format_html('<a class="govuk-link" href="{}">{}</a>',
                             reverse("contracts:detail", args=[row.key[1]]), row.label)
                 if paged and row.key[0] == "placement" else conditional_escape(row.label))
        provider = (format_html('<td class="govuk-table__cell">{}</td>', row.provider_name)
                    if paged else "")
        out.append(format_html(
            '<tr class="govuk-table__row"><td class="govuk-table__cell">{}</td>{}' + cells
            + "</tr>", label, provider, formatting.money(row.accrued),
            formatting.money(row.invoiced), formatting.money(row.paid),
            formatting.money(row.not_invoiced)))
    return mark_safe("\n".join(out))  # each row is built by format_html


@role_required(*FINANCE_ROLES)
def reconciliation_page(request):
    """Accrued against invoiced against paid, per authority, lot, provider, month, or per
    placement a page at a time (sortable, the order and page kept in the URL)."""
    _scope_or_403(request)
    authority = None if request.user.has_role(Role.DPS_ADMIN) else request.user.organisation
    group_by = request.GET.get("group_by") or "provider"
    if group_by not in reconciliation.GROUPINGS:
        raise Http404
    sort = Sort(request, {key: ("pk",) for key in RECON_SORTS}, default="placement")
    report = reconciliation.reconcile(authority=authority, group_by=group_by,
                                      today=timezone.localdate(), sort=sort.key,
                                      descending=sort.descending,
                                      page=request.GET.get("page") or 1)
    return render(request, "invoicing/finance/reconciliation.html", {
        "report": report, "rows_html": _reconciliation_rows(report),
        "group_by": group_by, "groupings": reconciliation.GROUPINGS,
        "group_label": reconciliation.GROUPINGS[group_by],
        "authority": authority, "sort": sort, "page": report.page,
        "query": page_query(request),
    })
