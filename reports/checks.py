"""System checks for open data: `manage.py check --deploy` refuses the placeholder ocid prefix.

Every published ocid starts with the prefix the Open Contracting Partnership registered for the
publisher. Releases published under the placeholder (or a made-up prefix) collide with everyone
else's and cannot be withdrawn once harvested, so a production deployment must set a real one.
"""

import re

from django.conf import settings
from django.core.checks import Error, register

PLACEHOLDER = "ocds-xxxxxx"
PREFIX = re.compile(r"ocds-[a-z0-9]{6}")


@register("open_data", deploy=True)
def check_ocid_prefix(app_configs=None, **kwargs):
    prefix = getattr(settings, "OCDS_OCID_PREFIX", "")
    hint = ("Set the OCDS_OCID_PREFIX environment variable to the prefix the Open Contracting "
            "Partnership registered for this publisher (docs/operations.md, Open data).")
    if prefix == PLACEHOLDER:
        return [Error(f"OCDS_OCID_PREFIX is the placeholder {PLACEHOLDER!r}: open data published "
                      "now would carry ocids that are not this publisher's.",
                      hint=hint, id="reports.E001")]
    if not PREFIX.fullmatch(prefix or ""):
        return [Error(f"OCDS_OCID_PREFIX {prefix!r} is not an ocid prefix (ocds- and six "
                      "lower-case letters or digits, e.g. 'ocds-b5fd17').",
                      hint=hint, id="reports.E002")]
    return []
