"""Each notice rule, named after it, over the four regimes where it differs (ADR 0020)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from dps.models import AuditEntry
from monitoring.models import Kpi
from notices import rules, services
from notices.models import Kind, Notice
from tests import factories as f
from tests.contracts import factories as kf
from tests.notices import factories as nf

pytestmark = pytest.mark.django_db
ACT = {regime: regime in nf.ACT for regime in nf.REGIMES}


def kinds_for(subject_type, subject_id):
    services.raise_missing()
    return set(Notice.objects.filter(subject_type=subject_type, subject_id=subject_id)
               .values_list("kind", flat=True))


@pytest.mark.parametrize(("regime", "owed"), ACT.items())
def test_a_dynamic_market_owes_its_intention_and_establishment_notices(regime, owed):
    dps = nf.market(regime)
    expected = {Kind.DYNAMIC_MARKET_INTENTION, Kind.DYNAMIC_MARKET_ESTABLISHMENT} if owed else set()
    assert kinds_for("dps", dps.pk) == expected


def test_the_intention_notice_is_due_the_day_before_the_market_starts():
    dps = nf.market("pa2023_light_touch", starts_on=timezone.localdate() + datetime.timedelta(10))
    notice = nf.raised(subject_id=dps.pk, kind=Kind.DYNAMIC_MARKET_INTENTION).get()
    assert notice.due_by == dps.starts_on - datetime.timedelta(days=1)
    assert not nf.raised(subject_id=dps.pk, kind=Kind.DYNAMIC_MARKET_ESTABLISHMENT).exists()


@pytest.mark.parametrize(("regime", "owed"), ACT.items())
def test_a_market_that_ended_owes_its_cessation_notice(regime, owed):
    today = timezone.localdate()
    dps = nf.market(regime, starts_on=today - datetime.timedelta(400),
                    ends_on=today - datetime.timedelta(3))
    found = nf.raised(subject_id=dps.pk, kind=Kind.DYNAMIC_MARKET_CESSATION)
    assert found.exists() is owed
    if owed:
        assert found.get().due_by == dps.ends_on + datetime.timedelta(7)


@pytest.mark.parametrize(("regime", "owed"), ACT.items())
def test_a_modified_market_owes_a_modification_notice_per_modification(regime, owed, dps_admin):
    from dps import audit

    dps = nf.market(regime)
    audit.record(dps, "dps.conditions_modified", by=dps_admin, reason="Regulator added")
    audit.record(dps, "dps.conditions_modified", by=dps_admin, reason="Declaration added")
    count = nf.raised(subject_id=dps.pk, kind=Kind.DYNAMIC_MARKET_MODIFICATION).count()
    assert count == (2 if owed else 0)


@pytest.mark.parametrize(("regime", "owed"), ACT.items())
def test_a_competed_award_owes_a_contract_award_notice_by_the_award_day(regime, owed):
    calloff = nf.awarded(regime)
    found = nf.raised(subject_type="calloff", subject_id=calloff.pk)
    assert found.exists() is owed
    if owed:
        assert found.get().due_by == timezone.localdate(calloff.approved_at)


@pytest.mark.parametrize("regime", nf.REGIMES)
def test_a_user_choice_award_owes_no_contract_award_notice(regime):
    calloff = nf.awarded(regime, route="user_choice", choice_by="family")
    assert not nf.raised(subject_type="calloff", subject_id=calloff.pk).exists()


@pytest.mark.parametrize(("regime", "standstill_days"), [
    ("pcr2015_dps", None), ("light_touch", None), ("pa2023_dynamic_market", 8),
    ("pa2023_light_touch", None)])
def test_the_standstill_runs_8_working_days_from_the_award_notice_where_it_applies(
        regime, standstill_days):
    published = datetime.date(2026, 12, 1)  # a Tuesday
    ends = rules.standstill_ends(regime, published)
    if standstill_days is None:
        assert ends is None
    else:
        assert ends == datetime.date(2026, 12, 10)  # the 8th working day, 1 December counted


@pytest.mark.parametrize(("regime", "days"), [
    ("pcr2015_dps", None), ("light_touch", None), ("pa2023_dynamic_market", 30),
    ("pa2023_light_touch", 120)])
def test_a_contract_owes_its_details_notice_in_30_days_or_120_when_light_touch(regime, days):
    placement = nf.placement(regime)
    found = nf.raised(subject_type="placement", subject_id=placement.pk,
                      kind=Kind.CONTRACT_DETAILS)
    assert found.exists() is (days is not None)
    if days:
        entered = timezone.localdate(placement.created_at)
        assert found.get().due_by == entered + datetime.timedelta(days=days - 1)


def test_a_spot_purchase_owes_no_notice_as_a_dps_contract():
    placement = nf.placement("pa2023_light_touch", factory=kf.SpotPlacementFactory)
    assert not nf.raised(subject_type="placement", subject_id=placement.pk).exists()


@pytest.mark.parametrize(("regime", "owed"), [
    ("pcr2015_dps", False), ("light_touch", False), ("pa2023_dynamic_market", True),
    ("pa2023_light_touch", False)])
def test_a_price_change_owes_a_contract_change_notice_except_for_light_touch(regime, owed):
    change = nf.approved_change(nf.placement(regime))
    found = nf.raised(subject_type="fee_change", subject_id=change.pk)
    assert found.exists() is owed
    if owed:
        assert found.get().due_by == change.effective_from


@pytest.mark.parametrize(("new_price", "owed"), [
    ("5500.00", False), ("4500.00", False), ("5500.01", True), ("4499.99", True)])
def test_a_price_change_of_10_per_cent_or_less_owes_no_contract_change_notice(new_price, owed):
    placement = nf.placement("pa2023_dynamic_market", price=Decimal("5000.00"))
    change = nf.approved_change(placement, new_price=new_price)
    assert nf.raised(subject_type="fee_change", subject_id=change.pk).exists() is owed


@pytest.mark.parametrize(("regime", "owed"), ACT.items())
def test_an_ended_contract_owes_a_termination_notice_within_30_days(regime, owed):
    placement = nf.placement(regime, factory=kf.EndedPlacementFactory)
    found = nf.raised(subject_type="placement", subject_id=placement.pk,
                      kind=Kind.CONTRACT_TERMINATION)
    assert found.exists() is owed
    if owed:
        assert found.get().due_by == placement.end_date + datetime.timedelta(days=30)


@pytest.mark.parametrize(("regime", "owed"), ACT.items())
def test_a_contract_over_5_million_with_kpis_owes_yearly_performance_notices(regime, owed):
    today = timezone.localdate()
    placement = nf.placement(regime, start_date=today - datetime.timedelta(days=400),
                             value=Decimal("5000000.01"))
    Kpi.objects.create(lot=placement.lot, code="stability", name="Stability", unit="%")
    found = nf.raised(subject_type="placement", subject_id=placement.pk,
                      kind=Kind.CONTRACT_PERFORMANCE)
    assert found.count() == (2 if owed else 0)  # the first year's, and the next one ahead


@pytest.mark.parametrize(("value", "kpis", "owed"), [
    ("5000000.00", True, False), ("5000000.01", False, False), ("5000000.01", True, True)])
def test_only_contracts_over_5_million_with_kpis_owe_performance_notices(value, kpis, owed):
    placement = nf.placement("pa2023_light_touch", value=Decimal(value))
    if kpis:
        Kpi.objects.create(lot=placement.lot, code="stability", name="Stability", unit="%")
    found = nf.raised(subject_type="placement", subject_id=placement.pk,
                      kind=Kind.CONTRACT_PERFORMANCE)
    assert found.exists() is owed


@pytest.mark.parametrize(("regime", "owed"), ACT.items())
def test_a_council_with_contracts_under_the_act_owes_payments_compliance_every_six_months(
        regime, owed, time_machine):
    time_machine.move_to(datetime.datetime(2026, 12, 3, 9, tzinfo=datetime.UTC))
    placement = nf.placement(regime)
    from contracts.models import Placement

    Placement.objects.filter(pk=placement.pk).update(
        created_at=datetime.datetime(2025, 5, 1, tzinfo=datetime.UTC))
    found = nf.raised(kind=Kind.PAYMENTS_COMPLIANCE, subject_id=placement.authority_id)
    # 1 April to 30 September 2025, to 31 March 2026, to 30 September 2026.
    assert sorted(found.values_list("due_by", flat=True)) == ([
        datetime.date(2025, 10, 30), datetime.date(2026, 4, 30), datetime.date(2026, 10, 30)]
        if owed else [])


def test_raising_twice_raises_once_and_audits_once():
    placement = nf.placement("pa2023_light_touch")
    first = services.raise_missing()
    assert first >= 1
    assert services.raise_missing() == 0
    notice = Notice.objects.get(subject_type="placement", subject_id=placement.pk)
    assert AuditEntry.objects.filter(action="notice.raised", object_id=notice.pk,
                                     content_type__model="notice").count() == 1


def test_a_notice_past_its_day_becomes_overdue_once_and_the_council_is_told(
        mailoutbox, django_capture_on_commit_callbacks):
    placement = nf.placement("pa2023_dynamic_market")
    services.raise_missing()
    notice = Notice.objects.get(subject_type="placement", subject_id=placement.pk)
    later = notice.due_by + datetime.timedelta(days=1)
    f.CommissionerFactory(organisation=placement.authority, email="c@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_overdue(notice.pk, later) is True
        assert services.mark_overdue(notice.pk, later) is False
    notice.refresh_from_db()
    assert notice.status == Notice.Status.OVERDUE
    assert [m.to for m in mailoutbox] == [["c@example.org"]]
    assert "overdue" in mailoutbox[0].subject


def test_a_notice_is_reminded_once_a_week_before_its_day():
    placement = nf.placement("pa2023_dynamic_market")
    services.raise_missing()
    notice = Notice.objects.get(subject_type="placement", subject_id=placement.pk)
    week_before = notice.due_by - datetime.timedelta(days=7)
    assert services.remind(notice.pk, week_before - datetime.timedelta(days=1)) is False
    assert services.remind(notice.pk, week_before) is True
    assert services.remind(notice.pk, week_before) is False
