"""Four regimes (API.md v1.1); exclusion grounds on the debarment list.

Existing rows keep their regime: `light_touch` always meant the 2015 Regulations' light-touch
regime and still does. Only the children's DPS exactly as migration 0002 created it, in a
database where nobody has used it yet (no application, no referral), is re-recorded as what a
council could set up on 1 April 2025: a dynamic market for light-touch contracts under the
Procurement Act 2023. An installation already using it keeps what it recorded, and its
administrator sees what that regime means on the arrangement's regime page (ADR 0017).
"""

import datetime

from django.db import migrations, models


def default_tells_the_truth(apps, schema_editor):
    Dps = apps.get_model("providers", "Dps")
    Application = apps.get_model("providers", "Application")
    Referral = apps.get_model("referrals", "Referral")
    dps = Dps.objects.filter(code="children", regime="light_touch",
                             starts_on=datetime.date(2025, 4, 1)).first()
    if dps is None or Application.objects.filter(dps=dps).exists() or \
            Referral.objects.filter(lot__dps=dps).exists():
        return
    dps.regime = "pa2023_light_touch"
    dps.save(update_fields=["regime"])


def back(apps, schema_editor):
    Dps = apps.get_model("providers", "Dps")
    Dps.objects.filter(regime="pa2023_light_touch", code="children",
                       starts_on=datetime.date(2025, 4, 1)).update(regime="light_touch")


class Migration(migrations.Migration):

    dependencies = [
        ('providers', '0002_childrens_dps'),
        ('referrals', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='debarment',
            name='ground',
            field=models.CharField(choices=[('mandatory', 'Mandatory exclusion ground (Sch. 6)'), ('discretionary', 'Discretionary exclusion ground (Sch. 7)')], default='mandatory', max_length=15),
        ),
        migrations.AlterField(
            model_name='dps',
            name='regime',
            field=models.CharField(choices=[('pcr2015_dps', 'PCR 2015 dynamic purchasing system (reg. 34)'), ('light_touch', 'PCR 2015 light-touch regime (regs. 74–76)'), ('pa2023_dynamic_market', 'Procurement Act 2023 dynamic market'), ('pa2023_light_touch', 'Procurement Act 2023 dynamic market for light-touch contracts')], max_length=30),
        ),
        migrations.RunPython(default_tells_the_truth, back),
    ]
