"""The documents pages: attach through the form (the same service as the API), download
through the access-checked view, and the object pages' Documents sections."""

import pytest
from django.urls import reverse

from documents.models import Document
from tests import factories as f
from tests.documents import files
from tests.documents.worlds import WORLDS

pytestmark = pytest.mark.django_db


def _page(world):
    return reverse(f"documents:{world.attached_to}", args=[world.obj.pk])


def test_a_provider_attaches_its_insurance_certificate_to_its_application(client):
    world = WORLDS["application"]()
    client.force_login(world.uploader)
    response = client.post(_page(world), {
        "file": files.upload(files.pdf(), "insurance.pdf"), "kind": "insurance",
        "expires_on_day": "31", "expires_on_month": "3", "expires_on_year": "2030"})
    assert response.status_code == 302, response.content.decode()[:2000]
    document = Document.objects.get()
    assert (document.kind, str(document.expires_on)) == ("insurance", "2030-03-31")
    page = client.get(_page(world))
    assert "insurance.pdf" in page.content.decode()
    assert "not scanned for malware" in page.content.decode()


def test_the_form_shows_a_refusal_next_to_the_file(client):
    world = WORLDS["referral"]()
    client.force_login(world.uploader)
    response = client.post(_page(world), {"file": files.upload(files.EXE, "pack.pdf"),
                                          "kind": "referral_pack"})
    assert response.status_code == 400
    assert "File type not allowed" in response.content.decode()
    assert not Document.objects.exists()


def test_the_administrator_opens_it_from_the_decision_page(client, api):
    application = f.AwaitingDecisionApplicationFactory()
    world = WORLDS["application"]()
    world.obj, world.uploader = application, f.ProviderUserFactory(
        organisation=application.provider)
    api(world.uploader).post("/api/v1/documents/", {
        "file": files.upload(files.pdf(), "insurance.pdf"), "attached_to": "application",
        "object": world.obj.pk, "kind": "insurance"}, format="multipart")
    client.force_login(world.reader)
    page = client.get(reverse("providers:decide", args=[world.obj.pk]))
    assert page.status_code == 200
    document = Document.objects.get()
    link = reverse("documents:download", args=[document.pk])
    assert link in page.content.decode()
    download = client.get(link)
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="insurance.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download["Cache-Control"]


def test_a_provider_not_invited_cannot_open_the_page_or_the_file(client, api):
    world = WORLDS["referral"]()
    response = api(world.uploader).post("/api/v1/documents/", {
        "file": files.upload(files.pdf(), "pack.pdf"), "attached_to": "referral",
        "object": world.obj.pk, "kind": "referral_pack"}, format="multipart")
    client.force_login(world.outsider)
    assert client.get(_page(world)).status_code == 404
    assert client.get(reverse("documents:download",
                              args=[response.json()["id"]])).status_code == 404


def test_an_invited_provider_reads_but_cannot_attach(client, api):
    world = WORLDS["referral"]()
    client.force_login(world.reader)
    page = client.get(_page(world))
    assert page.status_code == 200
    assert "Attach a document" not in page.content.decode()
    response = client.post(_page(world), {"file": files.upload(files.pdf()),
                                          "kind": "referral_pack"})
    assert response.status_code == 403


def test_the_uploader_deletes_a_draft_applications_file(client):
    world = WORLDS["application"]()
    client.force_login(world.uploader)
    client.post(_page(world), {"file": files.upload(files.pdf(), "x.pdf"), "kind": "other"})
    document = Document.objects.get()
    response = client.post(reverse("documents:delete", args=[document.pk]))
    assert response.status_code == 302
    assert not Document.objects.exists()


def test_the_documents_page_query_count_does_not_grow(client, api, django_assert_max_num_queries):
    world = WORLDS["placement"]()
    for _ in range(5):
        api(world.uploader).post("/api/v1/documents/", {
            "file": files.upload(files.pdf("Care plan."), "plan.pdf"),
            "attached_to": "placement", "object": world.obj.pk,
            "kind": "care_plan_summary"}, format="multipart")
    client.force_login(world.reader)
    with django_assert_max_num_queries(12):
        assert client.get(_page(world)).status_code == 200


def test_an_opportunity_without_documents_sends_nobody_to_an_empty_page(client, api):
    world = WORLDS["referral"]()
    calloff = world.obj.calloff
    client.force_login(world.reader)
    opportunity = client.get(reverse("calloffs:opportunity", args=[calloff.pk])).content.decode()
    assert "No documents" in opportunity
    assert _page(world) not in opportunity
    api(world.uploader).post("/api/v1/documents/", {
        "file": files.upload(files.pdf(), "pack.pdf"), "attached_to": "referral",
        "object": world.obj.pk, "kind": "referral_pack"}, format="multipart")
    opportunity = client.get(reverse("calloffs:opportunity", args=[calloff.pk])).content.decode()
    assert "pack.pdf" in opportunity
    assert f'href="{_page(world)}"' in opportunity
