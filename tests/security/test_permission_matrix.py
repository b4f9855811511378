"""The generated permission matrix: every API endpoint and page × every role × own / another
provider's / another authority's object. 0 leaks, no server errors. See tests/security/matrix.py
for how routes, roles and objects are found; run with `-s` to see the number of cells."""

import re
from collections import Counter
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from dps.models import Role
from tests.asserts import nothing_changes
from tests.security import matrix as m

pytestmark = pytest.mark.django_db

# The matrix must not shrink unnoticed (e.g. the walker stops finding the router's routes).
API_CELL_FLOOR = 1800
PAGE_CELL_FLOOR = 1500

# Reads of one's own object that legitimately answer 404 or 409 because the page or endpoint
# needs the object in a state the shared fixtures do not build (they are still checked for
# leaks and server errors; only "own → 2xx" is relaxed). Keep short, with a reason each.
STATE_DEPENDENT = {
    "api/v1/reports/exports/{}/download/",  # 409 until the export job has run
    "providers/applications/{}/decide/",  # 404 unless the application awaits a decision
    "monitoring/escalations/{}/",  # 404 unless the action item has been escalated
}

# Where API.md itself prescribes another answer than 404 for another organisation's object.
# Each is an accepted existence disclosure: the contract wins, and it is listed here.
CONTRACT_EXCEPTIONS = {
    # "403 `not_invited`" for a provider not invited to the call-off (after body validation,
    # so an empty body is 400 first).
    ("api/v1/opportunities/{}/eois/", "post"): {400, 403},
    ("api/v1/opportunities/{}/questions/", "post"): {400, 403},
}

TOTALS = Counter()


@dataclass
class Cell:
    route: str
    method: str
    role: str
    ownership: str | None
    expected: str  # "allow", "401", "login", "403", "404"
    status: int
    verdict: str  # "ok", "leak", "error", "mismatch"

    def __str__(self):
        return (f"{self.verdict.upper()}: {self.method.upper()} /{self.route} as {self.role}"
                f" ({self.ownership or 'no object'}): expected {self.expected}, got "
                f"{self.status}")


def _clients(world, api):
    clients = {}
    for role, user in world.users.items():
        if api:
            client = APIClient()
            if user is not None:
                client.force_authenticate(user)
        else:
            client = Client()
            if user is not None:
                client.force_login(user)
        client.raise_request_exception = False
        clients[role] = client
    return clients


def _expected(allowed, role, ownership, parties, api):
    if allowed == m.PUBLIC:
        return "allow"
    if role == m.ANONYMOUS:
        return "401" if api else "login"
    if role not in allowed:
        return "403"
    if ownership is not None and not m.visible(parties, role, ownership):
        return "404"
    return "allow"


def _validation_error(response):
    try:
        return response.status_code == 400 and response.json().get("code") == "invalid"
    except ValueError:
        return False


def _judge(expected, method, response, api, relaxed, exception=None):
    status = response.status_code
    if status >= 500:
        return "error"
    location = response.get("Location", "") if 300 <= status < 400 else ""
    to_sign_in = location.startswith(resolve_url(settings.LOGIN_URL))
    if expected == "allow":
        if method in m.UNSAFE:
            return "ok"  # an empty body may be refused by a business rule: not a server error
        if api:
            good = 200 <= status < 300
        else:
            good = status in (200, 405) or (300 <= status < 400 and not to_sign_in)
        if not good and relaxed and status in (404, 409):
            good = True
        if not good and api and _validation_error(response):
            good = True  # past the role and scope gates, stopped by a required query parameter
        return "ok" if good else "mismatch"
    # A forbidden cell: anything that is not a refusal is a leak.
    if expected == "login" and to_sign_in:
        return "ok"
    if status < 400:
        return "leak"
    wanted = {"401": {401}, "login": set(), "403": {403}, "404": {404}}[expected]
    if not api:
        wanted = wanted | {405}  # a POST-only page refuses GET before anything else
    if status in wanted or (exception and status in exception):
        return "ok"
    if expected == "404" and status == 403:
        return "leak"  # another organisation's object told apart from a missing one
    return "mismatch"


def _values(route, built):
    """Path parameter values for `route` with its object `built` (None: no object)."""
    values = {}
    if built is None:
        if route.template in m.PUBLIC_ROUTES:
            # A public link that carries its own token (a password reset): a made-up one,
            # which the page must answer without a server error.
            return {name: "made-up" for name in route.params}
        return values
    lookup = getattr(route.cls, "lookup_field", "pk") if route.is_api else "pk"
    values[route.object_param] = getattr(built.obj, lookup)
    for name in route.params:
        if name != route.object_param:
            if name not in built.extras:
                raise LookupError(f"/{route.pattern}: no value for the path parameter `{name}`;"
                                  f" add it to the builder's extras in tests/security/matrix.py")
            values[name] = built.extras[name]
    return values


def _request(client, method, path, api):
    if method == "get":
        return client.get(path)
    if api:
        return getattr(client, method)(path, {}, format="json")
    return getattr(client, method)(path, {})


def _cell(ctx, route, method, allowed, role, ownership, built):
    clients, parties, api, cells = ctx
    path = route.path(_values(route, built))
    expected = _expected(allowed, role, ownership, parties, api)
    if method in m.UNSAFE:
        # Roll back whatever an allowed write does, so cells stay independent.
        savepoint = transaction.savepoint()
        response = _request(clients[role], method, path, api)
        transaction.savepoint_rollback(savepoint)
    else:
        response = _request(clients[role], method, path, api)
    verdict = _judge(expected, method, response, api, route.template in STATE_DEPENDENT,
                     CONTRACT_EXCEPTIONS.get((route.template, method)))
    cells.append(Cell(route.template, method, role, ownership, expected, response.status_code,
                      verdict))


def run_matrix(world, selected, api):
    """Every cell of `selected` routes; returns the list of Cells."""
    clients = _clients(world, api)
    cells = []
    for route in selected:
        model = m.route_model(route)
        builder = m.BUILDERS.get(model) if model else None
        objects = world.objects(model) if builder else {None: None}
        ctx = (clients, builder.parties if builder else (), api, cells)
        for method in route.methods():
            allowed = m.api_roles(route, method) if api else m.page_roles(route)
            if allowed == m.PUBLIC and method != "get":
                continue  # public writes (token, register, sign-out): their own tests
            every = [(role, ownership, built) for role in m.ROLES
                     for ownership, built in objects.items()]
            if method in m.UNSAFE:
                # Refused writes change nothing (allowed ones were rolled back above).
                with nothing_changes():
                    for role, ownership, built in every:
                        _cell(ctx, route, method, allowed, role, ownership, built)
            else:
                for role, ownership, built in every:
                    _cell(ctx, route, method, allowed, role, ownership, built)
    return cells


def _report(cells, kind):
    bad = [cell for cell in cells if cell.verdict != "ok"]
    counts = Counter(cell.verdict for cell in cells)
    TOTALS[f"{kind} cells"] += len(cells)
    TOTALS["leaks"] += counts["leak"]
    TOTALS["server errors"] += counts["error"]
    TOTALS["mismatches"] += counts["mismatch"]
    print(f"\n{kind}: {len(cells)} matrix cells checked, {counts['leak']} leaks, "
          f"{counts['error']} server errors, {counts['mismatch']} mismatches")
    return bad


@pytest.fixture
def world(db, settings):
    # Roles and scoping are under test here, not two-factor sign-in (tests/security/
    # test_two_factor.py): signed-in staff are taken as verified.
    settings.STAFF_TWO_FACTOR = False
    return m.World()


def api_routes():
    return [route for route in m.routes() if route.is_api]


def page_routes():
    return [route for route in m.routes() if not route.is_api]


def test_every_detail_route_has_an_object_builder():
    """A new endpoint or page on an object nobody can build fails here, named."""
    missing = []
    for route in m.routes():
        if route.object_param is None or route.template in m.PUBLIC_ROUTES:
            continue
        model = m.route_model(route)
        if model is None:
            missing.append(f"/{route.pattern} ({route.name}): cannot tell which model "
                           f"`{route.object_param}` names; add its prefix to PAGE_PREFIX_MODELS"
                           if not route.is_api else
                           f"/{route.pattern} ({route.name}): the view set has no `queryset`")
        elif model not in m.BUILDERS:
            missing.append(f"/{route.pattern} ({route.name}): no builder for "
                           f"{model.__name__}; add one to BUILDERS in tests/security/matrix.py")
    assert not missing, "\n".join(missing)


def test_every_schema_operation_is_in_the_matrix():
    """The OpenAPI schema and the URL resolver agree: no operation escapes the matrix."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    in_matrix = {(route.template, method) for route in api_routes()
                 for method in route.methods()}
    missing = []
    for path, operations in schema["paths"].items():
        template = re.sub(r"\{[^}]+\}", "{}", path.lstrip("/"))
        for method in operations:
            if method in ("get", "post", "put", "patch", "delete") and \
                    (template, method) not in in_matrix:
                missing.append(f"{method.upper()} {path}")
    assert not missing, "in the schema but not in the matrix:\n" + "\n".join(missing)
    assert len(in_matrix) > 100


def test_api_matrix(world):
    cells = run_matrix(world, api_routes(), api=True)
    bad = _report(cells, "API")
    assert not bad, "\n".join(map(str, bad))
    assert len(cells) >= API_CELL_FLOOR


def test_page_matrix(world):
    cells = run_matrix(world, page_routes(), api=False)
    bad = _report(cells, "page")
    assert not bad, "\n".join(map(str, bad))
    assert len(cells) >= PAGE_CELL_FLOOR


def test_django_admin_is_closed_to_every_role(world):
    for role, user in world.users.items():
        client = Client()
        if user is not None:
            client.force_login(user)
        response = client.get("/admin/")
        TOTALS["page cells"] += 1
        assert response.status_code == 302, role
        assert "/admin/login/" in response["Location"], role


def test_the_matrix_finds_a_leak_when_scoping_is_removed(world, monkeypatch):
    """The matrix can fail: drop the authority scoping of fee changes and it reports leaks."""
    import contracts.api.views as views

    monkeypatch.setattr(views, "for_authority", lambda queryset, user, field="authority":
                        queryset)
    selected = [route for route in api_routes() if route.template.startswith(
        "api/v1/fee-changes/")]
    assert selected
    cells = run_matrix(world, selected, api=True)
    leaks = {(cell.role, cell.ownership) for cell in cells if cell.verdict == "leak"}
    assert (Role.COMMISSIONER.value, m.OTHER_AUTHORITY) in leaks


def test_the_page_matrix_finds_a_leak_when_scoping_is_removed(world, monkeypatch):
    """Pages too: let the placement page load any placement and the matrix reports leaks."""
    import contracts.views as views
    from contracts.models import Placement

    monkeypatch.setattr(views, "_own_placement", lambda request, pk: views.get_object_or_404(
        views._with_provider(Placement.objects.all()), pk=pk))
    selected = [route for route in page_routes() if route.template == "placements/{}/"]
    assert selected
    cells = run_matrix(world, selected, api=False)
    leaks = {(cell.role, cell.ownership) for cell in cells if cell.verdict == "leak"}
    assert (Role.COMMISSIONER.value, m.OTHER_AUTHORITY) in leaks


def test_zz_summary():
    """Printed with -s: the figure the closing note quotes."""
    total = TOTALS["API cells"] + TOTALS["page cells"]
    print(f"\nPermission matrix: {total} matrix cells checked "
          f"({TOTALS['API cells']} API, {TOTALS['page cells']} pages), {TOTALS['leaks']} leaks, "
          f"{TOTALS['server errors']} server errors")
    if not TOTALS["API cells"]:
        pytest.skip("the matrix tests did not run in this session")
    assert total >= API_CELL_FLOOR + PAGE_CELL_FLOOR
    assert TOTALS["leaks"] == 0
