"""Production settings pass Django's deployment checklist with no warnings at all.

Each check runs `manage.py` in a fresh process with a production-like environment: the suite's
own settings (dps.test_settings) switch HTTPS-only behaviour off and must not leak in.
"""

import pytest

from tests.production import production_env, run


def test_deploy_check_passes_with_no_warnings(tmp_path):
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                 production_env(tmp_path))

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output.upper(), output
    assert "System check identified no issues" in output, output


@pytest.mark.parametrize("prefix", [None, "", "ocds-xxxxxx", "ocds-ABC"])
def test_deploy_check_fails_on_the_placeholder_ocid_prefix(tmp_path, prefix):
    env = production_env(tmp_path)
    if prefix is None:
        env.pop("OCDS_OCID_PREFIX")  # unset (or empty, as .env.example has it): the placeholder
    else:
        env["OCDS_OCID_PREFIX"] = prefix
    result = run(["manage.py", "check", "--deploy"], env)

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "reports.E00" in output, output
    assert "Set the OCDS_OCID_PREFIX environment variable" in output, output


def test_health_probe_over_plain_http_is_not_redirected(tmp_path):
    # Docker's health check and load balancers call /healthz over HTTP inside the network;
    # every other path still redirects to HTTPS.
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='dps.example.org')\n"
        "print(client.get('/healthz').status_code, client.get('/api/v1/lots/').status_code)\n"
    )
    result = run(["-c", script], production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["200", "301"], result.stdout + result.stderr


def test_demo_settings_need_no_configuration(tmp_path):
    env = production_env(tmp_path, DEBUG="1")
    for key in ("SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL",
                "REDIS_URL"):
        env.pop(key, None)

    result = run(["manage.py", "check"], env)

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_an_encryption_key(tmp_path):
    env = production_env(tmp_path)
    env.pop("FIELD_ENCRYPTION_KEY")
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "ImproperlyConfigured: FIELD_ENCRYPTION_KEY must be set" in result.stderr


def test_with_the_database_down_health_says_503_and_pages_a_plain_error(tmp_path,
                                                                         collected_static):
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "client = Client(HTTP_HOST='dps.example.org', raise_request_exception=False,\n"
        "                HTTP_X_FORWARDED_PROTO='https')\n"
        "health = client.get('/healthz')\n"
        "page = client.post('/sign-in/', {'username': 'someone', 'password': 'x'})\n"
        "print('HEALTH', health.status_code, health.json()['database'])\n"
        "print('PAGE', page.status_code)\n"
        "print(page.content.decode())\n"
    )
    # Nothing listens on port 9: connections are refused at once.
    env = production_env(tmp_path, DATABASE_URL="postgres://postgres@127.0.0.1:9/none")
    # Production serves hashed static names from the manifest, as after `collectstatic` (run
    # once for the whole session).
    (tmp_path / "staticfiles").symlink_to(collected_static, target_is_directory=True)
    result = run(["-c", script], env)

    assert result.returncode == 0, result.stderr
    assert "HEALTH 503 unavailable" in result.stdout
    assert "PAGE 500" in result.stdout
    page = result.stdout.split("PAGE 500", 1)[1]
    assert "Sorry, there is a problem with the service" in page
    assert "Traceback" not in page
    assert "OperationalError" not in page
