from io import StringIO

import pytest
from django.core.management import call_command

from tests.contracts import factories as pf

pytestmark = pytest.mark.django_db


def test_placements_without_an_agreement_get_version_one_once(awarded):
    legacy = pf.PlacementFactory()
    out = StringIO()
    call_command("issue_missing_agreements", stdout=out)
    call_command("issue_missing_agreements", stdout=out)
    assert out.getvalue().splitlines() == ["Issued 1 agreement(s).", "Issued 0 agreement(s)."]
    assert list(legacy.agreement_versions.values_list("version", flat=True)) == [1]
    assert awarded.agreement_versions.count() == 1
