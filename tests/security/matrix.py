"""The permission matrix, generated: every route × every role × object ownership.

Routes come from walking Django's URL resolver (the DRF routers' routes under /api/v1/
included), never from a hand list, so a new endpoint or page joins the matrix by itself. The
expected answer of each cell comes from the project's rules:

- API views declare their roles per action (`dps.api.permissions.ActionRoles` reads the
  view set's `action_roles`); pages declare theirs with `dps.views.role_required`, which marks
  the view with `required_roles`.
- Signed out: 401 on the API, a redirect to the sign-in page for pages.
- Signed in without the role: 403.
- With the role but the object belongs to another organisation or authority: 404, never 403
  or 200 (existence is not leaked).
- With the role and an object the caller may see: 2xx for reads; for writes with an empty body
  anything but a server error (a 400 or 409 from the business rules is fine).

Objects for detail routes are built per model by a "builder" (the model is read from the view
set's `queryset`, or for pages from the path's resource prefix). A detail route whose object has
no builder fails the test, naming the route, so a new resource cannot slip past unchecked.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.permissions import AllowAny, IsAuthenticated

from calloffs.models import CallOff, ExpressionOfInterest, Question
from contracts.agreement import render_agreement
from contracts.models import (
    AgreementVersion,
    Approval,
    BlockContract,
    FeeChange,
    Placement,
    SupportItem,
    VolumeDiscountTier,
)
from documents.models import Document
from dps.api.permissions import ANY_AUTHENTICATED, ActionRoles
from dps.models import AuditEntry, Organisation, Role, User
from invoicing.models import Invoice, InvoiceLine
from monitoring.models import (
    ActionItem,
    ActionPlan,
    AnnualReport,
    Kpi,
    KpiReturn,
    MonitoringActivity,
    OutcomeRating,
    ReassessmentTrigger,
    RiskAssessment,
)
from notices.models import Kind, Notice
from providers.models import AdmissionRound, Application, Debarment, Dps, Lot, Membership
from referrals.models import Child, Referral
from reports.models import ExportJob
from sufficiency.models import Vacancy
from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts import factories as kf
from tests.monitoring import factories as mf
from tests.sufficiency.factories import vacancy

ANONYMOUS = "anonymous"
ROLES = (ANONYMOUS, Role.PROVIDER.value, Role.COMMISSIONER.value, Role.BUDGET_HOLDER.value,
         Role.FINANCE.value, Role.DPS_ADMIN.value)
SIGNED_IN = frozenset(ROLES[1:])
OWN, OTHER_PROVIDER, OTHER_AUTHORITY = "own", "other_provider", "other_authority"
OWNERSHIPS = (OWN, OTHER_PROVIDER, OTHER_AUTHORITY)
PUBLIC = "public"
UNSAFE = ("post", "put", "patch", "delete")

# Routes outside the matrix, each for a reason. Keep this short: anything listed here is not
# checked for leaks.
SKIPPED_PREFIXES = (
    "admin/",  # Django's admin: its own is_staff gate (one cell family checks it below).
)
# Public on purpose (no sign-in): checked only for "never a server error" on GET.
PUBLIC_ROUTES = {
    "healthz",  # load balancer probe, API.md
    "api/schema/",  # the OpenAPI schema, API.md
    "api/docs/",  # the browsable docs, API.md
    "api/v1/auth/token/",  # signing in for a token (POST, throttled)
    "api/v1/providers/register/",  # provider self-registration (POST, throttled)
    "sign-in/",  # the sign-in page
    "sign-out/",  # signing out (POST)
    "cookies/",  # the cookies page, linked from every page's footer (issue 8)
    "accessibility/",  # the accessibility statement (2018 regulations), in every footer
    "set-password/",  # an invitation's one-time link; checks its own token (issue 8)
    "sign-in/forgotten-password/",  # asking for a password reset link (POST, throttled)
    "sign-in/forgotten-password/sent/",  # "check your email"
    "reset-password/{}/{}/",  # the reset link; checks its own token
    "register/",  # provider sign-up, the page of api/v1/providers/register/ (POST, throttled)
}

class Invitee:
    """Not a model: what `portal/colleagues/<pk>/…` names, a colleague whom the provider
    organisation's administrator invited and who has not yet signed in (built below)."""


# Pages are plain functions, so the model their `<int:pk>` names is read from the resource
# prefix in front of it (a new page under a known prefix is covered by itself; a page under a
# new prefix fails test_every_detail_route_has_an_object_builder until it is added here).
PAGE_PREFIX_MODELS = {
    "providers/applications/": Application,
    "providers/rounds/": AdmissionRound,
    "providers/arrangements/": Dps,
    "referrals/": Referral,
    "monitoring/providers/": Organisation,
    "monitoring/activities/": MonitoringActivity,
    "monitoring/action-items/": ActionItem,
    "monitoring/escalations/": ActionItem,
    "monitoring/placements/": Placement,
    "monitoring/kpis/": Kpi,
    "monitoring/action-plans/": ActionPlan,
    "monitoring/annual-reports/": AnnualReport,
    "monitoring/kpi-returns/": KpiReturn,
    "reports/exports/": ExportJob,
    "placements/": Placement,
    "my-placements/": Placement,
    "blocks/": BlockContract,
    "volume-discounts/": VolumeDiscountTier,
    "call-offs/": CallOff,
    "quality-criteria/": Lot,  # a lot's default quality criteria (ADR 0026)
    "approvals/": CallOff,
    "opportunities/": CallOff,
    "portal/colleagues/": Invitee,
    "invoices/": Invoice,
    "documents/application/": Application,
    "documents/membership/": Membership,
    "documents/referral/": Referral,
    "documents/eoi/": ExpressionOfInterest,
    "documents/monitoring_activity/": MonitoringActivity,
    "documents/action_item/": ActionItem,
    "documents/placement/": Placement,
    "documents/": Document,
    "finance/invoices/": Invoice,
    "notices/": Notice,
    "vacancies/": Vacancy,
}


# --- Routes ---------------------------------------------------------------------------------

@dataclass
class Route:
    pattern: str  # the full pattern, as the resolver spells it
    name: str
    callback: object
    params: list = field(default_factory=list)

    @property
    def cls(self):
        return getattr(self.callback, "cls", None)

    @property
    def actions(self):
        return getattr(self.callback, "actions", None)

    @property
    def is_api(self):
        return self.pattern.startswith("api/")

    @property
    def template(self):
        """The pattern as a path template: `api/v1/placements/{}/end/`."""
        path = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", self.pattern)
        path = re.sub(r"<(?:\w+:)?\w+>", "{}", path)
        return path.replace("^", "").replace("$", "").replace("\\.", ".")

    def path(self, values):
        """The concrete path with `values` ({param: value}) filled in."""
        path = self.pattern
        for name in self.params:
            path = re.sub(rf"\(\?P<{name}>[^)]*\)|<(?:\w+:)?{name}>", str(values[name]), path)
        return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")

    def methods(self):
        """HTTP methods the route answers (lower case); pages: GET and POST."""
        if self.actions:
            # DRF adds "head" to a view set's actions at its first GET: the same as GET.
            return sorted(method for method in self.actions if method not in ("head", "options"))
        cls = self.cls
        if cls is not None:
            return sorted(m for m in ("get", "post", "put", "patch", "delete") if hasattr(cls, m))
        return ["get", "post"]

    @property
    def object_param(self):
        """The path parameter naming the route's main object, if any."""
        for name in ("pk", "code", "id"):
            if name in self.params:
                return name
        return self.params[0] if self.params else None


def _params(pattern_text):
    names = re.findall(r"\(\?P<(\w+)>", pattern_text)
    names += re.findall(r"<(?:\w+:)?(\w+)>", re.sub(r"\(\?P<\w+>[^)]*\)", "", pattern_text))
    return names


def walk(patterns=None, prefix="", namespace=""):
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            text = prefix + str(entry.pattern)
            yield Route(text, f"{namespace}{entry.name or ''}", entry.callback, _params(text))


def routes():
    """Every route of the project the matrix checks (format-suffix twins left out: the same
    view answers them)."""
    found = []
    for route in walk():
        if route.pattern.startswith(SKIPPED_PREFIXES) or "format" in route.params:
            continue
        found.append(route)
    return found


# --- Policy ---------------------------------------------------------------------------------

def api_roles(route, method):
    """Roles allowed to call `method` on an API route, or PUBLIC."""
    if route.template in PUBLIC_ROUTES:
        return PUBLIC
    cls = route.cls
    if cls is None:
        raise LookupError(f"{route.pattern}: an API route that is not a DRF view; add it to "
                          f"PUBLIC_ROUTES with a reason or make it a view set")
    permissions = list(getattr(cls, "permission_classes", []))
    if ActionRoles in permissions:
        action = (route.actions or {}).get(method)
        allowed = getattr(cls, "action_roles", {}).get(action)
        if allowed is None:
            return frozenset()
        if allowed == ANY_AUTHENTICATED:
            return SIGNED_IN
        return frozenset(str(role) for role in allowed)
    if permissions == [AllowAny]:
        return PUBLIC
    if permissions == [IsAuthenticated]:
        return SIGNED_IN
    raise LookupError(f"{route.pattern}: permission classes {permissions} are not understood "
                      f"by the matrix; use ActionRoles")


def page_roles(route):
    if route.template in PUBLIC_ROUTES:
        return PUBLIC
    marked = getattr(route.callback, "required_roles", None)
    if marked is not None:
        return frozenset(str(role) for role in marked)
    return SIGNED_IN  # login_required only (e.g. the home page)


def route_model(route):
    """The model a detail route's object parameter names."""
    if route.object_param is None:
        return None
    if route.is_api:
        queryset = getattr(route.cls, "queryset", None)
        if queryset is not None:
            return queryset.model
        serializer = getattr(route.cls, "serializer_class", None)
        meta = getattr(serializer, "Meta", None)
        return getattr(meta, "model", None)
    for prefix, model in PAGE_PREFIX_MODELS.items():
        if route.pattern.startswith(prefix) and route.pattern[len(prefix):].startswith("<"):
            return model
    return None


def visible(parties, role, ownership):
    """May `role` see an object with `parties`, built with this `ownership`?"""
    if ownership is None or role == Role.DPS_ADMIN or PUBLIC in parties:
        return True
    if role == Role.PROVIDER:
        return "provider" in parties and ownership == OWN
    if "requester" in parties:
        return ownership == OWN
    if "authority" in parties:
        return ownership != OTHER_AUTHORITY
    return True  # a provider's own records: staff see every provider's


# --- The world the cells run against ---------------------------------------------------------

@dataclass
class Built:
    obj: object
    extras: dict = field(default_factory=dict)  # other path parameters: {"change_pk": 3}


@dataclass
class Builder:
    parties: tuple  # who may see it: "authority", "provider", "requester", PUBLIC
    make: object  # make(world, authority, provider) → Built


class World:
    """Two authorities (A: the signed-in staff's, B: another), a lead authority for the DPS
    administrator, and three providers (P: the signed-in provider's, Q and R: others)."""

    def __init__(self):
        self.lead = f.LeadAuthorityFactory()
        self.a = f.AuthorityFactory()
        self.b = f.AuthorityFactory()
        self.p = f.ProviderOrgFactory()
        self.q = f.ProviderOrgFactory()
        self.r = f.ProviderOrgFactory()
        self.users = {
            ANONYMOUS: None,
            Role.PROVIDER.value: f.ProviderUserFactory(organisation=self.p),
            Role.COMMISSIONER.value: f.CommissionerFactory(organisation=self.a),
            Role.BUDGET_HOLDER.value: f.BudgetHolderFactory(organisation=self.a),
            Role.FINANCE.value: f.FinanceFactory(organisation=self.a),
            Role.DPS_ADMIN.value: f.DpsAdminFactory(organisation=self.lead),
        }
        self.staff_b = {role: factory(organisation=self.b) for role, factory in (
            (Role.COMMISSIONER.value, f.CommissionerFactory),
            (Role.FINANCE.value, f.FinanceFactory))}
        self.memberships = {}
        for provider in (self.p, self.q, self.r):
            for code in ("residential", "fostering"):
                self.memberships[provider.pk, code] = f.AdmittedMembershipFactory(
                    provider=provider, lot=f.lot(code), price_cap=Decimal("5500.00"))
        self.owners = {OWN: (self.a, self.p), OTHER_PROVIDER: (self.a, self.q),
                       OTHER_AUTHORITY: (self.b, self.r)}
        self._cache = {}

    def objects(self, model):
        """{ownership: Built} for `model`, built once."""
        if model not in self._cache:
            builder = BUILDERS[model]
            self._cache[model] = {
                ownership: builder.make(self, *self.owners[ownership])
                for ownership in OWNERSHIPS}
        return self._cache[model]

    def staff(self, authority, role=Role.COMMISSIONER.value):
        return self.users[role] if authority == self.a else self.staff_b[role]


def _today():
    return timezone.localdate()


def _calloff(world, authority, provider):
    calloff = cf.OpenCallOffFactory(referral__authority=authority)
    cf.invite(calloff, world.memberships[provider.pk, "residential"])
    eoi = cf.EoiFactory(calloff=calloff, provider=provider)
    question = Question.objects.create(calloff=calloff, asked_by=provider, text="Is there a "
                                       "garden?")
    return Built(calloff, {"eoi_pk": eoi.pk, "question_pk": question.pk, "qid": question.pk})


def _eoi(world, authority, provider):
    return Built(ExpressionOfInterest.objects.get(
        pk=world.objects(CallOff)[_ownership(world, authority, provider)].extras["eoi_pk"]))


def _ownership(world, authority, provider):
    return next(k for k, owners in world.owners.items() if owners == (authority, provider))


def _placement(world, authority, provider):
    placement = kf.PlacementFactory(authority=authority, provider=provider, cap=False)
    change = FeeChange.objects.create(placement=placement, new_price=Decimal("5100.00"),
                                      effective_from=_today(), reason="Staffing costs")
    item = SupportItem.objects.create(
        placement=placement, description="One-to-one tuition", weekly_cost=Decimal("300.00"),
        start_date=placement.start_date, review_date=_today() + datetime.timedelta(days=30),
        end_date=_today() + datetime.timedelta(days=90))
    # A real agreement, so the children's-data sweep reads what a provider would get.
    pdf = render_agreement(placement, version=1, issued_at=timezone.now(), reason="Award")
    AgreementVersion.objects.create(placement=placement, version=1, pdf=pdf,
                                    sha256=hashlib.sha256(pdf).hexdigest(), reason="Award")
    return Built(placement, {"change_pk": change.pk, "item_pk": item.pk, "version": 1})


def _placement_part(model, key):
    def make(world, authority, provider):
        built = world.objects(Placement)[_ownership(world, authority, provider)]
        return Built(model.objects.get(pk=built.extras[key]))
    return make


def _audit(world, authority, provider):
    entry = AuditEntry.objects.create(
        actor=world.staff(authority), content_type=ContentType.objects.get_for_model(
            Organisation), object_id=provider.pk, object_repr=str(provider), action="matrix")
    return Built(entry)


def _action_item(world, authority, provider):
    item = mf.ActionItemFactory(plan__provider=provider)
    return Built(item)


def _export(world, authority, provider):
    requester = world.staff(authority, Role.FINANCE.value)
    if provider != world.p and authority == world.a:
        requester = f.FinanceFactory(organisation=authority)  # a colleague's job
    job = ExportJob.objects.create(requested_by=requester, authority=authority,
                                   kind=ExportJob.Kind.SPEND, format=ExportJob.Format.CSV,
                                   params={"from": "2026-04-01", "to": "2027-03-31"})
    return Built(job)


def _invitee(world, authority, provider):
    """A pending invitation of `provider`, sent by its administrator (for P, the signed-in
    provider user: the organisation's first user may invite)."""
    inviter = world.users[Role.PROVIDER.value] if provider == world.p else \
        f.ProviderUserFactory(organisation=provider)
    invitee = f.ProviderUserFactory(organisation=provider, invited_by=inviter,
                                    invitation_sent_at=timezone.now()
                                    - datetime.timedelta(days=1),
                                    invitation_issued_at=timezone.now()
                                    - datetime.timedelta(days=1))
    invitee.set_unusable_password()
    invitee.save()
    return Built(invitee)


def _invoice(world, authority, provider):
    """A vouched invoice of `provider` to `authority`: a day of their placement's fee."""
    placement = world.objects(Placement)[_ownership(world, authority, provider)].obj
    invoice = Invoice.objects.create(
        provider=provider, authority=authority, reference=f"MATRIX-{placement.pk}",
        received_on=_today(), total=Decimal("714.29"), expected_total=Decimal("714.29"))
    Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.VOUCHED)
    InvoiceLine.objects.create(invoice=invoice, kind="placement", placement=placement,
                               date_from=placement.start_date, date_to=placement.start_date,
                               amount=Decimal("714.29"), expected=Decimal("714.29"))
    invoice.refresh_from_db()
    return Built(invoice)
def _document(world, authority, provider):
    from tests.documents import files

    placement = world.objects(Placement)[_ownership(world, authority, provider)].obj
    return Built(Document.objects.create(
        attached_to="placement", object_id=placement.pk, kind="care_plan_summary",
        name="plan.pdf", file=ContentFile(files.pdf("Care plan."), name="plan"), size=100,
        content_type="application/pdf", sha256="0" * 64, scan="not_scanned",
        provider=provider, uploaded_by=world.staff(authority)))


def _notice(world, authority, provider):
    """An establishment notice the council owes (its subject is the children's DPS)."""
    dps = f.childrens_dps()
    today = timezone.localdate()
    return Built(Notice.objects.create(
        kind=Kind.DYNAMIC_MARKET_ESTABLISHMENT, authority=authority, dps=dps,
        subject_type="dps", subject_id=dps.pk, occurrence=f"matrix-{Notice.objects.count()}",
        event_on=today, due_by=today))


BUILDERS = {
    Organisation: Builder(("provider",), lambda w, a, p: Built(p)),
    User: Builder(("authority",), lambda w, a, p: Built(f.CommissionerFactory(organisation=a))),
    AuditEntry: Builder(("authority",), _audit),
    Dps: Builder((PUBLIC,), lambda w, a, p: Built(f.childrens_dps())),
    Lot: Builder((PUBLIC,), lambda w, a, p: Built(f.lot("fostering"))),
    AdmissionRound: Builder((PUBLIC,), lambda w, a, p: Built(f.RoundFactory())),
    Application: Builder(("provider",), lambda w, a, p: Built(f.ApplicationFactory(provider=p))),
    Membership: Builder(("provider",),
                        lambda w, a, p: Built(w.memberships[p.pk, "fostering"])),
    Debarment: Builder(("provider",), lambda w, a, p: Built(f.DebarmentFactory(organisation=p))),
    Child: Builder(("authority",), lambda w, a, p: Built(cf.ChildFactory(authority=a))),
    Referral: Builder(("authority",), lambda w, a, p: Built(cf.ReferralFactory(authority=a))),
    CallOff: Builder(("authority", "provider"), _calloff),
    ExpressionOfInterest: Builder(("authority", "provider"), _eoi),
    Placement: Builder(("authority", "provider"), _placement),
    FeeChange: Builder(("authority", "provider"), _placement_part(FeeChange, "change_pk")),
    SupportItem: Builder(("authority", "provider"), _placement_part(SupportItem, "item_pk")),
    # Awaiting approval, so the budget holder's `approve` routes (API and page) reach the
    # rule itself; the placement is approved (an award), so its `approve` meets the 409.
    BlockContract: Builder(("authority", "provider"), lambda w, a, p: Built(
        kf.BlockContractFactory(authority=a, provider=p, membership=False,
                                approval=Approval.AWAITING))),
    VolumeDiscountTier: Builder(("provider",), lambda w, a, p: Built(
        VolumeDiscountTier.objects.create(provider=p, lot=f.lot("residential"),
                                          min_concurrent=3, percent=Decimal("5.00")))),
    RiskAssessment: Builder(("provider",), lambda w, a, p: Built(mf.RiskAssessmentFactory(
        provider=p, assessed_by=w.users[Role.COMMISSIONER.value]))),
    ReassessmentTrigger: Builder(("provider",),
                                 lambda w, a, p: Built(mf.TriggerFactory(provider=p))),
    MonitoringActivity: Builder(("provider",),
                                lambda w, a, p: Built(mf.PlannedActivityFactory(provider=p))),
    ActionPlan: Builder(("provider",), lambda w, a, p: Built(mf.ActionPlanFactory(provider=p))),
    ActionItem: Builder(("provider",), _action_item),
    Kpi: Builder((PUBLIC,), lambda w, a, p: Built(mf.KpiFactory())),
    KpiReturn: Builder(("provider",), lambda w, a, p: Built(mf.KpiReturnFactory(provider=p))),
    OutcomeRating: Builder(("authority", "provider"), lambda w, a, p: Built(
        mf.OutcomeRatingFactory(placement=w.objects(Placement)[_ownership(w, a, p)].obj))),
    AnnualReport: Builder(("provider",),
                          lambda w, a, p: Built(mf.AnnualReportFactory(provider=p))),
    ExportJob: Builder(("requester",), _export),
    Invitee: Builder(("provider",), _invitee),
    Invoice: Builder(("authority", "provider"), _invoice),
    # A care plan on the placement: the authority (finance too) and the placed provider.
    Document: Builder(("authority", "provider"), _document),
    Notice: Builder(("authority",), _notice),
    # A live vacancy: its provider sees its own; authority staff see every live one (market
    # information, no child in it).
    Vacancy: Builder(("provider",), lambda w, a, p: Built(
        vacancy(w.memberships[p.pk, "residential"], needs=("semh",)))),
}
