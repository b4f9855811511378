"""The needs taxonomy, seeded; commissioners' admins maintain it afterwards."""

from django.db import migrations

NEEDS = [
    ("semh", "Social, emotional and mental health (SEMH)"),
    ("asd", "Autism (ASD)"),
    ("learning_disability", "Learning disability"),
    ("pmld", "Profound and multiple learning difficulties (PMLD)"),
    ("physical_complex_health", "Physical disability or complex health needs"),
    ("mental_health", "Mental health"),
    ("self_harm", "Self-harm"),
    ("missing_episodes", "Absconding or missing episodes"),
    ("cse", "Child sexual exploitation (CSE)"),
    ("criminal_exploitation", "Criminal exploitation or county lines"),
    ("challenging_behaviour", "Aggression or challenging behaviour"),
    ("harmful_sexual_behaviour", "Harmful sexual behaviour"),
    ("substance_misuse", "Substance misuse"),
    ("uasc", "Unaccompanied asylum-seeking child (UASC)"),
    ("parent_and_child", "Parent and child"),
]


def seed(apps, schema_editor):
    Need = apps.get_model("referrals", "Need")
    for position, (code, name) in enumerate(NEEDS):
        Need.objects.get_or_create(code=code, defaults={"name": name, "position": position})


class Migration(migrations.Migration):
    dependencies = [("referrals", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
