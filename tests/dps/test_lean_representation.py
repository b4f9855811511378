"""dps/api/lean.py: the lean path is taken for the list serializers, gives DRF's output for
awkward instances, falls back where it cannot be exact, and its check catches a difference."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from calloffs.api.serializers import OpportunitySerializer
from contracts.api.serializers import (
    AuthorityPlacementSerializer,
    FeePeriodSerializer,
    ProviderPlacementSerializer,
)
from dps.api.lean import LeanRepresentation, _plan
from tests.contracts import factories as pf


def drf(serializer_class, instance):
    """What DRF's own Serializer.to_representation gives, bypassing the mixin."""
    serializer = serializer_class()
    return serializers.Serializer.to_representation(serializer, instance)


@pytest.mark.parametrize("cls", [AuthorityPlacementSerializer, ProviderPlacementSerializer,
                                 OpportunitySerializer, FeePeriodSerializer])
def test_the_list_serializers_are_planned(cls):
    # Not None: the lean path is in use (a new field DRF's path alone can read would turn it
    # off silently, and the API would be slow again without a failing test).
    plan = _plan(cls)
    assert plan is not None
    assert [step[0] for step in plan] == [
        name for name, field in cls().fields.items() if not field.write_only]


class Slugged(LeanRepresentation, serializers.Serializer):
    lot = serializers.SlugRelatedField(slug_field="code", read_only=True)


def test_a_field_it_cannot_read_exactly_leaves_the_class_to_drf():
    assert _plan(Slugged) is None
    row = SimpleNamespace(lot=SimpleNamespace(code="fostering"))
    assert Slugged().to_representation(row) == {"lot": "fostering"}


class Missing:
    @property
    def gone(self):
        raise ObjectDoesNotExist


class Awkward(LeanRepresentation, serializers.Serializer):
    name = serializers.CharField()
    absent = serializers.BooleanField(default=False, read_only=True)
    optional = serializers.CharField(required=False, read_only=True)
    nullable = serializers.CharField(allow_null=True, read_only=True)
    inner = serializers.CharField(source="holder.text")
    through_dict = serializers.CharField(source="data.key")
    gone = serializers.CharField(source="missing.gone")
    when = serializers.DateField()
    money = serializers.DecimalField(max_digits=8, decimal_places=2)
    tags = serializers.ListField(child=serializers.CharField())
    label = serializers.SerializerMethodField()

    def get_label(self, obj):
        return f"{obj.name}!"


@pytest.mark.parametrize("row", [
    SimpleNamespace(name="A", holder=SimpleNamespace(text=7), data={"key": "v"},
                    missing=Missing(), when=date(2026, 4, 1), money=Decimal("5200"),
                    tags=["x", 1], nullable=None),
    SimpleNamespace(name=3, absent=True, optional="here", holder=SimpleNamespace(text=None),
                    data={"key": None}, missing=Missing(), when=None, money=None, tags=[],
                    nullable="n"),
])
def test_awkward_instances_come_out_as_drf_makes_them(row):
    assert _plan(Awkward) is not None
    assert Awkward().to_representation(row) == drf(Awkward, row)


@pytest.mark.django_db
def test_placements_come_out_as_drf_makes_them():
    ended = pf.PlacementFactory(status="ended", start_date=date(2025, 1, 6),
                                end_date=date(2026, 2, 1), end_reason="planned_move")
    plain = pf.PlacementFactory(child=None)
    for placement in (ended, plain):
        placement.current_price = None  # the selector's annotation, absent here
        for cls in (AuthorityPlacementSerializer, ProviderPlacementSerializer):
            assert cls().to_representation(placement) == drf(cls, placement)


class Diverging(Awkward):
    def _lean(self, plan, instance):
        return {**super()._lean(plan, instance), "name": "something else"}


def test_the_check_catches_a_lean_row_that_differs(settings):
    settings.API_LEAN_CHECK = True
    row = SimpleNamespace(name="A", holder=SimpleNamespace(text=1), data={"key": "v"},
                          missing=Missing(), when=None, money=None, tags=[], nullable=None)
    with pytest.raises(AssertionError, match="differs from DRF"):
        Diverging().to_representation(row)
    settings.API_LEAN_CHECK = False
    assert Diverging().to_representation(row)["name"] == "something else"


@pytest.mark.django_db
def test_a_list_with_only_paging_builds_no_filterset_and_filters_when_asked(api, monkeypatch):
    # dps/api/filtering.py: paging alone builds no FilterSet; a filter parameter, even an
    # invalid one, goes through django-filter as before.
    from contracts.api.filters import PlacementFilter
    from tests import factories as f

    commissioner = f.CommissionerFactory()
    live = pf.PlacementFactory(authority=commissioner.organisation)
    ended = pf.PlacementFactory(authority=commissioner.organisation, status="ended",
                                start_date=date(2025, 1, 6), end_date=date(2026, 2, 1),
                                end_reason="planned_move")
    built = []
    original = PlacementFilter.__init__
    monkeypatch.setattr(PlacementFilter, "__init__",
                        lambda self, *a, **k: built.append(1) or original(self, *a, **k))
    client = api(commissioner)
    rows = client.get("/api/v1/placements/", {"page": 1, "page_size": 10}).json()["results"]
    assert {row["id"] for row in rows} == {live.pk, ended.pk}
    assert built == []
    rows = client.get("/api/v1/placements/", {"status": "ended"}).json()["results"]
    assert [row["id"] for row in rows] == [ended.pk]
    assert built == [1]
    assert client.get("/api/v1/placements/", {"status": "nonsense"}).status_code == 400
