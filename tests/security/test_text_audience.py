"""Every text field of every model of the project has a declared audience
(referrals/audience.py), and every text staff write for providers to read is scanned for the
child's identifiers by the services that store it. A new text field fails here until it is
declared; a new provider-readable one until its services scan it and a refusal test covers it."""

import importlib
import inspect
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models

from referrals import audience
from tests.security.test_identifiers_in_text import COVERED

CONCERNS = {"referral", "calloff", "placement", "provider"}


def project_text_fields():
    """"app.Model.field" of each free-text field of the project's own models (choices are
    enumerations, not free text)."""
    root = Path(settings.BASE_DIR).resolve()
    found = set()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if root not in path.parents or "site-packages" in path.parts:
            continue  # Django's and third-party apps: none is written for providers
        for model in config.get_models():
            for field in model._meta.get_fields():
                if isinstance(field, (models.CharField, models.TextField)) \
                        and not field.auto_created and not field.choices:
                    found.add(f"{model._meta.label}.{field.name}")
    return found


def test_the_walk_sees_the_projects_models():
    fields = project_text_fields()
    assert {"calloffs.Question.answer", "referrals.Referral.summary",
            "providers.Membership.status_reason", "monitoring.ActionItem.action"} <= fields
    assert not any(key.startswith(("auth.", "axes.", "sessions.")) for key in fields)


def test_every_text_field_has_a_declared_audience():
    undeclared = sorted(project_text_fields() - set(audience.TEXTS))
    assert undeclared == [], (
        "Declare who reads these text fields in referrals/audience.py TEXTS; if a provider "
        f"reads one that staff write, scan it in the service that stores it: {undeclared}")


def test_no_declaration_names_a_field_that_is_gone():
    assert sorted(set(audience.TEXTS) - project_text_fields()) == []


def test_every_declaration_is_complete():
    known = {audience.STAFF, audience.PROVIDER, audience.PROVIDER_WRITTEN, audience.PUBLIC,
             audience.SYSTEM, audience.IDENTITY, audience.COPY}
    for key, text in audience.TEXTS.items():
        assert text.audience in known, key
        if text.audience == audience.PROVIDER:
            assert text.concerns in CONCERNS, key
            assert text.scanned_in, f"{key}: name the services that scan it"
        else:
            assert not text.scanned_in, key
            assert not text.concerns, key
        if text.audience == audience.COPY:
            assert text.why, f"{key}: say what it copies"


def _function(dotted):
    module, name = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def test_each_scanning_service_calls_the_scan():
    for key, text in audience.TEXTS.items():
        for dotted in text.scanned_in:
            source = inspect.getsource(_function(dotted))
            assert "refuse_identifiers(" in source, f"{dotted} stores {key} without the scan"


def test_every_provider_readable_text_has_a_refusal_test():
    provider_texts = {key for key, text in audience.TEXTS.items()
                      if text.audience == audience.PROVIDER}
    assert sorted(provider_texts - COVERED) == [], \
        "add a case to tests/security/test_identifiers_in_text.py"
    assert sorted(COVERED - provider_texts) == []
