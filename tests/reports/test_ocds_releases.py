"""OCDS 1.1.5 releases built from realistic call-offs: valid against the vendored schema with
zero errors, codes from the codelists, and nothing about the child, ever."""

import datetime
import json
import socket

import pytest
from django.test import override_settings
from django.utils import timezone

from calloffs.models import ExpressionOfInterest
from reports import ocds
from tests.calloffs import factories as cf
from tests.reports.ocds_fixtures import build_world, export, release_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def world(db):
    return build_world()


def test_a_package_of_every_state_validates_with_zero_errors(world):
    package = export(world.all)
    assert len(package["releases"]) == 7
    assert ocds.validation_errors(package) == []


def test_each_release_alone_validates_too(world):
    for calloff in world.all:
        assert ocds.validation_errors(export([calloff])) == [], calloff.status


def test_the_validator_finds_errors(world):
    # The check can fail: a missing ocid, a value as a string, an unknown tender status.
    package = export([world.awarded])
    release = package["releases"][0]
    del release["ocid"]
    release["awards"][0]["value"]["amount"] = "260000.00"
    release["tender"]["status"] = "open"
    errors = ocds.validation_errors(package)
    assert len(errors) == 3, errors
    assert ocds.validation_errors({"releases": []}) != []  # no version


def test_validation_never_touches_the_network(world, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    ocds._validator.cache_clear()  # load the schemas again, with the network refused
    assert ocds.validation_errors(export(world.all)) == []


def test_nothing_about_the_child_is_ever_in_the_output(world):
    package = export(world.all)
    text = json.dumps(package)
    for calloff in world.all:
        referral = calloff.referral
        child = referral.child
        assert cf.child_identifiers_in(package, child) == [], calloff.status
        assert referral.summary not in text
        for need in referral.needs.all():
            assert need.name not in text
    for eoi in ExpressionOfInterest.objects.all():
        assert eoi.how_needs_met not in text
        assert eoi.outcomes_approach not in text
    assert "semh" not in text.lower()
    # The tender is built from an allowlist: no age, area, urgency or budget either.
    assert {key for r in package["releases"] for key in r["tender"]} <= {
        "id", "title", "description", "status", "procuringEntity", "procurementMethod",
        "procurementMethodDetails", "mainProcurementCategory", "awardCriteria",
        "awardCriteriaDetails", "datePublished", "tenderPeriod", "numberOfTenderers",
        "tenderers"}


def test_open_call_off_is_an_active_tender_without_its_bidders(world):
    release = release_of(export([world.open]), world.open)
    assert release["tag"] == ["tender"]
    assert release["initiationType"] == "tender"
    tender = release["tender"]
    assert tender["status"] == "active"
    assert tender["procurementMethod"] == "selective"
    assert tender["mainProcurementCategory"] == "services"
    assert tender["awardCriteria"] == "ratedCriteria"
    assert tender["awardCriteriaDetails"] == "Quality 60%, price 40%."
    assert tender["title"] == f"{world.open.lot.name}: one placement"
    assert "tenderers" not in tender
    assert "numberOfTenderers" not in tender
    assert [p["roles"] for p in release["parties"]] == [["buyer", "procuringEntity"]]
    assert tender["tenderPeriod"]["endDate"] == timezone.localtime(
        world.open.deadline).isoformat()


def test_closed_call_off_names_its_live_bidders(world):
    release = release_of(export([world.closed]), world.closed)
    tender = release["tender"]
    assert tender["status"] == "complete"
    assert tender["numberOfTenderers"] == 1  # the withdrawn offer is not a bid
    provider = world.closed_bid.provider
    assert tender["tenderers"] == [{"id": f"GB-COH-{provider.companies_house_number}",
                                    "name": provider.name}]
    party = next(p for p in release["parties"] if p["name"] == provider.name)
    assert party["roles"] == ["tenderer"]
    assert party["identifier"] == {"scheme": "GB-COH", "id": provider.companies_house_number,
                                   "legalName": provider.name}
    # A provider's postcode may be the address of a child's home: never published.
    assert "postalCode" not in party.get("address", {})


def test_awarded_call_off_has_an_award_and_a_contract_with_numeric_values(world):
    release = release_of(export([world.awarded]), world.awarded)
    assert release["tag"] == ["award", "contract"]
    (award,) = release["awards"]
    assert award["status"] == "active"
    assert award["value"] == {"amount": float(world.awarded.award_value), "currency": "GBP"}
    assert isinstance(award["value"]["amount"], float)
    supplier = world.awarded_eoi.provider
    assert award["suppliers"] == [{"id": f"GB-COH-{supplier.companies_house_number}",
                                   "name": supplier.name}]
    assert award["items"][0]["unit"] == {"name": "week",
                                         "value": {"amount": 5000.0, "currency": "GBP"}}
    assert award["items"][0]["quantity"] == 52.0
    party = next(p for p in release["parties"] if p["name"] == supplier.name)
    assert party["roles"] == ["tenderer", "supplier"]
    (contract,) = release["contracts"]
    assert contract["awardID"] == award["id"]
    assert contract["status"] == "pending"
    assert contract["value"] == award["value"]
    assert contract["period"]["startDate"].startswith(world.placement.start_date.isoformat())
    assert contract["period"]["endDate"].startswith(
        world.placement.planned_end_date.isoformat())
    assert release["tender"]["numberOfTenderers"] == 2


def test_ended_placement_is_a_terminated_contract(world):
    release = release_of(export([world.tuition]), world.tuition)
    assert release["tag"] == ["award", "contract", "contractTermination"]
    (contract,) = release["contracts"]
    assert contract["status"] == "terminated"
    assert contract["period"]["endDate"].startswith(
        (world.ended.start_date + datetime.timedelta(days=20)).isoformat())
    item = release["awards"][0]["items"][0]
    assert (item["quantity"], item["unit"]["name"]) == (520.0, "hour")  # 10 h × 52 weeks


def test_no_award_and_cancelled(world):
    no_award = release_of(export([world.no_award]), world.no_award)
    assert no_award["tender"]["status"] == "unsuccessful"
    assert "awards" not in no_award
    cancelled = release_of(export([world.cancelled]), world.cancelled)
    assert cancelled["tag"] == ["tenderCancellation"]
    assert cancelled["tender"]["status"] == "cancelled"


def test_the_dps_is_the_framework_each_call_off_belongs_to(world):
    release = release_of(export([world.open]), world.open)
    dps = world.open.lot.dps
    assert release["relatedProcesses"] == [{
        "id": "dps", "relationship": ["framework"], "title": dps.name, "scheme": "ocid",
        "identifier": f"ocds-xxxxxx-dps-{dps.code}"}]


def test_codes_come_from_the_codelists(world):
    package = export(world.all)
    roles = ocds.codelist("partyRole")
    tags = ocds.codelist("releaseTag")
    for release in package["releases"]:
        assert set(release["tag"]) <= tags
        for party in release["parties"]:
            assert set(party["roles"]) <= roles
        for process in release["relatedProcesses"]:
            assert set(process["relationship"]) <= ocds.codelist("relatedProcess")
            assert process["scheme"] in ocds.codelist("relatedProcessScheme")
        assert release["tender"]["awardCriteria"] in ocds.codelist("awardCriteria")


@override_settings(OCDS_OCID_PREFIX="ocds-b5fd17")
def test_the_ocid_prefix_is_a_setting(world):
    release = export([world.open])["releases"][0]
    assert release["ocid"] == f"ocds-b5fd17-calloff-{world.open.pk}"
    assert release["id"].startswith(release["ocid"] + "-tender-")


def test_release_ids_are_unique(world):
    ids = [r["id"] for r in export(world.all)["releases"]]
    assert len(set(ids)) == len(ids)
