"""Children's identity: encrypted at rest, findable by case reference only through its keyed
digest, never logged, cleared after the retention period, exportable for a subject-access
request by the DPS admin only."""

import datetime
import logging

import pytest
from cryptography.fernet import Fernet
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.utils import timezone
from encrypted_model_fields import fields as encrypted

from contracts.models import Placement
from dps.models import AuditEntry
from referrals import retention
from referrals.models import Child, Referral
from referrals.tasks import clear_expired_identities
from tests import factories as f
from tests.asserts import assert_error
from tests.calloffs import factories as cf
from tests.contracts import factories as pf

pytestmark = pytest.mark.django_db

IDENTITY = ("first_name", "last_name", "date_of_birth", "case_reference", "postcode")


def stored_row(child):
    with connection.cursor() as cursor:
        cursor.execute("SELECT first_name, last_name, date_of_birth, case_reference, postcode, "
                       "case_reference_digest FROM referrals_child WHERE id = %s", [child.pk])
        return cursor.fetchone()


def test_identity_is_stored_encrypted_and_read_back_in_clear():
    child = cf.ChildFactory()
    row = stored_row(child)
    stored = " ".join(str(value) for value in row)
    for field in IDENTITY:
        value = str(getattr(child, field))
        assert value not in stored, field
    fresh = Child.objects.get(pk=child.pk)
    assert fresh.first_name == cf.CHILD["first_name"]
    assert fresh.date_of_birth == cf.CHILD["date_of_birth"]
    assert fresh.postcode == cf.CHILD["postcode"]
    assert len(row[5]) == 64  # the digest, not the reference


def test_a_child_is_found_by_case_reference_and_unique_per_authority():
    child = cf.ChildFactory(case_reference="WSCC-77001")
    assert Child.objects.get(authority=child.authority, case_reference=" wscc-77001 ") == child
    found, created = Child.objects.get_or_create(
        authority=child.authority, case_reference="WSCC-77001",
        defaults={"first_name": "X", "last_name": "Y", "date_of_birth": datetime.date(2015, 1, 1)})
    assert (found, created) == (child, False)
    with pytest.raises(IntegrityError), transaction.atomic():
        cf.ChildFactory(authority=child.authority, case_reference="WSCC-77001")
    # Another authority may hold the same reference for its own child.
    assert cf.ChildFactory(case_reference="WSCC-77001").pk != child.pk


def test_encrypted_fields_cannot_be_searched_by_pattern():
    with pytest.raises(ValueError, match="Encrypted fields cannot be searched"):
        list(Child.objects.filter(last_name__startswith="Oak"))


def test_keys_rotate_without_losing_a_child(monkeypatch, settings):
    old_key = settings.FIELD_ENCRYPTION_KEY[0]
    child = cf.ChildFactory(case_reference="WSCC-55555")
    before = stored_row(child)
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEY=[new_key, old_key]):
        monkeypatch.setattr(encrypted, "CRYPTER", encrypted.get_crypter())
        # Before re-keying the old rows still read, and are still found by reference.
        assert Child.objects.get(case_reference="WSCC-55555").last_name == child.last_name
        from django.core.management import call_command
        call_command("rotate_child_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
        after = stored_row(child)
        assert after[0] != before[0]
        assert after[5] != before[5]
    with override_settings(FIELD_ENCRYPTION_KEY=[new_key]):
        monkeypatch.setattr(encrypted, "CRYPTER", encrypted.get_crypter())
        fresh = Child.objects.get(case_reference="WSCC-55555")
        assert fresh.first_name == child.first_name


def test_the_childs_identity_is_not_logged_while_a_referral_is_made(api, caplog):
    caplog.set_level(logging.DEBUG)
    commissioner = f.CommissionerFactory()
    body = {"child": {"first_name": "Ottilie", "last_name": "Brambleworth",
                      "date_of_birth": "2013-02-03", "case_reference": "WSCC-91919",
                      "postcode": "RH12 9ZZ"},
            "lot": "residential", "summary": "Needs a calm home with a garden.",
            "placement_start": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "duration_weeks": 52, "location_area": "West Sussex",
            "alternatives_considered": ["in_house_fostering"]}
    response = api(commissioner).post("/api/v1/referrals/", body, format="json")
    assert response.status_code == 201, response.json()
    for value in ("Ottilie", "Brambleworth", "WSCC-91919", "RH12 9ZZ", "2013-02-03"):
        assert value not in caplog.text


# --- Retention ------------------------------------------------------------------------------

@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC), tick=False)
    return datetime.date(2026, 6, 1)


def old_child(**kwargs):
    child = cf.ChildFactory(**kwargs)
    Child.objects.filter(pk=child.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=365 * 12))
    return child


def ended_on(child, day):
    return pf.EndedPlacementFactory(child=child, authority=child.authority,
                                    start_date=day - datetime.timedelta(days=200), end_date=day)


def test_identity_is_cleared_the_day_after_the_retention_period(today, settings):
    settings.CHILD_IDENTITY_RETENTION_YEARS = 7
    cutoff = datetime.date(2019, 6, 1)
    kept = old_child()
    ended_on(kept, cutoff)  # exactly seven years ago: kept one more day
    cleared = old_child()
    ended_on(cleared, cutoff - datetime.timedelta(days=1))

    assert clear_expired_identities.delay().get() == 1

    cleared.refresh_from_db()
    kept.refresh_from_db()
    assert cleared.identity_cleared_at is not None
    assert (cleared.first_name, cleared.last_name, cleared.postcode) == ("", "", "")
    assert cleared.date_of_birth is None
    assert cleared.case_reference == f"cleared-{cleared.pk}"
    assert kept.first_name == cf.CHILD["first_name"]
    # The placement stays for spend and market reports.
    assert Placement.objects.filter(child=cleared).count() == 1
    assert AuditEntry.objects.filter(action="child.identity_cleared",
                                     object_id=cleared.pk).count() == 1


def test_a_live_placement_or_a_draft_referral_keeps_the_identity(today):
    live = old_child()
    pf.PlacementFactory(child=live, authority=live.authority)
    drafting = old_child()
    cf.ReferralFactory(child=drafting, authority=drafting.authority)
    Referral.objects.filter(child=drafting).update(
        created_at=timezone.now() - datetime.timedelta(days=365 * 10))
    assert retention.clear_expired_identities() == 0
    assert set(Child.objects.filter(identity_cleared_at__isnull=True)
               .values_list("pk", flat=True)) >= {live.pk, drafting.pk}


def test_clearing_twice_clears_once(today):
    child = old_child()
    ended_on(child, datetime.date(2015, 1, 1))
    assert retention.clear_expired_identities() == 1
    assert retention.clear_expired_identities() == 0
    assert AuditEntry.objects.filter(action="child.identity_cleared").count() == 1


def test_two_cleared_children_of_one_authority_do_not_collide(today):
    authority = f.AuthorityFactory()
    for _ in range(2):
        ended_on(old_child(authority=authority), datetime.date(2015, 1, 1))
    assert retention.clear_expired_identities() == 2


# --- Subject access ---------------------------------------------------------------------------

def sar_url(child):
    return f"/api/v1/children/{child.pk}/subject-access/"


def test_the_dps_admin_exports_everything_about_one_child(api, dps_admin):
    placement = pf.PlacementFactory()
    child = placement.child
    cf.ReferralFactory(child=child, authority=child.authority)
    response = api(dps_admin).get(sar_url(child))
    assert response.status_code == 200
    body = response.json()
    assert body["child"]["last_name"] == cf.CHILD["last_name"]
    assert body["child"]["date_of_birth"] == cf.CHILD["date_of_birth"].isoformat()
    assert [p["id"] for p in body["placements"]] == [placement.pk]
    assert body["placements"][0]["fee_periods"][0]["price"] == "5000.00"
    assert len(body["referrals"]) == 1
    assert AuditEntry.objects.filter(action="child.subject_access_exported",
                                     object_id=child.pk, actor=dps_admin).count() == 1


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.FinanceFactory,
                                     f.BudgetHolderFactory, f.ProviderUserFactory])
def test_nobody_else_can_export(api, factory):
    child = cf.ChildFactory()
    user = factory(organisation=child.authority) if factory is not f.ProviderUserFactory \
        else factory()
    assert_error(api(user).get(sar_url(child)), 403, "forbidden")
    assert not AuditEntry.objects.filter(action="child.subject_access_exported").exists()


def test_export_needs_sign_in_and_a_real_child(api, anon, dps_admin):
    assert_error(anon.get("/api/v1/children/1/subject-access/"), 401, "not_authenticated")
    assert_error(api(dps_admin).get("/api/v1/children/999999/subject-access/"), 404,
                 "not_found")


# --- Error reports --------------------------------------------------------------------------

IDENTITY = {"first_name": "Ottilie", "last_name": "Brambleworth", "date_of_birth": "2013-02-03",
            "case_reference": "WSCC-91919", "postcode": "RH12 9ZZ"}


@pytest.fixture
def reports_with_html(monkeypatch):
    """The ADMINS report with its HTML part too, which lists every frame's local variables."""
    from django.utils.log import AdminEmailHandler

    for handler in logging.getLogger("django").handlers:
        if isinstance(handler, AdminEmailHandler):
            monkeypatch.setattr(handler, "include_html", True)


def error_reports():
    from django.core import mail

    return [m for m in mail.outbox if m.to == ["ops@example.org"]]


def report_text(message):
    return message.subject + message.body + "".join(c for c, _ in message.alternatives)


def test_an_error_report_for_a_failed_referral_carries_no_identity(settings, monkeypatch, caplog,
                                                                  reports_with_html):
    """Django e-mails ADMINS a full report (locals of every frame, the POST) of a 500: the
    child's identity must be scrubbed from it, and from the logged traceback."""
    from rest_framework.test import APIClient

    from referrals import services

    settings.ADMINS = [("Operations", "ops@example.org")]
    caplog.set_level(logging.DEBUG)

    def broken(*args, **kwargs):
        raise RuntimeError("the audit table is unavailable")

    monkeypatch.setattr(services.audit, "record", broken)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(f.CommissionerFactory())
    body = {"child": IDENTITY, "lot": "residential", "summary": "Needs a calm home.",
            "placement_start": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
            "duration_weeks": 52, "location_area": "West Sussex",
            "alternatives_considered": ["in_house_fostering"]}
    response = client.post("/api/v1/referrals/", body, format="json")
    assert response.status_code == 500
    reports = error_reports()
    assert len(reports) == 1
    text = report_text(reports[0])
    assert "the audit table is unavailable" in text  # a real report, with the frames
    assert "create_referral" in text
    assert "local vars" in text.lower()  # the HTML part, frame by frame
    for value in IDENTITY.values():
        assert value not in text
        assert value not in caplog.text


def test_an_error_report_for_a_failed_referral_form_carries_no_identity(settings, monkeypatch,
                                                                       client,
                                                                       reports_with_html):
    from referrals import services
    from tests.referrals.test_pages import referral_data

    settings.ADMINS = [("Operations", "ops@example.org")]

    def broken(*args, **kwargs):
        raise RuntimeError("the audit table is unavailable")

    monkeypatch.setattr(services.audit, "record", broken)
    client.raise_request_exception = False
    client.force_login(f.CommissionerFactory())
    data = referral_data(first_name="Ottilie", last_name="Brambleworth",
                         date_of_birth_day=3, date_of_birth_month=2, date_of_birth_year=2013,
                         case_reference="WSCC-91919", postcode="RH12 9ZZ")
    response = client.post("/referrals/new/?lot=residential", data)
    assert response.status_code == 500
    reports = error_reports()
    assert len(reports) == 1
    text = report_text(reports[0])
    assert "the audit table is unavailable" in text
    for value in IDENTITY.values():
        assert value not in text


def test_a_report_for_a_failed_search_hides_the_query(rf, settings):
    """The dashboard's search box takes case references: the query string is hidden too."""
    import sys

    from django.views.debug import get_exception_reporter_class

    # (Values from IDENTITY: the HTML report quotes this function's source lines.)
    request = rf.get("/dashboard/", {"q": IDENTITY["case_reference"], "page": "2"})
    request.user = f.CommissionerFactory()
    child = {"case_reference": IDENTITY["case_reference"]}  # a frame's local variable
    try:
        raise RuntimeError(f"search failed for {len(child)} term")
    except RuntimeError:
        reporter = get_exception_reporter_class(request)(request, *sys.exc_info())
        report = reporter.get_traceback_text() + reporter.get_traceback_html()
    assert "search failed for 1 term" in report
    assert "page" in report
    assert IDENTITY["case_reference"].lower() not in report.lower()
