"""Operations: the restore drill (bin/restore_drill.sh) dumps the database, restores it into a
fresh one and finds every table's row count equal — including the audit trail and its
append-only trigger, which pg_restore must recreate without tripping."""

import subprocess
from pathlib import Path

import pytest
from django.db import connection

from dps import audit
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_dump_restores_with_identical_row_counts():
    commissioner = f.CommissionerFactory()
    audit.record(commissioner.organisation, "organisation.checked", by=commissioner)
    settings = connection.settings_dict
    url = (f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
           f"{settings['PORT'] or 5432}/{settings['NAME']}")
    result = subprocess.run(["bash", str(ROOT / "bin" / "restore_drill.sh"), url],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "restore drill: OK" in result.stdout
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                       [settings["NAME"] + "_restore_drill"])
        assert cursor.fetchone()[0] == 0  # the scratch copy is dropped afterwards
