"""The hostile shapes of tests/security/test_fuzz_bad_input.py, and how they find their targets.

Targets are never a hand list: API operations, their query parameters and request-body fields
come from the OpenAPI schema; pages and API routes from the URL resolver (tests/security/
matrix.py); and the query and form parameters a page (or an API view) reads are recorded while
it answers a plain request, by a QueryDict that notes every key asked for.
"""

import contextlib
import json
import re

import django.core.handlers.wsgi
import django.http.request
from django.http import QueryDict

from dps.models import Role
from tests.security import matrix as m

NUL = "\x00"
HUGE = 10**30
HUGE_TEXT = str(HUGE)
SENTINEL = 987654321  # replaced by a literal the json module cannot write (1e400)
DEEP = 100_000
DEEP_JSON = "[" * DEEP + "]" * DEEP
DATES = ("9999-12-31", "0001-01-01")
DATE_PARTS = ({"day": "31", "month": "12", "year": "9999"},
              {"day": "1", "month": "1", "year": "1"},
              {"day": "1", "month": "1", "year": HUGE_TEXT})
# Names that carry a date though the schema types them as plain strings.
DATE_NAMES = re.compile(r"(^|_)(from|to|date|on|at|start|end|until|as_of|due)$")
# Keys read by the machinery around every request (CSRF; DRF's `?format=` override), not by
# the view: probed where the schema declares them, not on every operation.
INFRASTRUCTURE_KEYS = {"csrfmiddlewaretoken", "format"}
PREFERENCE = (Role.DPS_ADMIN.value, Role.COMMISSIONER.value, Role.BUDGET_HOLDER.value,
              Role.FINANCE.value, Role.PROVIDER.value)


# --- Who calls a route, on what --------------------------------------------------------------

def caller(allowed):
    """The role that may call a route (the DPS administrator when it may: it sees every
    object), m.ANONYMOUS for a public route, None when no role may."""
    if allowed == m.PUBLIC:
        return m.ANONYMOUS
    return next((role for role in PREFERENCE if role in allowed), None)


def path_values(route, world):
    """{param: value} for the route's path, naming the caller's own objects."""
    model = m.route_model(route)
    if model is None or model not in m.BUILDERS:
        return {name: 1 for name in route.params}
    built = world.objects(model)[m.OWN]
    lookup = getattr(route.cls, "lookup_field", "pk") if route.is_api else "pk"
    values = {name: built.extras.get(name, 1) for name in route.params}
    values[route.object_param] = getattr(built.obj, lookup)
    return values


# --- Recording the parameters a view reads ---------------------------------------------------

class RecordingQueryDict(QueryDict):
    """A QueryDict that notes each key a view asks for (forms, filters and serializers all
    ask through these methods), in its class's `read` set."""

    read = None  # the set being filled, while recording

    def _note(self, key):
        if type(self).read is not None and isinstance(key, str):
            type(self).read.add(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)


class RecordingGet(RecordingQueryDict):
    """request.GET (built in django.core.handlers.wsgi)."""


class RecordingPost(RecordingQueryDict):
    """A url-encoded request.POST (built in django.http.request)."""


@contextlib.contextmanager
def recording():
    """Within it, request.GET and url-encoded request.POST note the keys read: yields
    {"get": keys, "post": keys}."""
    read = {"get": set(), "post": set()}
    saved = (django.core.handlers.wsgi.QueryDict, django.http.request.QueryDict)
    django.core.handlers.wsgi.QueryDict = RecordingGet
    django.http.request.QueryDict = RecordingPost
    RecordingGet.read, RecordingPost.read = read["get"], read["post"]
    try:
        yield read
    finally:
        RecordingGet.read = RecordingPost.read = None
        django.core.handlers.wsgi.QueryDict, django.http.request.QueryDict = saved
        for keys in read.values():
            keys -= INFRASTRUCTURE_KEYS


def date_groups(keys):
    """GOV.UK date inputs among form keys: {"date_from": ["date_from_day", ...]}."""
    groups = {}
    for key in keys:
        match = re.fullmatch(r"(.+)_(day|month|year)", key)
        if match:
            groups.setdefault(match[1], set()).add(match[2])
    return {name: parts for name, parts in groups.items() if parts >= {"day", "month", "year"}}


# --- The schema ------------------------------------------------------------------------------

def schema_operations(schema):
    """{(route template, method): operation} for every operation in the schema."""
    found = {}
    for path, operations in schema["paths"].items():
        template = re.sub(r"\{[^}]+\}", "{}", path.lstrip("/"))
        for method, operation in operations.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found[template, method] = operation
    return found


def resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        target = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def query_parameters(operation):
    """[(name, kind)] with kind "date", "number", "boolean" or "text"."""
    found = []
    for parameter in operation.get("parameters", []):
        if parameter.get("in") != "query":
            continue
        found.append((parameter["name"], kind_of(parameter["name"], parameter.get("schema",
                                                                                    {}))))
    return found


def kind_of(name, node):
    node_type = node.get("type")
    if node.get("format") in ("date", "date-time"):
        return "date"
    if node_type in ("integer", "number") or node.get("format") == "decimal":
        return "number"
    if node_type == "boolean":
        return "boolean"
    if node_type == "string" and DATE_NAMES.search(name) and not node.get("enum"):
        return "date"
    return "text"


def body_leaves(schema, operation):
    """[(path, kind)] for each scalar field of the JSON request body, nested ones included:
    path is a list of keys and list indexes (["lines", 0, "from"])."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return []
    leaves = []

    def walk(node, path, depth):
        node = resolve(schema, node)
        if depth > 6 or not isinstance(node, dict) or node.get("readOnly"):
            return
        for combined in ("allOf", "anyOf", "oneOf"):
            for part in node.get(combined, []):
                walk(part, path, depth + 1)
        if node.get("type") == "object" or "properties" in node:
            for name, sub in node.get("properties", {}).items():
                walk(sub, [*path, name], depth + 1)
        elif node.get("type") == "array":
            walk(node.get("items", {}), [*path, 0], depth + 1)
        elif path and node.get("format") != "binary":
            leaf = (path, kind_of(str(path[-1]), node))
            if leaf not in leaves:
                leaves.append(leaf)

    walk(content["application/json"].get("schema", {}), [], 0)
    return leaves


def body_with(path, value):
    """The smallest JSON body holding `value` at `path`."""
    for key in reversed(path):
        value = [value] if isinstance(key, int) else {key: value}
    return value


def dotted(path):
    return ".".join(str(key) for key in path)


def as_json(value):
    return json.dumps(value)
