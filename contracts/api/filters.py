import datetime

import django_filters
from django.core.exceptions import ValidationError

from contracts import selectors
from contracts.models import Approval, BlockContract, FeeChange, Placement, VolumeDiscountTier
from dps.input_guard import outside_date_window, window_message


class PlacementFilter(django_filters.FilterSet):
    lot = django_filters.CharFilter(field_name="lot__code", help_text="Lot code.")
    provider = django_filters.NumberFilter(field_name="provider_id",
                                           help_text="Provider organisation id.")
    authority = django_filters.NumberFilter(field_name="authority_id",
                                            help_text="Authority id (DPS administrators).")
    status = django_filters.ChoiceFilter(choices=Placement.Status.choices)
    route = django_filters.ChoiceFilter(choices=Placement.Route.choices)
    block = django_filters.NumberFilter(field_name="block_id", help_text="Block contract id.")
    approval = django_filters.ChoiceFilter(choices=Approval.choices)
    review_due = django_filters.CharFilter(
        method="filter_review_due",
        help_text="true: the next review is due within the reminder window or overdue; "
                  "a date (YYYY-MM-DD): due on or before it; false: neither.")

    class Meta:
        model = Placement
        fields = ["lot", "provider", "authority", "status", "route", "block", "approval",
                  "review_due"]

    def filter_review_due(self, queryset, name, value):
        text = value.strip().lower()
        if text in {"1", "true", "yes", "0", "false", "no"}:
            return selectors.review_due(queryset, text)
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError({"review_due": ["Use true, false or a date (YYYY-MM-DD)."]}) \
                from exc
        if outside_date_window(day):
            raise ValidationError({"review_due": [window_message()]})
        return selectors.review_due(queryset, day)


class FeeChangeFilter(django_filters.FilterSet):
    # A plain number: a choice filter would tell a caller which placements exist.
    placement = django_filters.NumberFilter(field_name="placement_id")
    status = django_filters.ChoiceFilter(choices=FeeChange.Status.choices)

    class Meta:
        model = FeeChange
        fields = ["placement", "status"]


class BlockContractFilter(django_filters.FilterSet):
    lot = django_filters.CharFilter(field_name="lot__code", help_text="Lot code.")
    provider = django_filters.NumberFilter(field_name="provider_id",
                                           help_text="Provider organisation id.")
    authority = django_filters.NumberFilter(field_name="authority_id",
                                            help_text="Authority id (DPS administrators).")

    class Meta:
        model = BlockContract
        fields = ["lot", "provider", "authority"]


class VolumeDiscountFilter(django_filters.FilterSet):
    lot = django_filters.CharFilter(field_name="lot__code", help_text="Lot code.")
    provider = django_filters.NumberFilter(field_name="provider_id",
                                           help_text="Provider organisation id.")

    class Meta:
        model = VolumeDiscountTier
        fields = ["lot", "provider"]
