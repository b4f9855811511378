"""Settings, 12-factor: everything that differs between machines comes from the environment.

Without DATABASE_URL / REDIS_URL the embedded defaults apply (SQLite and kombu's SQLAlchemy
broker on SQLite), so `make demo` needs no servers.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105

# The previous key, for a day after rotating SECRET_KEY (docs/operations.md).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "dps",
    "providers",
    "referrals",
    "calloffs",
    "contracts",
    "monitoring",
    "reports",
    "invoicing",
    "documents",
    "notices",
    "sufficiency",
    "workspace",
]

MIDDLEWARE = [
    "dps.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Ahead of the input guard, so its 400s carry the same frame and content policies.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Refuses NUL characters and over-deep JSON before the session, the user or a view reads
    # the request (dps/input_guard.py).
    "dps.input_guard.BadInputMiddleware",
    # A response carrying a child's identity is never stored (dps/privacy.py).
    "dps.privacy.NoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dps.two_factor.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An empty 405 for a reloaded form address becomes a page that leads back (dps/sent_forms.py).
    "dps.sent_forms.SentFormPageMiddleware",
    # Last, as django-axes asks: it answers locked-out sign-ins.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out username before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "workspace.urls"
WSGI_APPLICATION = "dps.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dps.context_processors.navigation",
                "dps.context_processors.queue_health",
            ],
        },
    },
]

DATABASES = {
    # An empty DATABASE_URL means "the embedded default", as an unset one does.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Concurrent web + worker + beat processes share the file: wait rather than fail.
    # IMMEDIATE: a transaction takes the write lock when it begins, so it waits (timeout)
    # instead of failing with "database is locked" when it upgrades from reading to writing;
    # WAL lets readers go on while one process writes (seen failing in bench/soak_demo.py).
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"})
# No JIT compilation on PostgreSQL: the reports' statements cost enough for the planner to
# compile them, which took longer than running them (1.5 s of JIT for a 0.5 s edge-month
# statement at regional scale, ADR 0027). PG_JIT=on restores the server's setting.
if (DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
        and os.environ.get("PG_JIT") != "on"):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
# A read replica for report reads (spend, insight, exports: dps/replica.py, ADR 0024).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")))
    if "options" in DATABASES["default"].get("OPTIONS", {}):
        DATABASES["replica"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
REPORTS_ON_REPLICA = "replica" in DATABASES
DATABASE_ROUTERS = ["dps.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "dps.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# A password reset link works once, for this long after it was e-mailed (Django's default is
# three days; a reset link is a credential in an inbox, so one hour). Invitations to choose a
# first password keep three days (INVITATION_TIMEOUT, dps.tasks.InvitationTokenGenerator).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT_SECONDS", str(60 * 60)))
INVITATION_TIMEOUT = int(os.environ.get("INVITATION_TIMEOUT_SECONDS", str(3 * 24 * 60 * 60)))
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not env_bool("TESTING")
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Documents (documents/, ADR 0016): never behind a public URL (base_url None), downloaded
# only through the access-checked view. A folder under var/ by default; S3-compatible storage
# (django-storages) when DOCUMENTS_STORAGE=s3.
DOCUMENTS_STORAGE = os.environ.get("DOCUMENTS_STORAGE", "filesystem")
if DOCUMENTS_STORAGE == "s3":
    STORAGES["documents"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": os.environ.get("DOCUMENTS_S3_BUCKET", ""),
        "endpoint_url": os.environ.get("DOCUMENTS_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("DOCUMENTS_S3_REGION") or None,
        "location": os.environ.get("DOCUMENTS_S3_PREFIX", "documents"),
        "default_acl": "private", "querystring_auth": True, "file_overwrite": False,
        "object_parameters": {"ServerSideEncryption": "AES256"},
    }}
else:
    STORAGES["documents"] = {"BACKEND": "django.core.files.storage.FileSystemStorage",
                             "OPTIONS": {"location": str(Path(os.environ.get(
                                 "DOCUMENTS_ROOT", VAR_DIR / "documents"))),
                                 "base_url": None, "file_permissions_mode": 0o600,
                                 "directory_permissions_mode": 0o700}}
# Malware scanning: clamd's address (tcp://host:3310 or unix:///run/clamav/clamd.ctl). Unset:
# files are not scanned (the demo says so); set but unreachable: uploads are refused.
CLAMAV_URL = os.environ.get("CLAMAV_URL", "")
CLAMAV_TIMEOUT = float(os.environ.get("CLAMAV_TIMEOUT", "30"))
# Uploads above this stream to a temporary file, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"

# --- Cache (throttling) ---------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Short timeouts: a Redis that is down or unreachable costs a throttled request a fraction
    # of a second, then the throttle lets it through (dps.api.throttling), never a hang.
    _cache_timeout = float(os.environ.get("CACHE_SOCKET_TIMEOUT", "0.5"))
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": _cache_timeout,
                                      "socket_timeout": _cache_timeout}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Client address -------------------------------------------------------------------------
# How many reverse proxies in front of the app append to X-Forwarded-For (docs/operations.md,
# "Reverse proxy"). 0, the default, ignores the header: throttles and the sign-in lockout key on
# the connection's address. One rule for all of them: dps.net.client_address.
TRUSTED_PROXY_COUNT = int(os.environ.get("NUM_PROXIES") or 0)

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dps.api.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "dps.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["dps.api.filtering.FilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dps.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "register": os.environ.get("REGISTER_THROTTLE_RATE", "5/hour"),
        "login": os.environ.get("LOGIN_THROTTLE_RATE", "20/minute"),
        # "Forgotten your password?": requests from one client address (docs/operations.md).
        "password_reset": os.environ.get("PASSWORD_RESET_THROTTLE_RATE", "5/hour"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
    # Our throttles key on dps.net.client_address; DRF's own rule is told the same count, so
    # that no throttle ever reads a client-supplied X-Forwarded-For (None would).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # ISO 8601 (date.isoformat): "%Y-%m-%d" drops the zero padding of years before 1000 on
    # glibc ("124-04-23"), which is not a date the schema allows (found by the API fuzzing).
    "DATE_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "dps.models.AnonymousActor",
}
SPECTACULAR_SETTINGS = {
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "dps.api.schema.any_of_for_caller"],
    "TITLE": "Placement DPS API",
    "DESCRIPTION": "Public API of the placement brokerage Dynamic Purchasing System (contract v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN, works offline and under a strict CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a `status` (and `outcome`): give each choice set its own stable name.
    "ENUM_NAME_OVERRIDES": {
        "RoundStatusEnum": "providers.models.AdmissionRound.Status",
        "ApplicationStatusEnum": "providers.models.Application.Status",
        "MembershipStatusEnum": "providers.models.Membership.Status",
        "LotOutcomeEnum": "providers.models.Outcome",
        "ReferralStatusEnum": "referrals.models.Referral.Status",
        "CallOffStatusEnum": "calloffs.models.CallOff.Status",
        "EoiStatusEnum": "calloffs.models.ExpressionOfInterest.Status",
        "EoiOutcomeEnum": "calloffs.models.ExpressionOfInterest.Outcome",
        "PlacementStatusEnum": "contracts.models.Placement.Status",
        "PlacementRouteEnum": "contracts.models.Placement.Route",
        "CallOffRouteEnum": "calloffs.models.CallOff.Route",
        "ChoiceByEnum": "calloffs.models.CallOff.ChoiceBy",
        "RegimeEnum": "providers.models.Regime",
        "ActRegimeEnum": "providers.regimes.PA2023_REGIMES",
        "FeeChangeStatusEnum": "contracts.models.FeeChange.Status",
        "EndReasonEnum": "contracts.models.EndReason",
    },
}

# --- Celery ---------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A task taken by a worker that then dies unacknowledged (acks_late) is handed out again
    # after this many seconds; keep it above the longest task (large exports).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))}
else:
    # kombu's SQLAlchemy transport on SQLite: a broker that needs no server, for the embedded
    # demo. Messages are rows written in transactions, so a worker never reads half a message
    # (the filesystem transport did, and the worker died: ADR 0004).
    BROKER_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL",
                                       f"sqla+sqlite:///{BROKER_DIR / 'broker.sqlite3'}")
    CELERY_BROKER_TRANSPORT_OPTIONS = {}  # kombu passes these to create_engine()
# An outbox task queued but not finished after this many seconds is queued again (its worker
# was killed mid-task: dps/outbox.py). With Redis, after the visibility timeout, when Redis
# itself hands it out again; the embedded broker never does, so sooner.
OUTBOX_REDELIVER_AFTER = int(os.environ.get(
    "OUTBOX_REDELIVER_AFTER",
    CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 0) + 600))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "5"))
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# A worker process killed mid-task puts the task back rather than acknowledging it: every task
# is idempotent, so running it again finishes the work without doubling it.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "dps")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = os.environ.get(
    "CELERY_BEAT_SCHEDULER", "django_celery_beat.schedulers:DatabaseScheduler"
)
# How often the time-driven tasks look for due work. Rounds open/close within this many seconds.
SCHEDULE_TICK_SECONDS = float(os.environ.get("SCHEDULE_TICK_SECONDS", "60"))
CELERY_BEAT_SCHEDULE = {
    "open-due-rounds": {
        "task": "providers.tasks.open_due_rounds",
        "schedule": timedelta(seconds=SCHEDULE_TICK_SECONDS),
    },
    "close-due-rounds": {
        "task": "providers.tasks.close_due_rounds",
        "schedule": timedelta(seconds=SCHEDULE_TICK_SECONDS),
    },
    "close-due-calloffs": {
        "task": "calloffs.tasks.close_due_calloffs",
        "schedule": timedelta(seconds=SCHEDULE_TICK_SECONDS),
    },
    "lapse-suspensions": {
        "task": "providers.tasks.lapse_suspensions",
        "schedule": crontab(minute=5),
    },
    # Excluded suppliers leave dynamic markets under the Procurement Act 2023 (s.37).
    "remove-excluded-members": {
        "task": "providers.tasks.remove_excluded_members",
        "schedule": crontab(minute=7),
    },
    # Placements start and end on their dates; fee changes take effect on theirs. Hourly, so
    # a missed run is caught up soon; each run is idempotent.
    "placements-by-date": {
        "task": "contracts.tasks.apply_placement_dates",
        "schedule": crontab(minute=10),
    },
    "placement-review-reminders": {
        "task": "contracts.tasks.send_review_reminders",
        "schedule": crontab(minute=20),
    },
    # E-mails whose queueing failed at commit (Redis down) go out once it is back.
    "drain-outbox": {
        "task": "dps.tasks.drain_outbox",
        "schedule": timedelta(seconds=SCHEDULE_TICK_SECONDS),
    },
    # The embedded broker keeps every delivered message; drop those an hour old.
    "prune-embedded-broker": {
        "task": "dps.tasks.prune_embedded_broker",
        "schedule": crontab(minute=40),
    },
    # Children's identity past its retention period is cleared (referrals/retention.py).
    "clear-expired-child-identities": {
        "task": "referrals.tasks.clear_expired_identities",
        "schedule": crontab(hour=2, minute=30),
    },
    # Certificates: a reminder 30 days before `expires_on`, the membership flagged once lapsed.
    "document-expiry": {
        "task": "documents.tasks.check_expiry",
        "schedule": crontab(hour=6, minute=30),
    },
}

# --- Placements (contracts) -----------------------------------------------------------------
# Days before a support item's or a placement's review date that the commissioners are told.
SUPPORT_REVIEW_REMINDER_DAYS = int(os.environ.get("SUPPORT_REVIEW_REMINDER_DAYS", "14"))
PLACEMENT_REVIEW_REMINDER_DAYS = int(os.environ.get("PLACEMENT_REVIEW_REMINDER_DAYS", "14"))
# Placement reviews: the first so many working days after the start, the second so many months
# after the first, then every so many months.
PLACEMENT_REVIEW_SCHEDULE = {
    "first_working_days": int(os.environ.get("PLACEMENT_FIRST_REVIEW_WORKING_DAYS", "20")),
    "second_months": int(os.environ.get("PLACEMENT_SECOND_REVIEW_MONTHS", "3")),
    "then_months": int(os.environ.get("PLACEMENT_REVIEW_EVERY_MONTHS", "6")),
}
# A fee change taking effect more than this many days in the past needs a backdating reason.
FEE_CHANGE_MAX_BACKDATE_DAYS = int(os.environ.get("FEE_CHANGE_MAX_BACKDATE_DAYS", "28"))

# --- Monitoring -----------------------------------------------------------------------------
# The risk framework: reassess every provider at least this often (API.md: six months).
MONITORING_REASSESSMENT_MONTHS = 6
# An overdue action item gets one reminder; still without a response this many days later it
# is flagged to the DPS administrator, recommending suspension.
MONITORING_ESCALATION_GRACE_DAYS = int(os.environ.get("MONITORING_ESCALATION_GRACE_DAYS", "14"))
# A KPI return is due this many days after its period ends.
MONITORING_KPI_RETURN_DUE_DAYS = int(os.environ.get("MONITORING_KPI_RETURN_DUE_DAYS", "28"))
CELERY_BEAT_SCHEDULE |= {
    # Daily, early: each run is idempotent and each e-mail is sent once.
    "open-kpi-returns": {"task": "monitoring.tasks.open_kpi_returns",
                         "schedule": crontab(hour=5, minute=30)},
    "detect-late-kpi-returns": {"task": "monitoring.tasks.detect_late_kpi_returns",
                                "schedule": crontab(hour=5, minute=45)},
    "flag-overdue-reassessments": {"task": "monitoring.tasks.flag_overdue_reassessments",
                                   "schedule": crontab(hour=6, minute=0)},
    "escalate-overdue-actions": {"task": "monitoring.tasks.escalate_overdue_actions",
                                 "schedule": crontab(hour=6, minute=15)},
}
# --- Invoicing -----------------------------------------------------------------------------
CELERY_BEAT_SCHEDULE |= {
    # Daily: once a quarter has ended, finance is reminded (once) to publish its s.70 list of
    # payments over £30,000, due 30 days after the quarter's end (invoicing/transparency.py).
    "remind-s70-publication": {"task": "invoicing.tasks.remind_s70_publication",
                               "schedule": crontab(hour=7, minute=0)},
}
# --- Notices (Procurement Act 2023, ADR 0020) -----------------------------------------------
CELERY_BEAT_SCHEDULE |= {
    # Every 15 minutes: raise the notices the records call for, remind a week before, mark
    # the late ones overdue (notices/services.py; idempotent).
    "refresh-notices": {"task": "notices.tasks.refresh_notices",
                        "schedule": timedelta(minutes=15)},
}
# The Find a Tender adapter (notices/find_a_tender.py): empty means "not configured", which
# refuses to submit; docs/operations.md says what a real one needs.
FIND_A_TENDER_ADAPTER = os.environ.get("FIND_A_TENDER_ADAPTER", "")
# --- Sufficiency -----------------------------------------------------------------------------
CELERY_BEAT_SCHEDULE |= {
    # Daily: a vacancy on day 12 of its 14 asks its provider, once, to confirm it (ADR 0021).
    "remind-expiring-vacancies": {"task": "sufficiency.tasks.remind_expiring_vacancies",
                                  "schedule": crontab(hour=7, minute=15)},
}
# Every area field takes the same list (dps/areas.py): one enum in the schema.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] |= {"AreaEnum": "dps.areas.NAMES"}
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] |= {
    "DocumentKindEnum": "documents.models.Kind",
    "DocumentAttachedToEnum": "documents.models.AttachedTo",
    "MonitoringActivityStatusEnum": "monitoring.models.MonitoringActivity.Status",
    "ActionItemStatusEnum": "monitoring.models.ActionItem.Status",
    "KpiReturnStatusEnum": "monitoring.models.KpiReturn.Status",
    # Several choice sets are called "kind": name each (the organisation's too, now it shares).
    "OrganisationKindEnum": "dps.models.Organisation.Kind",
    "InvoiceLineKindEnum": "invoicing.models.InvoiceLine.Kind",
    "TriggerKindEnum": "monitoring.models.TriggerKind",
    "RaisableTriggerKindEnum": "monitoring.models.RAISABLE_TRIGGER_KINDS",
    "MonitoringLevelEnum": "monitoring.models.MonitoringLevel",
    "OutcomeDomainEnum": "referrals.models.OutcomeDomain",
    "AnnualReportStatusEnum": "monitoring.models.AnnualReport.Status",
    "AnnualReportOutcomeEnum": "monitoring.models.AnnualReport.Outcome",
    "EscalationDecisionEnum": "monitoring.models.EscalationDecision",
}
# Finance reports' export jobs (reports/models.py).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] |= {
    "ExportJobKindEnum": "reports.models.ExportJob.Kind",
    "ExportJobFormatEnum": "reports.models.ExportJob.Format",
    "ExportJobStatusEnum": "reports.models.ExportJob.Status",
    "InvoiceStatusEnum": "invoicing.models.Invoice.Status",
}

# --- Open data (OCDS) ----------------------------------------------------------------------
# The ocid prefix the Open Contracting Partnership assigned to the publisher (ocds-xxxxxx until
# one is registered); every call-off's ocid is "<prefix>-calloff-<id>". `check --deploy` fails on
# the placeholder or a malformed prefix (reports/checks.py).
OCDS_OCID_PREFIX = os.environ.get("OCDS_OCID_PREFIX") or "ocds-xxxxxx"  # empty: the placeholder
OCDS_PUBLISHER_NAME = os.environ.get("OCDS_PUBLISHER_NAME", "Placements DPS")

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30")) or None
if os.environ.get("EMAIL_FILE_PATH"):  # the file-based backend (tests, drills)
    EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "dps@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The accessibility statement's contact (Public Sector Bodies Accessibility Regulations 2018):
# the council running the installation sets its own.
ACCESSIBILITY_CONTACT_EMAIL = os.environ.get("ACCESSIBILITY_CONTACT_EMAIL", DEFAULT_FROM_EMAIL)
ACCESSIBILITY_OPERATOR = os.environ.get("ACCESSIBILITY_OPERATOR",
                                        "the council running this service")

# --- Security -------------------------------------------------------------------------------
# `manage.py check --deploy --fail-level WARNING` passes with DEBUG off (tests/dps/
# test_deploy_check.py); dps/test_settings.py turns the HTTPS-only parts off for the suite.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True  # shared council laptops
CSRF_COOKIE_HTTPONLY = True

# Content Security Policy (django-csp): our own files only, no inline script or style anywhere
# (tests/security/test_headers.py checks the header and sweeps the templates).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failures for one username from one
# address, that pair is refused for AXES_COOLOFF_MINUTES; a success resets the count.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dps.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "dps.net.client_address"  # the throttles' rule (TRUSTED_PROXY_COUNT)
AXES_VERBOSE = False

# Children's identity is encrypted at rest (django-encrypted-model-fields, Fernet). One key, or
# several separated by commas: the first encrypts, all decrypt, so a new key goes first and
# `manage.py rotate_child_keys` re-encrypts (docs/operations.md). Required with DEBUG off.
_field_keys = env_list("FIELD_ENCRYPTION_KEY")
if not _field_keys:
    if not DEBUG and not env_bool("TESTING"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.")
    _field_keys = ["ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LWZvci11c2U="]  # noqa: S105 - dev only
FIELD_ENCRYPTION_KEY = _field_keys
# How long a child's identity is kept after their last placement ends (then cleared by a
# scheduled task; the anonymised records stay for reporting).
CHILD_IDENTITY_RETENTION_YEARS = int(os.environ.get("CHILD_IDENTITY_RETENTION_YEARS", "7"))

# Two-factor sign-in (TOTP) for staff roles (dps_admin, commissioner, budget_holder, finance);
# on by default in production. The demo and the test suite turn it off unless a test asks.
STAFF_TWO_FACTOR = env_bool("STAFF_TWO_FACTOR", not DEBUG and not env_bool("TESTING"))
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Placements DPS")

# API tokens expire this many hours after they were issued; DELETE /api/v1/auth/token/
# revokes the caller's token at once.
API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", str(24 * 7)))
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Container and load-balancer health probes speak plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # TLS ends at the reverse proxy, which must set (and overwrite) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# JSON lines with the request id in production (LOG_FORMAT=json, the default with DEBUG off);
# plain text for a developer's terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text" if DEBUG else "json")
# 500 reports (e-mailed to ADMINS when set) hide children's identifiers: dps/logs.py.
DEFAULT_EXCEPTION_REPORTER_FILTER = "dps.logs.IdentitySafeReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "dps.logs.IdentitySafeReporter"
ADMINS = [("Operations", address) for address in
          filter(None, os.environ.get("ADMINS", "").split(","))]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dps.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "dps.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every render at INFO: keep their warnings only.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}

# The children's placements DPS, created by the first migration; API paths default to it.
DEFAULT_DPS_CODE = os.environ.get("DEFAULT_DPS_CODE", "children")
