"""Factories per state. Build the world through these, not by hand."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from dps.models import Organisation, Role, User
from providers.models import (
    AdmissionRound,
    Application,
    ApplicationLot,
    Debarment,
    Dps,
    Lot,
    Membership,
    Regime,
    Regulator,
)

DECLARATIONS = {"equality_policy": True, "insurance": True, "no_discrimination_findings_3y": True}


def childrens_dps():
    return Dps.objects.get(code="children")


def lot(code="fostering", dps_code="children"):
    return Lot.objects.get(dps__code=dps_code, code=code)


class DpsFactory(factory.django.DjangoModelFactory):
    """Another arrangement: by default an adults' LD/MH DPS (CQC-regulated) with three lots.

    Its rule settings are the model defaults (the light-touch ones); pass any to override.
    """

    class Meta:
        model = Dps
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"adults-{n}")
    name = factory.Sequence(lambda n: f"Adults' learning disability and mental health DPS {n}")
    regime = Regime.LIGHT_TOUCH
    starts_on = datetime.date(2026, 4, 1)
    ends_on = datetime.date(2034, 3, 31)
    regulator = Regulator.CQC

    @factory.post_generation
    def lots(obj, create, extracted, **kwargs):
        """`lots=[(code, price_unit, regulated), ...]`; defaults to the adults' three lots."""
        if not create:
            return
        wanted = extracted if extracted is not None else [
            ("community_support", "hour", False), ("supported_living", "week", True),
            ("residential_care", "week", True)]
        for position, (code, unit, regulated) in enumerate(wanted):
            Lot.objects.create(dps=obj, code=code, name=code.replace("_", " ").capitalize(),
                               price_unit=unit, requires_regulator_reference=regulated,
                               position=position)


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Borough Council {n}")
    kind = Organisation.Kind.AUTHORITY
    area = factory.Sequence(lambda n: f"Area {n}")
    postcode = "RH12 1ST"


class LeadAuthorityFactory(AuthorityFactory):
    is_lead = True


class ProviderOrgFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Care Provider {n} Ltd")
    kind = Organisation.Kind.PROVIDER
    area = "West Sussex"
    postcode = "BN1 1AA"
    companies_house_number = factory.Sequence(lambda n: f"{n:08d}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")
    organisation = factory.SubFactory(AuthorityFactory)
    roles = factory.LazyFunction(lambda: [Role.COMMISSIONER])

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DpsAdminFactory(UserFactory):
    organisation = factory.SubFactory(LeadAuthorityFactory)
    roles = factory.LazyFunction(lambda: [Role.DPS_ADMIN])


class CommissionerFactory(UserFactory):
    roles = factory.LazyFunction(lambda: [Role.COMMISSIONER])


class BudgetHolderFactory(UserFactory):
    roles = factory.LazyFunction(lambda: [Role.BUDGET_HOLDER])
    approval_limit = Decimal("300000.00")


class FinanceFactory(UserFactory):
    roles = factory.LazyFunction(lambda: [Role.FINANCE])


class ProviderUserFactory(UserFactory):
    organisation = factory.SubFactory(ProviderOrgFactory)
    roles = factory.LazyFunction(lambda: [Role.PROVIDER])


class RoundFactory(factory.django.DjangoModelFactory):
    """A scheduled round, opening tomorrow for two weeks."""

    class Meta:
        model = AdmissionRound

    dps = factory.LazyFunction(childrens_dps)
    opens_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    closes_at = factory.LazyAttribute(lambda r: r.opens_at + datetime.timedelta(days=14))
    status = AdmissionRound.Status.SCHEDULED


ScheduledRoundFactory = RoundFactory


class OpenRoundFactory(RoundFactory):
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    opened_at = factory.SelfAttribute("opens_at")
    status = AdmissionRound.Status.OPEN


class ClosedRoundFactory(RoundFactory):
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=15))
    closes_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    opened_at = factory.SelfAttribute("opens_at")
    closed_at = factory.SelfAttribute("closes_at")
    status = AdmissionRound.Status.CLOSED


class CompletedRoundFactory(ClosedRoundFactory):
    completed_at = factory.LazyFunction(timezone.now)
    status = AdmissionRound.Status.COMPLETED


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A complete draft with one lot (fostering at £1,100 a week)."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    dps = factory.LazyFunction(childrens_dps)
    provider = factory.SubFactory(ProviderOrgFactory)
    ofsted_urn = factory.Sequence(lambda n: f"SC{n:06d}")
    declarations = factory.LazyFunction(lambda: dict(DECLARATIONS))
    status = Application.Status.DRAFT

    @factory.post_generation
    def lots(obj, create, extracted, **kwargs):
        """`lots={"fostering": "1100.00", ...}`; defaults to fostering at £1,100."""
        if not create:
            return
        wanted = extracted if extracted is not None else {"fostering": "1100.00"}
        for code, cap in wanted.items():
            ApplicationLot.objects.create(application=obj, lot=lot(code, obj.dps.code),
                                          price_cap=Decimal(cap))


DraftApplicationFactory = ApplicationFactory


class SubmittedApplicationFactory(ApplicationFactory):
    """Submitted into a round that is still open."""

    round = factory.SubFactory(OpenRoundFactory)
    status = Application.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


class AwaitingDecisionApplicationFactory(SubmittedApplicationFactory):
    """Submitted into a round that has closed: ready to decide."""

    round = factory.SubFactory(ClosedRoundFactory)
    evaluation_due = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=14))


class DecidedApplicationFactory(AwaitingDecisionApplicationFactory):
    status = Application.Status.DECIDED
    decided_at = factory.LazyFunction(timezone.now)


class WithdrawnApplicationFactory(ApplicationFactory):
    status = Application.Status.WITHDRAWN


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    provider = factory.SubFactory(ProviderOrgFactory)
    lot = factory.LazyFunction(lambda: lot("fostering"))
    price_cap = Decimal("1100.00")
    status = Membership.Status.ADMITTED
    admitted_at = factory.LazyFunction(timezone.now)


AdmittedMembershipFactory = MembershipFactory


class SuspendedMembershipFactory(MembershipFactory):
    status = Membership.Status.SUSPENDED
    suspended_from = factory.LazyFunction(timezone.localdate)
    suspended_until = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=30))
    status_reason = "Safeguarding investigation"


class RemovedMembershipFactory(MembershipFactory):
    status = Membership.Status.REMOVED
    removed_at = factory.LazyFunction(timezone.now)
    status_reason = "Failed the specification"


class DebarmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Debarment

    name = factory.LazyAttribute(lambda d: d.organisation.name if d.organisation else "Debarred")
    organisation = factory.SubFactory(ProviderOrgFactory)
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=10))
    reason = "Grave professional misconduct"
