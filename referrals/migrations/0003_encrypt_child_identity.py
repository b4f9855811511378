"""Children's identity encrypted at rest (ADR 0013): the columns become Fernet text, every
existing row is re-saved encrypted with its case-reference digest, then uniqueness moves to
the digest."""

import encrypted_model_fields.fields
from django.db import migrations, models

from referrals.crypto import reference_digest


def encrypt_existing(apps, schema_editor):
    Child = apps.get_model("referrals", "Child")
    # Reading decrypts, or passes plain text through for rows written before this migration;
    # saving writes every encrypted field back encrypted.
    for child in Child.objects.all().iterator(chunk_size=500):
        child.case_reference_digest = reference_digest(child.case_reference)
        child.save()


class Migration(migrations.Migration):

    dependencies = [
        ('dps', '0003_audit_append_only'),
        ('referrals', '0002_needs_taxonomy'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='child',
            name='child_case_reference_per_authority',
        ),
        migrations.AddField(
            model_name='child',
            name='case_reference_digest',
            field=models.CharField(default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='child',
            name='identity_cleared_at',
            field=models.DateTimeField(blank=True, help_text='When the retention rule cleared the identity (names, date of birth, postcode).', null=True),
        ),
        migrations.AlterField(
            model_name='child',
            name='case_reference',
            field=encrypted_model_fields.fields.EncryptedCharField(),
        ),
        migrations.AlterField(
            model_name='child',
            name='date_of_birth',
            field=encrypted_model_fields.fields.EncryptedDateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='child',
            name='first_name',
            field=encrypted_model_fields.fields.EncryptedCharField(),
        ),
        migrations.AlterField(
            model_name='child',
            name='last_name',
            field=encrypted_model_fields.fields.EncryptedCharField(),
        ),
        migrations.AlterField(
            model_name='child',
            name='postcode',
            field=encrypted_model_fields.fields.EncryptedCharField(blank=True),
        ),
        migrations.RunPython(encrypt_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='child',
            constraint=models.UniqueConstraint(condition=models.Q(('identity_cleared_at__isnull', True)), fields=('authority', 'case_reference_digest'), name='child_case_reference_per_authority'),
        ),
    ]
