"""Demo data: two councils, a dozen providers across the four lots, users of every role, the
adults' DPS and approved provider list beside the children's DPS, and three years of the
children's DPS (workspace/demo/): placements bought, reviewed, re-priced and ended; KPI returns,
visits, action plans, risk and outcome ratings; invoices, decisions and payments.

Everything goes through the services, so the demo also has an audit trail. Deterministic and
dated relative to today. Running it again changes nothing.
"""

import datetime
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from dps.models import User
from providers.models import AdmissionRound
from workspace.demo.base import DEMO_PASSWORD, PROVIDERS, seed_today, seed_world
from workspace.demo.calloffs import seed_calloffs
from workspace.demo.clock import on
from workspace.demo.history import YEARS, seed_history
from workspace.demo.notices import seed_notices
from workspace.demo.vacancies import seed_vacancies

__all__ = ["DEMO_PASSWORD", "Command"]


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo sign-ins."

    def handle(self, *args, **options):
        if User.objects.filter(username="admin").exists():
            self.stdout.write("Demo data already loaded.")
        else:
            started = time.perf_counter()
            with transaction.atomic():
                placements = self._seed()
            self.stdout.write(self.style.SUCCESS(
                f"Loaded demo data: 2 councils, {len(PROVIDERS)} providers, "
                f"{AdmissionRound.objects.count()} rounds, 3 DPS arrangements, {YEARS} years of "
                f"history ({placements} placements) in {time.perf_counter() - started:.1f} s."))
        self._print_sign_ins()

    def _seed(self):
        today = timezone.localdate()
        # The DPS opened three years ago, a few weeks before its first placement.
        opened = today.replace(year=today.year - YEARS) - datetime.timedelta(days=50)
        with on(opened):
            users = seed_world(opened, timezone.now())
        placements = seed_history(users, today)
        seed_today(users, today, timezone.now())
        seed_calloffs(users)
        seed_vacancies(today)
        seed_notices(today)
        return len(placements)

    def _print_sign_ins(self):
        self.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
        for user in User.objects.select_related("organisation").order_by("id"):
            roles = ", ".join(user.roles) or ("superuser" if user.is_superuser else "-")
            self.stdout.write(f"  {user.username:<22} {roles:<16} {user.organisation}")
