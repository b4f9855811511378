"""Report reads on a read replica (dps/replica.py, ADR 0024): with `REPORTS_ON_REPLICA`, the
spend page, the spend API and an export read through the `replica` alias (here a second
connection to the test database, as CI has it) and give the same figures; writes stay on
`default`. The spend and insight engines' raw statements take `report_connection()`, so the
heavy SQL itself runs there. Transactional: a second connection sees committed rows only."""

import pytest
from django.db import connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from dps.replica import ReplicaRouter, report_connection, report_reads
from reports.exports import run_export
from reports.models import ExportJob
from tests.pages import text
from tests.reports.test_spend_pages import JANUARY

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True,
                                   databases=["default", "replica"])
API = "/api/v1/reports/spend/"


def _twice(call):
    """`call()` on the primary, then with report reads on the replica, with the SQL of each
    connection during the second."""
    on_primary = call()
    with override_settings(REPORTS_ON_REPLICA=True), \
            CaptureQueriesContext(connections["default"]) as primary, \
            CaptureQueriesContext(connections["replica"]) as replica:
        on_replica = call()
    return on_primary, on_replica, primary.captured_queries, replica.captured_queries


def test_the_spend_page_reads_its_rows_from_the_replica_with_the_same_figures(
        as_user, finance_user, spend_data):
    client = as_user(finance_user)

    def page():
        response = client.get("/reports/", {**JANUARY, "group_by": "route"})
        assert response.status_code == 200
        return text(response)  # the CSRF token in the form differs per request

    before, after, primary, replica = _twice(page)
    assert after == before
    assert "£28,172.32" in after
    assert replica  # the page's own reads (the form's choices, the scope)
    # Signing in (session, user) is not a report read: it stays on the primary.
    assert any("django_session" in q["sql"] for q in primary)


def test_the_spend_api_reads_from_the_replica_with_the_same_json(api, finance_user, spend_data):
    def body():
        response = api(finance_user).get(API, {"from": "2026-01-01", "to": "2026-01-31",
                                               "group_by": "lot"})
        assert response.status_code == 200
        return response.json()

    before, after, primary, replica = _twice(body)
    assert after == before
    assert not any(q["sql"].startswith(("UPDATE", "INSERT")) for q in replica)
    # The engine's own statement (raw SQL over fee periods) ran on the replica, not the primary.
    assert any("contracts_feeperiod" in q["sql"] and q["sql"].startswith("WITH")
               for q in replica)
    assert not any("contracts_feeperiod" in q["sql"] and q["sql"].startswith("WITH")
                   for q in primary)


def test_an_export_reads_rows_from_the_replica_and_writes_its_file_on_the_primary(
        finance_user, spend_data):
    def export():
        job = ExportJob.objects.create(requested_by=finance_user,
                                       authority=finance_user.organisation, kind="spend",
                                       format="csv",
                                       params={"from": "2026-01-01", "to": "2026-01-31"})
        run_export(job.pk)
        job.refresh_from_db()
        assert job.status == ExportJob.Status.DONE, job.error
        return bytes(job.content)

    before, after, primary, replica = _twice(export)
    assert after == before
    assert not any(q["sql"].startswith(("UPDATE", "INSERT")) for q in replica)
    assert any(q["sql"].startswith("UPDATE") for q in primary)


def test_without_the_setting_or_outside_report_reads_everything_uses_the_primary():
    router = ReplicaRouter()
    with report_reads():
        assert router.db_for_read(ExportJob) is None  # REPORTS_ON_REPLICA is off
    with override_settings(REPORTS_ON_REPLICA=True):
        assert router.db_for_read(ExportJob) is None  # not a report read
        with report_reads():
            assert router.db_for_read(ExportJob) == "replica"
            assert router.db_for_write(ExportJob) == "default"
        with report_reads():
            # Raw report SQL takes its connection from here: a real second connection.
            with report_connection().cursor() as cursor:
                cursor.execute("SELECT 1")
                assert cursor.fetchone() == (1,)
            assert report_connection().alias == "replica"
    assert report_connection().alias == "default"
    assert router.allow_migrate("replica", "contracts") is False
    assert router.allow_migrate("default", "contracts") is True


@pytest.mark.postgres
def test_market_insight_runs_its_price_statistics_on_the_replica(api):
    from tests import factories as f
    from tests.reports.insight_fixtures import build_market

    build_market()
    admin = f.DpsAdminFactory()

    def body():
        response = api(admin).get("/api/v1/reports/market/",
                                  {"lot": "residential", "to": "2026-03-31"})
        assert response.status_code == 200
        return response.json()

    before, after, primary, replica = _twice(body)
    assert after == before
    # The percentiles are insight's own raw statement: on the replica, not the primary.
    assert any("PERCENTILE_CONT" in q["sql"] for q in replica)
    assert not any("PERCENTILE_CONT" in q["sql"] for q in primary)
