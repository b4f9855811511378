"""Assertions the API tests share: the uniform error body, and "a refusal changed nothing"."""

from contextlib import contextmanager
from decimal import Decimal

from calloffs.models import CallOff, ExpressionOfInterest, Invitation, Question
from contracts.models import (
    AgreementVersion,
    BlockContract,
    FeeChange,
    FeePeriod,
    Placement,
    PlacementReview,
    SupportItem,
    VolumeDiscountTier,
)
from documents.models import Document
from dps.models import AuditEntry, Organisation, User
from invoicing.models import (
    Invoice,
    InvoicedMonth,
    InvoicedTo,
    InvoiceLine,
    InvoicingSummaryState,
    PaidDay,
    Payment,
    RemittanceImport,
)
from monitoring.models import (
    ActionItem,
    ActionPlan,
    AnnualReport,
    Kpi,
    KpiReturn,
    KpiValue,
    MonitoringActivity,
    OutcomeRating,
    ReassessmentTrigger,
    RiskAssessment,
)
from providers.models import AdmissionRound, Application, ApplicationLot, Debarment, Membership
from referrals.models import Child, Referral
from reports.models import ExportJob

# Rows compared in full before and after a refused request.
WATCHED = (Organisation, AuditEntry, AdmissionRound, Application, ApplicationLot, Membership,
           Child, Referral, CallOff, Invitation, ExpressionOfInterest, Question, Placement,
           FeePeriod, FeeChange, SupportItem, PlacementReview, AgreementVersion)
WATCHED += (RiskAssessment, ReassessmentTrigger, MonitoringActivity, ActionPlan, ActionItem, Kpi,
            KpiReturn, KpiValue, OutcomeRating)
WATCHED += (BlockContract, VolumeDiscountTier)
WATCHED += (AnnualReport,)
WATCHED += (ExportJob,)
WATCHED += (Invoice, InvoiceLine, Payment, RemittanceImport)
WATCHED += (InvoicingSummaryState, InvoicedTo, InvoicedMonth, PaidDay)
WATCHED += (Debarment,)
WATCHED += (Document,)


def assert_error(response, status, code, fields=()):
    """The body API.md promises for every 4xx: a stable code and a sentence, plus `fields`."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str), body
    assert body["detail"].strip(), body
    if fields:
        assert set(fields) <= set(body["fields"]), body
    return body


def assert_money(value, expected):
    """Money is a decimal string in pounds with exactly two places."""
    assert isinstance(value, str), value
    assert value == expected
    assert Decimal(value).as_tuple().exponent == -2


def _snapshot():
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}
    rows["User"] = list(User.objects.order_by("pk").values_list("pk", "username", "roles"))
    rows["Referral.needs"] = list(Referral.needs.through.objects.order_by("pk").values())
    return rows


@contextmanager
def nothing_changes():
    """Every watched row is the same after the block: no state moved, no audit row written."""
    before = _snapshot()
    yield
    assert _snapshot() == before
