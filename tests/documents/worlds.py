"""One object of each kind documents attach to, with the people around it: who may attach,
who reads, someone of another organisation (404) and a role that may never attach (403)."""

from dataclasses import dataclass

from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts import factories as pf
from tests.monitoring import factories as mf


@dataclass
class World:
    attached_to: str
    obj: object
    kind: str
    uploader: object        # may attach
    reader: object          # may see and download (another party than the uploader)
    outsider: object        # another organisation: 404
    wrong_role: object      # never attaches to such an object: 403
    provider_reads_staff_upload: bool = False  # the upload is checked for identifiers


def application():
    app = f.ApplicationFactory()
    return World("application", app, "insurance", f.ProviderUserFactory(organisation=app.provider),
                 f.DpsAdminFactory(), f.ProviderUserFactory(), f.FinanceFactory())


def membership():
    m = f.MembershipFactory()
    return World("membership", m, "registration_certificate",
                 f.ProviderUserFactory(organisation=m.provider), f.DpsAdminFactory(),
                 f.ProviderUserFactory(), f.BudgetHolderFactory())


def referral():
    calloff = cf.OpenCallOffFactory()
    member = cf.admitted_and_invited(calloff)
    authority = calloff.authority
    return World("referral", calloff.referral, "referral_pack",
                 f.CommissionerFactory(organisation=authority),
                 f.ProviderUserFactory(organisation=member.provider),
                 f.CommissionerFactory(), f.ProviderUserFactory(organisation=member.provider),
                 provider_reads_staff_upload=True)


def eoi():
    e = cf.EoiFactory()
    return World("eoi", e, "placement_plan", f.ProviderUserFactory(organisation=e.provider),
                 f.CommissionerFactory(organisation=e.calloff.authority),
                 f.ProviderUserFactory(), f.FinanceFactory(organisation=e.calloff.authority))


def monitoring_activity():
    a = mf.PlannedActivityFactory()
    return World("monitoring_activity", a, "evidence", f.CommissionerFactory(),
                 f.ProviderUserFactory(organisation=a.provider), f.ProviderUserFactory(),
                 f.FinanceFactory(), provider_reads_staff_upload=True)


def action_item():
    item = mf.ActionItemFactory()
    return World("action_item", item, "evidence",
                 f.ProviderUserFactory(organisation=item.plan.provider), f.CommissionerFactory(),
                 f.ProviderUserFactory(), f.BudgetHolderFactory())


def placement():
    p = pf.PendingPlacementFactory()
    return World("placement", p, "care_plan_summary",
                 f.CommissionerFactory(organisation=p.authority),
                 f.ProviderUserFactory(organisation=p.provider), f.ProviderUserFactory(),
                 f.FinanceFactory(organisation=p.authority), provider_reads_staff_upload=True)


WORLDS = {w.__name__: w for w in (application, membership, referral, eoi, monitoring_activity,
                                  action_item, placement)}
