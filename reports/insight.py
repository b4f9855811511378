"""Market insight per lot over the last few years, for commissioners and providers' forums.

Every figure is aggregated in the database, in a fixed number of queries whatever the number
of years (at most ten) or of placements: one for the placement counts and lengths, one for the
endings by reason, one for the memberships, one for the prices and one for spend (the spend
engine's `aggregate`, ADR 0011, with a window per year and grouped by provider, route, location
and authority at once, so every spend share comes from the same pennies as the finance reports:
each year's are those of the engine run for that year alone), plus two for the per-authority
breakdown when it is shown. With the spend summary built (ADR 0023) the placement figures read
its narrow placement rows (`InsightPlacement`, starting prices worked out, ADR 0029) and both
spend groupings' edge months are rounded once (`spend.aggregate_sets`). Choices are in ADR 0012:

- Years are the twelve-month periods ending on `to` (the newest last): year k runs from the day
  after `to` minus k years to `to` minus k−1 years.
- A placement is live in a year when it started on or before the year's last day and had not
  ended before its first day; started/ended when its start/end date falls in the year.
- Providers used: distinct providers of the placements live in the year (a spot provider not
  listed as an organisation counts once by its name); admitted: memberships of the lot that
  were live (admitted, suspended) at some time in the year. Admission is DPS-wide.
- Weekly price: the agreed starting price of each placement started in the year (its first fee
  period), as a weekly equivalent rounded to the penny: week × 1, hour × hours per week,
  year × 7 / 365 (52.142857… weeks a year, the same daily rate as spend). Hourly placements
  without hours per week have no weekly equivalent and are left out. The spread is minimum,
  quartiles (linear interpolation, PostgreSQL's percentile_cont) and maximum.
- Length: days from start to end inclusive, of the placements that ended in the year.
"""

from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Round

from contracts.models import EndReason, FeePeriod, Placement
from dps.models import Organisation
from dps.money import pennies
from dps.replica import report_connection
from providers.models import Membership
from reports import spend as spend_engine
from reports import summary
from reports.insight_parts import (
    ONE_PLACE,
    AuthorityRow,
    DaysInclusive,
    MarketInsight,
    Percentile,
    PriceSpread,
    ReasonCount,
    RouteShare,
    YearFigures,
    _decimal,
    _in_db,
    _percent,
    quantile,
    year_windows,
)
from reports.models import InsightPlacement

MAX_YEARS = 10
TOP_PROVIDERS = 10
DAYS_A_YEAR = Decimal(365)
ROUTES = dict(Placement.Route.choices)
END_REASONS = dict(EndReason.choices)


# --- The figures ----------------------------------------------------------------------------

def _placements(lot, authority, held=False):
    """The lot's placements: the insight's own narrow rows when the summary holds them
    (`held`, ADR 0029), else the placements themselves; both have the columns read here."""
    queryset = (InsightPlacement if held else Placement).objects.filter(lot_id=lot.pk)
    if authority is not None:
        queryset = queryset.filter(authority_id=authority.pk)
    return queryset


def _live_in(year):
    return Q(start_date__lte=year.end) & (Q(end_date__isnull=True) | Q(end_date__gte=year.start))


def _placement_counts(lot, authority, years, figures, held):
    """Started, live, providers used and ended per year; median length where the DB can."""
    first, last = years[0], years[-1]
    aggregates = {}
    days = DaysInclusive(F("end_date"), F("start_date"))
    for year in years:
        live = _live_in(year)
        ended = Q(end_date__gte=year.start, end_date__lte=year.end)
        aggregates[f"started_{year.index}"] = Count(
            "pk", filter=Q(start_date__gte=year.start, start_date__lte=year.end))
        aggregates[f"live_{year.index}"] = Count("pk", filter=live)
        # Providers used: listed ones by id, unlisted spot providers by name (two distinct
        # counts over disjoint keys: integers hash and sort faster than a text key of both).
        aggregates[f"used_{year.index}"] = Count("provider_id", filter=live, distinct=True)
        aggregates[f"unlisted_{year.index}"] = Count(
            "provider_name", filter=live & Q(provider_id__isnull=True), distinct=True)
        aggregates[f"ended_{year.index}"] = Count("pk", filter=ended)
        if _in_db():
            aggregates[f"length_{year.index}"] = Percentile(days, 0.5, filter=ended)
    row = (_placements(lot, authority, held)
           .filter(start_date__lte=last.end)
           .filter(Q(end_date__isnull=True) | Q(end_date__gte=first.start))
           .aggregate(**aggregates))
    for year in years:
        f = figures[year.index]
        f.placements_started = row[f"started_{year.index}"]
        f.placements_live = row[f"live_{year.index}"]
        f.providers_used = row[f"used_{year.index}"] + row[f"unlisted_{year.index}"]
        f.placements_ended = row[f"ended_{year.index}"]
        f.turnover_rate = _percent(f.placements_ended, f.placements_live)
        if _in_db():
            median = _decimal(row[f"length_{year.index}"])
            f.median_length_days = None if median is None else median.quantize(ONE_PLACE)


def _year_bucket(field_name, years):
    return Case(*[When(**{f"{field_name}__gte": y.start, f"{field_name}__lte": y.end},
                       then=Value(y.index)) for y in years], output_field=IntegerField())


def _endings(lot, authority, years, figures, held):
    """Ended placements by reason per year (one query), and lengths where not in the DB."""
    first, last = years[0], years[-1]
    ended = (_placements(lot, authority, held)
             .filter(end_date__gte=first.start, end_date__lte=last.end)
             .annotate(bucket=_year_bucket("end_date", years)))
    for row in (ended.values("bucket", "end_reason").annotate(n=Count("pk"))
                .order_by("bucket", "end_reason")):
        reason = row["end_reason"] or EndReason.OTHER
        figures[row["bucket"]].endings.append(
            ReasonCount(reason=reason, label=END_REASONS.get(reason, reason), count=row["n"]))
    for f in figures:
        # Merge blank reasons into "other", then list the commonest first.
        merged = {}
        for item in f.endings:
            if item.reason in merged:
                merged[item.reason].count += item.count
            else:
                merged[item.reason] = item
        f.endings = sorted(merged.values(), key=lambda r: (-r.count, r.label))
    if not _in_db():
        lengths = {}
        for bucket, length in ended.annotate(
                length=DaysInclusive(F("end_date"), F("start_date"))).values_list(
                "bucket", "length"):
            lengths.setdefault(bucket, []).append(length)
        for index, values in lengths.items():
            figures[index].median_length_days = quantile(values, 0.5).quantize(ONE_PLACE)


def _memberships(lot, years, figures):
    aggregates = {
        f"admitted_{y.index}": Count("pk", filter=Q(admitted_at__date__lte=y.end) & (
            Q(removed_at__isnull=True) | Q(removed_at__date__gte=y.start)))
        for y in years}
    row = Membership.objects.filter(lot=lot).aggregate(**aggregates)
    for year in years:
        figures[year.index].providers_admitted = row[f"admitted_{year.index}"]


WEEKLY = DecimalField(max_digits=14, decimal_places=2)


def _weekly_expression(hours):
    money = DecimalField(max_digits=14, decimal_places=4)
    weekly = Case(
        When(unit="hour", then=ExpressionWrapper(F("price") * hours, output_field=money)),
        When(unit="year", then=ExpressionWrapper(
            F("price") * Value(Decimal(7)) / Value(DAYS_A_YEAR), output_field=money)),
        default=ExpressionWrapper(F("price") * Value(Decimal(1)), output_field=money),
        output_field=money)
    return Round(weekly, 2, output_field=WEEKLY)


STATS = {"minimum": None, "lower_quartile": 0.25, "median": 0.5, "upper_quartile": 0.75,
         "maximum": None}


def _spread_from_values(values):
    if not values:
        return PriceSpread()
    values = sorted(values)
    return PriceSpread(
        placements=len(values),
        average=pennies(sum(values) / len(values)),
        minimum=pennies(values[0]), maximum=pennies(values[-1]),
        lower_quartile=pennies(quantile(values, 0.25)), median=pennies(quantile(values, 0.5)),
        upper_quartile=pennies(quantile(values, 0.75)))


def _price_statistics(starting, authority, years):
    """Every price statistic of every year and scope in one statement (PostgreSQL).

    Over the starting prices as a subquery kept apart (`OFFSET 0`): flattened into the
    aggregate, PostgreSQL would look up each placement's first fee period once per statistic.
    Placements without a weekly equivalent (null) are left out; quartiles are taken in whole
    pennies (interpolated quarters of a penny are exact floats).
    """
    inner, params = (starting.values("start_date", "authority_id", "weekly").order_by()
                     .query.sql_with_params())
    columns, values = [], []
    scopes = {"sector_weekly_price": ""}
    if authority is not None:
        scopes["weekly_price"] = " AND s.authority_id = %s"
    for scope, condition in scopes.items():
        for y in years:
            started = f" FILTER (WHERE s.start_date BETWEEN %s AND %s{condition})"
            bounds = [y.start, y.end] + ([authority.pk] if condition else [])
            key = f"{scope}_{y.index}"
            for name, aggregate in (("n", "COUNT(*)"), ("average", "AVG(s.weekly)"),
                                    ("minimum", "MIN(s.weekly)"), ("maximum", "MAX(s.weekly)"),
                                    *((name, f"PERCENTILE_CONT({fraction}) WITHIN GROUP "
                                              "(ORDER BY CAST(s.weekly * 100 AS bigint))")
                                      for name, fraction in STATS.items()
                                      if fraction is not None)):
                columns.append(f"{key}_{name}")
                values.append((f"{aggregate}{started}", bounds))
    text = (f"SELECT {', '.join(sql for sql, _b in values)} "
            f"FROM ({inner} OFFSET 0) s WHERE s.weekly IS NOT NULL")
    with report_connection().cursor() as cursor:
        cursor.execute(text, [p for _sql, bounds in values for p in bounds] + list(params))
        return dict(zip(columns, cursor.fetchone(), strict=True))


def starting_weekly():
    """A placement's agreed starting price a week (an annotation over Placement): its first
    fee period (unique per placement and day) by its index, rather than a join the planner
    answers with a scan of every fee period. Null, and the placement left out, for an hourly
    price without hours per week. Also what `InsightPlacement.weekly` holds (ADR 0029)."""
    first_period = FeePeriod.objects.filter(placement=OuterRef("pk"),
                                            effective_from=OuterRef("start_date"))
    return Subquery(first_period.annotate(weekly=_weekly_expression(OuterRef("hours_per_week")))
                    .values("weekly")[:1], output_field=WEEKLY)


def _prices(lot, authority, years, figures, held):
    """The weekly price spread of placements started each year: in scope and sector-wide."""
    first, last = years[0], years[-1]
    starting = _placements(lot, None, held).filter(start_date__gte=first.start,
                                                   start_date__lte=last.end)
    if not held:
        starting = starting.annotate(weekly=starting_weekly())
    scopes = ["sector_weekly_price"] + (["weekly_price"] if authority is not None else [])
    if _in_db():
        row = _price_statistics(starting, authority, years)
        for scope in scopes:
            for y in years:
                key = f"{scope}_{y.index}"
                spread = PriceSpread(placements=row[f"{key}_n"])
                if spread.placements:
                    spread.average = pennies(_decimal(row[f"{key}_average"]))
                    spread.minimum = pennies(row[f"{key}_minimum"])
                    spread.maximum = pennies(row[f"{key}_maximum"])
                    for name, fraction in STATS.items():
                        if fraction is not None:
                            setattr(spread, name, pennies(_decimal(row[f"{key}_{name}"]) / 100))
                setattr(figures[y.index], scope, spread)
    else:
        values = {scope: {} for scope in scopes}
        rows = starting.filter(weekly__isnull=False).annotate(
            bucket=_year_bucket("start_date", years)).values_list(
            "bucket", "authority_id", "weekly")
        for bucket, authority_id, weekly in rows:
            values["sector_weekly_price"].setdefault(bucket, []).append(Decimal(weekly))
            if authority is not None and authority_id == authority.pk:
                values["weekly_price"].setdefault(bucket, []).append(Decimal(weekly))
        for scope in scopes:
            for y in years:
                setattr(figures[y.index], scope,
                        _spread_from_values(values[scope].get(y.index, [])))
    if authority is None:
        for f in figures:
            f.weekly_price = f.sector_weekly_price


def _spend(lot, authority, years, figures, breakdown, current):
    """Spend shares per year from the spend engine, every year at once (the engine's windows,
    each year's pennies those of a call for that year alone), whatever the data: by provider
    in one call, and by route, location and authority in another. Two groupings rather than
    their product: with the monthly summary (ADR 0023, 0027) the second reads only the lot's
    sums without the provider, and each returns a row per provider or route, not per
    combination (ten times fewer rows to read and add up at regional scale). Both are sums of
    the same rounded piece-months, so their totals agree to the penny."""
    windows = [(y.start, y.end) for y in years]
    common = dict(windows=windows, authority=authority, filters={"lot": lot.pk}, voids=False,
                  state=current)
    per_year = {y.index: ({}, {}, {}, {}) for y in years}
    # Both groupings at once: the edge months' piece-months are read once (ADR 0029).
    providers, routes = spend_engine.aggregate_sets(
        dim_sets=[("provider",), ("route", "location", "authority")], **common)
    for (index, provider_id, unlisted_name), values in providers.items():
        key = provider_id if provider_id is not None else f"spot:{unlisted_name}"
        by_provider = per_year[index][0]
        by_provider[key] = by_provider.get(key, 0) + values[0]
    for (index, route, location, authority_id), values in routes.items():
        _by_provider, by_route, by_location, by_authority = per_year[index]
        amount = values[0]
        by_route[route] = by_route.get(route, 0) + amount
        by_location[location] = by_location.get(location, 0) + amount
        by_authority[authority_id] = by_authority.get(authority_id, 0) + amount
    for y in years:
        by_provider, by_route, by_location, by_authority = per_year[y.index]
        total = sum(by_route.values())
        f = figures[y.index]
        f.spend_total = _pounds(total)
        paid = sorted((amount for amount in by_provider.values() if amount), reverse=True)
        f.providers_paid = len(paid)
        top = sum(paid[:TOP_PROVIDERS])
        f.top_providers_spend = _pounds(top)
        f.top_providers_share = _percent(top, total)
        f.routes = [RouteShare(route=code, label=label, amount=_pounds(by_route.get(code, 0)),
                               share=_percent(by_route.get(code, 0), total))
                    for code, label in ROUTES.items()]
        f.in_area_spend = _pounds(by_location.get("in_area", 0))
        f.out_of_area_spend = _pounds(by_location.get("out_of_area", 0))
        f.in_area_share = _percent(by_location.get("in_area", 0), total)
        if breakdown:
            f.authorities = by_authority
    return figures


def _pounds(pence):
    return (Decimal(int(pence)) / 100).quantize(Decimal("0.01"))


def _authority_breakdown(lot, years, figures, held):
    """Per authority and year: placements started and live (one query) and spend."""
    aggregates = {}
    for y in years:
        aggregates[f"started_{y.index}"] = Count(
            "pk", filter=Q(start_date__gte=y.start, start_date__lte=y.end))
        aggregates[f"live_{y.index}"] = Count("pk", filter=_live_in(y))
    first, last = years[0], years[-1]
    rows = {row["authority_id"]: row for row in (
        _placements(lot, None, held).filter(start_date__lte=last.end)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first.start))
        .values("authority_id").annotate(**aggregates).order_by())}
    spent = set()
    for f in figures:
        spent.update(key for key, amount in (f.authorities or {}).items() if amount)
    ids = set(rows) | spent
    names = dict(Organisation.objects.filter(pk__in=ids).values_list("pk", "name"))
    for y in years:
        f = figures[y.index]
        amounts = f.authorities or {}
        table = []
        for pk in sorted(ids, key=lambda pk: names.get(pk, "").lower()):
            row = rows.get(pk, {})
            table.append(AuthorityRow(
                authority=pk, name=names.get(pk, str(pk)),
                placements_started=row.get(f"started_{y.index}", 0),
                placements_live=row.get(f"live_{y.index}", 0),
                spend=_pounds(amounts.get(pk, 0))))
        f.authorities = table


def market_insight(*, lot, to, years=3, authority=None, forum=False):
    """The market figures for `lot` over the `years` twelve-month periods ending on `to`.

    `authority` limits every figure to one buying authority (None: all authorities, the DPS
    administrator's view). The per-authority breakdown is given only for all authorities and
    never in the providers' forum view (`forum=True`).
    """
    if not 1 <= years <= MAX_YEARS:
        raise ValueError(f"years must be between 1 and {MAX_YEARS}.")
    windows = year_windows(to, years)
    figures = [YearFigures(year=y) for y in windows]
    breakdown = authority is None and not forum
    # Asked once (the spend reads it too): with the summary built, its placement rows.
    current = summary.state()
    held = current is not None and current.placements_built
    _placement_counts(lot, authority, windows, figures, held)
    _endings(lot, authority, windows, figures, held)
    _memberships(lot, windows, figures)
    _prices(lot, authority, windows, figures, held)
    _spend(lot, authority, windows, figures, breakdown, current)
    if breakdown:
        _authority_breakdown(lot, windows, figures, held)
    return MarketInsight(lot=lot, authority=authority, date_from=windows[0].start,
                         date_to=windows[-1].end, forum=forum, years=figures,
                         show_authorities=breakdown)
