from django.core.paginator import Paginator
from django.utils.functional import cached_property
from rest_framework import pagination


class _KnownCountPaginator(Paginator):
    def __init__(self, *args, count=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._known_count = count

    @cached_property
    def count(self):
        return super().count if self._known_count is None else self._known_count


class PageNumberPagination(pagination.PageNumberPagination):
    """API.md's pages. A view may define `exact_count()`: the list's `count` by a cheaper
    query that gives the same number (issue 19), or None for the usual COUNT."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        counter = getattr(view, "exact_count", None)
        count = counter() if counter else None
        self.django_paginator_class = (lambda *args, **kwargs: _KnownCountPaginator(
            *args, count=count, **kwargs))
        return super().paginate_queryset(queryset, request, view)
