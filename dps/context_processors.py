from django.urls import reverse

from dps.models import Role


def navigation(request):
    """Role-aware navigation: each user sees the doors their roles open."""
    user = getattr(request, "user", None)
    items = []
    if user is not None and user.is_authenticated:
        # "Home" is the role's front door itself (issue 8), so it shows as the current page.
        if user.has_role(Role.COMMISSIONER, Role.DPS_ADMIN):
            home = reverse("dashboard")
        elif user.has_role(Role.FINANCE) and not user.has_role(Role.BUDGET_HOLDER):
            home = reverse("finance-workspace")
        elif user.has_role(Role.PROVIDER):
            home = reverse("portal")
        else:
            home = reverse("home")
        items.append(("Home", home))
        if user.has_role(Role.COMMISSIONER):
            items.append(("Referrals", reverse("referrals:list")))
            items.append(("Call-offs", reverse("calloffs:list")))
        if user.has_role(Role.BUDGET_HOLDER):
            items.append(("Approvals", reverse("calloffs:approvals")))
        if user.has_role(Role.PROVIDER):
            items.append(("Opportunities", reverse("calloffs:opportunities")))
            items.append(("My responses", reverse("calloffs:my-responses")))
            items.append(("Apply to join", reverse("providers:apply")))
            items.append(("My applications", reverse("providers:my-applications")))
        if user.has_role(Role.DPS_ADMIN):
            items.append(("Admission rounds", reverse("providers:rounds")))
        if user.has_role(Role.COMMISSIONER, Role.DPS_ADMIN, Role.FINANCE, Role.BUDGET_HOLDER):
            items.append(("Placements", reverse("contracts:list")))
        elif user.has_role(Role.PROVIDER):
            items.append(("My placements", reverse("contracts:my-placements")))
        if user.has_role(Role.COMMISSIONER, Role.DPS_ADMIN):
            items.append(("Block contracts", reverse("contracts:blocks")))
        if user.has_role(Role.DPS_ADMIN):
            items.append(("Volume discounts", reverse("contracts:volume-discounts")))
            items.append(("Quality criteria", reverse("calloffs:lot-criteria")))
        if user.has_role(Role.COMMISSIONER, Role.DPS_ADMIN):
            items.append(("Monitoring", reverse("monitoring:attention")))
        elif user.has_role(Role.PROVIDER):
            items.append(("Monitoring", reverse("monitoring:mine")))
        if user.has_role(Role.FINANCE, Role.DPS_ADMIN):
            items.append(("Finance", reverse("finance:spend")))
        if user.has_role(Role.COMMISSIONER, Role.DPS_ADMIN):
            items.append(("Insight", reverse("insight:market")))
        if user.is_staff:
            items.append(("Back office", reverse("admin:index")))
    current = request.path if request is not None else ""
    return {
        "nav_items": [
            {"label": label, "url": url,
             "active": current == url or (url != "/" and current.startswith(url))}
            for label, url in items
        ],
        "service_name": "Placements DPS",
    }


def queue_health(request):
    """Staff are told when background work has stopped moving (dps/queue_health.py)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not (
            user.is_staff or getattr(user, "is_authority_user", False)):
        return {}
    from dps import queue_health as health

    return {"queue_stalled": health.stalled_cached()}
