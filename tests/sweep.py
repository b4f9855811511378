"""The suite-wide children's-data sweep (issue 7).

Every response the test suite gets for a provider user or a signed-out caller (test client,
API client, the browser tests' live server and the fuzzer alike, since it sits in the test
settings' middleware), and every e-mail that leaves for anyone but authority staff, is checked,
at the end of the test that produced it, against every child in the database at that moment.

Every log line of the run is checked the same way, with nothing allowed: logs never name a child.

And whoever the viewer (authority staff too), a response that carries any child's identifier
must send `Cache-Control: no-store` (API.md v1.1; dps/privacy.py): officers share laptops, so
what a browser keeps must not name a child. Responses that already say no-store are not kept.

A provider may see the first name, last name and date of birth of a child placed with it (the
awarded provider's placement view and agreement, API.md); nothing else about any child, ever.
The case reference and home postcode never reach a provider. Any other find fails the test.

HTML, JSON, text and CSV are read as text; PDFs through pypdf (`tests/pdf.py`, as the
agreement tests read them); spreadsheets cell by cell; downloaded Word and OpenDocument files
through the documents app's own text extraction (documents/content.py), so every document a
provider or the public downloads is read. The matching is the product's own
`referrals.identifiers.find_identifiers` (the rule that refuses identifiers in a referral's
text), so "identifier" means the same thing here as in the product.
"""

import html
import io
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings

NEVER_TO_PROVIDERS = frozenset({"case_reference", "postcode"})
OWN_PLACEMENT_MAY_SHOW = frozenset({"first_name", "last_name", "date_of_birth"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Documents providers download (documents/): their text is read the way the product reads it.
DOCUMENTS = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "application/vnd.oasis.opendocument.text")
TEXT_TYPES = ("text/", "application/json", "application/problem+json", "application/xml",
              "application/javascript", "application/vnd.oai.openapi")

_lock = threading.Lock()
_captured = []  # this test's provider-facing responses
totals = Counter()  # the whole session's, for the terminal summary


@dataclass
class Capture:
    """One provider-facing output: who saw it (a provider user's pk, or None when signed out)."""

    where: str
    content_type: str
    body: bytes
    viewer_id: int | None = None
    provider_ids: frozenset = field(default_factory=frozenset)
    staff: bool = False  # an authority user's: only checked for no-store, never for leaks
    storable: bool = False  # a response without `Cache-Control: no-store`


def kind_of(content_type):
    content_type = (content_type or "").split(";")[0].strip().lower()
    if content_type == "application/pdf":
        return "pdf"
    if content_type == XLSX:
        return "xlsx"
    if content_type in DOCUMENTS:
        return "document"
    if content_type in ("text/csv",):
        return "csv"
    if content_type == "text/html":
        return "html"
    if "json" in content_type:
        return "json"
    if content_type.startswith(TEXT_TYPES):
        return "text"
    return None


def _viewer(request):
    """(swept, viewer id, provider organisation ids) for the request's final user."""
    user = getattr(request, "user", None)
    try:
        if user is None or not user.is_authenticated:
            return True, None, frozenset()
        if user.is_authority_user:
            return False, None, frozenset()
        org = user.organisation_id
        return True, user.pk, frozenset({org} if org else ())
    except Exception:  # noqa: BLE001 - a request whose user cannot even be loaded (DB down)
        return False, None, frozenset()


class SweepMiddleware:
    """Outermost middleware in the test settings: keep a copy of each provider-facing body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response
        kind = kind_of(response.get("Content-Type"))
        if kind is None:
            return response
        swept, viewer_id, providers = _viewer(request)
        storable = "no-store" not in response.get("Cache-Control", "")
        if not swept and not storable:
            return response
        if response.streaming:
            body = b"".join(response.streaming_content)
            response.streaming_content = [body]
        else:
            body = response.content
        with _lock:
            _captured.append(Capture(f"{request.method} {request.get_full_path()}",
                                     response.get("Content-Type", ""), body, viewer_id,
                                     providers, staff=not swept, storable=storable))
        return response


class LogCapture(logging.Handler):
    """Every log record of the run, as the operators would read it: logs may never name a
    child, whoever the reader."""

    def emit(self, record):
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a record that cannot format logs nothing either
            return
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        with _lock:
            _captured.append(Capture(f"log {record.levelname} {record.name}", "text/plain",
                                     text.encode()))


_log_handler = LogCapture(level=logging.DEBUG)


def capture_logs():
    """(Re)attach the handler: Celery's first eager task resets the root logger's handlers."""
    root = logging.getLogger()
    if _log_handler not in root.handlers:
        root.addHandler(_log_handler)


def text_of(content_type, body):
    kind = kind_of(content_type)
    if kind == "pdf":
        from tests.pdf import pdf_text

        return pdf_text(body)
    if kind == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(" | ".join("" if v is None else str(v) for v in row)
                         for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))
    if kind == "document":
        from documents.content import text_of_bytes

        return text_of_bytes(content_type.split(";")[0].strip(), body)
    text = body.decode("utf-8", "replace")
    # HTML escapes (O&#x27;Brien) and JSON's \u escapes must not hide a name.
    text = html.unescape(text)
    if kind == "json" and "\\u" in text:
        text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return text


def _squash(text):
    return re.sub(r"[^0-9a-z]", "", text.lower())


class Children:
    """Every child in the database now, and which provider organisations hold a placement of
    each (they may see that child's name and date of birth)."""

    def __init__(self):
        from contracts.models import Placement
        from referrals.models import Child

        self.children = list(Child.objects.all())
        placed = Placement.objects.filter(child__isnull=False).values_list("child_id",
                                                                          "provider_id")
        self.placed_with = {}
        for child_id, provider_id in placed:
            self.placed_with.setdefault(child_id, set()).add(provider_id)

    def __bool__(self):
        return bool(self.children)

    @staticmethod
    def values(child):
        return {"first_name": child.first_name or "", "last_name": child.last_name or "",
                "case_reference": child.case_reference or "", "postcode": child.postcode or ""}

    def leaks(self, text, provider_ids):
        """[(child, kinds)] of identifiers in `text` the viewer may not see."""
        from referrals.identifiers import find_identifiers

        squashed = _squash(text)
        visible = [c for c in self.children if provider_ids & self.placed_with.get(c.pk, set())]
        # Two children may share a name (the factories give every child the same one): a name
        # that is also a visible child's cannot be told apart, so it is not counted against the
        # other child. Case references differ per child and are never visible.
        shown = {(kind, _squash(self.values(c)[kind])) for c in visible
                 for kind in ("first_name", "last_name")}
        shown |= {("date_of_birth", c.date_of_birth) for c in visible}
        found = []
        for child in self.children:
            if child in visible:
                may_show = OWN_PLACEMENT_MAY_SHOW
            else:
                may_show = set()
            values = self.values(child)
            # A cheap first look (letters and digits only) before the product's own matcher.
            present = any(_squash(v) and _squash(v) in squashed for v in values.values())
            dob = child.date_of_birth
            if not present and not (dob and (str(dob.year) in text
                                             or f"{dob.year % 100:02d}" in text)):
                continue
            kinds = set(find_identifiers(text, date_of_birth=dob, **values)) - may_show
            kinds = {k for k in kinds if (k, dob if k == "date_of_birth"
                                          else _squash(values.get(k, ""))) not in shown}
            if kinds:
                found.append((child, sorted(kinds)))
        return found


def _mail_captures():
    """E-mails sent during this test to anyone but authority staff."""
    from django.core import mail

    from dps.models import User

    captures = []
    for message in getattr(mail, "outbox", []):
        recipients = [a for a in (*message.to, *message.cc, *message.bcc) if a]
        users = list(User.objects.filter(email__in=recipients))
        staff = {u.email for u in users if u.is_authority_user}
        outside = [a for a in recipients if a not in staff]
        if not outside:
            continue
        provider_ids = {u.organisation_id for u in users if u.email in outside
                        and u.organisation_id}
        # An address we do not know at all may see nothing: no organisation is credited.
        if any(a not in {u.email for u in users} for a in outside):
            provider_ids = set()
        parts = [f"Subject: {message.subject}", message.body]
        parts += [content for content, _ in getattr(message, "alternatives", [])]
        where = f"e-mail to {', '.join(outside)}: {message.subject}"
        captures.append(Capture(where, "text/plain", "\n".join(parts).encode(), None,
                                frozenset(provider_ids)))
        for attachment in message.attachments:
            if isinstance(attachment, tuple) or hasattr(attachment, "content"):
                name, content, mimetype = tuple(attachment)[:3]
                if isinstance(content, str):
                    content = content.encode()
                if kind_of(mimetype):
                    captures.append(Capture(f"{where} (attachment {name})", mimetype, content,
                                            None, frozenset(provider_ids)))
    return captures


# Not e-mail: builds a file in storage.
NOT_MAIL = frozenset({"reports.tasks.build_export"})


def run_pending_outbox(tally):
    """Run the tasks this test queued through the outbox but never sent. Inside a test's
    transaction on-commit hooks never fire, so most tests' notifications would otherwise never
    be written, let alone swept."""
    from celery import current_app
    from django.db import transaction

    from dps.models import OutboxMessage

    pending = list(OutboxMessage.objects.filter(sent_at__isnull=True).exclude(task__in=NOT_MAIL)
                   .order_by("pk"))
    if pending:
        current_app.loader.import_default_modules()
    for message in pending:
        try:
            with transaction.atomic():
                current_app.tasks[message.task].apply(args=message.args, throw=True)
            tally["outbox tasks run"] += 1
        except Exception as exc:  # noqa: BLE001 - the test may have left its world half-made
            tally[f"outbox tasks that could not run ({type(exc).__name__}: {exc})"[:120]] += 1


def take():
    with _lock:
        captured = list(_captured)
        _captured.clear()
    return captured


def check(captured, *, tally=None, outbox=False):
    """Raise AssertionError listing every leak in `captured` (plus this test's e-mails).

    `tally` (the session's totals, from the conftest hook) counts what was checked; the sweep's
    own tests leave it out, so the leaks they plant are not counted as the suite's. `outbox`
    first runs what the test queued but never sent (it needs the database)."""
    from django.db import DatabaseError

    tally = Counter() if tally is None else tally
    try:
        if outbox:
            run_pending_outbox(tally)
        captured = captured + _mail_captures()
    except DatabaseError:
        # A test that takes the database away on purpose (healthz's 503): nothing to read.
        tally["unchecked (database down in the test)"] += len(captured)
        return
    if not captured:
        return
    for capture in captured:
        kind = ("log line" if capture.where.startswith("log ") else "e-mail"
                if capture.where.startswith("e-mail") else kind_of(capture.content_type))
        tally[f"{kind} (staff, storable)" if capture.staff else kind] += 1
    try:
        children = Children()
    except DatabaseError:
        # A test that takes the database away on purpose (healthz's 503): nothing to read.
        tally["unchecked (database down in the test)"] += len(captured)
        return
    if not children:
        return
    tally["checked against a child"] += len(captured)
    problems = []
    for capture in captured:
        try:
            text = text_of(capture.content_type, capture.body)
        except Exception as exc:  # noqa: BLE001 - what cannot be read cannot be cleared
            problems.append(f"{capture.where}: {capture.content_type} could not be read "
                            f"({exc}): {capture.body[:120]!r}")
            continue
        if capture.storable:
            problems += [f"{capture.where}: {', '.join(kinds)} of {child} without "
                         f"Cache-Control: no-store"
                         for child, kinds in children.leaks(text, frozenset())]
        if capture.staff:
            continue
        for child, kinds in children.leaks(text, capture.provider_ids):
            viewer = f"provider user #{capture.viewer_id}" if capture.viewer_id else (
                "a provider" if capture.where.startswith("e-mail") else "the logs"
                if capture.where.startswith("log ") else "a signed-out caller")
            problems.append(f"{capture.where}: {', '.join(kinds)} of {child} shown to {viewer}")
    if problems:
        tally["leaks"] += len(problems)
        raise AssertionError("Children's identifiers reached a provider or the public, or "
                             "a response that may be stored (tests/sweep.py):\n  "
                             + "\n  ".join(problems))
