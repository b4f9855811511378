"""Export jobs: asked for over the API or the page, built by Celery (eager in tests), seen and
downloaded only by the person who asked (and the DPS administrator)."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from dps.models import AuditEntry
from reports.exports import run_export
from reports.models import ExportJob
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.pages import text

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/exports/"
JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}


def _ask(client, capture, **body):
    with capture(execute=True):
        return client.post(URL, body, format="json")


def test_a_spend_export_runs_through_celery_and_matches_the_report(
        api, finance_user, spend_data, django_capture_on_commit_callbacks):
    client = api(finance_user)
    response = _ask(client, django_capture_on_commit_callbacks, kind="spend", format="xlsx",
                    group_by="provider", **JANUARY)

    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    detail = client.get(f"{URL}{job_id}/").json()
    assert detail["status"] == "done"
    assert detail["progress"] == 100
    assert detail["download_url"].endswith(f"/api/v1/reports/exports/{job_id}/download/")
    assert detail["params"]["group_by"] == "provider"
    assert AuditEntry.objects.filter(action="exportjob.requested", object_id=job_id).exists()

    download = client.get(f"{URL}{job_id}/download/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    report = client.get("/api/v1/reports/spend/", {**JANUARY, "group_by": "provider"}).json()
    values = list(load_workbook(io.BytesIO(download.content)).active.iter_rows(values_only=True))
    assert values[0] == ("Provider", "Amount")  # people's headers; no internal key column
    assert [(v[0], Decimal(str(v[1])).quantize(Decimal("0.01"))) for v in values[1:-1]] == [
        (row["label"], Decimal(row["amount"])) for row in report["rows"]]
    assert Decimal(str(values[-1][1])).quantize(Decimal("0.01")) == Decimal(report["total"])


def test_spend_lines_add_up_to_the_spend_total(api, finance_user, spend_data,
                                               django_capture_on_commit_callbacks):
    client = api(finance_user)
    job_id = _ask(client, django_capture_on_commit_callbacks, kind="spend_lines",
                  format="csv", **JANUARY).json()["id"]
    content = client.get(f"{URL}{job_id}/download/").content.decode("utf-8")
    table = list(csv.reader(io.StringIO(content)))

    assert table[0][:2] == ["Placement or block", "Number"]
    assert "Amount" in table[0]
    amount = table[0].index("Amount")
    total = client.get("/api/v1/reports/spend/", JANUARY).json()["total"]
    assert f"{sum(Decimal(row[amount]) for row in table[1:]):.2f}" == total
    assert {row[0] for row in table[1:]} == {"Placement", "Block"}
    route = table[0].index("Route")
    assert {row[route] for row in table[1:]} <= {"DPS call-off", "Spot purchase (off-contract)",
                                                 "Block contract"}
    assert ExportJob.objects.get(pk=job_id).row_count == len(table) - 1
    # Another authority's placement is not in a finance user's lines.
    assert all(row[2] == spend_data["mine"].name for row in table[1:])


def test_commitments_and_payments_exports(api, dps_admin, spend_data,
                                          django_capture_on_commit_callbacks):
    client = api(dps_admin)
    one = _ask(client, django_capture_on_commit_callbacks, kind="commitments", format="csv",
               as_of="2026-01-01", group_by="lot").json()
    two = _ask(client, django_capture_on_commit_callbacks, kind="payments", format="xlsx",
               **JANUARY).json()
    assert client.get(f"{URL}{one['id']}/").json()["status"] == "done"
    assert client.get(f"{URL}{two['id']}/").json()["status"] == "done"
    assert one["filename"] == "commitments-2026-01-01-by-lot.csv"


def test_only_the_requester_and_the_dps_admin_see_a_job(api, finance_user, dps_admin,
                                                        spend_data,
                                                        django_capture_on_commit_callbacks):
    job_id = _ask(api(finance_user), django_capture_on_commit_callbacks, kind="spend",
                  format="csv", **JANUARY).json()["id"]
    colleague = f.FinanceFactory(organisation=finance_user.organisation)

    assert_error(api(colleague).get(f"{URL}{job_id}/"), 404, "not_found")
    assert_error(api(colleague).get(f"{URL}{job_id}/download/"), 404, "not_found")
    assert api(colleague).get(URL).json()["count"] == 0
    assert api(dps_admin).get(f"{URL}{job_id}/").status_code == 200
    assert api(finance_user).get(URL).json()["count"] == 1


def test_a_job_not_ready_cannot_be_downloaded(api, finance_user, spend_data):
    job_id = api(finance_user).post(URL, {"kind": "spend", "format": "csv", **JANUARY},
                                    format="json").json()["id"]  # on_commit never ran
    assert_error(api(finance_user).get(f"{URL}{job_id}/download/"), 409, "conflict")
    assert ExportJob.objects.get(pk=job_id).status == "queued"
    # The worker builds it once; a duplicate task finds it claimed.
    assert run_export(job_id) == job_id
    assert run_export(job_id) is None
    assert api(finance_user).get(f"{URL}{job_id}/download/").status_code == 200


def test_a_failed_build_says_why(api, finance_user):
    job = ExportJob.objects.create(requested_by=finance_user, kind="spend", format="csv",
                                   params={"from": "2026-01-01"})  # no "to": cannot build
    run_export(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error
    body = api(finance_user).get(f"{URL}{job.pk}/").json()
    assert body["status"] == "failed"
    assert body["download_url"] is None


@pytest.mark.parametrize(("body", "fields"), [
    ({}, ["kind", "format"]),
    ({"kind": "spend", "format": "csv"}, ["from", "to"]),
    ({"kind": "spend", "format": "pdf", **JANUARY}, ["format"]),
    ({"kind": "everything", "format": "csv", **JANUARY}, ["kind"]),
    ({"kind": "spend", "format": "csv", "from": "2026-02-01", "to": "2026-01-01"}, ["to"]),
    ({"kind": "spend", "format": "csv", "group_by": "colour", **JANUARY}, ["group_by"]),
])
def test_bad_requests_are_400_and_change_nothing(api, finance_user, body, fields):
    with nothing_changes():
        assert_error(api(finance_user).post(URL, body, format="json"), 400, "invalid", fields)


def test_who_may_not_ask(api, anon, provider_user, commissioner):
    body = {"kind": "spend", "format": "csv", **JANUARY}
    with nothing_changes():
        assert_error(anon.post(URL, body, format="json"), 401, "not_authenticated")
        assert_error(api(provider_user).post(URL, body, format="json"), 403, "forbidden")
        assert_error(api(commissioner).post(URL, body, format="json"), 403, "forbidden")
        assert_error(api(provider_user).get(URL), 403, "forbidden")


def test_the_pages_ask_show_progress_and_download(as_user, finance_user, spend_data,
                                                  django_capture_on_commit_callbacks):
    client = as_user(finance_user)
    assert client.get("/reports/exports/").status_code == 200
    form = {"kind": "spend_lines", "format": "xlsx", "date_from_day": "1",
            "date_from_month": "1", "date_from_year": "2026", "date_to_day": "31",
            "date_to_month": "1", "date_to_year": "2026", "group_by": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/exports/", form)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/exports/{job.pk}/"
    page = client.get(response["Location"])
    assert "Ready" in text(page)
    assert 'http-equiv="refresh"' not in page.content.decode()
    download = client.get(f"/reports/exports/{job.pk}/download/")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.content)).active
    assert sheet.freeze_panes == "A2"


def test_a_running_job_page_refreshes_itself(as_user, finance_user):
    job = ExportJob.objects.create(requested_by=finance_user, kind="spend", format="csv",
                                   params=JANUARY, status="running", progress=40)
    page = as_user(finance_user).get(f"/reports/exports/{job.pk}/")
    assert 'http-equiv="refresh"' in page.content.decode()
    assert "40%" in text(page)
    # Not ready: the download link sends you back to the progress page.
    assert as_user(finance_user).get(f"/reports/exports/{job.pk}/download/").status_code == 302


def test_the_export_page_refuses_bad_dates_and_others_jobs(as_user, finance_user):
    job = ExportJob.objects.create(requested_by=f.DpsAdminFactory(), kind="spend",
                                   format="csv", params=JANUARY)
    client = as_user(finance_user)
    assert client.get(f"/reports/exports/{job.pk}/").status_code == 404
    with nothing_changes():
        response = client.post("/reports/exports/", {"kind": "spend", "format": "csv"})
    assert response.status_code == 200
    assert "Enter the date the report starts" in text(response)
