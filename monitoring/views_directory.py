"""The provider directory and profile (finding 2): `/monitoring/` lists only providers needing
attention; these pages reach every provider. Read-only; the actions stay on the provider's
risk page (monitoring.views.provider_risk)."""

from django import forms
from django.shortcuts import get_object_or_404, render

from dps.forms import GovukForm
from dps.models import Organisation
from dps.paging import page_query, paginate
from dps.sorting import Sort
from dps.views import role_required
from monitoring import directory
from monitoring.views import STAFF

PAGE_SIZE = 25
DIRECTORY_SORT = {"provider": ("name",), "rating": ("score",), "score": ("score",),
                  "assessed": ("last_assessed_at",)}


class DirectoryFilterForm(GovukForm):
    q = forms.CharField(label="Provider name or Companies House number", required=False,
                        max_length=200)
    rag = forms.ChoiceField(label="Rating", required=False,
                            choices=[("", "Any rating"), *directory.RAG_FILTERS])
    lot = forms.TypedChoiceField(label="Lot", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, lots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].choices = [("", "Any lot"),
                                      *[(lot.pk, f"{lot.dps.name}: {lot.name}") for lot in lots]]


@role_required(*STAFF)
def provider_directory(request):
    form = DirectoryFilterForm(request.GET or None, lots=directory.directory_lots())
    wanted = form.cleaned_data if form.is_bound and form.is_valid() else {}
    providers = directory.provider_directory(search=wanted.get("q", ""),
                                             rag=wanted.get("rag", ""),
                                             lot_id=wanted.get("lot"))
    sort = Sort(request, DIRECTORY_SORT, default="provider")
    page = paginate(request, providers.order_by(*sort.order_by), PAGE_SIZE)
    return render(request, "monitoring/directory.html", {
        "form": form, "page": page, "query": page_query(request), "sort": sort,
        "filtered": any(wanted.get(name) for name in ("q", "rag", "lot")),
        "problems": form.error_summary() if form.is_bound else [],
    }, status=400 if form.errors else 200)


@role_required(*STAFF)
def provider_profile(request, pk):
    provider = get_object_or_404(Organisation.objects.filter(kind=Organisation.Kind.PROVIDER),
                                 pk=pk)
    return render(request, "monitoring/profile.html", {
        "provider": provider, **directory.provider_profile(provider, user=request.user)})
