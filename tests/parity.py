"""Page/API parity (issue 13): every page action that accepts POST, and the API operation that
does the same through the same service — or the written reason why the API has none.

The page routes come from Django's URL resolver (tests/security/matrix.py walks it), so a new
page that accepts POST fails tests/security/test_parity.py until it is added to ACTIONS below.
A page "accepts POST" when its view (or a project function it hands the request to) reads
`request.POST` / `request.FILES`, compares `request.method` with "POST" or is wrapped in
`require_POST` / `require_http_methods([... "POST"])`; a class-based view when it has `post`.
Each named operation ("METHOD /api/v1/…/{id}/…", spelled as in the OpenAPI schema) must exist
in the schema.
"""

import dis
import inspect
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Api:
    """The API operations that do what the page action does."""

    operations: tuple


@dataclass(frozen=True)
class NoApi:
    """Why the API has no operation for the page action."""

    reason: str


def api(*operations):
    return Api(tuple(operations))


CHECK_STEP = ("A check-your-answers page (dps.confirm): it validates the form's shape, shows the "
              "answers and changes nothing; its button posts them to the action's own page, "
              "whose API twin is listed under that page.")

BROWSER_SESSION = ("The browser session's own step: API clients authenticate with a token "
                   "(POST /api/v1/auth/token/), which this step does not guard.")

# Page route name → its API operation(s), or why there is none.
ACTIONS = {
    # --- Signing in and accounts ---
    "login": api("POST /api/v1/auth/token/"),
    "logout": api("DELETE /api/v1/auth/token/"),
    "two-factor-setup": NoApi(BROWSER_SESSION),
    "two-factor-verify": NoApi(BROWSER_SESSION),
    "set-password": NoApi(
        "A one-time link e-mailed to an invited person who has no password yet, so no token "
        "either; the link's own token is the credential (issue 8)."),
    "password-reset": NoApi(
        "Asked for by a person who cannot sign in, so has no token; the link goes to their "
        "e-mail address. API clients use their account's password (POST /api/v1/auth/token/)."),
    "password-reset-confirm": NoApi(
        "The e-mailed reset link's own page: its token is the credential (as set-password)."),
    "provider-sign-up": api("POST /api/v1/providers/register/"),
    "invite-colleague": NoApi(
        "A provider's administrator invites colleagues in the supplier portal only: API.md "
        "has no invitation operation (a provider's systems do not manage its staff's "
        "accounts); the DPS administrator creates users with POST /api/v1/users/."),
    "resend-invitation": NoApi(
        "Part of the portal's colleague invitations, which API.md leaves out (see "
        "invite-colleague)."),
    "cancel-invitation": NoApi(
        "Part of the portal's colleague invitations, which API.md leaves out (see "
        "invite-colleague)."),
    # --- Admission ---
    "providers:apply": api("POST /api/v1/applications/", "POST /api/v1/applications/{id}/submit/"),
    "providers:decide": api("POST /api/v1/applications/{id}/decide/"),
    # --- Documents ---
    **{f"documents:{name}": api("POST /api/v1/documents/") for name in (
        "application", "membership", "referral", "eoi", "monitoring_activity", "action_item",
        "placement")},
    "documents:delete": api("DELETE /api/v1/documents/{id}/"),
    # --- Vacancies (sufficiency) ---
    "sufficiency:new": api("POST /api/v1/vacancies/"),
    "sufficiency:confirm": api("POST /api/v1/vacancies/{id}/refresh/"),
    "sufficiency:withdraw": api("DELETE /api/v1/vacancies/{id}/"),
    "providers:rounds": api("POST /api/v1/rounds/"),
    "providers:close-round": api("POST /api/v1/rounds/{id}/close/"),
    # --- Referrals ---
    "referrals:new": api("POST /api/v1/referrals/"),
    "referrals:edit": api("PATCH /api/v1/referrals/{id}/"),
    "referrals:publish": api("POST /api/v1/referrals/{id}/publish/"),
    "referrals:direct-award": api("POST /api/v1/referrals/{id}/direct-award/"),
    "providers:dynamic-market": api("POST /api/v1/dps/{code}/dynamic-market/"),
    "referrals:panel-decision": api("POST /api/v1/referrals/{id}/panel-decision/"),
    "referrals:withdraw": api("POST /api/v1/referrals/{id}/withdraw/"),
    # --- Call-offs: the authority ---
    "calloffs:close": api("POST /api/v1/calloffs/{id}/close/"),
    "calloffs:cancel": api("POST /api/v1/calloffs/{id}/cancel/"),
    "calloffs:no-award": api("POST /api/v1/calloffs/{id}/no-award/"),
    "calloffs:negotiation": api("POST /api/v1/calloffs/{id}/negotiation/"),
    "calloffs:evaluate": api("POST /api/v1/eois/{id}/evaluate/"),
    "calloffs:lot-criteria-edit": api("PUT /api/v1/lot-criteria/{id}/"),
    "calloffs:recommend": api("POST /api/v1/calloffs/{id}/recommend/"),
    "calloffs:answer": api("POST /api/v1/calloffs/{id}/questions/{qid}/answer/"),
    "calloffs:approval": api("POST /api/v1/calloffs/{id}/approve/"),
    "calloffs:approval-check": NoApi(CHECK_STEP),
    "calloffs:send-back": api("POST /api/v1/calloffs/{id}/reject-recommendation/"),
    "calloffs:pass-on": api("POST /api/v1/calloffs/{id}/pass-on/"),
    # --- Call-offs: the provider ---
    # One page both submits a response and amends a live one.
    "calloffs:respond": api("POST /api/v1/opportunities/{id}/eois/", "PATCH /api/v1/eois/{id}/"),
    "calloffs:withdraw-response": api("POST /api/v1/eois/{id}/withdraw/"),
    "calloffs:revise-price": api("POST /api/v1/eois/{id}/revise-price/"),
    "calloffs:ask": api("POST /api/v1/opportunities/{id}/questions/"),
    # --- Placements ---
    "contracts:record-fee-change": api("POST /api/v1/placements/{id}/fee-changes/"),
    "contracts:request-fee-change": api("POST /api/v1/placements/{id}/fee-changes/"),
    # --- Invoices: the provider ---
    "invoicing-provider:create": api("POST /api/v1/invoices/"),
    "invoicing-provider:upload": api("POST /api/v1/invoices/upload/"),
    "contracts:approve-fee-change": api("POST /api/v1/fee-changes/{id}/approve/"),
    "contracts:decline-fee-change": api("POST /api/v1/fee-changes/{id}/decline/"),
    "contracts:add-support-item": api("POST /api/v1/placements/{id}/support-items/"),
    "contracts:support-review": api("POST /api/v1/support-items/{id}/review/"),
    "contracts:record-review": api("POST /api/v1/placements/{id}/reviews/"),
    "contracts:end": api("POST /api/v1/placements/{id}/end/"),
    "contracts:end-check": NoApi(CHECK_STEP),
    "contracts:approve-placement": api("POST /api/v1/placements/{id}/approve/"),
    "contracts:approve-block": api("POST /api/v1/blocks/{id}/approve/"),
    "contracts:approve-placement-check": NoApi(CHECK_STEP),
    "contracts:approve-block-check": NoApi(CHECK_STEP),
    "contracts:pass-placement": api("POST /api/v1/placements/{id}/pass-on/"),
    "contracts:pass-block": api("POST /api/v1/blocks/{id}/pass-on/"),
    "contracts:spot": api("POST /api/v1/placements/spot/"),
    "contracts:block-create": api("POST /api/v1/blocks/"),
    "contracts:block-check": NoApi(CHECK_STEP),
    "contracts:block-place": api("POST /api/v1/blocks/{id}/placements/"),
    "contracts:volume-discounts": api("POST /api/v1/volume-discounts/"),
    "contracts:remove-volume-discount": api("DELETE /api/v1/volume-discounts/{id}/"),
    # --- Monitoring ---
    "monitoring:assess": api("POST /api/v1/risk-assessments/"),
    "monitoring:raise-trigger": api("POST /api/v1/reassessment-triggers/"),
    "monitoring:schedule-activity": api("POST /api/v1/monitoring-activities/"),
    "monitoring:complete-activity": api("POST /api/v1/monitoring-activities/{id}/complete/"),
    "monitoring:create-plan": api("POST /api/v1/action-plans/"),
    "monitoring:complete-item": api("POST /api/v1/action-items/{id}/complete/"),
    "monitoring:cancel-item": api("POST /api/v1/action-items/{id}/cancel/"),
    "monitoring:respond-item": api("POST /api/v1/action-items/{id}/respond/"),
    "monitoring:suspend-provider": api("POST /api/v1/action-items/{id}/suspend-provider/"),
    "monitoring:dismiss-escalation": api("POST /api/v1/action-items/{id}/dismiss-escalation/"),
    "monitoring:placement-outcomes": api("POST /api/v1/outcome-ratings/"),
    "monitoring:kpi-definitions": api("POST /api/v1/kpis/"),
    "monitoring:edit-kpi": api("PATCH /api/v1/kpis/{id}/"),
    "monitoring:kpi-return": api("POST /api/v1/kpi-returns/{id}/submit/"),
    "monitoring:submit-annual-report": api("POST /api/v1/annual-reports/"),
    # The review page also takes the provider's resubmission of a returned report.
    "monitoring:annual-report": api("POST /api/v1/annual-reports/{id}/review/",
                                    "POST /api/v1/annual-reports/{id}/submit/"),
    # --- Finance ---
    "finance:exports": api("POST /api/v1/reports/exports/"),
    # --- Invoices and payments (finance) ---
    "invoicing-finance:approve-vouched": api("POST /api/v1/invoices/approve-vouched/"),
    "invoicing-finance:invoice": api("POST /api/v1/invoices/{id}/approve/",
                                     "POST /api/v1/invoices/{id}/query/",
                                     "POST /api/v1/invoices/{id}/reject/"),
    "invoicing-finance:payment": api("POST /api/v1/payments/"),
    "notices:detail": api("POST /api/v1/notices/{id}/published/"),
    "invoicing-finance:remittance": api("POST /api/v1/payments/import/"),
    "invoicing-finance:export": NoApi(
        "A file a finance officer takes into the ledger by hand, each approved invoice once; "
        "a ledger integration reads the approved invoices over the API instead (API.md names "
        "no export operation)."),
}


# --- Which page routes accept POST ----------------------------------------------------------

PROJECT_PACKAGES = {"dps", "providers", "referrals", "calloffs", "contracts", "monitoring",
                    "reports", "invoicing"}
READS_POST = re.compile(r"require_POST|request\.POST|request\.FILES"
                        r"|request\.method\s*[!=]=\s*[\"']POST[\"']")


def _allowed_methods(layer):
    """The methods a require_http_methods layer (require_POST, require_GET, …) lets through,
    or None for any other function."""
    if not layer.__code__.co_filename.endswith("django/views/decorators/http.py"):
        return None
    methods = inspect.getclosurevars(layer).nonlocals.get("request_method_list")
    return None if methods is None else {method.upper() for method in methods}


def _globals_read(code):
    """The global names the code loads (not attribute names, which co_names mixes in)."""
    names = {instruction.argval for instruction in dis.get_instructions(code)
             if instruction.opname == "LOAD_GLOBAL"}
    for const in code.co_consts:
        if inspect.iscode(const):  # lambdas, comprehensions, nested functions
            names |= _globals_read(const)
    return names


def _takes_request(function):
    parameters = list(inspect.signature(function).parameters)
    return bool(parameters) and parameters[0] == "request"


def _handlers(view):
    """The view function and the project functions it hands the request to, transitively."""
    seen, todo = [], [inspect.unwrap(view)]
    while todo:
        function = todo.pop()
        if function in seen:
            continue
        seen.append(function)
        for name in _globals_read(function.__code__):
            target = function.__globals__.get(name)
            if inspect.isfunction(target) and \
                    target.__module__.split(".")[0] in PROJECT_PACKAGES and \
                    _takes_request(target):
                todo.append(inspect.unwrap(target))
    return seen


def accepts_post(callback):
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    layer = callback
    while layer is not None:
        methods = _allowed_methods(layer)
        if methods is not None:
            return "POST" in methods  # the decorator decides, whatever the body reads
        layer = getattr(layer, "__wrapped__", None)
    return any(READS_POST.search(inspect.getsource(function))
               for function in _handlers(callback))


def route_key(route):
    """How ACTIONS names a route: its URL name (namespaced), else its pattern."""
    return route.name.rstrip(":") or route.pattern


def post_page_routes():
    """{key: Route} for every page route (not the API, not the admin) that accepts POST."""
    from tests.security.matrix import routes

    found = {}
    for route in routes():
        if route.is_api or not accepts_post(route.callback):
            continue
        key = route_key(route)
        assert key not in found, f"two POST page routes are both named {key!r}"
        found[key] = route
    return found


def schema_operations():
    """{"METHOD /api/v1/…/"} from the OpenAPI schema, as drf-spectacular generates it."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {f"{method.upper()} {path}" for path, operations in schema["paths"].items()
            for method in operations if method in ("get", "post", "put", "patch", "delete")}


def page_path(route):
    """The page's path for a report: "/referrals/{}/change/"."""
    return "/" + route.template
