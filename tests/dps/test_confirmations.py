"""Irreversible actions ask first (finding 6, dps.confirm): closing a call-off or a round now,
withdrawing a referral, ending a placement, buying a block and approving an award each have a
GOV.UK confirmation or check-your-answers page. The page changes nothing; its button posts to
the action's own (unchanged) URL. Scope and roles are the actions' own: another authority's
object is not found, a wrong role is forbidden."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from calloffs.models import CallOff
from contracts.models import BlockContract, Placement
from providers.models import AdmissionRound
from referrals.models import Referral
from tests import factories as f
from tests.asserts import nothing_changes
from tests.calloffs import factories as cf
from tests.contracts import factories as pf
from tests.pages import error_summary, text

pytestmark = pytest.mark.django_db


def date_parts(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def _form_action(html, label):
    """The action of the form whose submit button reads `label`."""
    before = html[:html.index(f">{label}</button>")]
    return before[before.rindex("<form"):].split('action="', 1)[1].split('"', 1)[0]


def _hidden(html):
    import re

    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


# --- Close a call-off now ---------------------------------------------------------------

def test_close_now_asks_first_and_the_confirmation_closes_it(as_user):
    calloff = cf.OpenCallOffFactory()
    client = as_user(f.CommissionerFactory(organisation=calloff.referral.authority))
    detail = client.get(reverse("calloffs:detail", args=[calloff.pk])).content.decode()
    confirm_url = reverse("calloffs:close-confirm", args=[calloff.pk])
    assert f'href="{confirm_url}"' in detail
    close_url = reverse("calloffs:close", args=[calloff.pk])
    assert f'action="{close_url}"' not in detail
    with nothing_changes():
        page = client.get(confirm_url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "Close the call-off now?" in body
    assert "You cannot open it again" in body
    action = _form_action(body, "Close the call-off now")
    assert action == reverse("calloffs:close", args=[calloff.pk])
    client.post(action)
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.CLOSED


def test_close_confirmation_scope_roles_and_state(as_user):
    calloff = cf.OpenCallOffFactory()
    url = reverse("calloffs:close-confirm", args=[calloff.pk])
    assert as_user(f.CommissionerFactory()).get(url).status_code == 404
    assert as_user(f.BudgetHolderFactory(
        organisation=calloff.referral.authority)).get(url).status_code == 403
    closed = cf.ClosedCallOffFactory()
    client = as_user(f.CommissionerFactory(organisation=closed.referral.authority))
    response = client.get(reverse("calloffs:close-confirm", args=[closed.pk]))
    assert response.status_code == 302  # nothing to confirm: back to the call-off
    assert client.post(url).status_code == 405


# --- Close an admission round now --------------------------------------------------------

def test_closing_a_round_asks_first(as_user):
    round_ = f.OpenRoundFactory()
    client = as_user(f.DpsAdminFactory())
    rounds = client.get(reverse("providers:rounds")).content.decode()
    confirm_url = reverse("providers:close-round-confirm", args=[round_.pk])
    assert f'href="{confirm_url}' in rounds
    with nothing_changes():
        body = client.get(confirm_url).content.decode()
    assert "Close the admission round now?" in body
    client.post(_form_action(body, "Close the round now"))
    round_.refresh_from_db()
    assert round_.status in {AdmissionRound.Status.CLOSED, AdmissionRound.Status.COMPLETED}
    assert as_user(f.CommissionerFactory()).get(confirm_url).status_code == 403


# --- Withdraw a referral ------------------------------------------------------------------

def test_withdrawing_a_referral_asks_first(as_user):
    referral = cf.ReferralFactory()
    client = as_user(f.CommissionerFactory(organisation=referral.authority))
    detail = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    confirm_url = reverse("referrals:withdraw-confirm", args=[referral.pk])
    assert f'href="{confirm_url}"' in detail
    with nothing_changes():
        body = client.get(confirm_url).content.decode()
    assert "Withdraw this referral?" in body
    client.post(_form_action(body, "Withdraw referral"))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN
    assert client.get(confirm_url).status_code == 302
    assert as_user(f.CommissionerFactory()).get(confirm_url).status_code == 404


# --- End a placement ----------------------------------------------------------------------

def test_ending_a_placement_checks_the_answers_first(as_user):
    placement = pf.PlacementFactory()
    client = as_user(f.CommissionerFactory(organisation=placement.authority))
    today = timezone.localdate()
    detail = client.get(reverse("contracts:detail", args=[placement.pk])).content.decode()
    check_url = reverse("contracts:end-check", args=[placement.pk])
    assert _form_action(detail, "Continue") == check_url
    answers = {**date_parts("end-end_date", today), "end-reason": "returned_home",
               "end-notes": "Back with family."}
    with nothing_changes():
        page = client.post(check_url, answers)
    assert page.status_code == 200
    body = text(page)
    assert "Check before you end the placement" in body
    assert f"End date {today:%-d %B %Y}" in body
    assert "Child returned home" in body
    assert "Back with family." in body
    html = page.content.decode()
    assert _hidden(html)["end-reason"] == "returned_home"
    # "Change your answers" brings the form back, filled in, and changes nothing.
    with nothing_changes():
        change = client.post(check_url, {**answers, "change": "1"})
    assert 'value="Back with family.' in change.content.decode() or \
        "Back with family." in change.content.decode()
    client.post(_form_action(html, "End the placement"), _hidden(html))
    placement.refresh_from_db()
    assert placement.status == Placement.Status.ENDED


def test_the_end_check_refuses_bad_answers_and_other_authorities(as_user):
    placement = pf.PlacementFactory()
    client = as_user(f.CommissionerFactory(organisation=placement.authority))
    check_url = reverse("contracts:end-check", args=[placement.pk])
    with nothing_changes():
        response = client.post(check_url, date_parts("end-end_date", timezone.localdate()))
    assert response.status_code == 400
    assert "Choose why the placement is ending" in error_summary(response)
    other = as_user(f.CommissionerFactory())
    with nothing_changes():
        assert other.post(check_url, {
            **date_parts("end-end_date", timezone.localdate()),
            "end-reason": "returned_home"}).status_code == 404


# --- Buy a block --------------------------------------------------------------------------

def test_buying_a_block_checks_the_answers_first(as_user):
    membership = f.MembershipFactory(lot=f.lot("residential"), price_cap=Decimal("800.00"))
    client = as_user(f.CommissionerFactory())
    form = client.get(reverse("contracts:block-create")).content.decode()
    check_url = reverse("contracts:block-check")
    assert _form_action(form, "Continue") == check_url
    start = timezone.localdate()
    answers = {"provider": membership.provider.pk, "lot": membership.lot.pk,
               "reference": "SEAVIEW-1", "beds": "2", "price_per_bed": "700",
               **date_parts("start_date", start),
               **date_parts("end_date", start + datetime.timedelta(days=364))}
    with nothing_changes():
        page = client.post(check_url, answers)
    assert page.status_code == 200
    body = text(page)
    assert "Check the block before you buy it" in body
    assert membership.provider.name in body
    assert "£700.00" in body
    assert not BlockContract.objects.exists()
    html = page.content.decode()
    client.post(_form_action(html, "Buy the block"), _hidden(html))
    assert BlockContract.objects.get().reference == "SEAVIEW-1"


def test_the_block_check_refuses_bad_answers(as_user):
    client = as_user(f.CommissionerFactory())
    with nothing_changes():
        response = client.post(reverse("contracts:block-check"), {"beds": "0"})
    assert response.status_code == 400
    assert "Choose the provider" in error_summary(response)
    assert as_user(f.FinanceFactory()).post(reverse("contracts:block-check"),
                                            {}).status_code == 403


# --- Approve an award ---------------------------------------------------------------------

def test_approving_an_award_checks_first(as_user):
    calloff, eoi = cf.awaiting_approval()
    holder = f.BudgetHolderFactory(organisation=calloff.referral.authority,
                                   approval_limit=Decimal("500000"))
    client = as_user(holder)
    page = client.get(reverse("calloffs:approval", args=[calloff.pk])).content.decode()
    check_url = reverse("calloffs:approval-check", args=[calloff.pk])
    assert _form_action(page, "Approve the award") == check_url
    with nothing_changes():
        check = client.post(check_url)
    assert check.status_code == 200
    body = text(check)
    assert "Check the award before you approve it" in body
    assert eoi.provider.name in body
    assert "You cannot undo it" in body
    html = check.content.decode()
    action = _form_action(html, "Confirm and approve the award")
    assert action == reverse("calloffs:approval", args=[calloff.pk])
    client.post(action, _hidden(html))
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.AWARDED


def test_the_approval_check_needs_the_key_decision_reference_above_the_threshold(as_user):
    calloff, _eoi = cf.awaiting_approval(price="12000.00", price_cap="13000.00")
    holder = f.BudgetHolderFactory(organisation=calloff.referral.authority,
                                   approval_limit=Decimal("1000000"))
    client = as_user(holder)
    check_url = reverse("calloffs:approval-check", args=[calloff.pk])
    with nothing_changes():
        missing = client.post(check_url)
    assert "Enter the key decision reference" in error_summary(missing)
    check = client.post(check_url, {"key_decision_reference": "KD-2026-17"})
    assert "KD-2026-17" in text(check)
    assert _hidden(check.content.decode())["key_decision_reference"] == "KD-2026-17"


def test_the_approval_check_is_scoped_and_for_budget_holders(as_user):
    calloff, _eoi = cf.awaiting_approval()
    check_url = reverse("calloffs:approval-check", args=[calloff.pk])
    other_holder = f.BudgetHolderFactory()
    commissioner = f.CommissionerFactory(organisation=calloff.referral.authority)
    with nothing_changes():
        assert as_user(other_holder).post(check_url).status_code == 404
        assert as_user(commissioner).post(check_url).status_code == 403
