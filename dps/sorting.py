"""Sortable tables: the order is chosen by `?sort=<column>` (`-<column>` for descending), kept in
the URL with the filters, and only ever one of the table's allowlisted columns, so a request
cannot order by an arbitrary field; anything else falls back to the table's default.

    sort = Sort(request, {"provider": ("provider__name",), "price": ("price",)}, default="provider")
    rows = rows.order_by(*sort.order_by)
    {% load sorting %}{% sort_header sort "provider" "Provider" %}

Each column's expressions end with the primary key so the order (and the pagination) is stable.
"""

from django.db.models import F

PARAM = "sort"


class Sort:
    def __init__(self, request, columns, default, param=PARAM):
        self.request = request
        self.columns = {key: (value,) if isinstance(value, str) else tuple(value)
                        for key, value in columns.items()}
        self.param = param
        chosen = request.GET.get(param, "")
        key = chosen.removeprefix("-")
        if key not in self.columns:
            chosen, key = default, default.removeprefix("-")
        self.key = key
        self.descending = chosen.startswith("-")

    @property
    def value(self):
        return ("-" if self.descending else "") + self.key

    @property
    def order_by(self):
        """The queryset ordering: the column's expressions in the chosen direction, then pk.
        Empty values sort last either way."""
        terms = []
        for expression in self.columns[self.key]:
            field = F(expression)
            terms.append(field.desc(nulls_last=True) if self.descending
                         else field.asc(nulls_last=True))
        return [*terms, "-pk" if self.descending else "pk"]

    def header(self, key, label, numeric=False):
        """What a column header shows: its link (the other direction when it is the current
        column), and `aria-sort`."""
        current = key == self.key
        descending_next = current and not self.descending
        params = self.request.GET.copy()
        params.pop("page", None)
        params[self.param] = ("-" if descending_next else "") + key
        if current:
            aria = "descending" if self.descending else "ascending"
        else:
            aria = "none"
        return {"label": label, "query": params.urlencode(), "aria_sort": aria,
                "numeric": numeric, "current": current,
                "next": "descending" if descending_next else "ascending"}

    def hidden_fields(self):
        """The sort as (name, value), for a filter form to keep it when it is submitted."""
        return [(self.param, self.value)]


def sort_rows(rows, sort, getters):
    """Sort a list of already-built rows by `getters[sort.key](row)`, empties last."""
    getter = getters[sort.key]
    present = [row for row in rows if getter(row) not in (None, "")]
    empty = [row for row in rows if getter(row) in (None, "")]
    present.sort(key=getter, reverse=sort.descending)
    return present + empty
