"""Vacancies providers post on the lots they are admitted to (issue 18, ADR 0021).

A vacancy is live from posting until `expires_on` (14 days after it was posted or last
confirmed), while it is not withdrawn and its provider is admitted on the lot; the last is read
at query time (`selectors.live`), so a suspension or removal hides it at once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

LIFETIME_DAYS = 14  # API.md v1.1: 14 days unless refreshed
REMIND_AFTER_DAYS = 12  # the provider is asked to confirm on day 12


class Vacancy(models.Model):
    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="vacancies")
    lot = models.ForeignKey("providers.Lot", on_delete=models.PROTECT, related_name="vacancies")
    places = models.PositiveSmallIntegerField()
    # The GSS code of an area in dps/data/english_local_authorities.csv (dps.areas).
    area_code = models.CharField(max_length=9)
    age_from = models.PositiveSmallIntegerField()
    age_to = models.PositiveSmallIntegerField()
    needs = models.ManyToManyField("referrals.Need", blank=True, related_name="vacancies")
    available_from = models.DateField()
    notes = models.CharField(max_length=300, blank=True)
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField()
    expires_on = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        verbose_name_plural = "vacancies"
        constraints = [
            models.CheckConstraint(condition=Q(age_from__lte=models.F("age_to")),
                                   name="vacancy_ages_in_order"),
            models.CheckConstraint(condition=Q(places__gte=1), name="vacancy_has_places"),
        ]
        indexes = [
            # The matching panel's scan: live vacancies of a lot.
            models.Index(fields=["lot", "expires_on"], condition=Q(withdrawn_at__isnull=True),
                         name="vacancy_live_by_lot"),
            models.Index(fields=["provider", "lot"], name="vacancy_provider_lot"),
        ]

    def __str__(self):
        return f"Vacancy {self.pk}"
