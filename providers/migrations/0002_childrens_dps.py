"""The children's placements DPS exists from the first migration, with its four lots."""

import datetime

from django.db import migrations

DECLARATIONS = [
    {"key": "equality_policy", "label": "We have an equality and diversity policy that we apply."},
    {"key": "insurance",
     "label": "We hold employer's, public and professional liability insurance at the levels "
              "the specification sets."},
    {"key": "no_discrimination_findings_3y",
     "label": "No finding of unlawful discrimination has been made against us in the last "
              "three years."},
]

LOTS = [
    ("fostering", "Independent fostering", "week", True),
    ("residential", "Residential children's homes", "week", True),
    ("inmss", "Independent and non-maintained special schools", "year", True),
    ("tuition", "Tuition and alternative provision", "hour", False),
]


def create(apps, schema_editor):
    Dps = apps.get_model("providers", "Dps")
    Lot = apps.get_model("providers", "Lot")
    dps, created = Dps.objects.get_or_create(
        code="children",
        defaults={
            "name": "Children's placements DPS",
            "description": "Fostering, residential children's homes, independent and "
                           "non-maintained special schools, and tuition.",
            "regime": "light_touch",
            "starts_on": datetime.date(2025, 4, 1),
            "ends_on": datetime.date(2033, 3, 31),
            "extension_options": "Up to 3 × 12 months",
            "max_extension_months": 36,
            "evaluation_working_days": 10,
            "evaluation_max_working_days": 15,
            "max_suspension_months": 6,
            "min_response_days": 0,
            "fixed_price_months": 12,
            "regulator": "ofsted",
            "required_declarations": DECLARATIONS,
        },
    )
    if created:
        for position, (code, name, unit, regulated) in enumerate(LOTS):
            Lot.objects.create(dps=dps, code=code, name=name, price_unit=unit,
                               requires_regulator_reference=regulated, position=position)


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
