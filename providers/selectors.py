"""Read queries for admission pages and list endpoints: fixed query counts at any size."""

from django.db.models import Count, Prefetch, Q

from providers.models import AdmissionRound, Application, ApplicationLot, Dps, Lot, Membership


def default_dps():
    from django.conf import settings

    return Dps.objects.get(code=settings.DEFAULT_DPS_CODE)


def dps_by_code(code):
    return Dps.objects.filter(code=code).first() if code else default_dps()


def lots_for(dps):
    return Lot.objects.filter(dps=dps).order_by("position", "code")


def applications_with_lots():
    return Application.objects.select_related("provider", "dps", "round").prefetch_related(
        Prefetch("lots", queryset=ApplicationLot.objects.select_related("lot"))
    )


def rounds_with_counts(dps):
    return AdmissionRound.objects.filter(dps=dps).annotate(
        application_count=Count("applications", filter=~Q(applications__status="draft")),
        undecided_count=Count("applications", filter=Q(applications__status="submitted")),
    ).order_by("-opens_at")


def memberships():
    return Membership.objects.select_related("provider", "lot", "lot__dps")
