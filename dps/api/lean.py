"""Lean representations for read serializers (issue 19, ADR 0024).

DRF turns each row into a dict through per-field machinery: a generator over the fields, a
`get_attribute` with a Mapping check and exception handling per field, and a fresh copy of the
declared fields for every request. For a list page of 50 rows that was a third of the request.
`LeanRepresentation` computes, once per serializer class, a plan from the fields DRF itself
builds (so the output is DRF's, field by field), and then per row does only the attribute reads
and the same `to_representation` calls. Whatever the plan does not know how to read exactly as
DRF does falls back to DRF's own path, per field or for the whole class.

With `API_LEAN_CHECK` on (the test settings), every lean row is compared with DRF's own
representation of the same instance and a difference raises: the whole API test suite proves
the two equal.
"""

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

# Field classes whose get_attribute is DRF's plain one and whose to_representation reads only
# the field's own settings (never its parent, the context or the request).
_PLAIN = (drf_fields.CharField, drf_fields.IntegerField, drf_fields.BooleanField,
          drf_fields.DateField, drf_fields.DateTimeField, drf_fields.DecimalField,
          drf_fields.FloatField, drf_fields.ChoiceField, drf_fields.ReadOnlyField,
          drf_fields.UUIDField, drf_fields.JSONField)

_METHOD, _PK, _ATTR = "method", "pk", "attr"
_plans: dict[type, list | None] = {}


def _step(field):
    """How to read one field lean, or None when only DRF's path is known to be exact."""
    if isinstance(field, drf_fields.SerializerMethodField):
        return (field.field_name, _METHOD, field.method_name, None)
    if isinstance(field, relations.PrimaryKeyRelatedField):
        if field.pk_field is None and len(field.source_attrs) == 1:
            return (field.field_name, _PK, field.source_attrs[0], field)
        return None
    if isinstance(field, drf_fields.ListField):
        return _attr(field) if isinstance(field.child, _PLAIN) else None
    if isinstance(field, serializers.BaseSerializer):
        # A nested serializer is lean itself, and must not need the context (its copy here
        # was built without one): so no method fields of its own.
        nested = _plan(type(field)) if isinstance(field, LeanRepresentation) else None
        if nested is None or any(step[1] == _METHOD for step in nested):
            return None
        return _attr(field)
    if type(field) in _PLAIN or isinstance(field, _PLAIN):
        return _attr(field)
    return None


def _attr(field):
    if field.source == "*":
        return None
    return (field.field_name, _ATTR, tuple(field.source_attrs), field)


def _plan(cls):
    if cls in _plans:
        return _plans[cls]
    plan = []
    # The fields as DRF builds them for this class, once: a copy made without a context, which
    # is why fields that read the context or the request are not planned.
    try:
        fields = cls().fields.values()
    except Exception:  # a serializer that cannot be built bare: DRF's path, always
        _plans[cls] = None
        return None
    for field in fields:
        if field.write_only:
            continue
        step = _step(field)
        if step is None:
            plan = None
            break
        plan.append(step)
    _plans[cls] = plan
    return plan


def _generic(field, instance):
    """DRF's own per-field path (Serializer.to_representation's loop body)."""
    attribute = field.get_attribute(instance)  # may raise SkipField
    check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    return None if check is None else field.to_representation(attribute)


class LeanRepresentation:
    """Mixin for read serializers: `to_representation` without DRF's per-field overhead."""

    def to_representation(self, instance):
        plan = _plan(type(self))
        if plan is None or isinstance(instance, Mapping):
            return super().to_representation(instance)
        ret = self._lean(plan, instance)
        if getattr(settings, "API_LEAN_CHECK", False):
            generic = super().to_representation(instance)
            if ret != generic:
                raise AssertionError(
                    f"{type(self).__name__}: lean {ret!r} differs from DRF's {generic!r}")
        return ret

    def _lean(self, plan, instance):
        ret = {}
        for name, kind, source, field in plan:
            if kind is _METHOD:
                ret[name] = getattr(self, source)(instance)
                continue
            try:
                if kind is _PK:
                    value = instance.serializable_value(source)
                    if callable(value):
                        raise AttributeError(source)
                    ret[name] = value
                    continue
                value = instance
                for attr in source:
                    if value is not instance and isinstance(value, Mapping):
                        raise AttributeError(attr)
                    try:
                        value = getattr(value, attr)
                    except ObjectDoesNotExist:
                        value = None
                        break
                    if callable(value):
                        raise AttributeError(attr)
            except (AttributeError, KeyError):
                # Missing or unusual: exactly what DRF does with this field.
                try:
                    ret[name] = _generic(field, instance)
                except SkipField:
                    pass
                continue
            ret[name] = None if value is None else field.to_representation(value)
        return ret
