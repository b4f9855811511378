"""The Procurement Act 2023 s.70 list: payments over £30,000, per provider per quarter.

Payments are not recorded in the DPS: the amount is the spend the engine accrues (reports.spend)
in each financial-year quarter (April–June is Q1), per buying authority and provider. A quarter is
listed when its total is strictly more than £30,000. Quarters cut by the range count only the
days inside it.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dps.models import Organisation
from reports.spend import aggregate

THRESHOLD = Decimal("30000.00")


@dataclass
class PaymentRow:
    authority_id: int
    authority_name: str
    provider_id: int | None
    provider_name: str
    quarter: str  # "2026-27 Q1"
    quarter_start: dt.date
    quarter_end: dt.date
    amount: Decimal


@dataclass
class PaymentsReport:
    date_from: dt.date
    date_to: dt.date
    threshold: Decimal
    rows: list[PaymentRow]
    total: Decimal


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


def payments(*, date_from, date_to, authority=None, filters=None, threshold=THRESHOLD):
    data = aggregate(date_from=date_from, date_to=date_to,
                     dims=("authority", "provider", "month"), authority=authority,
                     filters=filters)
    quarters = {}
    for (authority_id, provider_id, unlisted_name, month_idx), (pennies, _d, _v) in data.items():
        year, month = divmod(int(month_idx), 12)
        label, start, end = quarter_of(year, month + 1)
        key = (authority_id, provider_id, unlisted_name, label, start, end)
        quarters[key] = quarters.get(key, 0) + pennies
    names = dict(Organisation.objects.filter(
        pk__in={k[0] for k in quarters} | {k[1] for k in quarters if k[1]})
        .values_list("pk", "name"))
    rows = []
    for (authority_id, provider_id, unlisted_name, label, start, end), pennies in \
            quarters.items():
        amount = (Decimal(pennies) / 100).quantize(Decimal("0.01"))
        if amount <= threshold:
            continue
        rows.append(PaymentRow(
            authority_id=authority_id, authority_name=names.get(authority_id, ""),
            provider_id=provider_id,
            provider_name=names.get(provider_id, "") if provider_id else (unlisted_name or ""),
            quarter=label, quarter_start=start, quarter_end=end, amount=amount))
    rows.sort(key=lambda r: (r.quarter_start, r.authority_name.lower(),
                             r.provider_name.lower()))
    return PaymentsReport(date_from=date_from, date_to=date_to, threshold=threshold, rows=rows,
                          total=sum((r.amount for r in rows), Decimal("0.00")))
