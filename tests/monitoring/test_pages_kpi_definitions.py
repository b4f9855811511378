"""KPI definition pages: the DPS administrator defines KPIs per lot and changes them through
monitoring.services (define_kpi, update_kpi); nobody else may."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dps.models import AuditEntry
from monitoring.models import Kpi
from tests import factories as f
from tests.asserts import nothing_changes
from tests.monitoring import factories as mf
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db

DEFINE = reverse("monitoring:kpi-definitions")


def edit(kpi):
    return reverse("monitoring:edit-kpi", args=[kpi.pk])


def kpi_form(lot, **extra):
    return {"lot": str(lot.pk), "code": "placement_stability", "name": "Placement stability",
            "unit": "%", "frequency": "quarterly", "min_value": "0", "max_value": "100",
            "required": "on", "position": "1", **extra}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    kpi = mf.KpiFactory()
    for path in (DEFINE, edit(kpi)):
        assert client.get(path).status_code == 302
    with nothing_changes():
        assert client.post(DEFINE, kpi_form(kpi.lot)).status_code == 302


def test_only_the_dps_admin_defines_kpis(as_user, commissioner, provider_user):
    kpi = mf.KpiFactory()
    for user in (commissioner, provider_user, f.BudgetHolderFactory()):
        client = as_user(user)
        assert client.get(DEFINE).status_code == 403
        assert client.get(edit(kpi)).status_code == 403
        with nothing_changes():
            assert client.post(DEFINE, kpi_form(kpi.lot, code="other")).status_code == 403
            assert client.post(edit(kpi), {"name": "Renamed", "unit": "%"}).status_code == 403


def test_a_missing_kpi_is_not_found(as_user, dps_admin):
    assert as_user(dps_admin).get("/monitoring/kpis/999999/edit/").status_code == 404


def test_dps_admin_defines_a_kpi_for_a_lot(as_user, dps_admin):
    lot = f.lot("fostering")
    client = as_user(dps_admin)
    page = text(client.get(DEFINE))
    assert "No KPIs have been defined yet." in page
    assert "Quarterly" in page
    response = client.post(DEFINE, kpi_form(lot), follow=True)
    assert "KPI “Placement stability” defined" in banner(response)
    kpi = Kpi.objects.get()
    assert (kpi.lot, kpi.code, kpi.unit, kpi.frequency, kpi.min_value, kpi.max_value,
            kpi.required, kpi.position, kpi.created_by) == (
        lot, "placement_stability", "%", "quarterly", Decimal("0"), Decimal("100"), True, 1,
        dps_admin)
    assert AuditEntry.objects.filter(action="kpi.defined", actor=dps_admin).exists()
    assert "0 to 100" in text(response)


def test_bad_definitions_show_errors_and_write_nothing(as_user, dps_admin):
    lot = f.lot("fostering")
    mf.KpiFactory(lot=lot, code="taken")
    client = as_user(dps_admin)
    with nothing_changes():
        response = client.post(DEFINE, kpi_form(lot, min_value="50", max_value="10"))
        assert "Must not be below the minimum." in error_summary(response)
        response = client.post(DEFINE, kpi_form(lot, code="taken"))
        assert "already has a KPI with code 'taken'" in error_summary(response)
        response = client.post(DEFINE, kpi_form(lot, name="", code="has space"))
        summary = error_summary(response)
        assert "Enter the KPI's name" in summary
        assert "Enter a code using only letters" in summary
        response = client.post(DEFINE, {**kpi_form(lot, max_value="lots"), "lot": "999999"})
        summary = error_summary(response)
        assert "Choose the lot" in summary
        assert "Enter the highest allowed value as a number" in summary


def test_dps_admin_changes_a_kpi_but_not_its_code(as_user, dps_admin):
    kpi = mf.KpiFactory(name="Stability", required=True)
    client = as_user(dps_admin)
    page = text(client.get(edit(kpi)))
    assert "The lot, code and frequency are fixed" in page
    with nothing_changes():
        response = client.post(edit(kpi), {"name": "Stability", "unit": "%", "min_value": "90",
                                           "max_value": "10", "is_active": "on"})
    assert "Must not be below the minimum." in error_summary(response)
    response = client.post(edit(kpi), {"name": "Stable placements", "unit": "%",
                                       "min_value": "", "max_value": "100", "is_active": "on",
                                       "code": "hijacked", "position": "2"}, follow=True)
    assert "KPI “Stable placements” changed" in banner(response)
    kpi.refresh_from_db()
    assert (kpi.name, kpi.min_value, kpi.required, kpi.is_active, kpi.position) == (
        "Stable placements", None, False, True, 2)
    assert kpi.code != "hijacked"
    assert AuditEntry.objects.filter(action="kpi.changed", actor=dps_admin).exists()


def test_definitions_page_query_count_does_not_grow(as_user, dps_admin,
                                                    django_assert_max_num_queries):
    client = as_user(dps_admin)
    mf.KpiFactory()
    client.get(DEFINE)
    with CaptureQueriesContext(connection) as small:
        client.get(DEFINE)
    for number in range(12):
        mf.KpiFactory(code=f"extra_{number}", lot=f.lot("residential" if number % 2 else
                                                      "fostering"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(DEFINE).status_code == 200
