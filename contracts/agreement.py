"""The individual placement agreement, rendered to PDF by WeasyPrint from an HTML template."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from contracts.models import EndReason
from providers.models import PriceUnit


def agreement_context(placement, *, version, issued_at, reason):
    lot = placement.lot
    reviews = list(placement.reviews.order_by("sequence"))
    return {
        "placement": placement,
        "authority": placement.authority,
        "provider": placement.provider,
        "provider_name": placement.provider_name,
        "child": placement.child,
        "lot": lot,
        "dps": lot.dps,
        "unit_label": PriceUnit(placement.price_unit).label
        if placement.price_unit in PriceUnit.values else f"per {placement.price_unit}",
        "fee_periods": list(placement.fee_periods.select_related("fee_change")
                            .order_by("effective_from")),
        "support_items": list(placement.support_items.order_by("start_date", "id")),
        "reviews_done": [r for r in reviews if r.done_date],
        "next_review": next((r for r in reviews if r.done_date is None), None),
        "schedule": settings.PLACEMENT_REVIEW_SCHEDULE,
        "end_reason": EndReason(placement.end_reason).label if placement.end_reason else "",
        "version": version,
        "issued_at": timezone.localtime(issued_at),
        "reason": reason,
    }


def render_agreement_html(placement, *, version, issued_at, reason):
    return render_to_string("contracts/agreement.html", agreement_context(
        placement, version=version, issued_at=issued_at, reason=reason))


def render_agreement(placement, *, version, issued_at, reason) -> bytes:
    from weasyprint import HTML  # heavy import: only where a PDF is made

    html = render_agreement_html(placement, version=version, issued_at=issued_at, reason=reason)
    # PDF/UA-1: tagged (headings, tables and lists a screen reader can walk), with the
    # document's language and its title shown instead of the file name (accessibility
    # regulations 2018; WeasyPrint's PDF variants).
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(pdf_variant="pdf/ua-1")
