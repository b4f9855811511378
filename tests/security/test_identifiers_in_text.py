"""Every text staff write for providers to read is refused, before anything is stored or
e-mailed, when it names a child it concerns: 400 identifiers_in_text, `fields` naming the field
(API.md v1.1). One case per provider-readable field of referrals/audience.py; COVERED is what
tests/security/test_text_audience.py checks against the registry."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from calloffs import services as calloff_services
from calloffs.models import Criterion, Question
from contracts import services as contract_services
from documents import services as document_services
from dps.errors import RuleViolation
from dps.models import OutboxMessage
from monitoring import services as monitoring_services
from monitoring.models import AnnualReport
from providers import services as provider_services
from providers.models import Application
from referrals.audience import refuse_identifiers
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs import factories as cf
from tests.contracts import factories as pf
from tests.monitoring import factories as mf
from tests.pages import error_summary, text

pytestmark = pytest.mark.django_db


def naming(child):
    """Sentences that each give away one identifier of `child`, as staff might write them."""
    return {
        "first_name": f"{child.first_name} will need a quiet room.",
        "last_name": f"The {child.last_name} family visits on Sundays.",
        "date_of_birth": f"Born {child.date_of_birth:%d/%m/%Y}.",
        "case_reference": f"See case {child.case_reference.replace('-', ' ')}.",
        "postcode": f"Lives near {child.postcode.replace(' ', '').lower()}.",
    }


CLEAN = "Weekly therapy sessions, agreed at the review."
NEVER_TO_A_PLACED_PROVIDER = ("case_reference", "postcode")


def _today():
    return timezone.localdate()


def _staff(authority=None):
    return f.CommissionerFactory(organisation=authority or f.AuthorityFactory())


def _child_of(provider, lot=None):
    """A child the provider was invited to bid for (through a live membership of the lot)."""
    calloff = cf.OpenCallOffFactory(**({"referral__lot": lot} if lot else {}))
    membership = provider.memberships.filter(lot=calloff.lot).first() or \
        f.AdmittedMembershipFactory(provider=provider, lot=calloff.lot)
    cf.invite(calloff, membership)
    return calloff.referral.child


# --- The cases: build the world, then store `text` through the service ------------------------

@dataclass
class Case:
    key: str            # the model field, as referrals/audience.py declares it
    field: str          # the name the refusal gives (the service's and the form's)
    setup: Callable     # () -> (world, the child the text concerns)
    act: Callable       # (world, text) -> stores it
    placed: bool = False  # the only reader is the child's own provider: may know its name
    prepare: Callable = None  # (world, text) -> stores it where providers cannot yet read it


def _question():
    calloff = cf.OpenCallOffFactory()
    provider = f.ProviderUserFactory(organisation=cf.admitted_and_invited(calloff).provider)
    question = Question.objects.create(calloff=calloff, asked_by=provider.organisation,
                                       text="Is there a garden?")
    return {"question": question, "by": _staff(calloff.authority)}, calloff.referral.child


def _calloff(factory):
    def setup():
        calloff = factory()
        cf.admitted_and_invited(calloff)
        return {"calloff": calloff, "by": _staff(calloff.authority)}, calloff.referral.child
    return setup


def _referral():
    referral = cf.ReferralFactory()
    return {"referral": referral, "by": _staff(referral.authority)}, referral.child


def _draft(field):
    """A draft is the authority's own: the text is stored, and publication scans it."""
    def prepare(w, value):
        type(w["referral"]).objects.filter(pk=w["referral"].pk).update(**{field: value})
        w["referral"].refresh_from_db()
    return prepare


def _publish(w, value):
    calloff_services.publish_referral(
        w["referral"], by=w["by"], deadline=timezone.now() + datetime.timedelta(days=10))


def _placement():
    placement = pf.PlacementFactory()
    return {"placement": placement, "by": _staff(placement.authority)}, placement.child


def _record_fee_change(**texts):
    def act(w, value):
        placement = w["placement"]
        middle = placement.start_date + (placement.planned_end_date - placement.start_date) / 2
        values = {"reason": CLEAN, "backdating_reason": ""}
        values.update({name: value for name in texts})
        contract_services.record_fee_change(placement, by=w["by"], new_price=Decimal("5100.00"),
                                            effective_from=middle, **values)
    return act


def _requested_fee_change():
    world, child = _placement()
    provider = f.ProviderUserFactory(organisation=world["placement"].provider)
    placement = world["placement"]
    world["change"] = contract_services.request_fee_change(
        placement, by=provider, new_price=Decimal("5100.00"), reason="Costs rose",
        effective_from=placement.start_date + (placement.planned_end_date
                                               - placement.start_date) / 2)
    return world, child


def _add_support(w, value):
    placement = w["placement"]
    contract_services.add_support_item(
        placement, by=w["by"], description=value, weekly_cost=Decimal("300.00"),
        start_date=placement.start_date, review_date=placement.planned_end_date,
        end_date=placement.planned_end_date)


def _block_provider():
    provider = f.ProviderOrgFactory()
    lot = f.lot("residential")
    child = _child_of(provider, lot)
    return {"provider": provider, "lot": lot, "by": _staff()}, child


def _block(name):
    def act(w, value):
        texts = {"reference": "", "notes": ""}
        texts[name] = value
        contract_services.create_block_contract(
            by=w["by"], provider=w["provider"], lot=w["lot"], beds=2,
            price_per_bed=Decimal("4500.00"), start_date=_today(),
            end_date=_today() + datetime.timedelta(days=365), acknowledge_cap_warning=True,
            **texts)
    return act


def _provider_with(factory, **kwargs):
    def setup():
        thing = factory(**kwargs)
        provider = thing if thing._meta.label == "dps.Organisation" else thing.provider
        return {"thing": thing, "provider": provider, "by": _staff()}, _child_of(provider)
    return setup


def _plan(name):
    def act(w, value):
        item = {"action": "Hold a fire drill each month.", "owner": "Registered manager",
                "due_date": _today() + datetime.timedelta(days=14)}
        title = "Fire safety"
        if name == "title":
            title = value
        else:
            item[name] = value
        monitoring_services.create_action_plan(by=w["by"], provider=w["provider"],
                                               title=title, items=[item])
    return act


def _application():
    application = f.AwaitingDecisionApplicationFactory()
    return ({"thing": application, "provider": application.provider, "by": f.DpsAdminFactory()},
            _child_of(application.provider))


def _extend(w, value):
    application = Application.objects.select_related("dps").get(pk=w["thing"].pk)
    provider_services.extend_evaluation(
        application, by=w["by"], working_days=application.dps.evaluation_working_days + 1,
        reason=value)


def _decide(w, value):
    code = w["thing"].lots.get().lot.code
    provider_services.decide_application(w["thing"], by=w["by"], decisions=[
        {"lot": code, "outcome": "rejected", "reason": value}])


def _membership(factory):
    def setup():
        membership = factory()
        return ({"thing": membership, "provider": membership.provider,
                 "by": f.DpsAdminFactory()}, _child_of(membership.provider))
    return setup


def _offer():
    """A closed call-off's offer from an invited provider, to be scored."""
    calloff = cf.ClosedCallOffFactory()
    eoi = cf.EoiFactory(calloff=calloff, provider=cf.admitted_and_invited(calloff).provider)
    return {"eoi": eoi, "by": _staff(calloff.authority)}, calloff.referral.child
def _offer_on_criteria():
    """A closed call-off with one published criterion, and an offer on it to be scored."""
    world, child = _offer()
    eoi = world["eoi"]
    world["criterion"] = Criterion.objects.create(calloff=eoi.calloff, name="Care", weight=100)
    return world, child


def _score_criterion(w, value):
    calloff_services.evaluate_eoi(w["eoi"], by=w["by"], scores=[
        {"criterion": w["criterion"].pk, "score": 70, "note": value}])


def _publish_with_criterion(w, value):
    calloff_services.publish_referral(
        w["referral"], by=w["by"], deadline=timezone.now() + datetime.timedelta(days=10),
        criteria=[{"name": value, "weight": 100}])


def _invoice(status):
    def setup():
        from tests.invoicing import factories_finance as ff

        # The invoiced placement's child is not the one the text names (whose name a placed
        # provider may know).
        placement = pf.PlacementFactory(child__first_name="Zebedee",
                                        child__last_name="Quartermaine",
                                        child__date_of_birth=datetime.date(2012, 2, 29))
        invoice = ff.invoice(status=status, placement=placement,
                             lines=[("1010.00", "1000.00")])
        return ({"invoice": invoice, "by": ff.finance_of(invoice.authority)},
                _child_of(invoice.provider))
    return setup


def _decide_invoice(name):
    from invoicing import decisions

    def act(w, value):
        if name == "approve":
            decisions.approve_invoice(w["invoice"], by=w["by"], accept_difference_reason=value)
        else:
            getattr(decisions, f"{name}_invoice")(w["invoice"], by=w["by"], reason=value)
    return act


CASES = [
    Case("calloffs.ExpressionOfInterest.evaluation_notes", "notes", _offer,
         lambda w, v: calloff_services.evaluate_eoi(w["eoi"], by=w["by"], quality_score=70,
                                                    notes=v)),
    Case("calloffs.ExpressionOfInterest.evaluation_notes", "notes", _offer_on_criteria,
         lambda w, v: calloff_services.evaluate_eoi(w["eoi"], by=w["by"], notes=v, scores=[
             {"criterion": w["criterion"].pk, "score": 70}])),
    Case("calloffs.CriterionScore.note", "scores.0.note", _offer_on_criteria,
         _score_criterion),
    Case("calloffs.Criterion.name", "criteria", _referral, _publish_with_criterion),
    Case("calloffs.Question.answer", "text", _question,
         lambda w, v: calloff_services.answer_question(w["question"], by=w["by"], text=v)),
    Case("calloffs.CallOff.ended_reason", "reason", _calloff(cf.OpenCallOffFactory),
         lambda w, v: calloff_services.cancel_calloff(w["calloff"], by=w["by"], reason=v)),
    Case("calloffs.CallOff.ended_reason", "reason", _calloff(cf.ClosedCallOffFactory),
         lambda w, v: calloff_services.declare_no_award(w["calloff"], by=w["by"], reason=v)),
    Case("referrals.Referral.summary", "summary", _referral, _publish,
         prepare=_draft("summary")),
    Case("referrals.Referral.location_area", "location_area", _referral, _publish,
         prepare=_draft("location_area")),
    Case("contracts.FeeChange.reason", "reason", _placement, _record_fee_change(reason=1),
         placed=True),
    Case("contracts.FeeChange.backdating_reason", "backdating_reason", _placement,
         _record_fee_change(backdating_reason=1), placed=True),
    Case("contracts.FeeChange.decline_reason", "reason", _requested_fee_change,
         lambda w, v: contract_services.decline_fee_change(w["change"], by=w["by"], reason=v),
         placed=True),
    Case("contracts.SupportItem.description", "description", _placement, _add_support,
         placed=True),
    Case("contracts.BlockContract.reference", "reference", _block_provider, _block("reference")),
    Case("contracts.BlockContract.notes", "notes", _block_provider, _block("notes")),
    Case("monitoring.MonitoringActivity.findings", "findings",
         _provider_with(mf.PlannedActivityFactory),
         lambda w, v: monitoring_services.complete_activity(w["thing"], by=w["by"], findings=v)),
    Case("monitoring.MonitoringActivity.cancelled_reason", "reason",
         _provider_with(mf.PlannedActivityFactory),
         lambda w, v: monitoring_services.cancel_activity(w["thing"], by=w["by"], reason=v)),
    Case("monitoring.ActionPlan.title", "title", _provider_with(f.ProviderOrgFactory),
         _plan("title")),
    Case("monitoring.ActionItem.action", "items.0.action", _provider_with(f.ProviderOrgFactory),
         _plan("action")),
    Case("monitoring.ActionItem.owner", "items.0.owner", _provider_with(f.ProviderOrgFactory),
         _plan("owner")),
    Case("monitoring.AnnualReport.review_comments", "comments",
         _provider_with(mf.AnnualReportFactory),
         lambda w, v: monitoring_services.review_annual_report(
             w["thing"], by=w["by"], outcome=AnnualReport.Outcome.RETURNED, comments=v)),
    Case("providers.Application.evaluation_extension_reason", "reason", _application, _extend),
    Case("providers.ApplicationLot.reason", "decisions.0.reason", _application, _decide),
    Case("providers.Membership.status_reason", "decisions.0.reason", _application, _decide),
    Case("providers.Membership.status_reason", "reason",
         _membership(f.AdmittedMembershipFactory),
         lambda w, v: provider_services.suspend_membership(
             w["thing"], by=w["by"], until=_today() + datetime.timedelta(days=30), reason=v)),
    Case("providers.Membership.status_reason", "reason",
         _membership(f.AdmittedMembershipFactory),
         lambda w, v: provider_services.remove_membership(w["thing"], by=w["by"], reason=v)),
    Case("providers.Membership.status_reason", "reason",
         _membership(f.SuspendedMembershipFactory),
         lambda w, v: provider_services.reinstate_membership(w["thing"], by=w["by"], reason=v)),
    # A referral pack's file name (its text is checked too: tests/documents/test_safety.py).
    Case("documents.Document.name", "name", _calloff(cf.OpenCallOffFactory),
         lambda w, v: document_services.upload_document(
             by=w["by"], attached_to="referral", object_id=w["calloff"].referral_id,
             kind="referral_pack", file=ContentFile(b"Needs and outcomes.", name=f"{v}.txt"))),
    Case("invoicing.Invoice.reason", "reason", _invoice("vouched"), _decide_invoice("query")),
    Case("invoicing.Invoice.reason", "reason", _invoice("query"), _decide_invoice("reject")),
    Case("invoicing.Invoice.reason", "accept_difference_reason", _invoice("query"),
         _decide_invoice("approve")),
]
COVERED = {case.key for case in CASES}


KINDS = ["first_name", "last_name", "date_of_birth", "case_reference", "postcode"]
IDS = [f"{c.key}-{i}" for i, c in enumerate(CASES)]


def _concerns(case):
    from referrals.audience import TEXTS

    return TEXTS[case.key].concerns


def _act(case, world, value):
    if case.prepare:
        case.prepare(world, value)
    case.act(world, value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("kind", KINDS)
def test_a_text_naming_the_child_is_refused_and_nothing_is_stored_or_sent(
        case, kind, django_capture_on_commit_callbacks):
    world, child = case.setup()
    mail.outbox.clear()
    outbox = OutboxMessage.objects.count()
    sentence = naming(child)[kind]
    if case.placed and kind not in NEVER_TO_A_PLACED_PROVIDER:
        # The placed provider knows whom it cares for: its child's name may appear.
        with django_capture_on_commit_callbacks(execute=True):
            _act(case, world, sentence)
        return
    if case.prepare:
        case.prepare(world, sentence)
    with nothing_changes(), django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuleViolation) as refused:
            case.act(world, sentence)
    assert refused.value.code == "identifiers_in_text"
    if not case.prepare:  # publication says "before publishing" in its own words
        assert kind.replace("_", " ") in refused.value.detail
    assert list(refused.value.fields) == [case.field]
    assert refused.value.fields[case.field] == [
        f"Contains {'a' if 'provider' in _concerns(case) else 'the'} child's "
        f"{kind.replace('_', ' ')}."]
    assert mail.outbox == []
    assert OutboxMessage.objects.count() == outbox


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_text_without_identifiers_is_stored(case, django_capture_on_commit_callbacks):
    """The control: the same world and action store a clean text (so the refusal above is the
    scan, not a broken set-up)."""
    world, _ = case.setup()
    with django_capture_on_commit_callbacks(execute=True):
        _act(case, world, CLEAN)


# --- Whom a provider-wide text is scanned against ----------------------------------------------

def test_a_provider_wide_text_is_scanned_against_its_placed_and_invited_children():
    placed = pf.PlacementFactory(child__first_name="Amara", child__last_name="Quist",
                                 child__postcode="BN1 1AA")
    provider = placed.provider
    invited = _child_of(provider)  # Jayden Oakes
    assert invited.first_name != placed.child.first_name
    # Its own placed child's name it knows; the child it bid for it may not learn.
    refuse_identifiers(provider, {"reason": "Amara Quist settled well."})
    for sentence, kind in (("Amara lives near BN1 1AA.", "postcode"),
                           ("Jayden was referred in March.", "first_name")):
        with pytest.raises(RuleViolation) as refused:
            refuse_identifiers(provider, {"reason": sentence})
        assert refused.value.fields == {"reason": [f"Contains a child's "
                                                   f"{kind.replace('_', ' ')}."]}


def test_a_provider_with_no_children_is_not_refused_a_common_sentence():
    provider = f.ProviderOrgFactory()
    cf.ChildFactory()  # someone else's child
    refuse_identifiers(provider, {"reason": "Jayden Oakes is not a child of this provider."})


def test_the_refusal_names_every_field_and_kind_at_once():
    calloff = cf.OpenCallOffFactory()
    child = calloff.referral.child
    with pytest.raises(RuleViolation) as refused:
        refuse_identifiers(calloff, {"a": naming(child)["first_name"] + " " +
                                     naming(child)["postcode"], "b": CLEAN,
                                     "c": naming(child)["date_of_birth"]})
    assert refused.value.fields == {
        "a": ["Contains the child's first name.", "Contains the child's postcode."],
        "c": ["Contains the child's date of birth."]}


# --- The answer endpoint, through the API and the page -----------------------------------------

@pytest.fixture
def asked(db):
    calloff = cf.OpenCallOffFactory()
    for _ in range(2):
        f.ProviderUserFactory(organisation=cf.admitted_and_invited(calloff).provider)
    question = Question.objects.create(
        calloff=calloff, asked_by=calloff.invitations.first().provider, text="Is there a garden?")
    return question, f.CommissionerFactory(organisation=calloff.authority)


@pytest.mark.parametrize("kind", ["first_name", "date_of_birth", "case_reference", "postcode"])
def test_the_answer_api_refuses_the_childs_identifiers(api, asked, kind,
                                                      django_capture_on_commit_callbacks):
    question, council = asked
    url = f"/api/v1/calloffs/{question.calloff_id}/questions/{question.pk}/answer/"
    body = {"text": "Yes. " + naming(question.calloff.referral.child)[kind]}
    with nothing_changes(), django_capture_on_commit_callbacks(execute=True):
        response = api(council).post(url, body, format="json")
    error = assert_error(response, 400, "identifiers_in_text", fields=["text"])
    assert list(error["fields"]) == ["text"]
    question.refresh_from_db()
    assert question.answer == ""
    assert question.answered_at is None
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        response = api(council).post(url, {"text": "Yes, a large one."}, format="json")
    assert response.status_code == 200, response.content
    assert len(mail.outbox) == 2  # the control: a clean answer is e-mailed to both bidders


def test_the_answer_page_shows_the_refusal_on_the_field(as_user, asked,
                                                       django_capture_on_commit_callbacks):
    question, council = asked
    child = question.calloff.referral.child
    url = reverse("calloffs:answer", args=[question.calloff_id, question.pk])
    with nothing_changes(), django_capture_on_commit_callbacks(execute=True):
        response = as_user(council).post(
            url, {f"q-{question.pk}-text": f"Yes: {child.first_name} will love it."})
    assert response.status_code == 200
    assert "it contains the child's first name: remove it." in error_summary(response)
    page = response.content.decode()
    assert f'id="q-{question.pk}-text-error"' in page  # inline, on the answer's textarea
    assert f"{child.first_name} will love it." in text(response)  # kept for correcting
    question.refresh_from_db()
    assert question.answered_at is None
    assert mail.outbox == []


# --- The same refusal through the API, for a placement's and a provider's texts ---------------

def test_the_support_item_api_refuses_the_case_reference_but_not_the_placed_childs_name(
        api, django_capture_on_commit_callbacks):
    placement = pf.PlacementFactory()
    council = api(_staff(placement.authority))
    url = f"/api/v1/placements/{placement.pk}/support-items/"
    body = {"weekly_cost": "300.00", "start_date": placement.start_date.isoformat(),
            "review_date": placement.planned_end_date.isoformat(),
            "end_date": placement.planned_end_date.isoformat()}
    with nothing_changes(), django_capture_on_commit_callbacks(execute=True):
        response = council.post(url, {**body, "description": naming(placement.child)[
            "case_reference"]}, format="json")
    error = assert_error(response, 400, "identifiers_in_text", fields=["description"])
    assert error["fields"] == {"description": ["Contains the child's case reference."]}
    assert mail.outbox == []
    response = council.post(url, {**body, "description": naming(placement.child)[
        "first_name"]}, format="json")
    assert response.status_code == 201, response.content


def test_the_suspension_api_refuses_a_child_the_provider_bid_for(api):
    membership = f.AdmittedMembershipFactory()
    child = _child_of(membership.provider)
    url = f"/api/v1/memberships/{membership.pk}/suspend/"
    body = {"until": (_today() + datetime.timedelta(days=30)).isoformat(),
            "reason": f"Concerns raised about care of {child.first_name} {child.last_name}."}
    admin = api(f.DpsAdminFactory())
    with nothing_changes():
        response = admin.post(url, body, format="json")
    error = assert_error(response, 400, "identifiers_in_text", fields=["reason"])
    assert error["fields"] == {"reason": ["Contains a child's first name.",
                                          "Contains a child's last name."]}
    membership.refresh_from_db()
    assert membership.status_reason == ""
