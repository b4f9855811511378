"""Open data: an OCDS 1.1.5 release per call-off, release packages, and their validation.

Every field is built from an allowlist of what may be published: the lot, the DPS, the
authority, the bidders' organisations, dates, weights and values. Nothing is read from the
referral or the child — no names, dates of birth, case references, postcodes, needs, summary or
free text — so nothing about the child can reach the output (ADR 0012, ADR 0007).
"""

import datetime
import hashlib
import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from calloffs.models import CallOff, ExpressionOfInterest
from contracts.models import Placement
from dps.models import AuditEntry
from dps.money import pennies
from providers.models import Regime

OCDS_VERSION = "1.1"
SCHEMA_DIR = Path(__file__).resolve().parent / "ocds_schema"
CURRENCY = "GBP"
LANGUAGE = "en"

# Call-off status → OCDS tender.status (closed tenderStatus codelist). Closed, awaiting approval
# and awarded are all past the submission deadline: "complete".
TENDER_STATUS = {
    CallOff.Status.OPEN: "active",
    CallOff.Status.CLOSED: "complete",
    CallOff.Status.AWAITING_APPROVAL: "complete",
    CallOff.Status.AWARDED: "complete",
    CallOff.Status.CANCELLED: "cancelled",
    CallOff.Status.NO_AWARD: "unsuccessful",
}
# Placement status → OCDS contract.status (closed contractStatus codelist).
CONTRACT_STATUS = {"pending_start": "pending", "active": "active", "ended": "terminated"}
# The audited changes that alter what a release shows: the release's `date` is the latest of
# them (with the call-off's own timestamps), so it moves when, and only when, its content does.
# Not in these lists because the release does not show them: questions, negotiation, reviews,
# fee changes (the award value is the call-off's), agreements.
CALLOFF_CHANGES = ("calloff.published", "calloff.close", "calloff.cancel", "calloff.no_award",
                   "calloff.approve")
PLACEMENT_CHANGES = ("placement.created", "placement.activate", "placement.end",
                     "placement.end_scheduled")


def ocid(calloff_id):
    return f"{settings.OCDS_OCID_PREFIX}-calloff-{calloff_id}"


def dps_ocid(dps):
    """The DPS itself is the first-stage process every call-off refers to."""
    return f"{settings.OCDS_OCID_PREFIX}-dps-{dps.code}"


def _last_change(model, ref, actions):
    """The time of the latest audited `actions` on the object `ref` points at (a subquery)."""
    entries = AuditEntry.objects.filter(
        content_type__app_label=model._meta.app_label,
        content_type__model=model._meta.model_name,
        object_id=OuterRef(ref), action__in=actions)
    return Subquery(entries.order_by("-at").values("at")[:1])


def for_export(queryset):
    """Call-offs with everything a release reads, in a fixed number of queries (two)."""
    bids = (ExpressionOfInterest.objects.filter(status=ExpressionOfInterest.Status.SUBMITTED)
            .select_related("provider").order_by("id"))
    return (queryset.select_related("lot__dps", "authority", "referral", "placement__provider",
                                    "recommended_eoi__provider")
            .prefetch_related(Prefetch("eois", queryset=bids, to_attr="live_bids"))
            .annotate(calloff_changed_at=_last_change(CallOff, "pk", CALLOFF_CHANGES),
                      placement_changed_at=_last_change(Placement, "placement__pk",
                                                        PLACEMENT_CHANGES))
            .order_by("published_at", "id"))


def calloffs_published(date_from, date_to, queryset=None):
    """Call-offs published between two days (inclusive, Europe/London), ready for export."""
    queryset = CallOff.objects.all() if queryset is None else queryset
    return for_export(queryset.filter(published_at__date__gte=date_from,
                                      published_at__date__lte=date_to))


# --- Building blocks ------------------------------------------------------------------------

def _datetime(value):
    return timezone.localtime(value).isoformat() if value else None


def _day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)).isoformat()


def _day_end(day):
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(23, 59, 59))).isoformat()


def _value(amount):
    """OCDS values are JSON numbers (pounds, two places), never strings."""
    return {"amount": float(pennies(amount)), "currency": CURRENCY}


def _party_id(organisation):
    if organisation.companies_house_number:
        return f"GB-COH-{organisation.companies_house_number}"
    return f"dps-org-{organisation.pk}"


def _reference(organisation):
    return {"id": _party_id(organisation), "name": organisation.name}


def _party(organisation):
    party = {**_reference(organisation), "roles": []}
    if organisation.companies_house_number:
        party["identifier"] = {"scheme": "GB-COH", "id": organisation.companies_house_number,
                               "legalName": organisation.name}
    address = {}
    if organisation.area:
        address["region"] = organisation.area
    # A provider's postcode can be the address of the home where a child lives: only the
    # council's own (public) office postcode is published.
    if organisation.is_authority and organisation.postcode:
        address["postalCode"] = organisation.postcode
    if address:
        party["address"] = address
    return party


class _Parties:
    """The release's parties, one entry per organisation with all its roles."""

    def __init__(self):
        self._by_id = {}

    def add(self, organisation, role):
        party = self._by_id.setdefault(_party_id(organisation), _party(organisation))
        if role not in party["roles"]:
            party["roles"].append(role)
        return _reference(organisation)

    def as_list(self):
        return list(self._by_id.values())


def _placement(calloff):
    try:
        return calloff.placement
    except ObjectDoesNotExist:
        return None


def _quantity(lot_unit, referral_weeks, hours_per_week):
    """How many units of the lot's price the award buys (as the award value is computed)."""
    weeks = Decimal(referral_weeks)
    if lot_unit == "hour":
        return weeks * (hours_per_week or Decimal(0)), "hour"
    if lot_unit == "year":
        return weeks / Decimal(52), "year"
    return weeks, "week"


def _tender(calloff, parties, buyer):
    lot, dps = calloff.lot, calloff.lot.dps
    tender = {
        "id": f"calloff-{calloff.pk}",
        # Built from the lot and the DPS only: never the referral's text (ADR 0012).
        "title": f"{lot.name}: one placement",
        "description": (f"A call-off for one placement on the {lot.name} lot of the {dps.name}. "
                        "Every provider admitted to the lot and not suspended was invited to "
                        "express interest."),
        "status": TENDER_STATUS[calloff.status],
        "procuringEntity": buyer,
        "procurementMethod": "selective",
        "procurementMethodDetails": (
            f"Call-off from a dynamic purchasing system ({Regime(dps.regime).label}): a "
            "competition among the suppliers admitted to the lot."),
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": (f"Quality {calloff.quality_weight}%, "
                                 f"price {calloff.price_weight}%."),
        "datePublished": _datetime(calloff.published_at),
        "tenderPeriod": {"startDate": _datetime(calloff.published_at),
                         "endDate": _datetime(calloff.deadline)},
    }
    # Who bid is published once bidding has closed, never while the competition is open.
    if calloff.status != CallOff.Status.OPEN:
        bids = calloff.live_bids
        tender["numberOfTenderers"] = len(bids)
        tenderers = []
        for bid in bids:
            reference = parties.add(bid.provider, "tenderer")
            if reference not in tenderers:
                tenderers.append(reference)
        if tenderers:
            tender["tenderers"] = tenderers
    return tender


def _award_and_contract(calloff, parties, placement):
    eoi = calloff.recommended_eoi
    supplier_org = (placement.provider if placement and placement.provider_id
                    else eoi.provider if eoi else None)
    award_id = f"calloff-{calloff.pk}-award"
    award = {
        "id": award_id,
        "title": f"{calloff.lot.name}: one placement",
        "status": "active",
        "date": _datetime(calloff.approved_at),
    }
    if calloff.award_value is not None:
        award["value"] = _value(calloff.award_value)
    if supplier_org is not None:
        reference = parties.add(supplier_org, "supplier")
        award["suppliers"] = [reference]
    if eoi is not None:
        referral = calloff.referral
        quantity, unit = _quantity(calloff.lot.price_unit, referral.duration_weeks,
                                   referral.hours_per_week)
        award["items"] = [{
            "id": "1",
            "description": calloff.lot.name,
            "quantity": float(quantity.quantize(Decimal("0.0001"))),
            "unit": {"name": unit, "value": _value(eoi.price)},
        }]
    contracts = []
    if placement is not None:
        end = placement.end_date or placement.planned_end_date
        period = {"startDate": _day_start(placement.start_date)}
        if end:
            period["endDate"] = _day_end(end)
        award["contractPeriod"] = period
        contract = {
            "id": f"placement-{placement.pk}",
            "awardID": award_id,
            "title": f"{calloff.lot.name}: placement agreement",
            "status": CONTRACT_STATUS.get(placement.status, "active"),
            "period": period,
        }
        if calloff.award_value is not None:
            contract["value"] = _value(calloff.award_value)
        if calloff.approved_at:
            contract["dateSigned"] = _datetime(calloff.approved_at)
        contracts.append(contract)
    return award, contracts


def _release_date(calloff, placement):
    """When the content last changed: the latest timestamp or audited change it is built from.

    Never "now" (the same content must keep its date) and never only the creation time (a
    scheduled end changes the contract's period). The annotations come from `for_export`.
    """
    moments = [calloff.published_at, calloff.closed_at, calloff.approved_at,
               getattr(calloff, "calloff_changed_at", None)]
    if placement is not None:
        moments += [placement.ended_at, getattr(calloff, "placement_changed_at", None)]
    return max(moment for moment in moments if moment)


def _release_id(data):
    """`<ocid>-<tags>-<digest>`: the digest is of the whole release but its id (date included),
    as canonical JSON, so one id names exactly one content and the same content keeps its id."""
    content = {key: value for key, value in data.items() if key != "id"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]
    return f"{data['ocid']}-{'-'.join(data['tag'])}-{digest}"


def release(calloff):
    """One OCDS release describing the call-off as it stands now: its id changes when its
    content does, and its date is the time of the change that produced that content.

    `calloff` must come from `for_export` (its bids are prefetched); only the fields named here
    are read.
    """
    dps = calloff.lot.dps
    placement = _placement(calloff) if calloff.status == CallOff.Status.AWARDED else None
    parties = _Parties()
    buyer = parties.add(calloff.authority, "buyer")
    parties.add(calloff.authority, "procuringEntity")
    tender = _tender(calloff, parties, buyer)
    awards, contracts = [], []
    tags = ["tender"]
    if calloff.status == CallOff.Status.CANCELLED:
        tags = ["tenderCancellation"]
    elif calloff.status == CallOff.Status.AWARDED:
        award, contracts = _award_and_contract(calloff, parties, placement)
        awards.append(award)
        tags = ["award", "contract"] if contracts else ["award"]
        if placement is not None and placement.status == "ended":
            tags.append("contractTermination")
    date = _release_date(calloff, placement)
    process = ocid(calloff.pk)
    data = {
        "ocid": process,
        "id": None,  # below, from the rest
        "date": _datetime(date),
        "tag": tags,
        "initiationType": "tender",
        "language": LANGUAGE,
        "parties": parties.as_list(),
        "buyer": buyer,
        "tender": tender,
        "relatedProcesses": [{
            "id": "dps",
            "relationship": ["framework"],
            "title": dps.name,
            "scheme": "ocid",
            "identifier": dps_ocid(dps),
        }],
    }
    if awards:
        data["awards"] = awards
    if contracts:
        data["contracts"] = contracts
    data["id"] = _release_id(data)
    return data


def package(calloffs, *, uri=None):
    """A release package holding one release per call-off (an iterable from `for_export`)."""
    releases = [release(calloff) for calloff in calloffs]
    published = max((r["date"] for r in releases), default=None) or _datetime(timezone.now())
    data = {"version": OCDS_VERSION, "publishedDate": published,
            "publisher": {"name": settings.OCDS_PUBLISHER_NAME}, "releases": releases}
    if uri:
        data["uri"] = uri
    return data


def stream_package(calloffs, *, uri=None, chunk_size=500):
    """The same package as `package`, as text chunks, one release at a time.

    Memory stays flat however many call-offs: they are read in chunks (with their bids) and
    each release is written as soon as it is built; `publishedDate` comes last, once the
    latest release date is known.
    """
    head = {"version": OCDS_VERSION, "publisher": {"name": settings.OCDS_PUBLISHER_NAME}}
    if uri:
        head["uri"] = uri
    yield json.dumps(head)[:-1] + ', "releases": ['
    latest = None
    for count, calloff in enumerate(calloffs.iterator(chunk_size=chunk_size)):
        data = release(calloff)
        latest = max(latest or data["date"], data["date"])
        yield ("," if count else "") + "\n" + json.dumps(data)
    published = latest or _datetime(timezone.now())
    yield f'\n], "publishedDate": {json.dumps(published)}}}\n'


# --- Validation (offline) -------------------------------------------------------------------

@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    schemas = [json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
               for name in ("release-package-schema.json", "release-schema.json")]
    # The package schema refers to the release schema by its canonical URL: serve it from
    # the vendored copy so validation never touches the network.
    registry = Registry().with_resources(
        (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
        for schema in schemas)
    return Draft4Validator(schemas[0], registry=registry)


def validation_errors(data):
    """Every schema error in a release package, as "path: message" strings (none is valid)."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    return ["/".join(str(p) for p in error.absolute_path) + ": " + error.message
            for error in errors]


def codelist(name):
    """The codes of a vendored codelist (e.g. "partyRole")."""
    lines = (SCHEMA_DIR / "codelists" / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    return {line.split(",", 1)[0] for line in lines[1:] if line}
