"""Every existing lot starts with the four example quality criteria (ADR 0026)."""

from django.db import migrations

DEFAULTS = (
    ("How the child's needs are met", 40),
    ("Approach to outcomes", 25),
    ("Location and stability", 20),
    ("Staffing", 15),
)


def seed(apps, schema_editor):
    Lot = apps.get_model("providers", "Lot")
    LotCriterion = apps.get_model("calloffs", "LotCriterion")
    have = set(LotCriterion.objects.values_list("lot_id", flat=True))
    LotCriterion.objects.bulk_create([
        LotCriterion(lot_id=lot_id, name=name, weight=weight, position=position)
        for lot_id in Lot.objects.exclude(pk__in=have).values_list("pk", flat=True)
        for position, (name, weight) in enumerate(DEFAULTS)])


class Migration(migrations.Migration):
    dependencies = [
        ("calloffs", "0006_quality_criteria"),
        ("providers", "0003_regimes"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
