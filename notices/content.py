"""Each notice's content, filled from the records as an OCDS 1.1 release with the UK
extension's fields (ADR 0020), and said in plain words for the notice page.

Like the open data of call-offs (reports/ocds.py, ADR 0012), every field comes from an
allowlist: the arrangement, the lot, the council, the provider's organisation, dates and
values. Nothing is read from the referral or the child, and a placement's end reason (which
can say where the child went) is never published.
"""

import datetime
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from calloffs.models import CallOff
from contracts.models import FeeChange, Placement
from dps.formatting import long_date, money
from dps.models import Organisation
from notices import rules
from notices.models import Kind, SubjectType
from providers.models import Dps
from providers.regimes import rules_for
from reports import sources
from reports.ocds import (
    CONTRACT_STATUS,
    LANGUAGE,
    _datetime,
    _day_end,
    _day_start,
    _Parties,
    dps_ocid,
)
from reports.ocds import _value as value_of
from reports.ocds import ocid as calloff_ocid

# OCDS release tags and document types per notice (the closed releaseTag codelist; the open
# documentType codelist with the UK extension's additions).
TAGS = {
    Kind.DYNAMIC_MARKET_INTENTION: ("tender", "tenderNotice"),
    Kind.DYNAMIC_MARKET_ESTABLISHMENT: ("tenderUpdate", "tenderNotice"),
    Kind.DYNAMIC_MARKET_MODIFICATION: ("tenderAmendment", "tenderNotice"),
    Kind.DYNAMIC_MARKET_CESSATION: ("tenderUpdate", "tenderNotice"),
    Kind.CONTRACT_AWARD: ("award", "awardNotice"),
    Kind.CONTRACT_DETAILS: ("contract", "contractNotice"),
    Kind.CONTRACT_CHANGE: ("contractAmendment", "contractNotice"),
    Kind.CONTRACT_TERMINATION: ("contractTermination", "contractTerminationNotice"),
    Kind.PAYMENTS_COMPLIANCE: ("planning", "implementationNotice"),
    Kind.CONTRACT_PERFORMANCE: ("implementation", "implementationNotice"),
}


@dataclass
class Subjects:
    """The records a page of notices reads, fetched in a fixed number of queries."""

    dps: dict
    calloffs: dict
    placements: dict
    changes: dict
    authorities: dict

    @classmethod
    def load(cls, notices):
        ids = {kind: set() for kind in SubjectType.values}
        for notice in notices:
            ids[notice.subject_type].add(notice.subject_id)
            ids[SubjectType.DPS].add(notice.dps_id)
            ids[SubjectType.AUTHORITY].add(notice.authority_id)
        return cls(
            dps=Dps.objects.select_related("lead_authority").in_bulk(ids[SubjectType.DPS]),
            calloffs=CallOff.objects.select_related(
                "lot__dps", "authority", "recommended_eoi__provider", "placement__provider",
            ).in_bulk(ids[SubjectType.CALLOFF]),
            placements=Placement.objects.select_related(
                "lot__dps", "authority", "provider", "calloff").in_bulk(
                    ids[SubjectType.PLACEMENT]),
            changes=FeeChange.objects.select_related(
                "placement__lot__dps", "placement__authority", "placement__provider",
                "placement__calloff").in_bulk(ids[SubjectType.FEE_CHANGE]),
            authorities=Organisation.objects.in_bulk(ids[SubjectType.AUTHORITY]))


def _release_id(data):
    """`<ocid>-<notice code>-<digest of all but the id>`: one id names exactly one content."""
    body = {key: value for key, value in data.items() if key != "id"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    return f"{data['ocid']}-{data['documents'][0]['noticeType']}-{digest}"


def _process(notice, subjects):
    if notice.subject_type == SubjectType.CALLOFF:
        return calloff_ocid(notice.subject_id)
    placement = _placement(notice, subjects)
    if placement is not None:
        if placement.calloff_id:
            return calloff_ocid(placement.calloff_id)
        return f"{settings.OCDS_OCID_PREFIX}-placement-{placement.pk}"
    if notice.kind == Kind.PAYMENTS_COMPLIANCE:
        return f"{settings.OCDS_OCID_PREFIX}-payments-{notice.authority_id}"
    return dps_ocid(subjects.dps[notice.dps_id])


def _placement(notice, subjects):
    if notice.subject_type == SubjectType.PLACEMENT:
        return subjects.placements.get(notice.subject_id)
    if notice.subject_type == SubjectType.FEE_CHANGE:
        change = subjects.changes.get(notice.subject_id)
        return change.placement if change else None
    return None


def _period(start, end):
    period = {"startDate": _day_start(start)}
    if end:
        period["endDate"] = _day_end(end)
    return period


def _contract(placement, award_id):
    end = placement.end_date or placement.planned_end_date
    contract = {"id": f"placement-{placement.pk}", "awardID": award_id,
                "title": f"{placement.lot.name}: placement agreement",
                "status": CONTRACT_STATUS.get(placement.status, "active"),
                "period": _period(placement.start_date, end)}
    total = (placement.calloff.award_value if placement.calloff_id else None) or placement.value
    if total is not None:
        contract["value"] = value_of(total)
    if placement.calloff_id and placement.calloff.approved_at:
        contract["dateSigned"] = _datetime(placement.calloff.approved_at)
    return contract


def _award(placement_or_calloff, parties, regime, standstill_from=None):
    calloff = (placement_or_calloff if isinstance(placement_or_calloff, CallOff)
               else placement_or_calloff.calloff)
    placement = placement_or_calloff if isinstance(placement_or_calloff, Placement) else None
    award_id = f"calloff-{calloff.pk}-award" if calloff else f"placement-{placement.pk}-award"
    award = {"id": award_id, "status": "active", "mainProcurementCategory": "services"}
    lot = (calloff or placement).lot
    award["title"] = f"{lot.name}: one placement"
    if calloff and calloff.approved_at:
        award["date"] = _datetime(calloff.approved_at)
    total = calloff.award_value if calloff else placement.value
    if total is not None:
        award["value"] = value_of(total)
    supplier = placement.provider if placement and placement.provider_id else (
        calloff.recommended_eoi.provider if calloff and calloff.recommended_eoi_id else None)
    if supplier is not None:
        award["suppliers"] = [parties.add(supplier, "supplier")]
    ends = rules.standstill_ends(regime, standstill_from)
    if ends:
        award["standstillPeriod"] = {"startDate": _day_start(standstill_from),
                                     "endDate": _day_end(ends)}
    return award


def _describe_payments(notice):
    start = notice.event_on.replace(month=4 if notice.event_on.month == 9 else 10, day=1)
    if notice.event_on.month == 3:
        start = start.replace(year=notice.event_on.year - 1)
    figures = sources.payment_compliance(date_from=start, date_to=notice.event_on,
                                         authority=notice.authority)
    if figures is None:
        return start, "No payment figures are recorded in this system."
    average = ("no invoice was paid" if figures.average_days_to_pay is None
               else f"{figures.average_days_to_pay} days on average")
    return start, (
        f"{figures.invoices_paid} invoices paid, {average}; "
        f"{figures.paid_within_30_days_pct}% within 30 days, "
        f"{figures.paid_31_to_60_days_pct}% in 31 to 60 days, "
        f"{figures.paid_after_60_days_pct}% after 60 days; "
        f"{figures.due_unpaid_pct}% of invoices due in the period not paid by its end.")


def release(notice, subjects=None):
    """The notice's OCDS release. Published: the release kept at publication. `subjects`
    (from Subjects.load) lets a page of notices share its queries."""
    if notice.published_release and notice.published_at:
        return notice.published_release
    subjects = subjects or Subjects.load([notice])
    dps = subjects.dps[notice.dps_id]
    regime = dps.regime
    authority = subjects.authorities[notice.authority_id]
    parties = _Parties()
    buyer = parties.add(authority, "buyer")
    tag, document_type = TAGS[notice.kind]
    code = rules.code(notice.kind)
    document = {"id": f"notice-{notice.pk}", "documentType": document_type, "noticeType": code,
                "title": notice.get_kind_display(), "language": LANGUAGE}
    if notice.published_on:
        document["datePublished"] = _day_start(notice.published_on)
        document["url"] = f"https://www.find-tender.service.gov.uk/Notice/{notice.notice_identifier}"
    data = {"ocid": _process(notice, subjects), "id": None,
            "date": _datetime(notice.published_at or notice.raised_at or timezone.now()),
            "tag": [tag], "initiationType": "tender", "language": LANGUAGE}
    rules_text = rules_for(regime)
    if notice.kind.startswith("dynamic_market"):
        data["tender"] = {
            "id": f"dps-{dps.code}", "title": dps.name, "status": (
                "complete" if notice.kind == Kind.DYNAMIC_MARKET_CESSATION else "active"),
            "procurementMethod": "selective",
            "procurementMethodDetails": f"Dynamic market ({rules_text.label}).",
            "techniques": {"hasDynamicPurchasingSystem": True},
            "specialRegime": ["lightTouch"] if regime == rules.LIGHT_TOUCH else [],
            "tenderPeriod": _period(dps.starts_on, dps.ends_on)}
        if not data["tender"]["specialRegime"]:
            del data["tender"]["specialRegime"]
        if notice.kind == Kind.DYNAMIC_MARKET_MODIFICATION:
            data["tender"]["amendments"] = [{"id": notice.occurrence,
                                             "date": _day_start(notice.event_on),
                                             "description": "The conditions of membership "
                                                            "were modified."}]
    elif notice.kind == Kind.PAYMENTS_COMPLIANCE:
        start, words = _describe_payments(notice)
        document["description"] = words
        data["planning"] = {"rationale": f"Payments compliance for {start:%-d %B %Y} to "
                                         f"{notice.event_on:%-d %B %Y}: {words}"}
    elif notice.subject_type == SubjectType.CALLOFF:
        calloff = subjects.calloffs[notice.subject_id]
        data["awards"] = [_award(calloff, parties, regime, notice.published_on
                                 or notice.due_by)]
    else:
        placement = _placement(notice, subjects)
        award = _award(placement, parties, regime)
        contract = _contract(placement, award["id"])
        if notice.kind == Kind.CONTRACT_CHANGE:
            change = subjects.changes[notice.subject_id]
            contract["amendments"] = [{
                "id": f"fee-change-{change.pk}", "date": _day_start(change.effective_from),
                "description": (f"The price changed from {money(change.previous_price)} to "
                                f"{money(change.new_price)} from "
                                f"{change.effective_from:%-d %B %Y}.")}]
        if notice.kind == Kind.CONTRACT_TERMINATION:
            contract["status"] = "terminated"
        if notice.kind == Kind.CONTRACT_PERFORMANCE:
            contract["implementation"] = {"description": (
                f"Yearly performance assessment against the lot's key performance "
                f"indicators, as at {notice.event_on:%-d %B %Y}.")}
        data["awards"] = [award]
        data["contracts"] = [contract]
    data["parties"] = parties.as_list()
    data["buyer"] = buyer
    data["documents"] = [document]
    data["relatedProcesses"] = [{"id": "dps", "relationship": ["framework"], "title": dps.name,
                                 "scheme": "ocid", "identifier": dps_ocid(dps)}]
    if notice.kind.startswith("dynamic_market"):
        del data["relatedProcesses"]
    data["id"] = _release_id(data)
    return data


def _day(iso):
    return long_date(datetime.date.fromisoformat(iso[:10]))


def plain_words(notice, release_data):
    """What the notice says, as sentences for the notice page (never codes or ids)."""
    lines = [f"{notice.get_kind_display()} for {notice.dps.name}."]
    for award in release_data.get("awards", []):
        suppliers = ", ".join(s["name"] for s in award.get("suppliers", []))
        if suppliers:
            lines.append(f"Awarded to {suppliers}.")
        if "value" in award:
            lines.append(f"Value: {money(award['value']['amount'])}.")
        if "standstillPeriod" in award:
            lines.append("The standstill ends at the end of "
                         f"{_day(award['standstillPeriod']['endDate'])}.")
    for contract in release_data.get("contracts", []):
        lines.append(f"{contract['title']}, from {_day(contract['period']['startDate'])}"
                     + (f" to {_day(contract['period']['endDate'])}."
                        if "endDate" in contract["period"] else ", open-ended."))
        for amendment in contract.get("amendments", []):
            lines.append(amendment["description"])
        if "implementation" in contract:
            lines.append(contract["implementation"]["description"])
    for amendment in release_data.get("tender", {}).get("amendments", []):
        lines.append(amendment["description"])
    if "planning" in release_data:
        lines.append(release_data["planning"]["rationale"])
    return lines
