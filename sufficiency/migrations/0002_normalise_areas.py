"""Areas typed before the list existed, spelled as the list spells them ("west sussex " →
"West Sussex"), so in/out of area compares like with like. Values the list does not know are
left as they were: pages show them, and nothing matches them as in the area (ADR 0021)."""

from django.db import migrations


def normalise(apps, schema_editor):
    from dps import areas

    for model, field in ((apps.get_model("dps", "Organisation"), "area"),
                         (apps.get_model("referrals", "Referral"), "location_area")):
        for value in model.objects.values_list(field, flat=True).distinct():
            area = areas.find(value)
            if area is not None and area.name != value:
                model.objects.filter(**{field: value}).update(**{field: area.name})


class Migration(migrations.Migration):

    dependencies = [
        ("sufficiency", "0001_initial"),
        ("dps", "0008_outbox_done"),
        ("referrals", "0003_encrypt_child_identity"),
    ]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True)]
