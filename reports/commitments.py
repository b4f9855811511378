"""Commitments: what today's placements, support items and blocks will cost to the year end."""

import datetime as dt

from reports.spend import financial_year_end, spend


def commitments(*, as_of, group_by=None, authority=None, filters=None):
    """Spend from `as_of` to 31 March of its financial year, by the same engine as `spend`.

    Open-ended placements run to the year end; ended ones and those ending earlier stop on their
    end date; fee periods, support items and blocks already recorded for later dates count.
    """
    if not isinstance(as_of, dt.date):
        raise TypeError("as_of is a date.")
    return spend(date_from=as_of, date_to=financial_year_end(as_of), group_by=group_by,
                 authority=authority, filters=filters)
