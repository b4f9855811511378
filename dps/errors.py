"""One domain error type with stable codes (API.md). Services raise; the API maps to the body."""


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_detail = "The request could not be processed."

    def __init__(self, detail=None, *, code=None, fields=None, status=None):
        self.detail = detail or self.default_detail
        if code:
            self.code = code
        if status:
            self.status = status
        self.fields = fields or {}
        super().__init__(self.detail)

    def as_body(self):
        body = {"code": self.code, "detail": self.detail}
        if self.fields:
            body["fields"] = self.fields
        return body


class RuleViolation(DomainError):
    """400: the input breaks a business rule (the code names the rule)."""


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    default_detail = "You do not have permission to do this."


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_detail = "Not found."


class InvalidTransition(DomainError):
    status = 409
    code = "invalid_transition"
    default_detail = "This action is not allowed in the object's current state."


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_detail = "The request conflicts with the current state."


def require_reason(reason, detail, field="reason"):
    """Refuse an empty reason: 400 invalid naming the field, with `detail` saying what to do."""
    if not (reason or "").strip():
        raise RuleViolation(detail, code="invalid", fields={field: ["A reason is required."]})


class AuditImmutable(DomainError):
    """The audit trail is append-only: an attempt to change or remove an entry is a bug."""

    status = 409
    code = "conflict"
    default_detail = "Audit entries cannot be changed or removed."
