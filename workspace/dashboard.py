"""Read queries for the front doors (issue 8): the commissioner's dashboard, its search, and the
supplier portal. Each section is one query, cut to a few rows (with "and more" when there are),
so a page's query count is fixed whatever the data size. Reuses the apps' selectors."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Value, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from calloffs import selectors as calloff_selectors
from calloffs.models import CallOff, ExpressionOfInterest, Question
from contracts import approvals as contract_approvals
from contracts import selectors as contract_selectors
from contracts.models import FeeChange, Placement, PlacementReview, SupportItem
from documents import selectors as document_selectors
from dps.models import Organisation, Role, User
from dps.workdays import working_days_between
from monitoring import selectors as monitoring_selectors
from monitoring.models import ActionItem, KpiReturn, Rag, RiskAssessment
from notices import selectors as notice_selectors
from providers import selectors as provider_selectors
from providers.models import Application, Lot
from referrals.models import Child, Referral

ROWS = 10
FORTNIGHT = timedelta(days=14)


@dataclass
class Section:
    rows: list = field(default_factory=list)
    more: bool = False

    def __bool__(self):
        return bool(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


LIVE = (Placement.Status.PENDING_START, Placement.Status.ACTIVE)


def _unindexed(name):
    """Order by `name` without letting PostgreSQL walk its index in order. With a LIMIT it
    would otherwise read the column's index from the start and filter row by row (the open
    reviews of one authority are a few among half a million done ones: 330 ms at regional
    scale); this way it picks the few candidates by the selective indexes first and sorts
    them (about 30 ms)."""
    return Coalesce(name, name)


# What the front doors never show: a child's name and postcode (each an encrypted field to
# decrypt, row by row) and a referral's long text; the labels need only the case reference and
# the date of birth (issue 19: about a fifth of the dashboard's Python time).
UNSHOWN_CHILD = ("first_name", "last_name", "postcode")
UNSHOWN_REFERRAL = ("outcomes", "summary", "alternatives_considered", "alternatives_notes",
                    "panel_notes")


def _lean(queryset, child=None, referral=None):
    """`queryset` without the unshown fields of the child and referral it selects (by their
    paths from its model)."""
    fields = [f"{referral}__{name}" for name in UNSHOWN_REFERRAL] if referral else []
    fields += [f"{child}__{name}" for name in UNSHOWN_CHILD] if child else []
    return queryset.defer(*fields)


def _take(queryset, rows=ROWS):
    """The first `rows` of `queryset` and whether there are more, in one query."""
    found = list(queryset[:rows + 1])
    return Section(found[:rows], len(found) > rows)


# --- Commissioner's dashboard ---------------------------------------------------------------

def closing_soon(authority_id, now=None):
    """Open call-offs closing in the next 48 hours, soonest first, with response counts."""
    now = now or timezone.now()
    return _take(_lean(calloff_selectors.authority_calloffs(authority_id),
                       child="referral__child", referral="referral")
                 .filter(status=CallOff.Status.OPEN, deadline__gt=now,
                         deadline__lte=now + calloff_selectors.CLOSING_SOON)
                 .order_by("deadline", "id"))


def awaiting_decision(authority_id):
    """Closed call-offs to evaluate and recommend (a recommendation with a budget holder is the
    budget holder's work: `awaiting_approval`)."""
    return _take(_lean(calloff_selectors.authority_calloffs(authority_id),
                       child="referral__child", referral="referral")
                 .filter(status=CallOff.Status.CLOSED)
                 .order_by(_unindexed("closed_at"), "id"))


def questions_to_answer(authority_id):
    """Providers' questions on the authority's live call-offs with no answer yet, oldest
    first: every invited provider waits for the answer."""
    return _take(_lean(Question.objects, child="calloff__referral__child",
                       referral="calloff__referral")
                 .filter(calloff__authority_id=authority_id, answered_at__isnull=True,
                         calloff__status__in=[CallOff.Status.OPEN, CallOff.Status.CLOSED])
                 .select_related("calloff", "calloff__lot", "calloff__referral",
                                 "calloff__referral__child")
                 .order_by(_unindexed("asked_at"), "id"))


def awaiting_approval(authority_id):
    """Recommendations waiting for a budget holder of the authority, oldest first."""
    return _take(calloff_selectors.awaiting_approval(authority_id))


def applications_to_decide(today=None):
    """Submitted applications by their evaluation deadline, each with the working days left
    (negative: overdue). DPS-wide: the lead authority's administrators decide them."""
    today = today or timezone.localdate()
    # Those no round has taken yet are counted apart (waiting_for_round): no clock runs yet.
    section = _take(Application.objects.filter(status=Application.Status.SUBMITTED,
                                               round__isnull=False)
                    .select_related("provider", "round")
                    .order_by("evaluation_due", "submitted_at", "id"))
    for application in section:
        due = application.evaluation_due
        application.days_left = None if due is None else working_days_between(today, due)
        application.overdue = due is not None and due < today
        application.days_overdue = -application.days_left if application.overdue else 0
    return section


def waiting_for_round():
    """Per DPS, how many submitted applications wait for a round to open (none was open or
    scheduled when they came): the DPS administrators' cue to schedule one. One query."""
    return list(provider_selectors.applications_waiting_for_round()
                .values("dps__code", "dps__name").annotate(count=Count("id"))
                .order_by("dps__name"))


def unapproved_purchases(authority_id, today=None, user=None):
    """Spot placements and blocks still waiting for a budget holder, oldest first, each with
    the working days it has waited (red from 5): they do not count as spend until approved.
    Two queries."""
    today = today or timezone.localdate()
    placements = _take(contract_approvals.awaiting_placements(authority_id))
    blocks = _take(contract_approvals.awaiting_blocks(authority_id))
    rows = ([contract_approvals.waiting(p, kind="placement", user=user, today=today)
             for p in placements]
            + [contract_approvals.waiting(b, kind="block", user=user, today=today)
               for b in blocks])
    rows.sort(key=lambda item: (item.obj.created_at, item.kind, item.obj.pk))
    return Section(rows[:ROWS], placements.more or blocks.more or len(rows) > ROWS)


def reviews_due(authority_id, today=None):
    """Placement reviews not yet held that fall due within a fortnight (or are overdue)."""
    today = today or timezone.localdate()
    return _take(_lean(PlacementReview.objects, child="placement__child")
                 .filter(placement__authority_id=authority_id, done_date__isnull=True,
                         due_date__lte=today + FORTNIGHT, placement__status__in=LIVE)
                 .select_related("placement", "placement__child", "placement__lot")
                 # The partial index of pending reviews by due date, walked in order: the
                 # first eleven of the authority's are near its start (issue 19: 0.6-4.5 ms
                 # where sorting all 20,000 pending reviews took 48-310 ms).
                 .order_by("due_date", "id"))


def support_reviews_due(authority_id, today=None):
    """Additional support whose review falls due within a fortnight (or is overdue)."""
    today = today or timezone.localdate()
    return _take(_lean(SupportItem.objects, child="placement__child")
                 .filter(placement__authority_id=authority_id, reviewed_on__isnull=True,
                         review_date__lte=today + FORTNIGHT, end_date__gte=today,
                         placement__status__in=LIVE)
                 # The lot names the placement (placement_label): one query, not one a row.
                 .select_related("placement", "placement__child", "placement__lot")
                 # The partial index of support not yet reviewed, walked by date (as reviews).
                 .order_by("review_date", "id"))


def _current_assessments():
    """Current risk assessments (one a provider) with the provider and whether a visit is
    planned."""
    return (RiskAssessment.objects.filter(is_current=True).select_related("provider")
            .annotate(visit_planned=Exists(monitoring_selectors.planned_visits()
                                           .filter(provider=OuterRef("provider_id")))))


def red_providers(today=None):
    """Providers whose current rating is red, highest score first (as on the monitoring
    page)."""
    return _take(_current_assessments().filter(rag=Rag.RED)
                 .order_by("-score", "provider__name", "id"))


def overdue_reassessments(today=None):
    """Current assessments past their next due date (the monitoring selector's definition)."""
    overdue = monitoring_selectors.overdue_assessments(today).values("pk")
    return _take(_current_assessments().filter(pk__in=overdue).order_by("next_due", "id"))


def overdue_actions(today=None):
    return _take(monitoring_selectors.overdue_action_items(today)
                 .select_related("plan", "plan__provider").order_by("due_date", "id"))


def lapsed_certificates(provider_id=None):
    """Certificates that have lapsed and not been renewed, each with the page that shows it
    (ADR 0016): the DPS administrators chase them; a provider renews its own."""
    section = _take(document_selectors.lapsed_certificates(provider_id))
    for document in section:
        document.page = document_selectors.profile_page(document)
    return section


def notices_to_publish(user, today=None):
    """The Procurement Act notices not yet published: overdue first, then the soonest due
    (ADR 0020), one query."""
    return _take(notice_selectors.visible(user).exclude(status="published")
                 .order_by("-status", "due_by", "id"), rows=5)


def commissioner_dashboard(user, now=None, searching=False):
    """What the user can act on, by role: a fixed number of queries (one per section).

    Commissioners run their authority's call-offs and placements; budget holders approve its
    recommendations and purchases; DPS administrators decide applications; commissioners and
    DPS administrators both watch providers (monitoring is DPS-wide)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sections = {}
    authority_id = user.organisation_id
    if user.has_role(Role.COMMISSIONER) and authority_id:
        sections.update(
            closing=closing_soon(authority_id, now),
            awaiting=awaiting_decision(authority_id),
            questions=questions_to_answer(authority_id),
            reviews=reviews_due(authority_id, today),
            support_reviews=support_reviews_due(authority_id, today),
        )
    if user.has_role(Role.BUDGET_HOLDER) and authority_id:
        sections.update(
            approvals=awaiting_approval(authority_id),
            unapproved=unapproved_purchases(authority_id, today, user),
        )
    if user.has_role(Role.DPS_ADMIN):
        sections.update(
            waiting_for_round=waiting_for_round(),
            applications=applications_to_decide(today),
            lapsed=lapsed_certificates(),
        )
    if user.has_role(Role.COMMISSIONER, Role.DPS_ADMIN):
        if not searching:  # a search page keeps issue 19's 15 queries; the plain one shows it
            sections["notices"] = notices_to_publish(user, today)
        sections.update(
            red=red_providers(today),
            reassessments=overdue_reassessments(today),
            actions=overdue_actions(today),
        )
    return sections


# --- Search ---------------------------------------------------------------------------------

def _exact_then_named(queryset, exact, named, order):
    """Rows matching `exact` (ids and case references, as literal values: a few rows found
    through their indexes), then those matching `named` (a lot's or a provider's, newest
    first): two queries whatever the data size, duplicates dropped."""
    rows = list(queryset.filter(exact).order_by(_unindexed("pk").desc())[:ROWS + 1])
    if named is not None:
        seen = {row.pk for row in rows}
        rows += [row for row in queryset.filter(named).order_by(*order)[:ROWS + 1]
                 if row.pk not in seen]
    return Section(rows[:ROWS], len(rows) > ROWS)


def _resolve_literals(authority_id, text, number):
    """The ids of the authority's children whose case reference is `text`; when `text` is a
    number, the provider with that id, else the ids of the lots it names and the first
    providers by name: one query (a UNION) for all of them, so that a search stays within
    issue 19's 15 queries with the dashboard. Returns (child ids, lot ids, providers)."""
    # No ORDER BY in a UNION's parts but the providers' own (SQLite refuses any: there the
    # providers are a query of their own).
    children = (Child.objects.filter(authority_id=authority_id, case_reference=text).order_by()
                .values_list("pk", Value("child"), Value(""), Value(""), Value(0)))
    providers = Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)
    if number is not None:
        parts = [providers.filter(pk=number).order_by()
                 .values_list("pk", Value("provider"), "name", "area", Value(0))]
        separate = None
    else:
        parts = [Lot.objects.filter(Q(name__icontains=text) | Q(code__iexact=text)).order_by()
                 .values_list("pk", Value("lot"), Value(""), Value(""), Value(0))]
        named = providers.filter(name__icontains=text).order_by("name", "pk")
        if connection.features.supports_slicing_ordering_in_compound:
            parts.append(named.annotate(n=Window(RowNumber(), order_by=["name", "pk"]))
                         .values_list("pk", Value("provider"), "name", "area", "n")[:ROWS + 1])
            separate = None
        else:
            separate = named
    rows = sorted(children.union(*parts, all=True), key=lambda row: row[4])
    # The template reads a provider's id, name and area: unsaved instances carry them.
    found = [Organisation(pk=pk, name=name, area=area, kind=Organisation.Kind.PROVIDER)
             for pk, kind, name, area, _ in rows if kind == "provider"]
    return ([pk for pk, kind, *_ in rows if kind == "child"][:ROWS],
            [pk for pk, kind, *_ in rows if kind == "lot"],
            _take(separate) if separate is not None
            else Section(found[:ROWS], len(found) > ROWS))


def search(user, text):
    """Referrals, call-offs, placements (the user's authority's) and providers matching `text`.

    Children's names and case references are encrypted: a case reference matches exactly
    (through its keyed digest), names never. A number matches ids. Other text matches a
    provider's organisation name (and the placements with the providers listed), and a lot's
    name or code (and its call-offs).
    """
    text = (text or "").strip()[:100]
    if not text:
        return None
    authority_id = user.organisation_id
    number = int(text) if text.isdigit() and len(text) < 10 else None
    # Resolved first, so each search below is a plain OR of indexed columns.
    children, lots, providers = _resolve_literals(authority_id, text, number)
    referral_match = Q(child_id__in=children)
    calloff_match = Q(referral__child_id__in=children)
    placement_match = Q(child_id__in=children)
    if number is not None:
        referral_match |= Q(pk=number)
        calloff_match |= Q(pk=number) | Q(referral_id=number)
        placement_match |= Q(pk=number) | Q(calloff_id=number)
    results = {
        "text": text,
        "referrals": _take(_lean(Referral.objects, child="child")
                           .filter(referral_match, authority_id=authority_id)
                           .select_related("lot", "child")
                           .order_by(_unindexed("pk").desc())),
        "calloffs": _exact_then_named(
            _lean(CallOff.objects, child="referral__child", referral="referral")
            .filter(authority_id=authority_id)
            .select_related("lot", "referral", "referral__child"),
            calloff_match, Q(lot_id__in=lots) if lots else None, ("-published_at", "-pk")),
        # With the providers listed below; spot purchases from an unlisted provider are found
        # by number or case reference.
        "placements": _exact_then_named(
            _lean(Placement.objects, child="child").filter(authority_id=authority_id)
            .select_related("lot", "child"),
            placement_match,
            Q(provider_id__in=[p.pk for p in providers]) if number is None and providers
            else None,
            ("-start_date", "-pk")),
        "providers": providers,
    }
    results["count"] = sum(len(results[key]) for key in
                           ("referrals", "calloffs", "placements", "providers"))
    return results


# --- Supplier portal ------------------------------------------------------------------------

@dataclass
class ToDo:
    """One of the provider's next things to do, soonest first."""

    due: object  # a date
    kind: str    # "opportunity", "kpi_return" or "action"
    obj: object
    overdue: bool = False


def next_things_to_do(closing, kpi_returns, action_items, today):
    """The portal's lead: opportunities closing within 48 hours not yet answered, KPI returns
    due and action plan items to respond to, merged soonest first (no query of its own)."""
    rows = [ToDo(timezone.localdate(calloff.deadline), "opportunity", calloff)
            for calloff in closing if not calloff.has_my_eoi]
    rows += [ToDo(item.due_date, "kpi_return", item, item.due_date < today)
             for item in kpi_returns]
    rows += [ToDo(item.due_date, "action", item, item.due_date < today) for item in action_items]
    rows.sort(key=lambda row: (row.due, row.kind, row.obj.pk))
    return rows


def supplier_portal(user, since=None, now=None):
    """The provider's front door: a fixed number of queries (one per section), led by the
    next things to do."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    provider_id = user.organisation_id
    opportunities = calloff_selectors.opportunities_for(provider_id)
    open_now = opportunities.filter(status=CallOff.Status.OPEN, deadline__gt=now)
    new = open_now.filter(published_at__gt=since) if since else open_now
    sections = _supplier_sections(user, provider_id, open_now, new, now, today)
    sections["to_do"] = next_things_to_do(sections["closing"], sections["kpi_returns"],
                                          sections["action_items"], today)
    sections["to_do_more"] = (sections["closing"].more or sections["kpi_returns"].more
                              or sections["action_items"].more)
    sections["lapsed"] = lapsed_certificates(provider_id)
    for document in sections["lapsed"]:
        document.renew_url = document_selectors.renewal_page(document, sections["memberships"])
    return sections


def _supplier_sections(user, provider_id, open_now, new, now, today):
    return {
        "new": _take(new.order_by("-published_at", "-id")),
        "closing": _take(calloff_selectors.filter_opportunities(
            open_now, closing_soon=True, now=now).order_by("deadline", "id")),
        "responses": _take(calloff_selectors.provider_responses(provider_id)
                           .filter(Q(status=ExpressionOfInterest.Status.SUBMITTED)
                                   | ~Q(outcome=""))),
        "waiting_for_round": provider_selectors.applications_waiting_for_round()
        .filter(provider_id=provider_id).count(),
        "memberships": list(provider_selectors.provider_memberships(user.organisation)
                            .order_by("lot__dps__name", "lot__position", "-admitted_at")[:50]),
        "placements": _take(contract_selectors.placements_for(user, today)
                            .exclude(status=Placement.Status.ENDED)),
        "fee_changes": _take(FeeChange.objects.filter(
            placement__provider_id=provider_id, status=FeeChange.Status.REQUESTED)
            .select_related("placement__child").order_by("effective_from", "id")),
        "kpi_returns": _take(KpiReturn.objects.filter(
            provider_id=provider_id, status=KpiReturn.Status.DUE)
            .select_related("lot").order_by("due_date", "id")),
        "action_items": _take(ActionItem.objects.filter(
            plan__provider_id=provider_id, status=ActionItem.Status.OPEN)
            .select_related("plan").order_by("due_date", "id")),
        "colleagues": list(User.objects.filter(organisation_id=provider_id)
                           .order_by("-is_active", "username")[:50]),
        "today": today,
    }
