"""One helper for every django-fsm transition a service makes: the 409 and the audit row."""

from django_fsm import can_proceed

from dps import audit
from dps.errors import InvalidTransition


def move(obj, name, *, by, reason="", data=None, action=None, verb=None, field="status"):
    """Run transition `name` on `obj`, or raise 409 invalid_transition.

    `field` names the state field the transition moves (a placement has its `status` and its
    `approval`). Returns a callable that writes the audit row; call it once the object is
    saved, inside the same transaction.
    """
    method = getattr(obj, name)
    if not can_proceed(method):
        state = getattr(obj, f"get_{field}_display")().lower()
        raise InvalidTransition(
            f"You cannot {verb or name.replace('_', ' ')} this {obj._meta.verbose_name} while "
            f"it is {state}.")
    before = getattr(obj, field)
    method()
    label = action or f"{obj._meta.model_name}.{name}"
    return lambda: audit.record(obj, label, by=by, from_state=before,
                                to_state=getattr(obj, field), reason=reason, data=data)
