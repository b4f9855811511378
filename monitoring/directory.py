"""Read queries for the provider directory and profile (finding 2): every provider, not only
the flagged ones, with its rating and lots; and one provider's monitoring in one place. Fixed
query counts: the list is a count, a page and one prefetch; the profile a query per section,
each section cut to its latest rows."""

from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery

from contracts.models import Placement
from documents import selectors as document_selectors
from dps.api.scoping import for_authority
from dps.models import Organisation
from monitoring import selectors
from monitoring.models import (
    AnnualReport,
    KpiReturn,
    MonitoringActivity,
    Rag,
    RiskAssessment,
)
from providers.models import Lot, Membership

NOT_ASSESSED = "none"
RAG_FILTERS = [*Rag.choices, (NOT_ASSESSED, "Not assessed")]
SECTION_ROWS = 10  # each profile section shows its latest rows and links to the full page


def _live_memberships():
    return (Membership.objects.filter(status__in=Membership.LIVE).select_related("lot__dps")
            .order_by("lot__dps_id", "lot__position", "lot_id"))


def provider_directory(*, search="", rag="", lot_id=None):
    """Provider organisations by name, each with its current rating and score, when it was
    last assessed and its live memberships (`live_memberships`)."""
    current = RiskAssessment.objects.filter(provider=OuterRef("pk"), is_current=True)
    latest = RiskAssessment.objects.filter(provider=OuterRef("pk")).order_by("-assessed_at",
                                                                              "-id")
    providers = (Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)
                 .annotate(rag=Subquery(current.values("rag")[:1]),
                           score=Subquery(current.values("score")[:1]),
                           next_due=Subquery(current.values("next_due")[:1]),
                           last_assessed_at=Subquery(latest.values("assessed_at")[:1]))
                 .prefetch_related(Prefetch("memberships", queryset=_live_memberships(),
                                            to_attr="live_memberships"))
                 .order_by("name", "pk"))
    search = (search or "").strip()
    if search:
        providers = providers.filter(Q(name__icontains=search)
                                     | Q(companies_house_number__iexact=search))
    if rag == NOT_ASSESSED:
        providers = providers.filter(rag__isnull=True)
    elif rag in Rag.values:
        providers = providers.filter(rag=rag)
    if lot_id is not None:
        providers = providers.filter(Exists(Membership.objects.filter(
            provider=OuterRef("pk"), lot_id=lot_id, status__in=Membership.LIVE)))
    return providers


def directory_lots():
    return list(Lot.objects.select_related("dps").order_by("dps_id", "position", "id"))


def provider_profile(provider, *, user):
    """Everything the profile shows for `provider`: its memberships (every status), the
    user's authority's placements with it (a DPS administrator's: every authority's), and its
    monitoring — risk history, open triggers, visits and other activities, KPI returns,
    action plans and annual reports."""
    risk = selectors.provider_risk(provider.pk)
    placements = for_authority(Placement.objects.filter(provider=provider), user)
    return {
        "memberships": list(Membership.objects.filter(provider=provider)
                            .select_related("lot__dps")
                            .order_by("status", "lot__dps_id", "lot__position", "lot_id")),
        "placements": list(placements.select_related("lot", "authority", "child")
                           .order_by("-start_date", "-id")[:SECTION_ROWS]),
        "live_placements": placements.exclude(status=Placement.Status.ENDED).count(),
        "risk": risk,
        "history": risk["history"][:SECTION_ROWS],
        "activities": list(MonitoringActivity.objects.filter(provider=provider)
                           .order_by("-planned_date", "-id")[:SECTION_ROWS]),
        "kpi_returns": list(KpiReturn.objects.filter(provider=provider).select_related("lot")
                            .order_by("-period_start", "-id")[:SECTION_ROWS]),
        "late_returns": selectors.late_kpi_returns().filter(provider=provider).count(),
        "plans": list(selectors.action_plans().filter(provider=provider)
                      .order_by("-created_at", "-id")[:SECTION_ROWS]),
        "annual_reports": list(AnnualReport.objects.filter(provider=provider)
                               .order_by("-year", "-id")[:SECTION_ROWS]),
        # Its lapsed certificates not yet renewed: the membership's flag (ADR 0016).
        "lapsed": list(document_selectors.lapsed_certificates(provider.pk)[:SECTION_ROWS]),
        "section_rows": SECTION_ROWS,
    }
