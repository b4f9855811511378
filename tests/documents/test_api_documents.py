"""POST/GET /api/v1/documents/ (API.md v1.1 "Documents") for every kind of object: 401, 403,
404, 400 (oversize, wrong type by content), then the happy paths (upload, list, download)."""

import hashlib

import pytest

from documents.models import Document
from dps.models import AuditEntry
from tests.documents import files
from tests.documents.worlds import WORLDS

pytestmark = pytest.mark.django_db
URL = "/api/v1/documents/"


def post(client, world, body, name="pack.pdf", kind=None, **extra):
    return client.post(URL, {"file": files.upload(body, name), "attached_to": world.attached_to,
                             "object": world.obj.pk, "kind": kind or world.kind, **extra},
                       format="multipart")


@pytest.fixture(params=sorted(WORLDS))
def world(request):
    return WORLDS[request.param]()


def test_signed_out_caller_cannot_upload(anon, world):
    response = post(anon, world, files.pdf())
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_wrong_role_cannot_upload(api, world):
    response = post(api(world.wrong_role), world, files.pdf())
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "forbidden"
    assert not Document.objects.exists()


def test_another_organisation_gets_404(api, world):
    response = post(api(world.outsider), world, files.pdf())
    assert response.status_code == 404, response.json()
    assert response.json()["code"] == "not_found"
    assert not Document.objects.exists()


def test_oversize_file_is_refused(api, world):
    response = post(api(world.uploader), world, files.pdf(padding=21 * 1024 * 1024))
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "file_too_large"
    assert not Document.objects.exists()


def test_type_is_decided_by_content_not_name(api, world):
    response = post(api(world.uploader), world, files.EXE, name="policy.pdf")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "file_type_not_allowed"
    assert not Document.objects.exists()


def test_a_kind_the_object_does_not_take_is_invalid(api, world):
    response = post(api(world.uploader), world, files.pdf(), kind="referral_pack"
                    if world.attached_to != "referral" else "evidence")
    assert response.status_code == 400
    assert response.json()["fields"]["kind"]


def test_upload_list_and_download(api, world):
    body = files.pdf("Our policy, reviewed each year.")
    response = post(api(world.uploader), world, body)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["content_type"] == "application/pdf"
    assert data["sha256"] == hashlib.sha256(body).hexdigest()
    assert data["size"] == len(body)
    assert data["scan"] == "not_scanned"
    assert data["text_checked"] is world.provider_reads_staff_upload

    listed = api(world.reader).get(URL, {"attached_to": world.attached_to,
                                         "object": world.obj.pk})
    assert [d["id"] for d in listed.json()["results"]] == [data["id"]]
    download = api(world.reader).get(f"{URL}{data['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == body
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]
    assert AuditEntry.objects.filter(action="document_uploaded").count() == 1
    assert AuditEntry.objects.filter(action="document_downloaded", actor=world.reader).count() == 1


def test_another_organisation_cannot_see_or_download(api, world):
    document_id = post(api(world.uploader), world, files.pdf()).json()["id"]
    outsider = api(world.outsider)
    assert outsider.get(f"{URL}{document_id}/download/").status_code == 404
    assert outsider.get(f"{URL}{document_id}/").status_code == 404
    assert outsider.get(URL).json()["count"] == 0


@pytest.mark.parametrize(("maker", "content_type"), [
    (files.docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (files.odt, "application/vnd.oasis.opendocument.text"),
    (lambda: b"Plain text notes.\n", "text/plain"),
])
def test_word_opendocument_and_text_are_recognised(api, maker, content_type):
    world = WORLDS["referral"]()
    response = post(api(world.uploader), world, maker(), name="pack.bin")
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == content_type


def test_images_are_refused_where_providers_read_staff_files(api):
    world = WORLDS["referral"]()
    response = post(api(world.uploader), world, files.PNG, name="pack.png")
    assert response.status_code == 400
    assert response.json()["code"] == "file_type_not_allowed"


def test_images_are_taken_as_evidence_from_a_provider(api):
    world = WORLDS["action_item"]()
    response = post(api(world.uploader), world, files.PNG, name="drill.png")
    assert response.status_code == 201, response.json()
    assert response.json()["content_type"] == "image/png"


def test_expires_on_only_on_certificates(api):
    world = WORLDS["application"]()
    response = post(api(world.uploader), world, files.pdf(), kind="equality_policy",
                    expires_on="2027-01-01")
    assert response.status_code == 400
    assert response.json()["fields"]["expires_on"]
    response = post(api(world.uploader), world, files.pdf(), kind="insurance",
                    expires_on="2027-01-01")
    assert response.status_code == 201
    assert response.json()["expires_on"] == "2027-01-01"
