"""Confirmation step (finding 6, dps.confirm): "Withdraw referral" asks first; the withdrawal's
own view (referrals.views.withdraw) is unchanged."""

from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from dps.confirm import check_page
from dps.models import Role
from dps.views import role_required
from referrals import selectors
from referrals.models import Referral
from referrals.views import _authority


@require_GET
@role_required(Role.COMMISSIONER)
def withdraw_confirm(request, pk):
    _authority(request)
    referral = get_object_or_404(selectors.referral_detail(request.user), pk=pk)
    detail = reverse("referrals:detail", args=[referral.pk])
    if referral.status != Referral.Status.DRAFT:
        return redirect(detail)
    return check_page(
        request, title="Withdraw this referral?",
        caption=f"Referral {referral.child.case_reference}",
        rows=[("Lot", referral.lot.name),
              ("Placement start", f"{referral.placement_start:%-d %B %Y}")],
        warning="A withdrawn referral is never published and cannot be brought back. To find "
                "a placement later, write a new referral.",
        action=reverse("referrals:withdraw", args=[referral.pk]), button="Withdraw referral",
        back_url=detail, back_text="Keep the referral")
