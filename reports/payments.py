"""The Procurement Act 2023 s.70 list: each payment over £30,000, from actual payments.

Payments are recorded in invoicing (by hand or from the ledger's remittance file); the list is
built there (invoicing/transparency.py) and reached through reports.sources, so reports imports
nothing above it. `quarter_of` names the financial-year quarters (April–June is Q1) the list is
published for.
"""

import datetime as dt
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


def payments(*, date_from, date_to, authority=None, filters=None):
    """Every payment over £30,000 paid from `date_from` to `date_to` (a report with `rows`)."""
    return sources.published_payments(date_from=date_from, date_to=date_to,
                                      authority=authority, filters=filters)
