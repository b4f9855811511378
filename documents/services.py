"""Upload, download and deletion of documents, and the expiry of certificates. Every step is
audited (who, when, which object); the safety checks run before anything is stored:

size limit of the kind → type by content → malware scan (clamd) → for a file staff attach
where providers will read it, its text is extracted and checked for the child's identifiers →
stored with its SHA-256.
"""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from documents import access, content, scanner
from documents.models import Document, Kind, Scan
from dps import audit
from dps.errors import Forbidden, InvalidTransition, NotFound, RuleViolation
from referrals.audience import refuse_identifiers

REMIND_DAYS = 30


def _invalid(field, message, detail=None):
    raise RuleViolation(detail or message, code="invalid", fields={field: [message]})


def resolve(user, attached_to, object_id):
    """(spec, object) the user may see: 400 for an unknown kind, 404 for an object outside."""
    spec = access.attachment(attached_to)
    if spec is None:
        _invalid("attached_to", f"Choose one of: {', '.join(access.ATTACHMENTS)}.")
    obj = spec.readable(user).filter(pk=object_id).first()
    if obj is None:
        raise NotFound()
    return spec, obj


def _sha256(fileobj):
    digest = hashlib.sha256()
    fileobj.seek(0)
    while chunk := fileobj.read(1024 * 1024):
        digest.update(chunk)
    fileobj.seek(0)
    return digest.hexdigest()


def check_file(upload, *, kind, scan_subject=None):
    """Every check of an upload, nothing stored: (content type, scanned?, text checked?)."""
    limit = access.SIZE_LIMITS[kind]
    if upload.size > limit:
        raise RuleViolation(
            f"This file is {upload.size / access.MB:.1f} MB: a {Kind(kind).label.lower()} may "
            f"be at most {limit // access.MB} MB.", code="file_too_large",
            fields={"file": [f"At most {limit // access.MB} MB."]})
    content_type = content.detect(upload)
    if scan_subject is not None and content_type not in content.TEXT_BEARING:
        content.refuse_type("Providers will read this file, so its text is checked for the "
                            "child's details first: upload a PDF, DOCX, ODT or plain text.")
    scanned = scanner.scan(upload)
    text_checked = False
    if scan_subject is not None:
        text = content.extract_text(upload, content_type)
        if content_type == content.PDF and not text.strip():
            raise RuleViolation(
                "No text could be read from this PDF (a scanned image?), so it cannot be "
                "checked for the child's details: upload a PDF with its text.",
                code="text_not_readable", fields={"file": ["No readable text."]})
        # The text and the file name: both reach the providers who read it.
        refuse_identifiers(scan_subject, {"file": text, "name": upload.name or ""})
        text_checked = True
    return content_type, scanned, text_checked


@transaction.atomic
def upload_document(*, by, attached_to, object_id, kind, file, expires_on=None):
    """Attach `file` to an object the uploader may see. Staff uploads that providers will read
    (referral packs, placement, monitoring and membership files) are checked for the child's
    identifiers with the referral's rule (referrals.audience)."""
    spec = access.attachment(attached_to)
    if spec is None:
        _invalid("attached_to", f"Choose one of: {', '.join(access.ATTACHMENTS)}.")
    _spec, obj = resolve(by, attached_to, object_id)  # outside the caller's view: 404 first
    if not spec.may_upload(by):
        raise Forbidden("Your role cannot attach documents to this.")
    if kind not in spec.kinds:
        _invalid("kind", f"Choose one of: {', '.join(spec.kinds)}.")
    if expires_on is not None and kind not in access.EXPIRING_KINDS:
        _invalid("expires_on", "Only insurance and registration certificates expire.")
    as_provider = spec.uploads_as_provider(by)
    if as_provider and spec.provider_id(obj) != by.organisation_id:
        raise NotFound()
    # A provider's own file is not scanned for identifiers: the refusal would tell it the
    # child's details (referrals.audience). Staff files providers read always are.
    subject = None if as_provider or not spec.concerns else spec.scan_subject(obj)
    content_type, scanned, text_checked = check_file(file, kind=kind, scan_subject=subject)
    document = Document(
        attached_to=attached_to, object_id=obj.pk, kind=kind,
        name=(file.name or "document")[:255], size=file.size, content_type=content_type,
        sha256=_sha256(file), scan=Scan.CLEAN if scanned else Scan.NOT_SCANNED,
        text_checked=text_checked, expires_on=expires_on, provider_id=spec.provider_id(obj),
        uploaded_by=by)
    document.file.save("upload", file, save=False)
    # The bytes first, then the row: a failure in between deletes the bytes again. (A later
    # rollback of an outer transaction can leave an unreferenced file: `manage.py
    # check_documents` lists those, docs/operations.md.)
    stored = document.file.name
    try:
        document.save()
        audit.record(document, "document_uploaded", by=by, data={
            "attached_to": attached_to, "object": obj.pk, "kind": kind, "size": file.size,
            "sha256": document.sha256, "scan": document.scan})
    except Exception:
        document.file.storage.delete(stored)
        raise
    return document


def visible_documents(user, attached_to=None, object_id=None):
    """Documents on objects the user may see (one query)."""
    from django.db.models import Q

    condition = Q(pk__in=[])
    for name, spec in access.ATTACHMENTS.items():
        if attached_to and name != attached_to:
            continue
        objects = spec.readable(user)
        if object_id is not None:
            objects = objects.filter(pk=object_id)
        condition |= Q(attached_to=name, object_id__in=objects.values("pk"))
    return Document.objects.filter(condition)


def get_visible(user, pk):
    document = visible_documents(user).filter(pk=pk).first()
    if document is None:
        raise NotFound()
    return document


@transaction.atomic
def record_download(document, *, by):
    audit.record(document, "document_downloaded", by=by,
                 data={"attached_to": document.attached_to, "object": document.object_id})
    return document.file.open("rb")


@transaction.atomic
def delete_document(document, *, by):
    """The uploader may delete a document while its object is still a draft; then it is
    kept (409 invalid_transition)."""
    spec = access.attachment(document.attached_to)
    obj = spec.model_class().objects.get(pk=document.object_id)
    if document.uploaded_by_id != by.pk:
        raise Forbidden("Only the person who uploaded a document may delete it.")
    if not spec.is_draft(obj):
        raise InvalidTransition("Documents are kept once the "
                                f"{spec.name.replace('_', ' ')} is no longer a draft.")
    audit.record(document, "document_deleted", by=by, data={
        "attached_to": document.attached_to, "object": document.object_id,
        "name_sha256": document.sha256})
    name, storage = document.file.name, document.file.storage
    document.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- Expiry ------------------------------------------------------------------------------------

def expiring_ids(today=None):
    """Certificates that expire within REMIND_DAYS and have not been reminded of."""
    today = today or timezone.localdate()
    return list(Document.objects.filter(
        expires_on__isnull=False, expires_on__lte=today + timedelta(days=REMIND_DAYS),
        expires_on__gte=today, expiry_reminded_at__isnull=True).values_list("pk", flat=True))


def lapsed_ids(today=None):
    today = today or timezone.localdate()
    return list(Document.objects.filter(expires_on__lt=today, lapsed_at__isnull=True)
                .values_list("pk", flat=True))


@transaction.atomic
def claim_reminder(pk):
    """Mark one certificate as reminded: True when this call did (so it is e-mailed once)."""
    return bool(Document.objects.filter(pk=pk, expiry_reminded_at__isnull=True)
                .update(expiry_reminded_at=timezone.now()))


@transaction.atomic
def lapse(pk):
    """The certificate has expired: stamp it and audit it once (its membership is flagged)."""
    document = Document.objects.select_for_update(skip_locked=True).filter(
        pk=pk, lapsed_at__isnull=True).first()
    if document is None:
        return False
    document.lapsed_at = timezone.now()
    document.save(update_fields=["lapsed_at"])
    audit.record(document, "certificate_lapsed", by=None,
                 data={"kind": document.kind, "expires_on": document.expires_on.isoformat()})
    return True
