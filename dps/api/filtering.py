"""The list filter backend: django-filter's, not built when the request names no filter.

Building and validating a FilterSet's form costs a list request ~6 ms (issue 19's profile of the
placement list); with only paging parameters it filters nothing, so it is not built. No
FilterSet here changes its queryset without a parameter (they only filter what is asked)."""

from django_filters.rest_framework import DjangoFilterBackend

NOT_FILTERS = frozenset({"page", "page_size", "format"})


class FilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        if not request.query_params.keys() - NOT_FILTERS:
            return queryset
        return super().filter_queryset(request, queryset, view)
