"""Re-encrypt every child's identity under the first FIELD_ENCRYPTION_KEY and recompute the
case-reference digests. Run after putting a new key first in FIELD_ENCRYPTION_KEY (keep the
old one after it until this has finished); then the old key can be removed."""

from django.core.management.base import BaseCommand
from django.db import transaction

from referrals.models import Child


class Command(BaseCommand):
    help = "Re-encrypt children's identity with the newest key (docs/operations.md)."

    def handle(self, *args, **options):
        done = 0
        with transaction.atomic():
            for child in Child.objects.select_for_update().order_by("pk").iterator(
                    chunk_size=500):
                child.save()  # encrypts with the first key, digest under the first key
                done += 1
        self.stdout.write(self.style.SUCCESS(f"Re-encrypted {done} children."))
