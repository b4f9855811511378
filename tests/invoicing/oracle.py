"""The invoiced and paid rules, day by day, as the property tests' oracles read them: slow and
plain, so the SQL and the kept sums have something independent to equal."""

import datetime as dt

from invoicing.basis import _cumulative, _pennies


def line_days(line, date_from, date_to):
    """(day, pennies) of each of `line`'s days in the range: day k carries cum(k + 1) − cum(k),
    so the days of a line always add up to its amount."""
    n, total = (line.date_to - line.date_from).days + 1, _pennies(line.amount)
    for k in range(n):
        day = line.date_from + dt.timedelta(days=k)
        if date_from <= day <= date_to:
            yield day, _cumulative(total, k + 1, n) - _cumulative(total, k, n)


def key(group_by, dims, day):
    """A row's key in a grouping: the month, a dimension, or None for the total."""
    if group_by is None:
        return None
    return f"{day:%Y-%m}" if group_by == "month" else dims[group_by]
