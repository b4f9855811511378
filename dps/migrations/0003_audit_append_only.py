"""The audit trail is append-only: the ORM refuses changes (dps.models), and on PostgreSQL a
trigger refuses UPDATE and DELETE from any client, unless the transaction set
`dps.audit_purge` (dps.audit.purge, used only to reset seeded benchmark databases)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CREATE = """
CREATE OR REPLACE FUNCTION dps_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('dps.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'dps_auditentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS dps_audit_append_only ON dps_auditentry;
CREATE TRIGGER dps_audit_append_only BEFORE UPDATE OR DELETE ON dps_auditentry
    FOR EACH ROW EXECUTE FUNCTION dps_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS dps_audit_append_only ON dps_auditentry;
DROP FUNCTION IF EXISTS dps_audit_append_only();
"""


def create_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("dps", "0002_organisation_requires_resource_panel"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(create_guard, drop_guard),
    ]
