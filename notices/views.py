"""The notices pages: the list with its filters, and a notice with its content in plain words
and the form that records its publication (ADR 0020)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from dps.errors import DomainError
from dps.models import Role
from dps.views import role_required
from notices import content, find_a_tender, rules, selectors, services
from notices.forms import PublicationForm
from notices.models import Kind, Notice

STAFF = (Role.DPS_ADMIN, Role.COMMISSIONER)
PAGE = 50
FILTERS = (("", "All"), ("due", "Due"), ("overdue", "Overdue"), ("published", "Published"))


@role_required(*STAFF)
def notice_list(request):
    status = request.GET.get("status", "")
    status = status if status in selectors.STATUSES else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in selectors.KINDS else ""
    notices = selectors.filtered(selectors.visible(request.user), status=status or None,
                                 kind=kind or None)
    page = Paginator(notices, PAGE).get_page(request.GET.get("page"))
    return render(request, "notices/list.html", {
        "page": page, "notices": list(page.object_list), "status": status, "kind": kind,
        "filters": FILTERS, "kinds": Kind.choices, "counts": selectors.counts(request.user),
        "codes": {k: rules.code(k) for k in Kind.values},
    })


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def notice_detail(request, pk):
    notice = get_object_or_404(selectors.visible(request.user), pk=pk)
    form = PublicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_publication(notice, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{notice.get_kind_display()} recorded as published.")
            return redirect("notices:detail", pk=notice.pk)
    release = content.release(notice)
    return render(request, "notices/detail.html", {
        "notice": notice, "rule": rules.rule(notice.kind), "words": content.plain_words(
            notice, release), "form": form, "problems": form.error_summary()
        if form.is_bound else [], "publishable": notice.status != Notice.Status.PUBLISHED,
        "find_a_tender": find_a_tender.adapter(), "release_id": release["id"],
    })
