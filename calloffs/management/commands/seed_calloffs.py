"""Call-off volume for benchmarks, on top of `seed_scale`:

    manage.py seed_calloffs --calloffs 20000 [--invite-per-calloff 60] [--reset]

About a year of call-offs on the children's DPS: children and their anonymised referrals
(published, with needs from the taxonomy), call-offs across the four lots from the councils
`seed_scale` made, their invitations, expressions of interest, clarification questions and the
audit rows the services would have written. Most call-offs are in the past (awarded, no award,
cancelled, or closed and being evaluated); 1.5 % are open with deadlines to come, a third of
those closing within 48 hours.

Invitations are sampled, not complete. The rule is that a call-off invites every provider
admitted to its lot; at 2,000 providers and 20,000 call-offs that is ~10 million rows. Here each
call-off invites a random sample of --invite-per-calloff of the providers that were admitted
(not suspended, not removed) on its lot when it was published, or all of them when there are
no more than that. One fixed provider, printed at the end, is admitted to the residential and
fostering lots and invited to every call-off on those two lots published since its admission
(about 60 % of all call-offs), so its opportunity list is measured against a big invitation set.

Rows go in as plain rows (dps.bulk: COPY on PostgreSQL, with ids reserved first and the foreign
keys and plain indexes set aside until the end): the per-row services are not run, so the generator
keeps to their rules itself (EoIs only from invited providers, before the deadline, priced within
the provider's cap, one live EoI per provider and call-off; awards only of a live, scored offer,
with ranks and scores by the published formula; one award per call-off). The same --seed gives
the same mix; exact counts move a little with the time of day, as seed_scale's dates do.
"""

import random
import time

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import ProtectedError

from calloffs.models import CallOff, ExpressionOfInterest, Invitation, Question
from calloffs.seeding import Generator, Status
from dps import audit
from dps.bulk import Progress
from dps.models import AuditEntry, Organisation, User
from providers.management.commands.seed_scale import (
    PREFIX,
)
from providers.models import Dps, Membership
from referrals.models import (
    Child,
    Referral,
)


def seeded_children():
    """Children of the seeded authorities (case references are encrypted, so not by prefix)."""
    return Child.objects.filter(
        authority__in=Organisation.objects.filter(users__username__startswith=PREFIX))


class Command(BaseCommand):
    help = ("Seed call-offs with referrals, sampled invitations, EoIs and questions on top of "
            "seed_scale's providers, with bulk writes (for benchmarks and load tests).")

    def add_arguments(self, parser):
        parser.add_argument("--calloffs", type=int, default=20000)
        parser.add_argument("--invite-per-calloff", type=int, default=60,
                            help="Providers invited per call-off, sampled from the lot's "
                                 "admitted members (default 60); the fixed provider comes on "
                                 "top.")
        parser.add_argument("--reset", action="store_true",
                            help="First delete the call-offs, referrals and children an earlier "
                                 "run made.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--password", default="",
                            help="Set this password on the fixed provider's user (default: "
                                 "leave the one seed_scale gave).")

    def handle(self, *args, calloffs, invite_per_calloff, reset, seed, password, **options):
        if calloffs < 1 or invite_per_calloff < 1:
            raise CommandError("--calloffs and --invite-per-calloff must be at least 1.")
        dps = Dps.objects.filter(code="children").first()
        if dps is None:
            raise CommandError("The children's DPS is missing: run `manage.py migrate` first.")
        if not User.objects.filter(username=f"{PREFIX}admin").exists():
            raise CommandError("No seed_scale data: run `manage.py seed_scale` first.")
        started = time.monotonic()
        step = Progress(self.stdout)
        with transaction.atomic():
            if reset:
                self.wipe()
                step("deleted the earlier run's rows")
            elif seeded_children().exists():
                raise CommandError("seed_calloffs has already run on this database: pass "
                                   "--reset to delete its data and seed again.")
            counts = Generator(dps, random.Random(seed), calloffs, invite_per_calloff,
                               step).run()
            if password:
                User.objects.filter(pk=counts["fixed_user_id"]).update(
                    password=make_password(password))
        step("committed")
        if connection.vendor == "postgresql":
            self.vacuum()
            step("VACUUM (ANALYZE)")
        counts["seconds"] = time.monotonic() - started
        counts["password"] = "as given with --password" if password else \
            "as seed_scale set it (unusable unless it had --password)"
        status = counts.pop("status")
        counts["mix"] = ", ".join(f"{status[s]} {s}" for s in Status.values if status[s])
        self.stdout.write(self.style.SUCCESS(
            "Seeded {calloffs} call-offs ({mix}; {closing_soon} closing within 48 hours), "
            "{referrals} published referrals with {needs} needs, {invitations} invitations "
            "({per_calloff} sampled per call-off, plus the fixed provider; inviting every "
            "admitted member would have made {complete}), {eois} expressions "
            "of interest, {questions} questions, {audit} audit entries in {seconds:.1f} s.\n"
            "Fixed provider: {fixed_name} (organisation {fixed_id}), user {fixed_username}, "
            "password {password}; admitted to {fixed_lots}; invited to {fixed_invitations} "
            "call-offs ({fixed_open} open), {fixed_eois} EoIs."
            .format(**counts)))

    def vacuum(self):
        """What autovacuum does soon after a bulk load (insert-triggered since PostgreSQL 13):
        fresh planner statistics, and a visibility map so index-only scans skip the heap."""
        tables = [model._meta.db_table for model in (
            Child, Referral, Referral.needs.through, CallOff, Invitation, ExpressionOfInterest,
            Question, AuditEntry, Membership)]
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            cursor.execute(f"{verb} " + ", ".join(map(connection.ops.quote_name, tables)))

    def wipe(self):
        children = seeded_children()
        referrals = Referral.objects.filter(child__in=children)
        calloffs = CallOff.objects.filter(referral__in=referrals)
        owned = [
            (Question, Question.objects.filter(calloff__in=calloffs)),
            (ExpressionOfInterest, ExpressionOfInterest.objects.filter(calloff__in=calloffs)),
            (Invitation, Invitation.objects.filter(calloff__in=calloffs)),
            (CallOff, calloffs),
            (Referral, referrals),
        ]
        try:
            for model, queryset in owned:
                with audit.purge():  # resetting a seeded database: the one allowed purge
                    AuditEntry.objects.filter(
                        content_type=ContentType.objects.get_for_model(model),
                        object_id__in=queryset.values("pk"),
                    ).delete()
            calloffs.update(recommended_eoi=None)
            for _, queryset in owned:
                queryset.delete()
            children.delete()
        except ProtectedError as exc:
            raise CommandError(
                f"Other records still refer to the seeded call-offs, so they cannot be reset: "
                f"{exc}. Start from an empty database instead.") from exc
