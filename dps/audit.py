"""Write the audit trail. Called by services inside their transaction, never after it."""

from django.contrib.contenttypes.models import ContentType

from dps.models import AuditEntry


def record(obj, action, *, by, from_state="", to_state="", reason="", data=None):
    actor = by if getattr(by, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
    )
