"""The boundary to Find a Tender, the central digital platform where notices are published
(docs/operations.md, "Find a Tender").

Submitting a notice needs the council's Find a Tender account and an API key, which this
installation does not have: the only implementation here is `NotConfigured`, which refuses
clearly. A real adapter implements `FindATender` (submit the release, return the identifier
and day Find a Tender gives it) and is named by the `FIND_A_TENDER_ADAPTER` setting; the
council then records the publication through `services.record_publication` as today.
"""

import datetime
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from dps.errors import Conflict


@dataclass(frozen=True)
class Publication:
    notice_identifier: str
    published_on: datetime.date


class FindATender(Protocol):
    configured: bool

    def submit(self, notice, release) -> Publication:
        """Submit the notice's release; return what Find a Tender published."""


class NotConfigured:
    """No account, no key: nothing is sent anywhere, and a caller is told why."""

    configured = False

    def submit(self, notice, release):
        raise Conflict(
            "Notices cannot be sent to Find a Tender from this system: it has no Find a "
            "Tender account or API key set up. Publish the notice on Find a Tender, then "
            "record its identifier here.", code="find_a_tender_not_configured")


def adapter():
    path = getattr(settings, "FIND_A_TENDER_ADAPTER", "")
    return import_string(path)() if path else NotConfigured()
