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


# --- Pages ----------------------------------------------------------------------------------

def active_dps_list():
    return Dps.objects.filter(is_active=True).order_by("name")


def round_accepting_applications(dps):
    """The round a submission would join now: the open one, else the next scheduled one.

    The apply page uses it to tell applicants which round they would join; submit_application
    uses it to decide.
    """
    from django.utils import timezone

    open_round = AdmissionRound.objects.filter(
        dps=dps, status=AdmissionRound.Status.OPEN, closes_at__gt=timezone.now()
    ).order_by("closes_at").first()
    if open_round:
        return open_round
    return AdmissionRound.objects.filter(
        dps=dps, status=AdmissionRound.Status.SCHEDULED
    ).order_by("opens_at").first()


def applications_waiting_for_round(dps_id=None):
    """Submitted applications that no round has taken yet (none was open or scheduled)."""
    queryset = Application.objects.filter(status=Application.Status.SUBMITTED,
                                          round__isnull=True)
    return queryset if dps_id is None else queryset.filter(dps_id=dps_id)


def provider_applications(organisation):
    return applications_with_lots().filter(provider=organisation).order_by("-created_at", "-id")


def provider_memberships(organisation):
    return memberships().filter(provider=organisation).order_by(
        "lot__dps__name", "lot__position", "-admitted_at"
    )


def round_applications(round_):
    """A round's applications (drafts never join one), oldest submission first."""
    return applications_with_lots().filter(round=round_).exclude(
        status=Application.Status.DRAFT
    ).order_by("submitted_at", "id")
