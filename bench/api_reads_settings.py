"""Settings for bench/api_reads.py's gunicorn only: production settings plus the bench's bare
views (api_reads_urls.py). Never in production: nothing outside bench/ names this module."""

from dps.settings import *  # noqa: F403

ROOT_URLCONF = "api_reads_urls"
