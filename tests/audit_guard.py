"""Every state change writes an audit entry (issue 7), checked at run time across the suite.

Each django-fsm transition fired during a test is recorded. It must have run inside
`dps.transitions.move` (which returns the audit writer), and at the end of the test each one
whose new state was kept must have its audit row (same object, from and to states). A
transition whose state was not kept (the service refused after moving, and rolled back) needs
none. The session's summary says how many declared transitions the suite exercised this way.
"""

import os
import threading
from collections import Counter

_lock = threading.Lock()
_fired = []
exercised = set()


def _inside_move():
    import inspect

    return any(frame.function == "move" and frame.filename.endswith(
        os.path.join("dps", "transitions.py")) for frame in inspect.stack(context=0)[2:])


def on_transition(sender, instance, name, source, target, field=None, **kwargs):
    if not _inside_move():
        raise AssertionError(
            f"{sender.__name__}.{name} ({source} → {target}) ran outside dps.transitions.move, "
            f"so no audit entry records it")
    with _lock:
        _fired.append((instance, name, source, target, field.attname if field else "status"))


def take():
    with _lock:
        fired = list(_fired)
        _fired.clear()
    return fired


def check(fired, tally, seen=None):
    """Raise AssertionError for each kept transition in `fired` without its audit row.
    `tally` and `seen` (the session's `totals` and `exercised`, from the conftest hook) count
    what was checked."""
    seen = set() if seen is None else seen
    if not fired:
        return
    from django.contrib.contenttypes.models import ContentType

    from dps.models import AuditEntry

    problems = []
    for instance, name, source, target, attname in fired:
        model = type(instance)
        tally["transitions fired"] += 1
        seen.add((model.__name__, name))
        if instance.pk is None:
            tally["transitions on objects never saved"] += 1
            continue
        kind = ContentType.objects.get_for_model(instance, for_concrete_model=True)
        if AuditEntry.objects.filter(content_type=kind, object_id=instance.pk,
                                     from_state=source, to_state=target).exists():
            tally["transitions with their audit entry"] += 1
            continue
        now = model._default_manager.filter(pk=instance.pk).values_list(attname,
                                                                          flat=True).first()
        if now == target:
            problems.append(f"{model.__name__} #{instance.pk} {name} ({source} → {target})")
        else:
            tally["transitions not kept (rolled back)"] += 1
    if problems:
        raise AssertionError("State changes kept without an audit entry:\n  "
                             + "\n  ".join(problems))


def declared():
    from django.apps import apps
    from django_fsm import FSMFieldMixin

    found = set()
    for model in apps.get_models():
        for field in model._meta.fields:
            if isinstance(field, FSMFieldMixin):
                found |= {(model.__name__, t.name) for t in field.get_all_transitions(model)}
    return found


def connect():
    from django_fsm.signals import post_transition

    post_transition.connect(on_transition, dispatch_uid="audit-every-transition")


totals = Counter()
