"""Every notice's content is a valid OCDS release with the UK extension merged onto 1.1.5."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts.models import Placement
from dps import audit
from monitoring.models import Kpi
from notices import content, schema, services
from notices.models import Kind, Notice
from tests.contracts import factories as kf
from tests.notices import factories as nf

pytestmark = pytest.mark.django_db


def test_the_merged_schema_has_the_uk_extensions_fields():
    definitions = schema.release_schema()["definitions"]
    assert "standstillPeriod" in definitions["Award"]["properties"]
    assert "noticeType" in definitions["Document"]["properties"]
    assert "specialRegime" in definitions["Tender"]["properties"]
    assert "ocid" in schema.release_schema()["properties"]  # the core is still there


def test_the_merge_follows_json_merge_patch():
    assert schema.merge_patch({"a": {"b": 1, "c": 2}}, {"a": {"c": None, "d": 3}}) == {
        "a": {"b": 1, "d": 3}}


@pytest.fixture
def every_kind(time_machine, dps_admin):
    time_machine.move_to(datetime.datetime(2026, 12, 3, 9, tzinfo=datetime.UTC))
    today = timezone.localdate()
    for regime in nf.ACT:
        dps = nf.market(regime, starts_on=today - datetime.timedelta(400),
                        ends_on=today - datetime.timedelta(2))
        audit.record(dps, "dps.conditions_modified", by=dps_admin, reason="Regulator")
        nf.awarded(regime)
        ended = nf.placement(regime, factory=kf.EndedPlacementFactory,
                             start_date=today - datetime.timedelta(400), value=Decimal("6e6"))
        Kpi.objects.create(lot=ended.lot, code="stability", name="Stability", unit="%")
        nf.approved_change(nf.placement(regime))
    # A contract since May 2025: its council owes the payments compliance notices since.
    Placement.objects.filter(pk=ended.pk).update(
        created_at=datetime.datetime(2025, 5, 1, tzinfo=datetime.UTC))
    services.raise_missing()
    return Notice.objects.all()


@pytest.mark.parametrize("kind", Kind.values)
def test_each_kind_of_notice_is_a_valid_release(every_kind, kind):
    notices = every_kind.filter(kind=kind)
    assert notices.exists(), f"no {kind} notice in the world"
    for notice in notices:
        data = content.release(notice)
        assert schema.release_errors(data) == []
        assert data["documents"][0]["noticeType"].startswith("UK")
        assert content.plain_words(notice, data)


def test_the_award_under_a_dynamic_market_shows_its_standstill(every_kind):
    notice = every_kind.get(kind=Kind.CONTRACT_AWARD, dps__regime="pa2023_dynamic_market")
    award = content.release(notice)["awards"][0]
    assert award["standstillPeriod"]["endDate"] > award["standstillPeriod"]["startDate"]
    light = every_kind.get(kind=Kind.CONTRACT_AWARD, dps__regime="pa2023_light_touch")
    assert "standstillPeriod" not in content.release(light)["awards"][0]


def test_the_payments_compliance_notice_reads_invoicings_figures(every_kind):
    notice = every_kind.filter(kind=Kind.PAYMENTS_COMPLIANCE).first()
    words = content.release(notice)["documents"][0]["description"]
    assert "invoices paid" in words
    assert "within 30 days" in words


def test_the_same_content_keeps_its_release_id_and_new_content_gets_a_new_one(every_kind):
    notice = every_kind.filter(kind=Kind.CONTRACT_CHANGE).first()
    first = content.release(notice)
    assert content.release(notice)["id"] == first["id"]
    change = notice.__class__.objects.get(pk=notice.pk)
    from contracts.models import FeeChange

    FeeChange.objects.filter(pk=change.subject_id).update(new_price=Decimal("5300.00"))
    assert content.release(notice)["id"] != first["id"]
