"""A file attached to one object of another app (ADR 0016). The bytes live in the `documents`
storage (a folder under var/ by default, S3-compatible storage in production), never behind a
public URL; the row keeps what was decided when it was accepted: its type by content, size,
SHA-256 (the restore drill checks it) and whether it was scanned."""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models


def documents_storage():
    return storages["documents"]


def storage_path(document, _name):
    # Never the uploader's file name: it is text a person wrote, kept on the row only.
    return f"{document.attached_to}/{document.object_id}/{uuid.uuid4().hex}"


class AttachedTo(models.TextChoices):
    APPLICATION = "application", "Application"
    MEMBERSHIP = "membership", "Membership"
    REFERRAL = "referral", "Referral"
    EOI = "eoi", "Expression of interest"
    MONITORING_ACTIVITY = "monitoring_activity", "Monitoring activity"
    ACTION_ITEM = "action_item", "Action item"
    PLACEMENT = "placement", "Placement"


class Kind(models.TextChoices):
    INSURANCE = "insurance", "Insurance certificate"
    SAFEGUARDING_POLICY = "safeguarding_policy", "Safeguarding policy"
    EQUALITY_POLICY = "equality_policy", "Equality policy"
    REGISTRATION_CERTIFICATE = "registration_certificate", "Registration certificate"
    REFERRAL_PACK = "referral_pack", "Referral pack"
    PLACEMENT_PLAN = "placement_plan", "Placement plan"
    HOME_PROFILE = "home_profile", "Home profile"
    EVIDENCE = "evidence", "Evidence"
    SIGNED_AGREEMENT = "signed_agreement", "Signed agreement"
    CARE_PLAN_SUMMARY = "care_plan_summary", "Care plan summary"
    OTHER = "other", "Other"


class Scan(models.TextChoices):
    CLEAN = "clean", "Scanned: no malware found"
    NOT_SCANNED = "not_scanned", "Not scanned (no scanner configured)"


class Document(models.Model):
    attached_to = models.CharField(max_length=20, choices=AttachedTo.choices)
    object_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=30, choices=Kind.choices)
    name = models.CharField(max_length=255, help_text="The file name as uploaded.")
    file = models.FileField(storage=documents_storage, upload_to=storage_path, max_length=200)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, help_text="Decided from the content.")
    sha256 = models.CharField(max_length=64)
    scan = models.CharField(max_length=15, choices=Scan.choices)
    text_checked = models.BooleanField(
        default=False, help_text="Its text was read and checked for the child's identifiers.")
    expires_on = models.DateField(null=True, blank=True)
    # The provider the object concerns (expiry reminders and the membership flag read it).
    provider = models.ForeignKey("dps.Organisation", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)
    lapsed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["attached_to", "object_id"]),
                   models.Index(fields=["expires_on"])]
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return f"Document {self.pk} ({self.get_kind_display()}) on {self.attached_to} " \
               f"{self.object_id}"
