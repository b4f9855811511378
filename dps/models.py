"""The shared kernel: organisations, users and roles, and the audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from dps.errors import AuditImmutable


class Role(models.TextChoices):
    DPS_ADMIN = "dps_admin", "DPS administrator"
    COMMISSIONER = "commissioner", "Commissioner"
    BUDGET_HOLDER = "budget_holder", "Budget holder"
    FINANCE = "finance", "Finance"
    PROVIDER = "provider", "Provider"


AUTHORITY_ROLES = frozenset(
    {Role.DPS_ADMIN, Role.COMMISSIONER, Role.BUDGET_HOLDER, Role.FINANCE}
)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        AUTHORITY = "authority", "Authority"
        PROVIDER = "provider", "Provider"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    is_lead = models.BooleanField(
        default=False, help_text="The lead authority hosts the DPS; partners use it."
    )
    area = models.CharField(
        max_length=100, blank=True,
        help_text="Local authority area the organisation (or its service) sits in.",
    )
    postcode = models.CharField(max_length=10, blank=True)
    companies_house_number = models.CharField(max_length=8, blank=True, db_index=True)
    requires_resource_panel = models.BooleanField(
        default=False,
        help_text="An authority setting: referrals need a resource panel's approval before "
                  "they can be published.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="organisation_unique_name"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_authority(self):
        return self.kind == self.Kind.AUTHORITY

    @property
    def is_provider(self):
        return self.kind == self.Kind.PROVIDER


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    roles = models.JSONField(default=list, blank=True, help_text="Role codes held by the user.")
    approval_limit = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="Largest award value a budget holder may approve.",
    )
    # The supplier portal (issue 8): "new since your last visit", and who may invite colleagues.
    last_portal_visit = models.DateTimeField(
        null=True, blank=True, help_text="When the provider user last opened the portal.")
    is_org_admin = models.BooleanField(
        default=False, help_text="A provider user who may invite colleagues to the organisation.")
    invited_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The colleague who invited this user.")
    invitation_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the set-password e-mail went (sent once).")
    # Resending and cancelling an invitation (dps.services.resend_invitation and friends).
    invitation_issued_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the latest invitation (first or resent) was issued; the e-mail task "
                  "sends only the latest, once.")
    invitation_cancelled_at = models.DateTimeField(
        null=True, blank=True, help_text="When the organisation's administrator cancelled the "
                                         "invitation (the user is then inactive).")
    # Two-factor enrolment (dps.two_factor): a new authenticator only through the invitation
    # link, or once after an administrator's audited reset, which stamps this.
    two_factor_reset_at = models.DateTimeField(
        null=True, blank=True, help_text="When an administrator reset two-factor sign-in: one "
                                         "new authenticator app may then be set up.")

    def has_role(self, *roles):
        """True when the user holds any of `roles`; a superuser counts as a DPS administrator."""
        if not self.is_authenticated or not self.is_active:
            return False
        if self.is_superuser and Role.DPS_ADMIN in roles:
            return True
        return any(role in self.roles for role in roles)

    @property
    def is_dps_admin(self):
        return self.has_role(Role.DPS_ADMIN)

    @property
    def is_authority_user(self):
        return self.is_superuser or bool(AUTHORITY_ROLES.intersection(self.roles))

    @property
    def is_provider_user(self):
        return Role.PROVIDER in self.roles


class AuditEntryQuerySet(models.QuerySet):
    """Append-only: rows are inserted, never changed or removed through the ORM.

    The only way out is `dps.audit.purge(...)`, which the scale-seeding commands use to reset a
    benchmark database; PostgreSQL enforces the same rule with a trigger (migration 0003).
    """

    def update(self, **kwargs):
        raise AuditImmutable()

    def delete(self):
        from dps import audit

        if not audit.purging():
            raise AuditImmutable()
        return super().delete()

    def _raw_delete(self, using):
        from dps import audit

        if not audit.purging():
            raise AuditImmutable()
        return super()._raw_delete(using)


class AuditEntry(models.Model):
    """One state change: who, when, which object, from what to what, and why."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # PROTECT, not SET_NULL: removing a user must not rewrite who did what (deactivate instead).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    obj = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=50)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditImmutable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutable()


class AnonymousActor(AnonymousUser):
    """The API's unauthenticated user: answers the same questions as `User`, always "no", so
    code that scopes by role or organisation never needs to special-case signed-out callers
    (the OpenAPI generator calls views with one)."""

    organisation = None
    organisation_id = None
    roles = ()
    approval_limit = None
    is_dps_admin = False
    is_authority_user = False
    is_provider_user = False

    def has_role(self, *roles):
        return False


class OutboxMessage(models.Model):
    """A task to queue once the transaction that asked for it has committed.

    Written in that transaction, so a committed change never loses its e-mail: if the broker
    (Redis) is down at commit, the row waits and `dps.tasks.drain_outbox` queues it when the
    broker is back. The tasks themselves are idempotent, so queueing twice sends nothing twice.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker finished the task (succeeded or failed for good). A message queued but
    # never finished — its worker was killed mid-task, and the embedded broker never hands an
    # unacknowledged task out again — is queued again by the drain (dps/outbox.py).
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["created_at"], condition=models.Q(sent_at__isnull=True),
                                name="outbox_pending"),
                   models.Index(fields=["sent_at"],
                                condition=models.Q(sent_at__isnull=False, done_at__isnull=True),
                                name="outbox_unfinished")]

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"
