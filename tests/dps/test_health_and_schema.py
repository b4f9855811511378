"""/healthz, the OpenAPI schema and the browsable docs."""

import re

import pytest
from django.db import OperationalError
from rest_framework.routers import DefaultRouter

from dps import health
from workspace.urls import router

pytestmark = pytest.mark.django_db


def _router_paths():
    """{"/api/v1/…/{}/": {"get", "post", …}} for every route the router registered."""
    paths = {}
    for prefix, viewset, _basename in router.registry:
        lookup = getattr(viewset, "lookup_url_kwarg", None) or \
            getattr(viewset, "lookup_field", "pk")
        for route in router.get_routes(viewset):
            methods = DefaultRouter.get_method_map(router, viewset, route.mapping)
            if not methods:
                continue
            url = route.url.format(prefix=prefix, lookup=f"{{{lookup}}}",
                                   trailing_slash="/", url_path=getattr(route, "url_path", ""))
            paths[_normalise("/api/v1/" + url.strip("^$"))] = set(methods)
    return paths


def _normalise(path):
    # Parameter names differ ({pk} or (?P<qid>…) in the router, {id} in the schema); their
    # places do not.
    return re.sub(r"\{[^}]+\}|\(\?P<[^>]+>[^)]*\)", "{}", path)


@pytest.fixture
def schema(anon):
    response = anon.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_healthz_answers_anonymous_callers(anon):
    response = anon.get("/healthz")
    assert response.status_code == 200
    # The test settings run Celery eagerly.
    assert response.json() == {"status": "ok", "database": "ok", "queue": "eager"}


def test_healthz_reports_the_queue_ok_when_tasks_go_to_a_worker(anon, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.REDIS_URL = ""
    assert anon.get("/healthz").json() == {"status": "ok", "database": "ok", "queue": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(anon, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health.connection, "cursor", refuse)
    response = anon.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] != "ok"
    assert response.json()["status"] != "ok"


def test_schema_is_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["version"]


def test_schema_documents_every_router_path_and_method(schema):
    documented = {_normalise(path): {m for m in ops if m != "parameters"}
                  for path, ops in schema["paths"].items()}
    expected = _router_paths()
    assert expected, "the router registered nothing?"
    for path, methods in expected.items():
        assert path in documented, f"{path} is missing from the schema"
        assert methods <= documented[path], f"{path}: {methods - documented[path]} missing"


@pytest.mark.parametrize("path", ["/api/v1/auth/token/", "/api/v1/providers/register/"])
def test_schema_documents_the_auth_endpoints_with_a_request_body(schema, path):
    assert "requestBody" in schema["paths"][path]["post"]


@pytest.mark.parametrize("path", ["/api/v1/applications/{id}/", "/api/v1/memberships/{id}/",
                                  "/api/v1/organisations/{id}/", "/api/v1/rounds/{id}/"])
def test_schema_types_resource_ids_as_integers(schema, path):
    parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
    assert parameters["id"]["schema"]["type"] == "integer"


@pytest.mark.parametrize(("path", "action"), [
    ("/api/v1/applications/", "post"),
    ("/api/v1/applications/{id}/decide/", "post"),
    ("/api/v1/memberships/{id}/suspend/", "post"),
    ("/api/v1/rounds/", "post"),
])
def test_schema_documents_request_and_response_bodies(schema, path, action):
    operation = schema["paths"][path][action]
    assert "requestBody" in operation
    assert any(code.startswith("2") for code in operation["responses"])


def test_docs_page_renders(anon):
    response = anon.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
