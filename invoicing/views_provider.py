"""The provider's invoice pages: its invoices, a new one from the draft, a CSV upload, one
invoice. Pages name placements by their number, never the child."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from dps import formatting
from dps.errors import DomainError
from dps.models import Role
from dps.paging import page_query, paginate
from dps.sorting import Sort
from dps.views import role_required
from invoicing import drafts, selectors, uploads
from invoicing.forms_provider import (
    ChooseAuthorityForm,
    DraftInvoiceForm,
    UploadForm,
    line_key,
    line_label,
)
from invoicing.models import Invoice
from invoicing.submission import submit_invoice

PAGE_SIZE = 25


def _provider(request):
    organisation = request.user.organisation if request.user.organisation_id else None
    if organisation is None or not organisation.is_provider:
        raise PermissionDenied
    return organisation


def _mine(request):
    return selectors.with_lines(selectors.invoices_for(request.user).filter(
        provider_id=_provider(request).pk))


INVOICE_SORT = {"reference": ("reference",), "council": ("authority__name",),
                "received": ("received_on",), "total": ("total",), "status": ("status",)}


@role_required(Role.PROVIDER)
def invoice_list(request):
    status = request.GET.get("status")
    queryset = _mine(request)
    if status in Invoice.Status.values:
        queryset = queryset.filter(status=status)
    else:
        status = ""
    sort = Sort(request, INVOICE_SORT, default="-received")
    return render(request, "invoicing/provider/list.html", {
        "page": paginate(request, queryset.order_by(*sort.order_by), PAGE_SIZE),
        "query": page_query(request), "sort": sort, "status": status,
        "statuses": Invoice.Status.choices})


@role_required(Role.PROVIDER)
def invoice_detail(request, pk):
    invoice = get_object_or_404(_mine(request), pk=pk)
    return render(request, "invoicing/provider/detail.html", {"invoice": invoice})


def _chosen_authority(request, provider):
    """The council chosen (?authority=), or the only one; else None and the choice form."""
    authorities = list(drafts.authorities_to_invoice(provider))
    wanted = request.POST.get("authority") or request.GET.get("authority")
    if wanted:
        match = [a for a in authorities if str(a.pk) == wanted]
        if not match:
            raise Http404
        return match[0], authorities
    if len(authorities) == 1:
        return authorities[0], authorities
    return None, authorities


def _line_problems(exc, draft, chosen):
    """A service refusal naming `lines.N`: the line's description and the message."""
    out = []
    for key, messages_ in exc.fields.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) > 1 and parts[1].isdigit():
            index = int(parts[1])
            label = line_label(chosen[index]) if index < len(chosen) else ""
            out.extend(f"{label}: {m}" for m in messages_)
    return out


@role_required(Role.PROVIDER)
def invoice_create(request):
    provider = _provider(request)
    authority, authorities = _chosen_authority(request, provider)
    if authority is None:
        form = ChooseAuthorityForm(request.GET if "choose" in request.GET else None,
                                   authorities=authorities)
        if form.is_bound and form.is_valid():  # a GET form: the choice lands in ?authority=
            return redirect(f"{request.path}?authority={form.cleaned_data['authority']}")
        return render(request, "invoicing/provider/choose.html", {
            "form": form, "authorities": authorities,
            "problems": form.error_summary() if form.is_bound else []})
    today = timezone.localdate()
    draft = drafts.draft_lines(provider, authority, today=today)
    form = DraftInvoiceForm(request.POST if request.method == "POST" else None, draft=draft)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            wanted = set(form.cleaned_data["lines"])
            chosen = [ln for ln in draft if line_key(ln) in wanted]
            try:
                invoice = submit_invoice(provider, reference=form.cleaned_data["reference"],
                                         lines=chosen, by=request.user, channel="portal",
                                         today=today)
            except DomainError as exc:
                problems = _line_problems(exc, draft, chosen)
                if problems:
                    for message in problems:
                        form.add_error("lines", message)
                else:
                    form.add_domain_error(exc)
            else:
                messages.success(request, f"Invoice {invoice.reference} was sent to "
                                          f"{authority.name}: {formatting.money(invoice.total)}, "
                                          f"{invoice.get_status_display().lower()}.")
                return redirect("invoicing-provider:detail", pk=invoice.pk)
        status = 400
    return render(request, "invoicing/provider/create.html", {
        "form": form, "authority": authority, "several": len(authorities) > 1,
        "draft": draft, "total": sum(ln.amount for ln in draft) if draft else 0,
        "today": today, "problems": form.error_summary() if form.is_bound else []},
        status=status)


@role_required(Role.PROVIDER)
def invoice_upload(request):
    provider = _provider(request)
    form = UploadForm(request.POST if request.method == "POST" else None,
                      request.FILES if request.method == "POST" else None)
    rows, status = [], 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                invoices = uploads.submit_csv(provider, form.cleaned_data["file"].read(),
                                              by=request.user, channel="upload")
            except DomainError as exc:
                form.add_error("file", exc.detail)
                rows = [(key, message) for key, messages_ in exc.fields.items()
                        for message in messages_]
            else:
                messages.success(request, f"{len(invoices)} invoice"
                                          f"{'' if len(invoices) == 1 else 's'} sent: "
                                          + ", ".join(i.reference for i in invoices) + ".")
                return redirect("invoicing-provider:list")
    return render(request, "invoicing/provider/upload.html", {
        "form": form, "rows": rows,
        "problems": form.error_summary() if form.is_bound else []}, status=status)
