"""Quality scored on published criteria (ADR 0026): a lot's defaults, copied and adjustable at
publication, fixed after; each offer scored per criterion with a note; quality_score is their
weighted result and v1's single score still works."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from calloffs import quality, services, tasks
from calloffs.models import Criterion, CriterionScore, LotCriterion
from dps.models import AuditEntry
from referrals.models import Referral
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs import factories as cf
from tests.pages import error_summary, text

pytestmark = pytest.mark.django_db

FOUR = [{"name": "How the child's needs are met", "weight": 40},
        {"name": "Approach to outcomes", "weight": 25},
        {"name": "Location and stability", "weight": 20},
        {"name": "Staffing", "weight": 15}]
HALVES = [{"name": "Therapy", "weight": 50}, {"name": "Education", "weight": 50}]


def _deadline():
    return (timezone.now() + datetime.timedelta(days=5)).isoformat()


def _draft():
    commissioner = f.CommissionerFactory()
    referral = cf.ReferralFactory(authority=commissioner.organisation)
    return referral, commissioner


def _published(criteria=None):
    referral, commissioner = _draft()
    calloff = services.publish_referral(
        referral, by=commissioner, deadline=timezone.now() + datetime.timedelta(days=5),
        criteria=criteria)
    return calloff, commissioner


def _closed(criteria=None, prices=("5000.00",)):
    """A published call-off with criteria, closed, with one live offer per price."""
    calloff, commissioner = _published(criteria)
    offers = []
    for price in prices:
        membership = cf.admitted_and_invited(calloff)
        offers.append(cf.EoiFactory(calloff=calloff, provider=membership.provider,
                                    price=Decimal(price)))
    services.close_calloff(calloff, by=commissioner)
    return calloff, commissioner, offers


def _scores(calloff, *values, notes=None):
    return [{"criterion": c.pk, "score": v, "note": (notes or {}).get(c.name, "")}
            for c, v in zip(calloff.criteria.all(), values, strict=True)]


# --- Criteria at publication ----------------------------------------------------------------

def test_the_lots_are_seeded_with_the_four_example_criteria():
    lot = f.lot("residential")
    assert [(c.name, c.weight) for c in LotCriterion.objects.filter(lot=lot)] == [
        (c["name"], c["weight"]) for c in FOUR]


def test_publishing_copies_the_lots_criteria_unless_others_are_given(api):
    calloff, commissioner = _published()
    assert [(c.name, c.weight) for c in calloff.criteria.all()] == [
        (c["name"], c["weight"]) for c in FOUR]
    body = api(commissioner).get(f"/api/v1/calloffs/{calloff.pk}/").json()
    assert [(c["name"], c["weight"]) for c in body["criteria"]] == [
        (c["name"], c["weight"]) for c in FOUR]


def test_publish_api_takes_the_commissioners_criteria_and_providers_see_them(api):
    referral, commissioner = _draft()
    response = api(commissioner).post(f"/api/v1/referrals/{referral.pk}/publish/", {
        "deadline": _deadline(), "criteria": HALVES}, format="json")
    assert response.status_code == 201, response.content
    calloff = referral.calloff
    assert [(c.name, c.weight) for c in calloff.criteria.all()] == [
        ("Therapy", 50), ("Education", 50)]
    entry = AuditEntry.objects.get(action="calloff.published", object_id=calloff.pk)
    assert entry.data["criteria"] == HALVES
    membership = cf.admitted_and_invited(calloff)
    provider = api(f.ProviderUserFactory(organisation=membership.provider))
    detail = provider.get(f"/api/v1/opportunities/{calloff.pk}/").json()
    assert [(c["name"], c["weight"]) for c in detail["criteria"]] == [
        ("Therapy", 50), ("Education", 50)]


@pytest.mark.parametrize("criteria", [
    [{"name": "Therapy", "weight": 50}, {"name": "Education", "weight": 40}],  # sums to 90
    [{"name": "Therapy", "weight": 60}, {"name": "Education", "weight": 50}],  # sums to 110
    [{"name": "Therapy", "weight": 50}, {"name": "therapy", "weight": 50}],    # twice
    [],
])
def test_publish_refuses_criteria_that_do_not_add_up(api, criteria):
    referral, commissioner = _draft()
    with nothing_changes():
        assert_error(api(commissioner).post(f"/api/v1/referrals/{referral.pk}/publish/", {
            "deadline": _deadline(), "criteria": criteria}, format="json"),
            400, "invalid", fields=["criteria"])
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DRAFT
    assert not Criterion.objects.exists()


def test_a_weight_outside_1_to_100_is_invalid(api):
    referral, commissioner = _draft()
    with nothing_changes():
        assert_error(api(commissioner).post(f"/api/v1/referrals/{referral.pk}/publish/", {
            "deadline": _deadline(), "criteria": [{"name": "All", "weight": 101}]},
            format="json"), 400, "invalid", fields=["criteria.0.weight"])


@pytest.mark.parametrize("state", ["open", "closed"])
def test_criteria_are_fixed_once_published(api, state):
    calloff, commissioner = _published() if state == "open" else _closed()[:2]
    with nothing_changes():
        assert_error(api(commissioner).put(f"/api/v1/calloffs/{calloff.pk}/criteria/",
                                           {"criteria": HALVES}, format="json"),
                     409, "invalid_transition")
    assert calloff.criteria.count() == 4


def test_only_the_commissioner_of_the_authority_may_try_to_change_criteria(api):
    calloff, _ = _published()
    assert_error(api(f.CommissionerFactory()).put(
        f"/api/v1/calloffs/{calloff.pk}/criteria/", {"criteria": HALVES}, format="json"),
        404, "not_found")
    assert_error(api(f.BudgetHolderFactory(organisation=calloff.authority)).put(
        f"/api/v1/calloffs/{calloff.pk}/criteria/", {"criteria": HALVES}, format="json"),
        403, "forbidden")


# --- Scoring per criterion ------------------------------------------------------------------

def test_weighted_result_rounds_half_up_like_a_whole_score():
    assert quality.weighted([(71, 50), (70, 50)]) == 71   # 70.5
    assert quality.weighted([(80, 40), (70, 25), (65, 20), (51, 15)]) == 70  # 70.15
    assert quality.weighted([(100, 40), (100, 25), (100, 20), (100, 15)]) == 100
    assert quality.weighted([(0, 100)]) == 0


def test_evaluate_per_criterion_sets_the_weighted_quality_score(api):
    calloff, commissioner, [eoi] = _closed(HALVES)
    response = api(commissioner).post(f"/api/v1/eois/{eoi.pk}/evaluate/", {
        "scores": _scores(calloff, 71, 70, notes={"Therapy": "Strong clinical team."}),
        "notes": "A good offer overall."}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["quality_score"] == 71
    assert [(r["name"], r["weight"], r["score"], r["note"]) for r in body["criterion_scores"]] \
        == [("Therapy", 50, 71, "Strong clinical team."), ("Education", 50, 70, "")]
    eoi.refresh_from_db()
    assert (eoi.quality_score, eoi.evaluation_notes) == (71, "A good offer overall.")
    entry = AuditEntry.objects.filter(action="eoi.evaluated", object_id=eoi.pk).get()
    assert entry.data["criteria"] == {"Therapy": 71, "Education": 70}


@pytest.mark.parametrize("bad", [101, -1])
def test_a_criterion_score_outside_0_to_100_is_refused(api, bad):
    calloff, commissioner, [eoi] = _closed(HALVES)
    with nothing_changes():
        assert_error(api(commissioner).post(f"/api/v1/eois/{eoi.pk}/evaluate/", {
            "scores": _scores(calloff, 60, bad)}, format="json"), 400, "invalid",
            fields=["scores.1.score"])
    assert not CriterionScore.objects.exists()


def test_every_criterion_must_be_scored_and_only_this_calloffs(api):
    calloff, commissioner, [eoi] = _closed(HALVES)
    other, _ = _published()
    client = api(commissioner)
    [therapy, _] = _scores(calloff, 60, 60)
    with nothing_changes():
        assert_error(client.post(f"/api/v1/eois/{eoi.pk}/evaluate/", {"scores": [therapy]},
                                 format="json"), 400, "invalid", fields=["scores"])
        foreign = {"criterion": other.criteria.first().pk, "score": 50}
        assert_error(client.post(f"/api/v1/eois/{eoi.pk}/evaluate/",
                                 {"scores": [therapy, foreign]}, format="json"),
                     400, "invalid", fields=["scores"])
        assert_error(client.post(f"/api/v1/eois/{eoi.pk}/evaluate/", {"notes": "No score."},
                                 format="json"), 400, "invalid")


def test_v1_single_quality_score_is_still_accepted_and_replaces_criterion_scores(api):
    calloff, commissioner, [eoi] = _closed(HALVES)
    client = api(commissioner)
    client.post(f"/api/v1/eois/{eoi.pk}/evaluate/", {"scores": _scores(calloff, 90, 90)},
                format="json")
    response = client.post(f"/api/v1/eois/{eoi.pk}/evaluate/",
                           {"quality_score": 64, "notes": "Scored as one."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["quality_score"] == 64
    assert response.json()["criterion_scores"] == []
    assert not CriterionScore.objects.filter(eoi=eoi).exists()
    assert_error(client.post(f"/api/v1/eois/{eoi.pk}/evaluate/", {"quality_score": 101},
                             format="json"), 400, "invalid", fields=["quality_score"])


def test_a_calloff_without_criteria_takes_only_the_single_score(api):
    calloff = cf.ClosedCallOffFactory()
    eoi = cf.EoiFactory(calloff=calloff)
    client = api(f.CommissionerFactory(organisation=calloff.authority))
    assert client.post(f"/api/v1/eois/{eoi.pk}/evaluate/", {"quality_score": 70},
                       format="json").status_code == 200
    assert_error(client.post(f"/api/v1/eois/{eoi.pk}/evaluate/",
                             {"scores": [{"criterion": 1, "score": 5}]}, format="json"),
                 400, "invalid", fields=["scores"])


def test_ranking_uses_the_weighted_score_and_shows_each_criterion(api):
    calloff, commissioner, [cheap, dear] = _closed(HALVES, prices=("4000.00", "5000.00"))
    client = api(commissioner)
    for eoi, values in ((cheap, (40, 50)), (dear, (95, 90))):
        client.post(f"/api/v1/eois/{eoi.pk}/evaluate/",
                    {"scores": _scores(calloff, *values, notes={"Education": "On site."})},
                    format="json")
    rows = client.get(f"/api/v1/calloffs/{calloff.pk}/ranking/").json()
    # dear: quality 93 (92.5 half up) → 55.80 + price 32.00 = 87.80; cheap: 45 → 27.00 + 40.
    assert [(r["eoi"], r["quality_score"], r["total"]) for r in rows] == [
        (dear.pk, 93, "87.80"), (cheap.pk, 45, "67.00")]
    assert [(c["name"], c["score"], c["note"]) for c in rows[0]["criteria"]] == [
        ("Therapy", 95, ""), ("Education", 90, "On site.")]


def test_ranking_api_query_count_does_not_grow(api, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    calloff, commissioner, offers = _closed(FOUR, prices=("5000.00", "5100.00"))
    client = api(commissioner)

    def score_all():
        for eoi in calloff.eois.all():
            if not eoi.criterion_scores.exists():
                services.evaluate_eoi(eoi, by=commissioner,
                                      scores=_scores(calloff, 70, 60, 50, 40))
    score_all()
    with CaptureQueriesContext(connection) as small:
        client.get(f"/api/v1/calloffs/{calloff.pk}/ranking/")
    for _ in range(10):
        membership = cf.admitted_and_invited(calloff)
        cf.EoiFactory(calloff=calloff, provider=membership.provider)
    score_all()
    with django_assert_max_num_queries(len(small.captured_queries)):
        rows = client.get(f"/api/v1/calloffs/{calloff.pk}/ranking/").json()
    assert len(rows) == 12
    assert all(len(r["criteria"]) == 4 for r in rows)


def test_a_criterion_note_naming_the_child_is_refused(api):
    calloff, commissioner, [eoi] = _closed(HALVES)
    first_name = calloff.referral.child.first_name
    with nothing_changes():
        body = assert_error(api(commissioner).post(f"/api/v1/eois/{eoi.pk}/evaluate/", {
            "scores": _scores(calloff, 60, 60,
                              notes={"Education": f"{first_name} likes the school."})},
            format="json"), 400, "identifiers_in_text")
    assert "scores.1.note" in body["fields"]


# --- Feedback to bidders --------------------------------------------------------------------

def _award(calloff, commissioner, winner):
    services.recommend(calloff, by=commissioner, eoi=winner, reason="Best value.")
    holder = f.BudgetHolderFactory(organisation=calloff.authority,
                                   approval_limit=Decimal("900000.00"))
    mail.outbox.clear()
    services.approve_award(calloff, by=holder)


def test_losing_bidders_feedback_gives_each_criterions_score_and_note(api):
    calloff, commissioner, [winner, loser] = _closed(HALVES, prices=("5000.00", "5000.00"))
    services.evaluate_eoi(winner, by=commissioner, scores=_scores(calloff, 90, 90))
    services.evaluate_eoi(loser, by=commissioner, notes="Close second.", scores=_scores(
        calloff, 60, 75, notes={"Therapy": "No psychologist on the staff."}))
    _award(calloff, commissioner, winner)
    user = f.ProviderUserFactory(organisation=loser.provider, email="bids@loser.example")
    CriterionScore.objects.get(eoi=loser, criterion__name="Therapy")  # stored
    loser.__class__.objects.filter(calloff=calloff).update(outcome_notified_at=None)
    tasks.notify_outcome(calloff.pk)
    result = api(user).get(f"/api/v1/eois/{loser.pk}/").json()["result"]
    assert result["outcome"] == "unsuccessful"
    assert result["quality_score"] == 68  # 67.5 half up
    assert [(c["name"], c["weight"], c["score"], c["note"]) for c in result["criteria"]] == [
        ("Therapy", 50, 60, "No psychologist on the staff."), ("Education", 50, 75, "")]
    [message] = [m for m in mail.outbox if m.to == ["bids@loser.example"]]
    assert "Therapy (50%): 60 / 100" in message.body
    assert "No psychologist on the staff." in message.body


def test_opportunity_page_shows_criteria_and_the_per_criterion_feedback(as_user):
    calloff, commissioner, [winner, loser] = _closed(HALVES, prices=("5000.00", "5000.00"))
    user = f.ProviderUserFactory(organisation=loser.provider)
    page = text(as_user(user).get(reverse("calloffs:opportunity", args=[calloff.pk])))
    assert "Therapy: 50%" in page
    assert "Education: 50%" in page
    services.evaluate_eoi(winner, by=commissioner, scores=_scores(calloff, 90, 90))
    services.evaluate_eoi(loser, by=commissioner, scores=_scores(
        calloff, 60, 75, notes={"Therapy": "No psychologist on the staff."}))
    _award(calloff, commissioner, winner)
    page = text(as_user(user).get(reverse("calloffs:opportunity", args=[calloff.pk])))
    assert "Therapy (50%) 60 out of 100 No psychologist on the staff." in page


# --- Pages: the commissioner scores per criterion; the ranking shows each --------------------

def _score_page_post(calloff, eoi, values, notes=""):
    prefix = f"eoi-{eoi.pk}"
    data = {f"{prefix}-notes": notes}
    for criterion, value in zip(calloff.criteria.all(), values, strict=True):
        data[f"{prefix}-score_{criterion.pk}"] = value
        data[f"{prefix}-note_{criterion.pk}"] = f"About {criterion.name.lower()}."
    return data


def test_score_page_saves_each_criterion_and_the_ranking_shows_them(as_user):
    calloff, commissioner, [eoi] = _closed(HALVES)
    client = as_user(commissioner)
    response = client.post(reverse("calloffs:evaluate", args=[calloff.pk, eoi.pk]),
                           _score_page_post(calloff, eoi, ("71", "70")))
    assert response.status_code == 302
    eoi.refresh_from_db()
    assert eoi.quality_score == 71
    page = text(client.get(reverse("calloffs:detail", args=[calloff.pk])))
    assert "Quality scores by criterion" in page
    assert "71 About therapy." in page
    assert "Therapy: 50%" in page


def test_score_page_refuses_a_score_above_100_and_changes_nothing(as_user):
    calloff, commissioner, [eoi] = _closed(HALVES)
    with nothing_changes():
        response = as_user(commissioner).post(
            reverse("calloffs:evaluate", args=[calloff.pk, eoi.pk]),
            _score_page_post(calloff, eoi, ("71", "170")))
    assert response.status_code == 200
    assert "Enter the education score for" in error_summary(response)


def test_ranking_page_query_count_does_not_grow(as_user, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    calloff, commissioner, offers = _closed(FOUR, prices=("5000.00", "5100.00"))
    for eoi in offers:
        services.evaluate_eoi(eoi, by=commissioner, scores=_scores(calloff, 70, 60, 50, 40))
    client = as_user(commissioner)
    detail = reverse("calloffs:detail", args=[calloff.pk])
    with CaptureQueriesContext(connection) as small:
        client.get(detail)
    for _ in range(10):
        membership = cf.admitted_and_invited(calloff)
        eoi = cf.EoiFactory(calloff=calloff, provider=membership.provider)
        services.evaluate_eoi(eoi, by=commissioner, scores=_scores(calloff, 80, 60, 50, 40))
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(detail)
    assert text(response).count("About") == 0  # no notes given; the table is there:
    assert "Quality scores by criterion" in text(response)


# --- The lot's defaults: the DPS administrator's page ----------------------------------------

def _lot_form(rows):
    data = {}
    for number, (name, weight) in enumerate(rows):
        data[f"criterion_{number}"] = name
        data[f"criterion_{number}_weight"] = weight
    return data


def test_dps_admin_changes_a_lots_defaults_and_the_next_calloff_copies_them(as_user):
    admin = f.DpsAdminFactory()
    lot = f.lot("residential")
    client = as_user(admin)
    assert "Staffing: 15%" in text(client.get(reverse("calloffs:lot-criteria")))
    edit = reverse("calloffs:lot-criteria-edit", args=[lot.pk])
    response = client.post(edit, _lot_form([("Therapy", "70"), ("Education", "30"),
                                            ("", ""), ("", "")]))
    assert response.status_code == 302
    assert quality.lot_criteria(lot) == [{"name": "Therapy", "weight": 70},
                                         {"name": "Education", "weight": 30}]
    assert AuditEntry.objects.filter(action="lot.criteria_changed").count() == 1
    calloff, _ = _published()
    assert [(c.name, c.weight) for c in calloff.criteria.all()] == [
        ("Therapy", 70), ("Education", 30)]


def test_lot_defaults_that_do_not_add_up_are_refused(as_user):
    lot = f.lot("residential")
    client = as_user(f.DpsAdminFactory())
    with nothing_changes():
        response = client.post(reverse("calloffs:lot-criteria-edit", args=[lot.pk]),
                               _lot_form([("Therapy", "70"), ("Education", "20")]))
    assert response.status_code == 200
    assert "add up to 90" in error_summary(response)
    assert quality.lot_criteria(lot) == FOUR


def test_only_a_dps_admin_sees_the_lot_criteria_pages(as_user):
    lot = f.lot("residential")
    client = as_user(f.CommissionerFactory())
    assert client.get(reverse("calloffs:lot-criteria")).status_code == 403
    assert client.get(reverse("calloffs:lot-criteria-edit", args=[lot.pk])).status_code == 403


def test_publish_page_starts_from_the_lots_criteria_and_takes_changes(as_user):
    referral, commissioner = _draft()
    client = as_user(commissioner)
    page = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert 'value="Location and stability"' in page
    deadline = timezone.localtime() + datetime.timedelta(days=5)
    data = {"deadline_day": deadline.day, "deadline_month": deadline.month,
            "deadline_year": deadline.year, "deadline_time": "12:00",
            "quality_weight": 60, "price_weight": 40,
            **_lot_form([("Therapy", "60"), ("Education", "40"), ("", ""), ("", ""),
                         ("", ""), ("", "")])}
    response = client.post(reverse("referrals:publish", args=[referral.pk]), data)
    assert response.status_code == 302, error_summary(response)
    referral.refresh_from_db()
    assert [(c.name, c.weight) for c in referral.calloff.criteria.all()] == [
        ("Therapy", 60), ("Education", 40)]


def test_lot_criteria_api_reads_for_staff_and_only_the_dps_admin_replaces(api):
    lot = f.lot("fostering")
    path = f"/api/v1/lot-criteria/{lot.pk}/"
    commissioner = api(f.CommissionerFactory())
    assert commissioner.get(path).json() == {"lot": lot.pk, "criteria": FOUR}
    with nothing_changes():
        assert_error(commissioner.put(path, {"criteria": HALVES}, format="json"),
                     403, "forbidden")
    admin = api(f.DpsAdminFactory())
    with nothing_changes():
        assert_error(admin.put(path, {"criteria": HALVES[:1]}, format="json"),
                     400, "invalid", fields=["criteria"])
    response = admin.put(path, {"criteria": HALVES}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"lot": lot.pk, "criteria": HALVES}
    assert quality.lot_criteria(lot) == HALVES


def test_publish_page_with_every_criterion_row_blank_is_refused(as_user):
    referral, commissioner = _draft()
    deadline = timezone.localtime() + datetime.timedelta(days=5)
    data = {"deadline_day": deadline.day, "deadline_month": deadline.month,
            "deadline_year": deadline.year, "deadline_time": "12:00",
            "quality_weight": 60, "price_weight": 40, **_lot_form([("", "")] * 6)}
    with nothing_changes():
        response = as_user(commissioner).post(
            reverse("referrals:publish", args=[referral.pk]), data)
    assert response.status_code == 200
    assert "Give at least one quality criterion" in error_summary(response)
