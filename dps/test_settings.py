"""Settings for the test suite: the production settings with test-friendly defaults."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("TESTING", "1")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from dps.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Outermost, so it sees every final response: tests/sweep.py checks what providers and the
# public were shown for children's identifiers.
MIDDLEWARE = ["tests.sweep.SweepMiddleware", *MIDDLEWARE]  # noqa: F405

# Documents go to a temporary folder of the run, never var/; no scanner unless a test starts
# its own clamd (tests/documents/clamd.py).
import tempfile  # noqa: E402

STORAGES["documents"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": tempfile.mkdtemp(prefix="dps-test-documents-"), "base_url": None}}
CLAMAV_URL = ""

# A second connection to the same test database, as a replica would be (TEST MIRROR: not
# created apart). Off unless a test turns REPORTS_ON_REPLICA on (tests/dps/test_replica.py):
# a mirror's connection does not see the other connection's uncommitted test data.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPORTS_ON_REPLICA = False

# Every lean API representation is compared with DRF's own (dps/api/lean.py): a difference
# fails the test that made the request.
API_LEAN_CHECK = True
