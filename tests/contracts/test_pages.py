"""Placement pages: authority staff's list and detail (fee history, fee changes, support items,
reviews, ending, agreements) and the provider's placements and fee-change request; and no page
a provider sees shows the child's case reference or postcode."""

import datetime
import html as htmllib
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts import services
from contracts.models import FeeChange, FeePeriod, Placement, PlacementReview, SupportItem
from tests import factories as f
from tests.asserts import nothing_changes
from tests.contracts import factories as pf
from tests.contracts.conftest import commissioner_of, provider_of
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db

LIST = reverse("contracts:list")
MINE = reverse("contracts:my-placements")


def url(name, *args):
    return reverse(f"contracts:{name}", args=args)


def rows(response):
    """The text of the placements table's body (not the filters), or "" without one."""
    html = response.content.decode()
    match = re.search(r'<tbody.*?</tbody>', html, re.S)
    caption = re.search(r'<caption.*?</caption>', html, re.S)
    found = " ".join(m.group(0) for m in (caption, match) if m)
    found = found or re.search(r'<main.*?</main>', html, re.S).group(0)
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found)))


def date_parts(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


def fee_data(prefix="fee", price="5200", day=datetime.date(2026, 6, 15), **extra):
    return {f"{prefix}-new_price": price, **date_parts(f"{prefix}-effective_from", day),
            f"{prefix}-reason": "Staffing costs rose.", **extra}


# --- Who may see what -----------------------------------------------------------------------

def test_anonymous_users_are_sent_to_sign_in(client, placement):
    for address in (LIST, url("detail", placement.pk), MINE, url("my-placement", placement.pk),
                    url("request-fee-change", placement.pk), url("agreement", placement.pk, 1)):
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("login")), address


def test_wrong_roles_are_forbidden(as_user, placement):
    client = as_user(provider_of(placement))
    assert client.get(LIST).status_code == 403
    assert client.get(url("detail", placement.pk)).status_code == 403
    with nothing_changes():
        assert client.post(url("record-fee-change", placement.pk),
                           fee_data()).status_code == 403
    client = as_user(commissioner_of(placement))
    assert client.get(MINE).status_code == 403
    assert client.get(url("request-fee-change", placement.pk)).status_code == 403
    finance = f.FinanceFactory(organisation=placement.authority)
    client = as_user(finance)
    assert client.get(url("detail", placement.pk)).status_code == 200
    with nothing_changes():
        assert client.post(url("record-fee-change", placement.pk),
                           fee_data()).status_code == 403


def test_another_authoritys_placement_is_not_found(as_user, frozen, placement):
    other = f.CommissionerFactory()
    client = as_user(other)
    assert placement.provider_name not in text(client.get(LIST))
    with nothing_changes():
        assert client.get(url("detail", placement.pk)).status_code == 404
        assert client.get(url("agreement", placement.pk, 1)).status_code == 404
        assert client.post(url("record-fee-change", placement.pk),
                           fee_data()).status_code == 404
        assert client.post(url("end", placement.pk), {
            **date_parts("end-end_date", frozen), "end-reason": "planned_move"}
        ).status_code == 404


def test_another_providers_placement_is_not_found(as_user, frozen, placement):
    client = as_user(f.ProviderUserFactory())
    assert "Jayden" not in text(client.get(MINE))
    with nothing_changes():
        assert client.get(url("my-placement", placement.pk)).status_code == 404
        assert client.get(url("my-agreement", placement.pk, 1)).status_code == 404
        assert client.post(url("request-fee-change", placement.pk),
                           fee_data()).status_code == 404


# --- The list -------------------------------------------------------------------------------

def test_list_shows_the_authoritys_placements_with_their_figures(as_user, frozen, placement):
    theirs = pf.PlacementFactory(provider__name="Elsewhere Homes Ltd")
    overdue = pf.PlacementFactory(authority=placement.authority,
                                  start_date=frozen - datetime.timedelta(days=80))
    page = as_user(commissioner_of(placement)).get(LIST)
    body = text(page)
    assert placement.provider_name in body
    assert "Elsewhere Homes Ltd" not in body
    assert "Jayden Oakes" in body
    assert "£5,000.00 per week" in body
    assert "2 placements" in body
    assert "Overdue" in body
    assert f"{overdue.reviews.get().due_date:%-d %b %Y}" in body
    assert f"{placement.start_date:%-d %b %Y}" in body
    admin = f.DpsAdminFactory()
    body = text(as_user(admin).get(LIST))
    assert "Elsewhere Homes Ltd" in body
    assert "3 placements" in body
    assert theirs


def test_list_filters(as_user, frozen, placement):
    authority = placement.authority
    spot = pf.SpotPlacementFactory(authority=authority, provider_name="Spot Care Ltd")
    ended = pf.EndedPlacementFactory(authority=authority, provider__name="Gone Homes Ltd")
    client = as_user(commissioner_of(placement))
    body = rows(client.get(LIST, {"route": "spot"}))
    assert "Spot Care Ltd" in body
    assert placement.provider_name not in body
    body = rows(client.get(LIST, {"status": "ended"}))
    assert "Gone Homes Ltd" in body
    assert "Spot Care Ltd" not in body
    body = rows(client.get(LIST, {"provider": placement.provider_id}))
    assert placement.provider_name in body
    assert "Gone Homes Ltd" not in body
    body = rows(client.get(LIST, {"lot": "residential"}))
    assert "1 placement" not in body
    assert "3 placements" in body
    body = rows(client.get(LIST, {"lot": "fostering"}))
    assert "No placements match these filters" in body
    # The first review falls 20 working days after the start: the ended one has none due.
    body = rows(client.get(LIST, {"review_due": "true"}))
    assert "Gone Homes Ltd" not in body
    response = client.get(LIST, {"status": "nonsense"})
    assert "Select a valid choice" in error_summary(response)
    assert spot
    assert ended


def test_list_query_count_is_constant(as_user, frozen, django_assert_max_num_queries):
    authority = f.AuthorityFactory()
    client = as_user(f.CommissionerFactory(organisation=authority))
    pf.PlacementFactory.create_batch(3, authority=authority)
    with django_assert_max_num_queries(12) as few:
        assert client.get(LIST).status_code == 200
    pf.PlacementFactory.create_batch(27, authority=authority)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert "page 1 of 2" in text(response)


# --- The detail -----------------------------------------------------------------------------

def test_detail_shows_parties_child_history_and_forms(as_user, frozen, placement,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the agreement follows the commit
        services.record_fee_change(placement, by=commissioner_of(placement), new_price=Decimal(
            "5100"), effective_from=datetime.date(2026, 5, 20), reason="Agreed uplift")
    page = as_user(commissioner_of(placement)).get(url("detail", placement.pk))
    body = text(page)
    assert placement.authority.name in body
    assert placement.provider_name in body
    assert "Jayden Oakes" in body
    assert "14 March 2012" in body
    assert "Residential" in body
    assert "£5,100.00 per week" in body
    assert "Agreed starting price" in body
    assert "Agreed uplift" in body
    assert "19 May 2026" in body  # the first period closed the day before
    assert "Download agreement version 1 (PDF)" in body
    for heading in ("Record a fee change", "Add a support item", "Record a review",
                    "End the placement"):
        assert heading in body
    finance = text(as_user(f.FinanceFactory(organisation=placement.authority))
                   .get(url("detail", placement.pk)))
    assert "Record a fee change" not in finance
    assert "£5,100.00" in finance


def test_commissioner_records_a_fee_change(as_user, frozen, placement,
                                           django_capture_on_commit_callbacks):
    client = as_user(commissioner_of(placement))
    with django_capture_on_commit_callbacks(execute=True):  # the agreement follows the commit
        response = client.post(url("record-fee-change", placement.pk), fee_data(), follow=True)
    assert "Fee change recorded: £5,200.00 per week from 15 June 2026" in banner(response)
    change = FeeChange.objects.get()
    assert change.status == FeeChange.Status.APPROVED
    assert placement.fee_periods.count() == 2
    assert placement.agreement_versions.count() == 1


def test_fee_change_bad_input_shows_errors_and_writes_nothing(as_user, frozen, placement):
    client = as_user(commissioner_of(placement))
    with nothing_changes():
        response = client.post(url("record-fee-change", placement.pk), {
            "fee-new_price": "lots", "fee-effective_from_day": "31",
            "fee-effective_from_month": "2", "fee-effective_from_year": "2026"})
        summary = error_summary(response)
        assert "Enter the new price in pounds" in summary
        assert "must be a real date" in summary
        assert "Say why the fee changes" in summary
        assert 'href="#fee-new_price"' in response.content.decode()
        # The service's rule: not before the current price took effect.
        response = client.post(url("record-fee-change", placement.pk),
                               fee_data(day=placement.start_date))
        assert "Must be after" in error_summary(response)
        assert "govuk-form-group--error" in response.content.decode()
    assert response.status_code == 200


def test_above_the_cap_needs_the_acknowledgement(as_user, frozen, placement):
    client = as_user(commissioner_of(placement))
    with nothing_changes():
        response = client.post(url("record-fee-change", placement.pk), fee_data(price="6000"))
        assert "above the provider's price cap" in error_summary(response)
        # Money as people read it: thousands separated, pence shown (issue 16).
        assert "£6,000.00 is above the provider's price cap" in text(response)
        assert 'name="fee-acknowledge_cap_warning"' in response.content.decode()
    response = client.post(url("record-fee-change", placement.pk),
                           fee_data(price="6000", **{"fee-acknowledge_cap_warning": "on"}))
    assert response.status_code == 302
    change = FeeChange.objects.get()
    assert change.cap_warning_acknowledged
    assert change.price_cap == Decimal("5500.00")


def test_backdating_needs_a_reason(as_user, frozen):
    placement = pf.PlacementFactory(start_date=frozen - datetime.timedelta(days=200))
    client = as_user(commissioner_of(placement))
    with nothing_changes():
        response = client.post(url("record-fee-change", placement.pk),
                               fee_data(day=frozen - datetime.timedelta(days=150)))
        assert "backdating reason" in error_summary(response)
    response = client.post(url("record-fee-change", placement.pk), fee_data(
        day=frozen - datetime.timedelta(days=150),
        **{"fee-backdating_reason": "Agreed in March, recorded late."}))
    assert response.status_code == 302


def test_commissioner_approves_and_declines_requests(as_user, frozen, placement):
    provider = provider_of(placement)
    change = services.request_fee_change(
        placement, by=provider, new_price=Decimal("6000"),
        effective_from=datetime.date(2026, 6, 15), reason="Costs rose")
    client = as_user(commissioner_of(placement))
    body = text(client.get(url("detail", placement.pk)))
    assert "awaiting a decision" in body
    assert "Above cap" in body
    with nothing_changes():
        response = client.post(url("approve-fee-change", placement.pk, change.pk), {})
        assert "above the provider's price cap" in error_summary(response)
        response = client.post(url("decline-fee-change", placement.pk, change.pk), {})
        assert "Say why the fee change is declined" in error_summary(response)
    response = client.post(url("approve-fee-change", placement.pk, change.pk),
                           {f"approve-{change.pk}-acknowledge_cap_warning": "on"}, follow=True)
    assert "Fee change approved: £6,000.00 per week" in banner(response)
    change.refresh_from_db()
    assert change.status == FeeChange.Status.APPROVED
    # Once decided it is no longer pending: approving again is not found.
    with nothing_changes():
        assert client.post(url("approve-fee-change", placement.pk, change.pk),
                           {}).status_code == 404

    other = pf.PlacementFactory(authority=placement.authority)
    declined = services.request_fee_change(
        other, by=provider_of(other), new_price=Decimal("5100"),
        effective_from=datetime.date(2026, 6, 15), reason="Costs rose")
    response = client.post(url("decline-fee-change", other.pk, declined.pk),
                           {f"decline-{declined.pk}-reason": "Not agreed."}, follow=True)
    assert "Fee change declined" in banner(response)
    declined.refresh_from_db()
    assert declined.status == FeeChange.Status.DECLINED


def test_support_items(as_user, frozen, placement):
    client = as_user(commissioner_of(placement))
    with nothing_changes():
        response = client.post(url("add-support-item", placement.pk), {
            "support-weekly_cost": "0", **date_parts("support-start_date", frozen),
            **date_parts("support-review_date", frozen - datetime.timedelta(days=1)),
            **date_parts("support-end_date", frozen + datetime.timedelta(days=60))})
        summary = error_summary(response)
        assert "Describe the support" in summary
    with nothing_changes():
        response = client.post(url("add-support-item", placement.pk), {
            "support-description": "1:1 key worker", "support-weekly_cost": "350",
            **date_parts("support-start_date", frozen),
            **date_parts("support-review_date", frozen - datetime.timedelta(days=1)),
            **date_parts("support-end_date", frozen + datetime.timedelta(days=60))})
        assert "Must be between the start and end dates" in error_summary(response)
    response = client.post(url("add-support-item", placement.pk), {
        "support-description": "1:1 key worker", "support-weekly_cost": "£350.00",
        **date_parts("support-start_date", frozen),
        **date_parts("support-review_date", frozen + datetime.timedelta(days=30)),
        **date_parts("support-end_date", frozen + datetime.timedelta(days=60))}, follow=True)
    assert "Support item added at £350.00 a week" in banner(response)
    assert "1:1 key worker" in text(response)
    assert SupportItem.objects.get().weekly_cost == Decimal("350.00")


def test_record_a_review(as_user, frozen, placement):
    client = as_user(commissioner_of(placement))
    with nothing_changes():
        response = client.post(url("record-review", placement.pk),
                               date_parts("review-done_date", frozen + datetime.timedelta(1)))
        assert "Must not be in the future" in error_summary(response)
    response = client.post(url("record-review", placement.pk),
                           {**date_parts("review-done_date", frozen), "review-notes": "Fine."},
                           follow=True)
    assert "Review 1 recorded as held on 1 June 2026" in banner(response)
    assert PlacementReview.objects.filter(placement=placement).count() == 2


def test_end_a_placement(as_user, frozen, placement):
    client = as_user(commissioner_of(placement))
    page = text(client.get(url("detail", placement.pk)))
    assert "Child returned home" in page
    assert "Moved to independence" in page
    with nothing_changes():
        response = client.post(url("end", placement.pk),
                               date_parts("end-end_date", placement.start_date
                                          - datetime.timedelta(days=1)))
        summary = error_summary(response)
        assert "Choose why the placement is ending" in summary
        response = client.post(url("end", placement.pk), {
            **date_parts("end-end_date", placement.start_date - datetime.timedelta(days=1)),
            "end-reason": "planned_move"})
        assert "Must be on or after the start" in error_summary(response)
    response = client.post(url("end", placement.pk), {
        **date_parts("end-end_date", frozen), "end-reason": "returned_home",
        "end-notes": "Back with family."}, follow=True)
    assert "Placement ended on 1 June 2026" in banner(response)
    placement.refresh_from_db()
    assert placement.status == Placement.Status.ENDED
    assert "End the placement" not in text(client.get(url("detail", placement.pk)))


def test_agreement_downloads_serve_the_stored_bytes(as_user, frozen, placement):
    version = services.issue_agreement(placement, by=None, reason="Issued")
    for user, name in ((commissioner_of(placement), "agreement"),
                       (provider_of(placement), "my-agreement")):
        client = as_user(user)
        response = client.get(url(name, placement.pk, 1))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content == bytes(version.pdf)
        assert client.get(url(name, placement.pk, 2)).status_code == 404


# --- Providers ------------------------------------------------------------------------------

def test_provider_sees_its_placements(as_user, frozen, placement):
    pf.PlacementFactory(provider__name="Another Provider Ltd")
    client = as_user(provider_of(placement))
    body = text(client.get(MINE))
    assert "Jayden Oakes" in body
    assert placement.authority.name in body
    assert body.count("view the placement") == 1
    body = text(client.get(url("my-placement", placement.pk)))
    assert "14 March 2012" in body
    assert "£5,000.00" in body
    assert "Request a fee change" in body
    assert "Agreed starting price" in body
    overdue = pf.PlacementFactory(provider=placement.provider, cap="",
                                  start_date=frozen - datetime.timedelta(days=80))
    assert "Overdue" in text(client.get(url("my-placement", overdue.pk)))


def test_provider_requests_a_fee_change(as_user, frozen, placement):
    client = as_user(provider_of(placement))
    address = url("request-fee-change", placement.pk)
    assert "The price now is £5,000.00 per week" in text(client.get(address))
    with nothing_changes():
        response = client.post(address, {"fee-new_price": ""})
        summary = error_summary(response)
        assert "Enter the new price" in summary
        assert "Enter the date the new price" in summary
        assert response.content.decode().count('class="govuk-error-message"') == 3
    response = client.post(address, fee_data(price="5300"), follow=True)
    assert "Fee change requested: £5,300.00 per week from 15 June 2026" in banner(response)
    assert "Awaiting decision" in text(response)
    change = FeeChange.objects.get()
    assert change.status == FeeChange.Status.REQUESTED
    assert FeePeriod.objects.filter(placement=placement).count() == 1
    with nothing_changes():
        response = client.post(address, fee_data(price="5400", day=datetime.date(2026, 7, 1)))
        assert "already awaiting a decision" in error_summary(response)


def test_a_provider_asking_above_its_price_cap_is_warned_before_the_request_goes(
        as_user, frozen, placement):
    client = as_user(provider_of(placement))  # cap £5,500 a week
    address = url("request-fee-change", placement.pk)
    assert "Your price cap on this lot is £5,500.00 per week" in text(client.get(address))
    with nothing_changes():
        response = client.post(address, fee_data(price="6000"))
    assert response.status_code == 200
    assert ("£6,000.00 is above your price cap on this lot, £5,500.00 per week"
            in error_summary(response))
    assert "I know the price is above my price cap" in text(response)
    # A warning, not a refusal: ticked, the request goes to the council.
    response = client.post(address, fee_data(price="6000", **{
        "fee-acknowledge_cap_warning": "on"}), follow=True)
    assert "Fee change requested: £6,000.00 per week" in banner(response)
    assert FeeChange.objects.get().new_price == Decimal("6000")
    # Within the cap, there is no warning at all.
    FeeChange.objects.all().delete()
    response = client.post(address, fee_data(price="5400"), follow=True)
    assert "Fee change requested" in banner(response)


def test_provider_request_too_soon_after_a_change(as_user, frozen, placement):
    services.record_fee_change(placement, by=commissioner_of(placement), new_price=Decimal(
        "5100"), effective_from=datetime.date(2026, 5, 20), reason="Agreed uplift")
    client = as_user(provider_of(placement))
    with nothing_changes():
        response = client.post(url("request-fee-change", placement.pk), fee_data())
        assert "Prices are fixed for 12 months" in error_summary(response)
        assert 'href="#fee-effective_from-day"' in response.content.decode()


def test_no_provider_page_shows_the_case_reference_or_postcode(as_user, frozen, placement):
    child = placement.child
    services.add_support_item(placement, by=commissioner_of(placement), description="Tutor",
                              weekly_cost=Decimal("100"), start_date=frozen,
                              review_date=frozen + datetime.timedelta(days=20),
                              end_date=frozen + datetime.timedelta(days=40))
    client = as_user(provider_of(placement))
    client.post(url("request-fee-change", placement.pk), fee_data())
    pages = [client.get(MINE), client.get(url("my-placement", placement.pk)),
             client.get(url("request-fee-change", placement.pk)),
             client.post(url("request-fee-change", placement.pk), {"fee-new_price": "x"})]
    forbidden = [child.case_reference, child.postcode, child.postcode.replace(" ", "")]
    for response in pages:
        assert response.status_code == 200
        html = response.content.decode().lower()
        for value in forbidden:
            assert value.lower() not in html
    assert "jayden" in pages[0].content.decode().lower()
