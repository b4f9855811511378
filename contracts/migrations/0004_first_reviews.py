"""Placements made before reviews were scheduled get their first review from the schedule."""

from django.db import migrations


def first_reviews(apps, schema_editor):
    from contracts.rules import review_due_date

    Placement = apps.get_model("contracts", "Placement")
    PlacementReview = apps.get_model("contracts", "PlacementReview")
    missing = Placement.objects.filter(reviews__isnull=True).only("pk", "start_date")
    PlacementReview.objects.bulk_create(
        [PlacementReview(placement_id=p.pk, sequence=1,
                         due_date=review_due_date(p.start_date, 1)) for p in missing.iterator()],
        batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ("contracts", "0003_placements_core"),
    ]

    operations = [
        migrations.RunPython(first_reviews, migrations.RunPython.noop),
    ]
