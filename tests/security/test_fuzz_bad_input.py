"""Bad input is never a server error (issue 13): hostile shapes sent to every API operation and
every page that takes parameters, found from the schema and the URL resolver, never listed.

The shapes: a NUL character in each query parameter, path parameter, header, form field and
JSON body field (400, the API naming the field in `fields`); JSON nested 100,000 deep (400);
dates in year 9999 and year 1 in each date parameter and body field, alone and as a range (400
on the API, naming the field; never a 5xx on pages); 10^30 and 1e400 in each number. The
parameters a page reads are recorded while it answers a plain request (tests/security/
hostile.py), so a new filter is fuzzed by itself. Run with `-s` for the figures.
"""

import functools
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.security import hostile as h
from tests.security import matrix as m

pytestmark = pytest.mark.django_db

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = h.schema_operations(SCHEMA)
FORM = "application/x-www-form-urlencoded"
RUN = Counter()

# Where a hostile shape legitimately answers otherwise than the rule below says, with the
# reason. Keep empty if you can: each entry is a hole in the class.
EXCEPTIONS = {}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Every builder's objects, own and others', once for the module (rolled back at the
    end); each hostile request runs in a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        built = m.World()
        for model in m.BUILDERS:
            built.objects(model)
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


class Prober:
    """Sends requests as a route's caller, each in a savepoint, and keeps every verdict."""

    def __init__(self, world):
        self.world = world
        self.clients = {}
        self.failures = []

    def client(self, role, api):
        if (role, api) not in self.clients:
            client = APIClient() if api else Client()
            user = self.world.users[role]
            if user is not None:
                client.force_authenticate(user) if api else client.force_login(user)
            client.raise_request_exception = False
            self.clients[role, api] = client
        return self.clients[role, api]

    def send(self, role, api, method, path, query=None, body=None, content_type=None):
        client = self.client(role, api)
        if query:
            path = f"{path}?{urlencode(query, doseq=True)}"
        savepoint = transaction.savepoint()
        try:
            if body is None:
                return client.generic(method.upper(), path)
            return client.generic(method.upper(), path, body, content_type=content_type)
        finally:
            transaction.savepoint_rollback(savepoint)
            cache.clear()  # throttles (sign-in, registration) must not stop the probes

    def expect(self, family, label, response, refused=False, field=None, api=True):
        """No 5xx ever; with `refused`, a 400 (the API's `invalid`, naming `field`)."""
        RUN[family] += 1
        status = response.status_code
        problem = None
        if status >= 500:
            problem = f"server error {status}"
        elif refused and status != 400:
            problem = f"{status}, not 400"
        elif refused and api:
            body = response.json() if response["Content-Type"].startswith(
                "application/json") else {}
            if body.get("code") != "invalid":
                problem = f"400 without code `invalid`: {body}"
            elif field is not None and field not in body.get("fields", {}):
                problem = f"400 not naming `{field}`: {body.get('fields')}"
        if problem and label not in EXCEPTIONS:
            RUN[f"{family} failing"] += 1
            self.failures.append(f"{family}: {label}: {problem}")

    def check(self):
        assert not self.failures, f"{len(self.failures)} failing:\n" + "\n".join(self.failures)


@pytest.fixture
def prober(world, settings):
    settings.STAFF_TWO_FACTOR = False  # signed-in staff taken as verified: input is under test
    return Prober(world)


def api_calls():
    """(route, method, operation, role) for every schema operation some role may call."""
    for route in m.routes():
        if not route.is_api:
            continue
        for method in route.methods():
            operation = OPERATIONS.get((route.template, method))
            role = h.caller(m.api_roles(route, method)) if operation else None
            if role is not None:
                yield route, method, operation, role


def page_calls():
    for route in m.routes():
        if not route.is_api:
            role = h.caller(m.page_roles(route))
            if role is not None:
                yield route, role


# --- API -------------------------------------------------------------------------------------

def test_every_api_query_parameter(prober, world):
    for route, method, operation, role in api_calls():
        if method != "get":
            continue
        path = route.path(h.path_values(route, world))
        with h.recording() as recorded:
            prober.expect("api query", f"GET {path}", prober.send(role, True, "get", path))
        read = recorded["get"]
        declared = h.query_parameters(operation)
        names = {name for name, _ in declared}
        parameters = declared + [(name, "text") for name in sorted(read - names)]
        if not parameters:
            continue
        RUN["api operations with query parameters"] += 1
        RUN["api query parameters"] += len(parameters)
        for name, kind in parameters:
            label = f"GET {route.template} ?{name}="
            prober.expect("NUL", f"{label}NUL", prober.send(role, True, "get", path,
                                                            {name: h.NUL}), True, name)
            if kind == "date":
                for day in h.DATES:
                    prober.expect("date", f"{label}{day}", prober.send(
                        role, True, "get", path, {name: day}), True, name)
            else:
                for value in (h.HUGE_TEXT, f"-{h.HUGE_TEXT}", "1e400"):
                    prober.expect("number", f"{label}{value}", prober.send(
                        role, True, "get", path, {name: value}))
        dates = [name for name, kind in declared if kind == "date"]
        if len(dates) >= 2:  # a range wholly in year 9999
            prober.expect("date", f"GET {route.template} range in 9999", prober.send(
                role, True, "get", path, dict.fromkeys(dates, h.DATES[0])), True)
        prober.expect("NUL", f"GET {route.template} NUL in a name", prober.send(
            role, True, "get", path, {f"a{h.NUL}": "1"}), True)
    prober.check()
    assert RUN["api operations with query parameters"] >= 40


def _send_body(prober, role, method, path, body, content_type="application/json"):
    return prober.send(role, True, method, path, body=body, content_type=content_type)


def test_every_api_request_body(prober, world):
    for route, method, operation, role in api_calls():
        if "requestBody" not in operation:
            continue
        RUN["api operations with bodies"] += 1
        path = route.path(h.path_values(route, world))
        label = f"{method.upper()} {route.template}"
        send = functools.partial(_send_body, prober, role, method, path)
        prober.expect("deep JSON", f"{label} 100,000 deep", send(h.DEEP_JSON), True, "body")
        prober.expect("NUL", f"{label} NUL key", send(h.as_json({h.NUL: 1})), True)
        leaves = h.body_leaves(SCHEMA, operation)
        RUN["api body fields"] += len(leaves)
        for leaf, kind in leaves:
            name = h.dotted(leaf)
            prober.expect("NUL", f"{label} {name}=NUL", send(h.as_json(h.body_with(
                leaf, h.NUL))), True, name)
            if kind == "date":
                for day in h.DATES:
                    prober.expect("date", f"{label} {name}={day}", send(h.as_json(h.body_with(
                        leaf, day))), True, name)
            elif kind == "number":
                for value in (h.HUGE, -h.HUGE, h.HUGE_TEXT):
                    prober.expect("number", f"{label} {name}={value}", send(h.as_json(
                        h.body_with(leaf, value))))
                prober.expect("number", f"{label} {name}=1e400", send(h.as_json(h.body_with(
                    leaf, h.SENTINEL)).replace(str(h.SENTINEL), "1e400")), True, name)
        top = next((str(leaf[0]) for leaf, _ in leaves), "name")
        prober.expect("NUL", f"{label} form {top}=NUL", send(urlencode({top: h.NUL}), FORM),
                      True, top)
        prober.expect("NUL", f"{label} multipart {top}=NUL", send(
            encode_multipart(BOUNDARY, {top: h.NUL}), MULTIPART_CONTENT), True, top)
    prober.check()
    assert RUN["api operations with bodies"] >= 60


def test_every_path_parameter(prober, world):
    """NUL in a path segment is refused; a 10^30 id is not found, never a server error."""
    for route in m.routes():
        if not route.params or route.template in m.PUBLIC_ROUTES:
            continue
        methods = route.methods() if route.is_api else ["get"]
        allowed = [(method, h.caller(m.api_roles(route, method) if route.is_api else
                                     m.page_roles(route))) for method in methods]
        allowed = [(method, role) for method, role in allowed if role is not None]
        if not allowed:
            continue
        RUN["routes with path parameters"] += 1
        values = h.path_values(route, world)
        for name in route.params:
            for method, role in allowed:
                label = f"{method.upper()} /{route.template} {name}="
                nul = route.path({**values, name: "%00"})
                prober.expect("NUL", f"{label}NUL", prober.send(role, route.is_api, method,
                                                                nul), True, "path",
                              api=route.is_api)
                huge = route.path({**values, name: h.HUGE_TEXT})
                prober.expect("number", f"{label}10^30", prober.send(role, route.is_api,
                                                                     method, huge))
    prober.check()


# --- Pages -----------------------------------------------------------------------------------

def _typed_page_probes(prober, role, method, path, label, keys):
    groups = h.date_groups(keys)
    parts = {f"{group}_{part}" for group in groups for part in ("day", "month", "year")}
    for group in sorted(groups):
        for day in h.DATE_PARTS:
            data = {f"{group}_{part}": value for part, value in day.items()}
            prober.expect("date", f"{label} {group}={day['year']}", _page(
                prober, role, method, path, data), api=False)
    for key in sorted(keys - parts):
        values = [h.HUGE_TEXT] + ([h.DATES[0]] if h.DATE_NAMES.search(key) else [])
        for value in values:
            family = "date" if value == h.DATES[0] else "number"
            prober.expect(family, f"{label} {key}={value}", _page(prober, role, method, path,
                                                                  {key: value}), api=False)


def _page(prober, role, method, path, data):
    if method == "get":
        return prober.send(role, False, "get", path, data)
    return prober.send(role, False, "post", path, body=urlencode(data), content_type=FORM)


def test_every_page_parameter(prober, world):
    """Each query parameter a page reads (and `q`), and each field its form posts."""
    for route, role in page_calls():
        path = route.path(h.path_values(route, world))
        for method in ("get", "post"):
            label = f"{method.upper()} /{route.template}"
            with h.recording() as recorded:
                plain = _page(prober, role, method, path, {})
            read = recorded[method]
            if plain.status_code == 405:
                continue
            prober.expect("page", f"{label} plain", plain, api=False)
            keys = read | ({"q"} if method == "get" else set())
            RUN[f"page {method} parameters"] += len(keys)
            if read:
                RUN[f"pages reading {method} parameters"] += 1
            for key in sorted(keys):
                prober.expect("NUL", f"{label} {key}=NUL", _page(
                    prober, role, method, path, {key: h.NUL}), True, api=False)
            if method == "post" and read:
                prober.expect("NUL", f"{label} multipart NUL", prober.send(
                    role, False, "post", path, body=encode_multipart(
                        BOUNDARY, {min(read): h.NUL}), content_type=MULTIPART_CONTENT),
                    True, api=False)
            _typed_page_probes(prober, role, method, path, label, read)
    prober.check()
    assert RUN["pages reading get parameters"] >= 5
    assert RUN["pages reading post parameters"] >= 40


def summary():
    requests = sum(RUN[family] for family in FAMILIES)
    failing = sum(RUN[f"{family} failing"] for family in FAMILIES)
    return (f"{RUN['api operations with query parameters']} API operations with query "
            f"parameters ({RUN['api query parameters']} parameters), "
            f"{RUN['api operations with bodies']} with request bodies "
            f"({RUN['api body fields']} fields), {RUN['routes with path parameters']} routes "
            f"with path parameters, {RUN['pages reading get parameters']} pages reading query "
            f"parameters and {RUN['pages reading post parameters']} posting forms "
            f"({RUN['page get parameters'] + RUN['page post parameters']} parameters): "
            f"{requests} hostile requests (" + ", ".join(
                f"{RUN[family]} {family}" for family in FAMILIES if family != "page") +
            f"), {failing} failing")


FAMILIES = ("NUL", "deep JSON", "date", "number", "api query", "page")


def test_zz_bad_input_summary():
    """Printed with -s (and in the terminal summary): the figures of the run."""
    print(f"\nBad input: {summary()}")
    if not RUN["NUL"]:
        pytest.skip("the bad-input fuzz tests did not run in this session")
    assert sum(RUN[f"{family} failing"] for family in FAMILIES) == 0
