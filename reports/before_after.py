"""Before and after the DPS (issue 18; DESIGN.md's Cambridgeshire table): providers used and
placements started on a lot in the year before the arrangement's `starts_on` and in the
latest year, and the share of placements started through the DPS against spot, per year.

- The year before: `starts_on` minus one year to the day before `starts_on`. The latest year:
  the twelve months ending on `to` (today), as market insight's newest year.
- Providers used: distinct providers of the placements live at some time in the year (a spot
  provider not listed as an organisation counts once by its name), as market insight counts
  them; placements: those whose start date falls in the year.
- Routes: placements started in the year by route; the DPS share is DPS call-offs against
  DPS call-offs plus spot purchases (block placements are shown apart, not in the share).

One query each, whatever the number of placements.
"""

import datetime
from dataclasses import dataclass

from django.db.models import CharField, Count, F, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat

from contracts.models import Placement


@dataclass
class BeforeAfter:
    dps_start: datetime.date
    before_from: datetime.date
    before_to: datetime.date
    after_from: datetime.date
    after_to: datetime.date
    providers_before: int = 0
    providers_after: int = 0
    placements_before: int = 0
    placements_after: int = 0


@dataclass
class RouteYear:
    date_from: datetime.date
    date_to: datetime.date
    dps: int = 0
    spot: int = 0
    block: int = 0

    @property
    def dps_share(self):
        """Per cent of DPS and spot placements started through the DPS; None when neither."""
        bought = self.dps + self.spot
        return round(100 * self.dps / bought, 1) if bought else None

    @property
    def spot_share(self):
        share = self.dps_share
        return None if share is None else round(100 - share, 1)


def year_before(day):
    """The same day a year earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _placements(lot, authority):
    queryset = Placement.objects.filter(lot=lot)
    return queryset if authority is None else queryset.filter(authority=authority)


def _provider_key():
    return Coalesce(Cast("provider_id", CharField()),
                    Concat(Value("spot:"), F("provider_name"), output_field=CharField()),
                    output_field=CharField())


def _live(start, end):
    return Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))


def _started(start, end):
    return Q(start_date__gte=start, start_date__lte=end)


def before_after(*, lot, to, authority=None):
    dps_start = lot.dps.starts_on
    before_to = dps_start - datetime.timedelta(days=1)
    before_from = year_before(dps_start)
    after_from = year_before(to) + datetime.timedelta(days=1)
    row = _placements(lot, authority).aggregate(
        providers_before=Count(_provider_key(), filter=_live(before_from, before_to),
                               distinct=True),
        providers_after=Count(_provider_key(), filter=_live(after_from, to), distinct=True),
        placements_before=Count("pk", filter=_started(before_from, before_to)),
        placements_after=Count("pk", filter=_started(after_from, to)))
    return BeforeAfter(dps_start=dps_start, before_from=before_from, before_to=before_to,
                       after_from=after_from, after_to=to, **row)


def routes_by_year(*, lot, to, authority=None, years=3):
    """[RouteYear], the oldest first: placements started per route in each twelve-month
    period ending on `to`."""
    windows = []
    end = to
    for _ in range(years):
        start = year_before(end) + datetime.timedelta(days=1)
        windows.append((start, end))
        end = start - datetime.timedelta(days=1)
    windows.reverse()
    aggregates = {
        f"{route}_{i}": Count("pk", filter=_started(start, end) & Q(route=route))
        for i, (start, end) in enumerate(windows) for route in Placement.Route.values}
    row = _placements(lot, authority).filter(
        start_date__gte=windows[0][0], start_date__lte=to).aggregate(**aggregates)
    return [RouteYear(start, end, **{route: row[f"{route}_{i}"]
                                     for route in Placement.Route.values})
            for i, (start, end) in enumerate(windows)]
