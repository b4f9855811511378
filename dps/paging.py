"""Pagination for pages: 25 rows by default, with GOV.UK's elided page links."""

from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, queryset, per_page=PAGE_SIZE):
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    page.links = list(page.paginator.get_elided_page_range(page.number, on_each_side=1,
                                                           on_ends=1))
    return page


def page_query(request):
    """The current query string without `page`, for the pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
