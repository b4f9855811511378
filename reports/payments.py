"""The Procurement Act 2023 s.70 list: each payment over £30,000, from actual payments.

Payments are recorded in invoicing (by hand or from the ledger's remittance file); the list is
built there (invoicing/transparency.py) and reached through reports.sources, so reports imports
nothing above it. `quarter_of` names the financial-year quarters (April–June is Q1) the list is
published for.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from reports import sources

THRESHOLD = Decimal("30000.00")


def quarter_of(year, month):
    """(label, first day, last day) of the financial-year quarter holding year-month."""
    fy = year if month >= 4 else year - 1
    q = (month - 4) % 12 // 3 + 1
    start_month = 4 + (q - 1) * 3
    start_year = fy if start_month <= 12 else fy + 1
    start_month = start_month if start_month <= 12 else start_month - 12
    end_month = start_month + 2
    start = dt.date(start_year, start_month, 1)
    end = (dt.date(start_year, end_month + 1, 1) if end_month < 12
           else dt.date(start_year + 1, 1, 1)) - dt.timedelta(days=1)
    return f"{fy}-{(fy + 1) % 100:02d} Q{q}", start, end


PUBLISH_WITHIN_DAYS = 30  # s.70 and s.69 alike: within 30 days of the period's end


@dataclass(frozen=True)
class Period:
    """A span finance publishes for: `due_by` is None while it has not ended."""
    label: str
    start: dt.date
    end: dt.date
    due_by: dt.date | None


def _half_of(day):
    """The s.69 six-month period (1 April–30 September, 1 October–31 March) holding `day`."""
    if 4 <= day.month <= 9:
        return dt.date(day.year, 4, 1), dt.date(day.year, 9, 30)
    year = day.year if day.month >= 10 else day.year - 1
    return dt.date(year, 10, 1), dt.date(year + 1, 3, 31)


def publication_periods(today, quarters=4, halves=2):
    """The periods a finance officer publishes, newest first: the quarter under way and the last
    `quarters` ended (s.70), the half-year under way and the last `halves` ended (s.69)."""
    def period(label, start, end):
        due = end + dt.timedelta(days=PUBLISH_WITHIN_DAYS) if end < today else None
        return Period(label, start, end, due)

    out_quarters, day = [], today
    for _ in range(quarters + 1):
        label, start, end = quarter_of(day.year, day.month)
        out_quarters.append(period(label, start, end))
        day = start - dt.timedelta(days=1)
    out_halves, day = [], today
    for _ in range(halves + 1):
        start, end = _half_of(day)
        out_halves.append(period(f"{start:%B %Y} to {end:%B %Y}", start, end))
        day = start - dt.timedelta(days=1)
    return out_quarters, out_halves


def payments(*, date_from, date_to, authority=None, filters=None):
    """Every payment over £30,000 paid from `date_from` to `date_to` (a report with `rows`)."""
    return sources.published_payments(date_from=date_from, date_to=date_to,
                                      authority=authority, filters=filters)
