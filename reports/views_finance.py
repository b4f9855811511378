"""Finance pages: spend (filters, chart, table, downloads), commitments, payments, exports.

Each page reads its filters from the query string, so a report is a link that can be shared
and bookmarked; `?format=csv|xlsx` on the same link downloads exactly the rows shown.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from contracts.models import BlockContract, Placement
from dps.errors import DomainError
from dps.models import Organisation, Role
from dps.replica import report_reads
from dps.sorting import Sort, sort_rows
from dps.views import role_required
from providers.models import Lot
from reports import charts, exports, sources
from reports.api.finance import export_params, visible_jobs
from reports.commitments import commitments
from reports.forms import CommitmentsForm, ExportForm, PaymentsForm, SpendForm
from reports.models import ExportJob
from reports.payments import payments, publication_periods
from reports.spend import authority_scope, financial_year_end, spend

FINANCE_ROLES = (Role.FINANCE, Role.DPS_ADMIN)


def _scope(request):
    try:
        return authority_scope(request.user)
    except DomainError as exc:
        raise PermissionDenied from exc


def _choices(authority):
    """Lots, providers and (for the DPS administrator) authorities for the filters."""
    lots = list(dict((lot.code, lot.name) for lot in
                     Lot.objects.order_by("dps_id", "position", "code")).items())
    placements = Placement.objects.all()
    blocks = BlockContract.objects.all()
    if authority is not None:
        placements = placements.filter(authority=authority)
        blocks = blocks.filter(authority=authority)
    providers = [(str(pk), name) for pk, name in Organisation.objects.filter(
        Q(pk__in=placements.values("provider_id")) | Q(pk__in=blocks.values("provider_id")),
        kind=Organisation.Kind.PROVIDER).order_by("name").values_list("pk", "name")]
    authorities = None
    if authority is None:
        authorities = [(str(pk), name) for pk, name in Organisation.objects.filter(
            kind=Organisation.Kind.AUTHORITY).order_by("name").values_list("pk", "name")]
    return {"lots": lots, "providers": providers, "authorities": authorities}


def _date_parts(prefix, day):
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month),
            f"{prefix}_year": str(day.year)}


def _financial_year(today):
    end = financial_year_end(today)
    return dt.date(end.year - 1, 4, 1), end


def _bound(request, form_class, defaults, authority):
    """The form bound to the query string, or to the defaults on a first visit."""
    data = request.GET.copy() if request.GET else defaults
    data.pop("format", None)
    return form_class(data, **_choices(authority))


CHART_MAX_BARS = 60
CHART_TOP = 25


def chart(rows, caption):
    """A horizontal bar chart (reports.charts): one bar per row, scaled to the largest, each
    label whole on the line above its bar.

    With more than CHART_MAX_BARS rows only the CHART_TOP largest are drawn (the table beside
    it lists every row).
    """
    shown_all = len(rows) <= CHART_MAX_BARS
    if not shown_all:
        rows = sorted(rows, key=lambda row: row.amount, reverse=True)[:CHART_TOP]
    title = f"{caption}, as a bar chart" + ("" if shown_all else f" of the {CHART_TOP} largest")
    drawn = charts.horizontal_bars(
        "spend", title, "The same figures are in the table.",
        [(row.label, row.amount) for row in rows], money=True, width=480)
    if not shown_all:
        drawn["caption"] = f"The chart shows the {CHART_TOP} largest; the table lists them all."
    return drawn


def _download_links(request):
    query = request.GET.copy()
    query.pop("format", None)
    links = {}
    for fmt in ("csv", "xlsx"):
        query["format"] = fmt
        links[fmt] = f"?{query.urlencode()}"
    return links


def _file(table, fmt, name):
    body = exports.csv_bytes(table) if fmt == "csv" else exports.xlsx_bytes(table)
    response = HttpResponse(body, content_type=exports.CSV_TYPE if fmt == "csv"
                            else exports.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _wanted_format(request):
    fmt = request.GET.get("format", "")
    if fmt not in ("", "csv", "xlsx"):
        raise Http404
    return fmt


# The spend table's columns: the grouping in its own order (months in date order, lots in
# their order) or the amount. The chart keeps the grouping's order.
SPEND_SORT = {"group": ("group",), "amount": ("amount",)}
BASIS_TITLES = {"accrued": "Spend", "invoiced": "Invoiced spend", "paid": "Paid spend"}


def _sorted_rows(report, sort):
    if report is None:
        return []
    position = {id(row): n for n, row in enumerate(report.rows)}
    return sort_rows(list(report.rows), sort, {"group": lambda row: position[id(row)],
                                                "amount": lambda row: row.amount})


@role_required(*FINANCE_ROLES)
@report_reads()
def spend_page(request):
    authority = _scope(request)
    fmt = _wanted_format(request)
    today = timezone.localdate()
    start, _end = _financial_year(today)
    # The financial year *to date*: a day after today is a commitment, never spend.
    defaults = {**_date_parts("date_from", start), **_date_parts("date_to", today),
                "group_by": "lot", "basis": "accrued"}
    form = _bound(request, SpendForm, defaults, authority)
    report = ahead = None
    basis = "accrued"
    if form.is_valid():
        data = form.cleaned_data
        date_from, date_to = data["date_from"], data["date_to"]
        basis = data.get("basis") or "accrued"
        engine = spend if basis == "accrued" else sources.basis(basis)
        if date_to > today:
            # The days after today: shown as commitments, beside the spend to today.
            ahead = spend(date_from=max(date_from, today + dt.timedelta(days=1)),
                          date_to=date_to, group_by=None, authority=authority,
                          filters=form.filters())
            date_to = max(today, date_from - dt.timedelta(days=1))
        report = engine(date_from=date_from, date_to=date_to,
                        group_by=data["group_by"] or None, authority=authority,
                        filters=form.filters()) if date_to >= date_from else None
        if fmt and report is None:
            return redirect(f"{reverse('finance:spend')}?{_without_format(request)}")
        if fmt:
            kind = "spend" if basis == "accrued" else f"spend-{basis}"
            name = exports.export_filename(kind, fmt, {
                "from": data["date_from"], "to": data["date_to"], "group_by": report.group_by})
            return _file(exports.spend_table(report, title=BASIS_TITLES[basis]), fmt, name)
    elif fmt:
        return redirect(f"{reverse('finance:spend')}?{_without_format(request)}")
    sort = Sort(request, SPEND_SORT, default="group")
    return render(request, "reports/finance/spend.html", {
        "form": form, "report": report, "authority": authority, "ahead": ahead,
        "today": today, "sort": sort, "rows": _sorted_rows(report, sort), "basis": basis,
        "problems": form.error_summary() if request.GET else [],
        "chart": chart(report.rows, _headings(report, BASIS_TITLES[basis])["caption"])
        if report else None,
        "downloads": _download_links(request) if request.GET else _download_links_for(defaults),
        **_headings(report, BASIS_TITLES[basis]),
    })


def _headings(report, what):
    if report is None:
        return {"group_header": "", "caption": what}
    header = exports.GROUP_HEADERS.get(report.group_by, "Group")
    caption = f"{what} by {header.lower()}" if report.group_by else f"Total {what.lower()}"
    return {"group_header": header, "caption": caption}


def _without_format(request):
    query = request.GET.copy()
    query.pop("format", None)
    return query.urlencode()


def _download_links_for(defaults):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query.update(defaults)
    links = {}
    for fmt in ("csv", "xlsx"):
        query["format"] = fmt
        links[fmt] = f"?{query.urlencode()}"
    return links


@role_required(*FINANCE_ROLES)
def commitments_page(request):
    authority = _scope(request)
    fmt = _wanted_format(request)
    today = timezone.localdate()
    defaults = {**_date_parts("as_of", today), "group_by": "lot"}
    form = _bound(request, CommitmentsForm, defaults, authority)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        as_of = data["as_of"] or today
        report = commitments(as_of=as_of, group_by=data["group_by"] or None,
                             authority=authority, filters=form.filters())
        if fmt:
            name = exports.export_filename("commitments", fmt, {
                "as_of": as_of, "group_by": report.group_by})
            return _file(exports.spend_table(report, title="Commitments"), fmt, name)
    elif fmt:
        return redirect(f"{reverse('finance:commitments')}?{_without_format(request)}")
    return render(request, "reports/finance/commitments.html", {
        "form": form, "report": report, "authority": authority,
        "problems": form.error_summary() if request.GET else [],
        "chart": chart(report.rows, _headings(report, "Commitments")["caption"])
        if report else None,
        "downloads": _download_links(request) if request.GET else _download_links_for(defaults),
        **_headings(report, "Commitments"),
    })


@role_required(*FINANCE_ROLES)
def payments_page(request):
    authority = _scope(request)
    fmt = _wanted_format(request)
    start, end = _financial_year(timezone.localdate())
    defaults = {**_date_parts("date_from", start), **_date_parts("date_to", end)}
    form = _bound(request, PaymentsForm, defaults, authority)
    report = compliance = None
    if form.is_valid():
        data = form.cleaned_data
        report = payments(date_from=data["date_from"], date_to=data["date_to"],
                          authority=authority, filters=form.filters())
        # The s.69 figures over the same days, beside the s.70 list (finance publishes both).
        compliance = sources.payment_compliance(
            date_from=data["date_from"], date_to=data["date_to"], authority=authority)
        if fmt:
            name = exports.export_filename("payments", fmt, {
                "from": data["date_from"], "to": data["date_to"]})
            return _file(exports.payments_table(report), fmt, name)
    elif fmt:
        return redirect(f"{reverse('finance:payments')}?{_without_format(request)}")
    return render(request, "reports/finance/payments.html", {
        "form": form, "report": report, "authority": authority, "compliance": compliance,
        "problems": form.error_summary() if request.GET else [],
        "downloads": _download_links(request) if request.GET else _download_links_for(defaults),
        "periods": _period_links(timezone.localdate()),
    })


def _period_links(today):
    """The s.70 quarters and s.69 half-years as links that fill the date range."""
    from urllib.parse import urlencode

    quarters, halves = publication_periods(today)
    base = reverse("finance:payments")

    def link(period):
        query = urlencode({**_date_parts("date_from", period.start),
                           **_date_parts("date_to", period.end)})
        return {"period": period, "url": f"{base}?{query}"}

    return {"quarters": [link(p) for p in quarters], "halves": [link(p) for p in halves]}


@role_required(*FINANCE_ROLES)
@require_http_methods(["GET", "POST"])
def exports_page(request):
    authority = _scope(request)
    start, end = _financial_year(timezone.localdate())
    if request.method == "POST":
        form = ExportForm(request.POST, **_choices(authority))
        if form.is_valid():
            data = form.cleaned_data
            params_in = {"kind": data["kind"], "group_by": data["group_by"]}
            if data["kind"] == ExportJob.Kind.COMMITMENTS:
                params_in["as_of"] = data["date_from"]
            else:
                params_in.update({"from": data["date_from"], "to": data["date_to"]})
            try:
                job = exports.request_export(by=request.user, kind=data["kind"],
                                             fmt=data["format"],
                                             params=export_params(params_in, form.filters()))
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                return redirect("finance:export", pk=job.pk)
    else:
        form = ExportForm(initial={"kind": ExportJob.Kind.SPEND_LINES, "format": "xlsx",
                                   "date_from": start, "date_to": end},
                          **_choices(authority))
    jobs = list(visible_jobs(request.user).filter(requested_by=request.user)[:20])
    return render(request, "reports/finance/exports.html", {
        "form": form, "jobs": jobs,
        "problems": form.error_summary() if form.is_bound else [],
    })


@role_required(*FINANCE_ROLES)
def export_page(request, pk):
    _scope(request)
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    return render(request, "reports/finance/export.html", {
        "job": job, "working": job.status in (ExportJob.Status.QUEUED,
                                              ExportJob.Status.RUNNING)})


@role_required(*FINANCE_ROLES)
def export_download(request, pk):
    _scope(request)
    job = get_object_or_404(visible_jobs(request.user), pk=pk)
    if job.status != ExportJob.Status.DONE:
        return redirect("finance:export", pk=job.pk)
    content = ExportJob.objects.filter(pk=job.pk).values_list("content", flat=True).first()
    response = HttpResponse(bytes(content or b""), content_type=job.content_type)
    response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
