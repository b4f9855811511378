"""Who reads each text field people write, and the identifier scan of the texts providers read.

Children's data never reaches a provider. Every CharField and TextField of every model is
declared in TEXTS (tests/security/test_text_audience.py fails on an undeclared one; fields with
choices are enumerations, not free text, and need no entry). A text that staff write and a
provider may read (page, API, e-mail or agreement PDF) is PROVIDER: the service that stores it
calls `refuse_identifiers` first, naming the child or children it concerns:

- "referral" / "calloff": the referral's child. Every invited provider reads it: nothing about
  the child may appear.
- "placement": the placed child. Only the placed provider reads it and it may know the child's
  name and date of birth (API.md); the case reference and postcode never.
- "provider": a text about a provider, not one child (a suspension reason, a visit's findings).
  It is scanned against every child the provider was invited to bid for or holds a placement
  of, in any authority, with the same allowance for its own placed children. The refusal names
  the kind of identifier, never the child.

Texts a provider writes are never scanned: the refusal would tell the provider what the child's
identifiers are. The rule is the referral's matcher, `referrals.identifiers.find_identifiers`.
Lives in referrals, which owns the child's identity; the child resolvers reach the apps above
through `django.apps` so no app imports upward.
"""

from dataclasses import dataclass

from django.apps import apps

from dps.errors import RuleViolation
from referrals.identifiers import find_identifiers

STAFF = "staff"                  # authority staff (and DPS administrators) only
PROVIDER = "provider"            # staff write it, a provider reads it: scanned before stored
PROVIDER_WRITTEN = "provider_written"  # a provider writes it; not scanned (see above)
PUBLIC = "public"                # catalogue and organisation details: about no child
SYSTEM = "system"                # written by the code (digests, units, file names), or secret
IDENTITY = "identity"            # a person's own record: the child's, or a user account's
COPY = "copy"                    # a copy of another declared text: read where that one is

# What a placed provider may know of its own placed child (API.md): the rest never.
OWN_PLACEMENT_MAY_SHOW = frozenset({"first_name", "last_name", "date_of_birth"})


@dataclass(frozen=True)
class Text:
    audience: str
    concerns: str = ""        # PROVIDER: "referral", "calloff", "placement" or "provider"
    scanned_in: tuple = ()    # PROVIDER: "app.module.function" of each service that stores it
    why: str = ""


def _p(concerns, *scanned_in):
    return Text(PROVIDER, concerns, tuple(scanned_in))


TEXTS = {
    # dps
    "dps.Organisation.name": Text(PUBLIC), "dps.Organisation.area": Text(PUBLIC),
    "dps.Organisation.postcode": Text(PUBLIC, why="the organisation's office"),
    "dps.Organisation.companies_house_number": Text(PUBLIC),
    "dps.User.password": Text(SYSTEM), "dps.User.username": Text(IDENTITY),
    "dps.User.first_name": Text(IDENTITY), "dps.User.last_name": Text(IDENTITY),
    "dps.User.email": Text(IDENTITY),
    "dps.AuditEntry.object_repr": Text(SYSTEM), "dps.AuditEntry.action": Text(SYSTEM),
    "dps.AuditEntry.from_state": Text(SYSTEM), "dps.AuditEntry.to_state": Text(SYSTEM),
    "dps.AuditEntry.reason": Text(
        COPY, why="the reason a service was given. Providers read it only in an annual "
                  "report's history, where it is monitoring.AnnualReport.review_comments"),
    "dps.OutboxMessage.task": Text(SYSTEM), "dps.OutboxMessage.last_error": Text(SYSTEM),
    # providers
    "providers.Dps.code": Text(PUBLIC), "providers.Dps.name": Text(PUBLIC),
    "providers.Dps.description": Text(PUBLIC), "providers.Dps.extension_options": Text(PUBLIC),
    "providers.Lot.code": Text(PUBLIC), "providers.Lot.name": Text(PUBLIC),
    "providers.Lot.description": Text(PUBLIC),
    "providers.Application.ofsted_urn": Text(PROVIDER_WRITTEN),
    "providers.Application.cqc_location_id": Text(PROVIDER_WRITTEN),
    "providers.Application.financial_standing_notes": Text(PROVIDER_WRITTEN),
    "providers.Application.evaluation_extension_reason": _p(
        "provider", "providers.services.extend_evaluation"),
    "providers.ApplicationLot.reason": _p("provider", "providers.services.decide_application"),
    "providers.Membership.status_reason": _p(
        "provider", "providers.services.decide_application",
        "providers.services.suspend_membership", "providers.services.reinstate_membership",
        "providers.services.remove_membership"),
    "providers.Debarment.name": Text(PUBLIC), "providers.Debarment.companies_house_number":
        Text(PUBLIC),
    "providers.Debarment.reason": Text(
        STAFF, why="DPS administrators only; copied to a membership's status_reason only "
                   "through the membership services, which scan it"),
    # referrals
    "referrals.Need.code": Text(PUBLIC), "referrals.Need.name": Text(PUBLIC),
    "referrals.Need.description": Text(PUBLIC),
    "referrals.Child.first_name": Text(IDENTITY), "referrals.Child.last_name": Text(IDENTITY),
    "referrals.Child.case_reference": Text(IDENTITY),
    "referrals.Child.case_reference_digest": Text(SYSTEM),
    "referrals.Child.postcode": Text(IDENTITY),
    # A draft is the authority's own; providers read it once published, so publication scans.
    "referrals.Referral.summary": _p("referral", "referrals.services.check_publishable"),
    "referrals.Referral.location_area": _p("referral", "referrals.services.check_publishable"),
    "referrals.Referral.alternatives_notes": Text(STAFF),
    "referrals.Referral.panel_notes": Text(STAFF),
    # calloffs
    "calloffs.CallOff.short_deadline_reason": Text(STAFF),
    "calloffs.CallOff.recommendation_reason": Text(STAFF),
    "calloffs.CallOff.key_decision_reference": Text(STAFF),
    "calloffs.CallOff.ended_reason": _p(
        "calloff", "calloffs.services.cancel_calloff", "calloffs.services.declare_no_award"),
    "calloffs.ExpressionOfInterest.how_needs_met": Text(PROVIDER_WRITTEN),
    "calloffs.ExpressionOfInterest.outcomes_approach": Text(PROVIDER_WRITTEN),
    # The commissioner's notes on an offer are the bidder's feedback with the outcome.
    "calloffs.ExpressionOfInterest.evaluation_notes": _p("calloff",
                                                         "calloffs.services.evaluate_eoi",
                                                         "calloffs.quality.score_by_criteria"),
    # Quality criteria (ADR 0026): a lot's defaults are about no child; a call-off's copy is
    # published to its bidders, and each criterion's note is the bidder's feedback.
    "calloffs.LotCriterion.name": Text(PUBLIC, why="a lot's default criteria, about no child"),
    "calloffs.Criterion.name": _p("calloff", "calloffs.quality.publish_criteria"),
    "calloffs.CriterionScore.note": _p("calloff", "calloffs.quality.score_by_criteria"),
    "calloffs.Question.text": Text(PROVIDER_WRITTEN),
    "calloffs.Question.answer": _p("calloff", "calloffs.services.answer_question"),
    # contracts
    "contracts.Placement.key_decision_reference": Text(STAFF),
    "contracts.BlockContract.key_decision_reference": Text(STAFF),
    "contracts.Placement.provider_name": Text(PUBLIC, why="the provider's own name"),
    "contracts.Placement.price_unit": Text(SYSTEM),
    "contracts.Placement.end_notes": Text(STAFF),
    "contracts.Placement.exception_reason": Text(STAFF),
    # A provider writes the reasons of the changes it asks for; staff those they record.
    "contracts.FeeChange.reason": _p("placement", "contracts.services.record_fee_change"),
    "contracts.FeeChange.backdating_reason": _p("placement",
                                                "contracts.services.record_fee_change"),
    "contracts.FeeChange.decline_reason": _p("placement", "contracts.services.decline_fee_change"),
    "contracts.FeePeriod.unit": Text(SYSTEM),
    "contracts.FeePeriod.reason": Text(STAFF, why="a copy of the fee change's reason or the "
                                                  "code's; not shown to providers"),
    "contracts.SupportItem.description": _p("placement", "contracts.services.add_support_item"),
    "contracts.PlacementReview.notes": Text(STAFF),
    "contracts.AgreementVersion.sha256": Text(SYSTEM),
    "contracts.AgreementVersion.reason": Text(SYSTEM, why="written by the code: which event "
                                                          "issued the version"),
    "contracts.BlockContract.reference": _p("provider",
                                            "contracts.services.create_block_contract"),
    "contracts.BlockContract.unit": Text(SYSTEM),
    "contracts.BlockContract.notes": _p("provider", "contracts.services.create_block_contract"),
    # monitoring
    "monitoring.RiskAssessment.notes": Text(STAFF),
    "monitoring.ReassessmentTrigger.details": Text(STAFF),
    "monitoring.MonitoringActivity.findings": _p("provider",
                                                 "monitoring.services.complete_activity"),
    "monitoring.MonitoringActivity.cancelled_reason": _p("provider",
                                                         "monitoring.services.cancel_activity"),
    "monitoring.ActionPlan.title": _p("provider", "monitoring.services.create_action_plan"),
    "monitoring.ActionItem.action": _p("provider", "monitoring.services.create_action_plan"),
    "monitoring.ActionItem.owner": _p("provider", "monitoring.services.create_action_plan"),
    "monitoring.ActionItem.provider_response": Text(PROVIDER_WRITTEN),
    "monitoring.ActionItem.evidence": Text(PROVIDER_WRITTEN),
    "monitoring.ActionItem.escalation_decision_reason": Text(STAFF),
    "monitoring.Kpi.code": Text(PUBLIC), "monitoring.Kpi.name": Text(PUBLIC),
    "monitoring.Kpi.unit": Text(PUBLIC),
    "monitoring.OutcomeRating.note": Text(STAFF),
    "monitoring.AnnualReport.community_work": Text(PROVIDER_WRITTEN),
    "monitoring.AnnualReport.environmental_impact": Text(PROVIDER_WRITTEN),
    "monitoring.AnnualReport.narrative": Text(PROVIDER_WRITTEN),
    "monitoring.AnnualReport.review_comments": _p("provider",
                                                  "monitoring.services.review_annual_report"),
    # reports
    "reports.ExportJob.filename": Text(SYSTEM), "reports.ExportJob.error": Text(SYSTEM),
    # The monthly spend summary (ADR 0023): codes, and a copy of the placement's provider name.
    "reports.SpendPiece.source": Text(SYSTEM),
    **{f"reports.{model}.{name}": Text(SYSTEM) for model in (
        "SpendPiece", "SpendMonth", "SpendYear", "SpendMonthLot", "SpendSpan") for name in (
        "route", "location")},
    **{f"reports.{model}.provider_name": Text(PUBLIC, why="the provider's own name")
       for model in ("SpendPiece", "SpendMonth", "SpendYear", "SpendSpan", "InsightPlacement")},
    "reports.InsightPlacement.end_reason": Text(SYSTEM, why="a code of Placement's end reasons"),
    # invoicing
    "invoicing.Invoice.reference": Text(PROVIDER_WRITTEN),
    # sufficiency: the notes are the provider's own (the form asks for no personal data).
    "sufficiency.Vacancy.notes": Text(PROVIDER_WRITTEN),
    "sufficiency.Vacancy.area_code": Text(PUBLIC, why="a GSS code from dps/data"),
    "invoicing.Invoice.channel": Text(SYSTEM),
    **{f"invoicing.{model}.source": Text(SYSTEM, why='"placement" or "block"')
       for model in ("InvoicedMonth", "PaidDay")},
    "invoicing.Invoice.export_batch": Text(SYSTEM),
    # Query and rejection reasons, and the reason a difference was accepted: the provider is
    # told (page, API, e-mail). About a provider's invoice, not one child.
    "invoicing.Invoice.reason": _p("provider", "invoicing.decisions.query_invoice",
                                   "invoicing.decisions.reject_invoice",
                                   "invoicing.decisions.approve_invoice"),
    "invoicing.Payment.reference": Text(STAFF, why="the ledger's payment reference; the "
                                        "provider sees it on its remittance anyway"),
    "invoicing.RemittanceImport.sha256": Text(SYSTEM),
    # notices: the occurrence key is the code's; the identifier is Find a Tender's (digits and
    # separators only, notices.services.IDENTIFIER) and is published in the open data.
    "notices.Notice.occurrence": Text(SYSTEM),
    "notices.Notice.notice_identifier": Text(PUBLIC, why="Find a Tender's public identifier; "
                                               "only digits and separators are accepted"),
    "invoicing.RemittanceImport.name": Text(SYSTEM),
    # documents: the file name as uploaded. Staff files that providers will read (referral
    # packs, placement, monitoring and membership files) have it scanned with their text, each
    # against what its object concerns (documents.access); providers' own are not scanned.
    "documents.Document.name": _p("referral", "documents.services.check_file"),
    "documents.Document.content_type": Text(SYSTEM),
    "documents.Document.sha256": Text(SYSTEM),
}


def provider_fields(label):
    """The PROVIDER fields of a model ("referrals.Referral"), in declaration order."""
    prefix = f"{label}."
    return [key[len(prefix):] for key, text in TEXTS.items()
            if key.startswith(prefix) and text.audience == PROVIDER]


# --- Whom a text concerns ---------------------------------------------------------------------

def children_concerned(subject):
    """[(child, kinds its readers may know)] for a Referral, CallOff, Placement or provider
    Organisation."""
    label = subject._meta.label
    if label == "referrals.Referral":
        return [(subject.child, frozenset())]
    if label == "calloffs.CallOff":
        return [(subject.referral.child, frozenset())]
    if label == "contracts.Placement":
        return [(subject.child, OWN_PLACEMENT_MAY_SHOW)] if subject.child_id else []
    if label == "dps.Organisation":
        return _children_of_provider(subject)
    raise TypeError(f"No children are declared for a {label}.")


def _children_of_provider(provider):
    Child = apps.get_model("referrals", "Child")
    placed = set(apps.get_model("contracts", "Placement").objects
                 .filter(provider=provider, child__isnull=False)
                 .values_list("child_id", flat=True))
    invited = set(apps.get_model("calloffs", "Invitation").objects
                  .filter(provider=provider).values_list("calloff__referral__child_id", flat=True))
    return [(child, OWN_PLACEMENT_MAY_SHOW if child.pk in placed else frozenset())
            for child in Child.objects.filter(pk__in=placed | invited).order_by("pk")]


def _scan(subject, texts):
    """(whose, {field: [kind, ...]}) for each of `texts` naming a child the subject concerns."""
    children = children_concerned(subject)
    whose = "a child's" if subject._meta.label == "dps.Organisation" else "the child's"
    # A name the readers may know (their own placed child's) cannot tell them about another
    # child who shares it: as tests/sweep.py counts it.
    known = {(kind, str(getattr(child, kind) or "").strip().casefold())
             for child, may_show in children for kind in may_show}
    found = {}
    for field, text in texts.items():
        if not text:
            continue
        kinds = []
        for child, may_show in children:
            kinds += [kind for kind in find_identifiers(
                text, first_name=child.first_name, last_name=child.last_name,
                date_of_birth=child.date_of_birth, case_reference=child.case_reference,
                postcode=child.postcode)
                if kind not in may_show and kind not in kinds
                and (kind, str(getattr(child, kind) or "").strip().casefold()) not in known]
        if kinds:
            found[field] = kinds
    return whose, found


def _label(kind):
    return kind.replace("_", " ")


def identifiers_found(subject, texts):
    """{field: ["Contains the child's first name.", ...]} for each of `texts` ({field: text})
    naming a child the subject concerns."""
    whose, found = _scan(subject, texts)
    return {field: [f"Contains {whose} {_label(kind)}." for kind in kinds]
            for field, kinds in found.items()}


def refuse_identifiers(subject, texts, detail=None):
    """Raise 400 identifiers_in_text, `fields` naming each text that identifies a child the
    subject concerns. Call it before anything is stored."""
    whose, found = _scan(subject, texts)
    if not found:
        return
    kinds = list(dict.fromkeys(kind for field_kinds in found.values() for kind in field_kinds))
    named = ", ".join(_label(kind) for kind in kinds[:-1])
    named = f"{named} and {_label(kinds[-1])}" if named else _label(kinds[-1])
    raise RuleViolation(
        detail or f"Providers will read this, and it contains {whose} {named}: remove it.",
        code="identifiers_in_text",
        fields={field: [f"Contains {whose} {_label(kind)}." for kind in field_kinds]
                for field, field_kinds in found.items()})
