"""GET /api/v1/notices/, POST .../published/ and the open data (API.md v1.1 "Notices")."""

import datetime

import pytest
from django.utils import timezone

from dps.models import AuditEntry
from notices import schema, services
from notices.models import Kind, Notice
from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts import factories as kf
from tests.notices import factories as nf

pytestmark = pytest.mark.django_db
URL = "/api/v1/notices/"
OPEN_DATA = "/api/v1/open-data/releases/"


@pytest.fixture
def details():
    """A contract details notice of a placement of council A, under a light-touch market."""
    placement = nf.placement("pa2023_light_touch")
    services.raise_missing()
    return Notice.objects.get(subject_type="placement", subject_id=placement.pk,
                              kind=Kind.CONTRACT_DETAILS)


def publish(api, user, notice, **body):
    body = {"notice_identifier": "012345-2026",
            "published_on": timezone.localdate().isoformat(), **body}
    return api(user).post(f"{URL}{notice.pk}/published/", body, format="json")


def test_signed_out_callers_cannot_list_notices(anon):
    assert anon.get(URL).status_code == 401


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.FinanceFactory,
                                     f.BudgetHolderFactory])
def test_only_commissioners_and_dps_administrators_list_notices(api, factory):
    assert api(factory()).get(URL).status_code == 403


def test_a_commissioner_sees_only_their_councils_notices(api, details):
    own = f.CommissionerFactory(organisation=details.authority)
    other = f.CommissionerFactory()
    assert [n["id"] for n in api(own).get(URL).json()["results"]] == [details.pk]
    assert api(other).get(URL).json()["results"] == []
    assert api(other).get(f"{URL}{details.pk}/").status_code == 404


def test_each_notice_has_its_code_subject_due_day_and_release(api, dps_admin, details):
    row = api(dps_admin).get(f"{URL}?kind=contract_details&status=due").json()["results"]
    row = next(r for r in row if r["id"] == details.pk)
    assert row["kind"] == "contract_details"
    assert row["code"] == "UK7"
    assert row["subject"] == {"type": "placement", "id": details.subject_id}
    assert row["due_by"] == details.due_by.isoformat()
    assert row["status"] == "due"
    assert row["ocds"]["tag"] == ["contract"]
    assert row["ocds"]["documents"][0]["noticeType"] == "UK7"
    assert schema.release_errors(row["ocds"]) == []


def test_a_bad_status_filter_is_refused(api, dps_admin):
    response = api(dps_admin).get(f"{URL}?status=late")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_the_list_reads_a_fixed_number_of_queries(api, dps_admin,
                                                   django_assert_max_num_queries):
    for regime in ("pa2023_dynamic_market", "pa2023_light_touch"):
        nf.approved_change(nf.placement(regime))
        nf.awarded(regime)
    services.raise_missing()
    client = api(dps_admin)
    with django_assert_max_num_queries(15):
        response = client.get(f"{URL}?page_size=50")
    assert response.json()["count"] >= 8


def test_publishing_a_notice_that_is_published_already_is_409(api, dps_admin, details):
    assert publish(api, dps_admin, details).status_code == 200
    response = publish(api, dps_admin, details, notice_identifier="012346-2026")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_an_identifier_another_notice_has_is_409_notice_identifier_taken(api, dps_admin,
                                                                        details):
    other = Notice.objects.filter(subject_type="dps", subject_id=details.dps_id).first()
    assert publish(api, dps_admin, other).status_code == 200
    response = publish(api, dps_admin, details)
    assert response.status_code == 409
    assert response.json()["code"] == "notice_identifier_taken"


@pytest.mark.parametrize(("body", "code"), [
    ({"published_on": "2100-01-01"}, "published_in_future"),
    ({"published_on": "2020-01-01"}, "published_before_event"),
    ({"notice_identifier": "see https://example.org"}, "invalid"),
    ({"notice_identifier": ""}, "invalid"),
    # Published in the open data: a name cannot pass for an identifier.
    ({"notice_identifier": "Jane Smith 2026"}, "invalid"),
    ({"published_on": "yesterday"}, "invalid"),
])
def test_bad_publication_input_is_400_and_changes_nothing(api, dps_admin, details, body, code):
    response = publish(api, dps_admin, details, **body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    details.refresh_from_db()
    assert details.status == Notice.Status.DUE
    assert details.notice_identifier == ""


def test_recording_publication_keeps_the_release_and_audits_it(api, dps_admin, details):
    response = publish(api, dps_admin, details)
    assert response.status_code == 200
    assert response.json()["status"] == "published"
    details.refresh_from_db()
    assert details.published_release["documents"][0]["datePublished"].startswith(
        timezone.localdate().isoformat())
    entry = AuditEntry.objects.get(action="notice.published", object_id=details.pk)
    assert entry.data["release_id"] == details.published_release["id"]
    assert entry.actor == dps_admin


def test_an_intention_notice_may_be_published_before_the_market_starts(api, dps_admin):
    dps = nf.market("pa2023_dynamic_market",
                    starts_on=timezone.localdate() + datetime.timedelta(days=30))
    services.raise_missing()
    notice = Notice.objects.get(subject_id=dps.pk, kind=Kind.DYNAMIC_MARKET_INTENTION)
    assert publish(api, dps_admin, notice).status_code == 200


# --- Open data --------------------------------------------------------------------------------

def test_open_data_serves_only_published_notices_without_sign_in(anon, api, dps_admin, details):
    assert anon.get(OPEN_DATA).json()["releases"] == []
    publish(api, dps_admin, details)
    details.refresh_from_db()
    package = anon.get(OPEN_DATA).json()
    assert [r["id"] for r in package["releases"]] == [details.published_release["id"]]
    assert schema.package_errors(package) == []
    assert schema.release_errors(package["releases"][0]) == []


def test_open_data_never_names_the_child(anon, api, dps_admin):
    placement = nf.placement("pa2023_light_touch", factory=kf.EndedPlacementFactory)
    services.raise_missing()
    for notice in Notice.objects.filter(subject_type="placement", subject_id=placement.pk):
        publish(api, dps_admin, notice, notice_identifier=f"0{notice.pk:05d}-2026")
    response = anon.get(OPEN_DATA)
    assert len(response.json()["releases"]) == 2  # its details and its termination
    body = response.content.decode()
    child = placement.child
    assert cf.child_identifiers_in(body, child) == []
    assert placement.get_end_reason_display() not in body


def test_open_data_pages_by_updated_from(anon, api, dps_admin, settings):
    from notices.api import views

    settings.DEBUG = False
    placements = [nf.placement("pa2023_light_touch") for _ in range(3)]
    services.raise_missing()
    notices = [Notice.objects.get(subject_type="placement", subject_id=p.pk,
                                  kind=Kind.CONTRACT_DETAILS) for p in placements]
    for number, notice in enumerate(notices):
        publish(api, dps_admin, notice, notice_identifier=f"00000{number}-2026")
    page, views.OPEN_DATA_PAGE = views.OPEN_DATA_PAGE, 2
    try:
        first = anon.get(OPEN_DATA).json()
        second = anon.get(first["links"]["next"]).json()
    finally:
        views.OPEN_DATA_PAGE = page
    ids = [r["id"] for r in first["releases"] + second["releases"]]
    assert len(ids) == len(set(ids)) == 3
    assert "links" not in second
    later = anon.get(OPEN_DATA, {"updated_from": "2199-01-01"}).json()
    assert later["releases"] == []


def test_a_bad_updated_from_is_400(anon):
    response = anon.get(OPEN_DATA, {"updated_from": "soon"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_each_release_id_names_exactly_one_content(api, dps_admin):
    first, second = nf.placement("pa2023_light_touch"), nf.placement("pa2023_light_touch")
    services.raise_missing()
    releases = api(dps_admin).get(f"{URL}?kind=contract_details").json()["results"]
    by_id = {}
    for row in releases:
        by_id.setdefault(row["ocds"]["id"], []).append(row["ocds"])
    assert all(len(found) == 1 for found in by_id.values())
    assert {first.pk, second.pk} <= {row["subject"]["id"] for row in releases}


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31T00:00:00Z"])
def test_an_updated_from_outside_the_date_window_is_400(anon, value):
    response = anon.get(OPEN_DATA, {"updated_from": value})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "1 January 1900" in response.json()["fields"]["updated_from"][0]
