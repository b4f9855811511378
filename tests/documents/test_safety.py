"""Malware (a real clamd, EICAR refused), an unreachable scanner, identifying text in a
referral pack (PDF, DOCX, ODT, text, and the file name), and deletion only while a draft."""

import socket

import pytest

from documents.models import Document
from dps.models import AuditEntry
from tests.calloffs.factories import CHILD
from tests.documents import files
from tests.documents.test_api_documents import URL, post
from tests.documents.worlds import WORLDS

pytestmark = pytest.mark.django_db


@pytest.mark.clamav
@pytest.mark.parametrize("attached_to", sorted(WORLDS))
def test_eicar_is_refused_with_malware_detected(api, clamd, attached_to):
    world = WORLDS[attached_to]()
    response = post(api(world.uploader), world, files.EICAR, name="notes.txt")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "malware_detected"
    assert not Document.objects.exists()


@pytest.mark.clamav
def test_a_clean_file_is_scanned_and_marked_clean(api, clamd):
    world = WORLDS["application"]()
    response = post(api(world.uploader), world, files.pdf())
    assert response.status_code == 201, response.json()
    assert response.json()["scan"] == "clean"


def test_a_configured_scanner_that_cannot_be_reached_refuses_the_upload(api, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed
    settings.CLAMAV_URL = f"tcp://127.0.0.1:{port}"
    world = WORLDS["application"]()
    response = post(api(world.uploader), world, files.pdf())
    assert response.status_code == 503, response.json()
    assert response.json()["code"] == "scanner_unavailable"
    assert "scanner" in response.json()["detail"]
    assert not Document.objects.exists()


NAMING = f"Pack for {CHILD['first_name']} {CHILD['last_name']}, born 14/03/2012."


@pytest.mark.parametrize(("body", "name"), [
    (files.pdf(NAMING), "pack.pdf"), (files.docx(NAMING), "pack.docx"),
    (files.odt(NAMING), "pack.odt"), (NAMING.encode(), "pack.txt"),
    (files.pdf("Needs and outcomes only."), f"{CHILD['last_name']} pack.pdf"),
])
def test_a_referral_pack_naming_the_child_is_refused(api, body, name):
    world = WORLDS["referral"]()
    response = post(api(world.uploader), world, body, name=name)
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "identifiers_in_text"
    assert set(response.json()["fields"]) <= {"file", "name"}
    assert not Document.objects.exists()


def test_a_case_reference_in_a_placement_file_is_refused_but_the_name_may_stay(api):
    world = WORLDS["placement"]()
    child = world.obj.child
    ok = post(api(world.uploader), world, files.pdf(f"Care plan for {child.first_name}."))
    assert ok.status_code == 201, ok.json()
    refused = post(api(world.uploader), world, files.pdf(f"Case {child.case_reference}."))
    assert refused.status_code == 400
    assert refused.json()["code"] == "identifiers_in_text"


def test_a_pdf_without_text_cannot_be_a_referral_pack(api):
    world = WORLDS["referral"]()
    response = post(api(world.uploader), world, files.pdf(""))
    assert response.status_code == 400
    assert response.json()["code"] == "text_not_readable"


def test_a_providers_own_file_is_not_scanned_for_identifiers(api):
    world = WORLDS["eoi"]()
    response = post(api(world.uploader), world, files.pdf(NAMING))
    assert response.status_code == 201
    assert response.json()["text_checked"] is False


def test_a_broken_document_is_bad_input(api):
    world = WORLDS["referral"]()
    broken = files.docx()[:-40]
    response = post(api(world.uploader), world, broken, name="pack.docx")
    assert response.status_code == 400
    assert response.json()["code"] in {"file_type_not_allowed", "file_unreadable"}


# --- Deletion ------------------------------------------------------------------------------

def test_uploader_deletes_while_the_object_is_a_draft(api):
    world = WORLDS["application"]()
    client = api(world.uploader)
    document_id = post(client, world, files.pdf()).json()["id"]
    response = client.delete(f"{URL}{document_id}/")
    assert response.status_code == 204
    assert not Document.objects.exists()
    assert AuditEntry.objects.filter(action="document_deleted").count() == 1


def test_someone_else_cannot_delete(api):
    world = WORLDS["monitoring_activity"]()
    document_id = post(api(world.uploader), world, files.pdf()).json()["id"]
    other = world.reader  # the provider: sees it, did not upload it
    response = api(other).delete(f"{URL}{document_id}/")
    assert response.status_code == 403
    assert Document.objects.count() == 1


def test_documents_are_kept_once_the_object_is_no_longer_a_draft(api):
    world = WORLDS["application"]()
    client = api(world.uploader)
    document_id = post(client, world, files.pdf()).json()["id"]
    type(world.obj).objects.filter(pk=world.obj.pk).update(status="submitted")
    response = client.delete(f"{URL}{document_id}/")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert Document.objects.count() == 1
