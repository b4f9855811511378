"""`manage.py check --deploy` fails while the ocid prefix is the placeholder or malformed, and
says which environment variable sets it; a development `check` does not mind."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from reports.checks import check_ocid_prefix


def deploy_check():
    call_command("check", "--deploy", "--tag", "open_data")


@pytest.mark.parametrize(("prefix", "code"), [
    ("ocds-xxxxxx", "reports.E001"),
    ("", "reports.E002"),
    ("ocds-abc", "reports.E002"),         # too short
    ("ocds-ABC123", "reports.E002"),      # upper case
    ("ocds-abc1234", "reports.E002"),     # too long
    ("abc123", "reports.E002"),           # no "ocds-"
    ("ocds-abc123-", "reports.E002"),
])
def test_a_placeholder_or_malformed_prefix_is_an_error(prefix, code):
    with override_settings(OCDS_OCID_PREFIX=prefix):
        (error,) = check_ocid_prefix()
        assert error.id == code
        assert error.is_serious()
        assert "OCDS_OCID_PREFIX environment variable" in error.hint
        with pytest.raises(SystemCheckError, match=code):
            deploy_check()


def test_the_placeholder_message_says_what_is_wrong():
    with override_settings(OCDS_OCID_PREFIX="ocds-xxxxxx"):
        (error,) = check_ocid_prefix()
    assert "placeholder 'ocds-xxxxxx'" in error.msg


@override_settings(OCDS_OCID_PREFIX="ocds-a1b2c3")
def test_a_registered_prefix_passes(capsys):
    assert check_ocid_prefix() == []
    deploy_check()
    assert "System check identified no issues" in capsys.readouterr().out


@override_settings(OCDS_OCID_PREFIX="ocds-xxxxxx")
def test_only_the_deploy_check_minds(capsys):
    # Development and the demo run with the placeholder: a plain `check` passes.
    call_command("check")
    assert "System check identified no issues" in capsys.readouterr().out
