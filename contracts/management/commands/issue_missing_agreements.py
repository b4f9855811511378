"""Issue version 1 of the agreement for placements made before agreements were stored."""

from django.core.management.base import BaseCommand

from contracts import services
from contracts.models import Placement


class Command(BaseCommand):
    help = "Render and store an agreement for every placement that has none yet."

    def handle(self, *args, **options):
        missing = Placement.objects.filter(agreement_versions__isnull=True).order_by("pk")
        issued = 0
        for placement in missing.iterator():
            services.issue_agreement(placement, by=None,
                                     reason="Issued for a placement made before agreements "
                                            "were stored")
            issued += 1
        self.stdout.write(f"Issued {issued} agreement(s).")
