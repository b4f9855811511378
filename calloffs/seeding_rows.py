"""How the call-off generator (calloffs.seeding) writes what it planned: every table's ids
reserved, then plain rows by COPY inside dps.bulk.bulk_load, and the audit rows the services
would have written. A mixin of the generator: it reads the plans and the generator's state."""

import datetime

from calloffs.models import CallOff, ExpressionOfInterest, Invitation, Question
from calloffs.seeding_texts import AUDIT_FIELDS
from dps.bulk import bulk_load, insert_rows, model_rows, reserve_ids
from dps.models import AuditEntry
from referrals.models import (
    Child,
    Referral,
)

Status = CallOff.Status


class RowWriter:
    def write(self, plans):
        """Every row by COPY (multi-row INSERTs on SQLite), with ids reserved first: the
        recommended EoI goes in with its call-off (no UPDATE); on PostgreSQL the foreign keys
        are checked and the plain indexes built once per table at the end (dps.bulk.bulk_load),
        not row by row."""
        children = [p.child for p in plans]
        referrals = [p.referral for p in plans]
        calloffs = [p.calloff for p in plans]
        eois = [eoi for p in plans for eoi in p.eois]
        questions = [q for p in plans for q in p.questions]
        for model, objects in ((Child, children), (Referral, referrals), (CallOff, calloffs),
                               (ExpressionOfInterest, eois), (Question, questions)):
            first = reserve_ids(model, len(objects))
            for offset, obj in enumerate(objects):
                obj.pk = first + offset
        for p in plans:
            if p.winner is not None:
                p.calloff.recommended_eoi_id = p.winner.pk
        through = Referral.needs.through
        with bulk_load([Child, Referral, through, CallOff, Invitation,
                                        ExpressionOfInterest, Question, AuditEntry]):
            self.step("ids reserved; foreign keys and indexes set aside")
            for model, objects, what in ((Child, children, "children"),
                                         (Referral, referrals, "referrals"),
                                         (CallOff, calloffs, "call-offs")):
                insert_rows(model, *model_rows(model, objects))
                self.step(f"{len(objects)} {what}")
            needs = insert_rows(through, ("referral", "need"),
                                ((p.referral.pk, need) for p in plans for need in p.need_ids))
            self.step(f"{needs} referral needs")
            invitations = insert_rows(
                Invitation, ("calloff", "provider", "membership", "invited_at", "notified_at"),
                ((p.calloff.pk, m.provider_id, m.pk, p.published_at,
                  p.published_at + datetime.timedelta(seconds=30))
                 for p in plans for m in p.invited))
            self.step(f"{invitations} invitations")
            insert_rows(ExpressionOfInterest, *model_rows(ExpressionOfInterest, eois))
            self.step(f"{len(eois)} expressions of interest")
            insert_rows(Question, *model_rows(Question, questions))
            self.step(f"{len(questions)} questions")
            audit = insert_rows(AuditEntry, AUDIT_FIELDS,
                                (entry for p in plans for entry in self.audit_rows(p)))
            self.step(f"{audit} audit entries")
        self.step("indexes built, foreign keys checked")

    def audit_rows(self, p):
        """The rows the services would have written, at the times they would have."""
        by = p.commissioner.pk
        referral, calloff = p.referral, p.calloff
        yield self.audit(Referral, referral.pk, str(referral), "referral.created",
                         referral.created_at, by=by, to_state="draft")
        yield self.audit(Referral, referral.pk, str(referral), "referral.publish",
                         p.published_at, by=by, from_state="draft", to_state="published")
        yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.published", p.published_at,
                         by=by, to_state="open",
                         data={"invited": len(p.invited), "deadline": p.deadline.isoformat()})
        for eoi in p.eois:
            repr_ = f"EoI {eoi.pk} from {self.provider_names[eoi.provider_id]}"
            yield self.audit(ExpressionOfInterest, eoi.pk, repr_, "eoi.submitted",
                             eoi.submitted_at, by=eoi.submitted_by_id, to_state="submitted",
                             data={"price": str(eoi.offered_price)})
            if eoi.withdrawn_at:
                yield self.audit(ExpressionOfInterest, eoi.pk, repr_,
                                 "expressionofinterest.withdraw", eoi.withdrawn_at,
                                 by=eoi.submitted_by_id, from_state="submitted",
                                 to_state="withdrawn")
            if eoi.evaluated_at:
                yield self.audit(ExpressionOfInterest, eoi.pk, repr_, "eoi.evaluated",
                                 eoi.evaluated_at, by=eoi.evaluated_by_id,
                                 reason=eoi.evaluation_notes,
                                 data={"quality_score": eoi.quality_score, "previous": None})
        for question in p.questions:
            repr_ = f"Question {question.pk} on call-off {calloff.pk}"
            yield self.audit(Question, question.pk, repr_, "question.asked", question.asked_at,
                             by=self.provider_users[question.asked_by_id])
            if question.answered_at:
                yield self.audit(Question, question.pk, repr_, "question.answered",
                                 question.answered_at, by=by)
        if p.closed_at:
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.close", p.closed_at,
                             from_state="open", to_state="closed")
        if p.negotiation_until:
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.negotiation_opened",
                             p.closed_at + (p.negotiation_until - p.closed_at) * 0.2, by=by,
                             data={"until": p.negotiation_until.isoformat()})
        if p.status == Status.CANCELLED:
            at = p.ended_at or self.between(p.closed_at, min(self.now, p.closed_at
                                                             + datetime.timedelta(days=5)))
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.cancel", at, by=by,
                             from_state="closed" if p.closed_at else "open",
                             to_state="cancelled", reason=calloff.ended_reason)
        if p.status == Status.NO_AWARD:
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.no_award", p.ended_at,
                             by=by, from_state="closed", to_state="no_award",
                             reason=calloff.ended_reason)
        if p.winner is not None:
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.recommend",
                             p.recommended_at, by=by, from_state="closed",
                             to_state="awaiting_approval", reason=calloff.recommendation_reason,
                             data={"eoi": p.winner.pk, "ranked_first": p.ranked_first})
        if p.approved_at:
            yield self.audit(CallOff, calloff.pk, str(calloff), "calloff.approve",
                             p.approved_at, by=calloff.approved_by_id,
                             from_state="awaiting_approval", to_state="awarded",
                             data={"eoi": p.winner.pk, "value": str(calloff.award_value)})
