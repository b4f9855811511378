"""E-mail tasks send each message once, however often they run (acks_late means retries)."""

import pytest
from django.core import mail
from django.utils import timezone

from calloffs import tasks
from calloffs.models import CallOff, ExpressionOfInterest, Question
from tests import factories as f
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db


def test_outcome_is_sent_once_to_each_bidder():
    calloff = cf.ClosedCallOffFactory()
    for _ in range(2):
        membership = cf.admitted_and_invited(calloff)
        f.ProviderUserFactory(organisation=membership.provider)
        cf.EoiFactory(calloff=calloff, provider=membership.provider, quality_score=60,
                      outcome=ExpressionOfInterest.Outcome.UNSUCCESSFUL, rank=1)
    CallOff.objects.filter(pk=calloff.pk).update(status=CallOff.Status.NO_AWARD,
                                                 ended_reason="No suitable offer")
    assert tasks.notify_outcome(calloff.pk) == 2
    assert tasks.notify_outcome(calloff.pk) == 0
    assert len(mail.outbox) == 2


def test_answer_is_sent_once():
    calloff = cf.OpenCallOffFactory()
    membership = cf.admitted_and_invited(calloff)
    f.ProviderUserFactory(organisation=membership.provider)
    question = Question.objects.create(calloff=calloff, asked_by=membership.provider,
                                       text="Is there a garden?", answer="Yes.",
                                       answered_at=timezone.now())
    assert tasks.notify_answer(question.pk) == 1
    assert tasks.notify_answer(question.pk) == 0
    assert len(mail.outbox) == 1


def test_invitations_are_sent_once():
    calloff = cf.OpenCallOffFactory()
    for _ in range(3):
        membership = cf.admitted_and_invited(calloff)
        f.ProviderUserFactory(organisation=membership.provider)
    assert tasks.notify_invited_providers(calloff.pk, batch_size=2) == 3
    assert tasks.notify_invited_providers(calloff.pk) == 0
    assert len(mail.outbox) == 3
