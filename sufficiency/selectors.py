"""Reads of vacancies with fixed query counts: what is live, what matches a referral.

One place says what "live" means (ADR 0021): not withdrawn, `expires_on` after today, and the
provider admitted (not suspended, not removed) on the vacancy's lot at the moment of reading.
`with_status` spells the same rule as a column for the pages and the API.
"""

from dataclasses import dataclass

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Value, When, Window
from django.utils import timezone

from dps import areas
from providers.models import Membership
from referrals.models import Need
from sufficiency.models import Vacancy

PANEL_ROWS = 20
# What the panel shows, and no more (the panel is on every draft referral and call-off page).
PANEL_FIELDS = ("id", "provider_id", "provider__name", "places", "area_code", "age_from",
                "age_to", "available_from", "notes", "confirmed_at", "expires_on")


def _admitted():
    return Exists(Membership.objects.filter(provider_id=OuterRef("provider_id"),
                                            lot_id=OuterRef("lot_id"),
                                            status=Membership.Status.ADMITTED))


def _base():
    return (Vacancy.objects.select_related("provider", "lot")
            .prefetch_related(Prefetch("needs", queryset=Need.objects.order_by("position",
                                                                                 "name"))))


def live(today=None):
    today = today or timezone.localdate()
    return _base().filter(withdrawn_at__isnull=True, expires_on__gt=today).filter(_admitted())


def with_status(queryset, today=None):
    today = today or timezone.localdate()
    return queryset.annotate(admitted=_admitted()).annotate(status=Case(
        When(withdrawn_at__isnull=False, then=Value("withdrawn")),
        When(expires_on__lte=today, then=Value("expired")),
        When(admitted=False, then=Value("hidden")),
        default=Value("live")))


def provider_vacancies(organisation_id):
    """A provider's own vacancies, withdrawn ones last."""
    return with_status(_base().filter(provider_id=organisation_id)).order_by(
        "withdrawn_at", "-confirmed_at", "-id")


def filtered(queryset, *, lot=None, area=None, need=None, age=None):
    """The API's filters: lot (a Lot), area (any name or code dps.areas knows), need (a code),
    age (whole years within the vacancy's range)."""
    if lot is not None:
        queryset = queryset.filter(lot=lot)
    if area:
        queryset = queryset.filter(area_code=areas.code_of(area) or "-")
    if need:
        queryset = queryset.filter(needs__code=need)
    if age is not None:
        queryset = queryset.filter(age_from__lte=age, age_to__gte=age)
    return queryset


@dataclass
class Match:
    vacancy: Vacancy
    in_area: bool
    area_name: str
    days_ago: int  # since it was posted or last confirmed: how recent the information is
    invited: bool = False

    @property
    def recency(self):
        if self.days_ago <= 0:
            return "today"
        return "yesterday" if self.days_ago == 1 else f"{self.days_ago} days ago"


@dataclass
class Matches:
    rows: list
    total: int
    area_known: bool
    age: int | None


def matching(*, lot_id, age, need_ids, area, start, today=None, limit=PANEL_ROWS):
    """Live vacancies on the lot whose ages hold `age` (at the placement's start), available
    by `start`, meeting every one of `need_ids`; those in `area` first, then the most recently
    posted or confirmed. One query, the total counted in it by a window, however many
    vacancies there are."""
    today = today or timezone.localdate()
    code = areas.code_of(area)
    queryset = (Vacancy.objects.filter(withdrawn_at__isnull=True, expires_on__gt=today)
                .filter(_admitted())
                .filter(lot_id=lot_id, age_from__lte=age, age_to__gte=age,
                        available_from__lte=start))
    through = Vacancy.needs.through
    for need_id in need_ids:
        queryset = queryset.filter(Exists(through.objects.filter(vacancy_id=OuterRef("pk"),
                                                                 need_id=need_id)))
    queryset = (queryset.select_related("provider")
                .only(*PANEL_FIELDS)
                .annotate(in_area=Case(When(area_code=code, then=Value(True)),
                                       default=Value(False)),
                          total=Window(Count("id")))
                .order_by("-in_area", "-confirmed_at", "-id"))
    rows = list(queryset[:limit])
    return Matches(rows=[_match(vacancy, today) for vacancy in rows],
                   total=rows[0].total if rows else 0, area_known=bool(code), age=age)


def _match(vacancy, today):
    area = areas.find(vacancy.area_code)
    return Match(vacancy=vacancy, in_area=vacancy.in_area,
                 area_name=area.name if area else vacancy.area_code,
                 days_ago=(today - timezone.localdate(vacancy.confirmed_at)).days)


def for_referral(referral, *, age=None, need_ids=None, today=None, limit=PANEL_ROWS):
    """The matching panel of a referral: `age` at the start (a call-off keeps it), else
    worked out from the child's date of birth."""
    if need_ids is None:
        need_ids = [need.pk for need in referral.needs.all()]
    return matching(lot_id=referral.lot_id,
                    age=referral.age_at_start() if age is None else age,
                    need_ids=need_ids, area=referral.location_area,
                    start=referral.placement_start, today=today, limit=limit)


def mark_invited(matches, calloff):
    """After publication: which matching providers the call-off invited (one query)."""
    ids = {match.vacancy.provider_id for match in matches.rows}
    if not ids:
        return matches
    invited = set(calloff.invitations.filter(provider_id__in=ids)
                  .values_list("provider_id", flat=True))
    for match in matches.rows:
        match.invited = match.vacancy.provider_id in invited
    return matches
