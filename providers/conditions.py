"""Conditions of membership (ADR 0017): the self-declarations and the regulator an applicant
must satisfy. In a dynamic market under the Procurement Act 2023 they cannot change once the
market is established (s.36): a change is refused (409 `conditions_fixed`), or made as a recorded
modification with its reason (audited `dps.conditions_modified`, from which the notices part
raises the market's modification notice, s.39). Under the 2015 Regulations the council changes
what its notice allows (audited `dps.conditions_changed`)."""

from django.db import transaction
from django.utils import timezone

from dps import audit
from dps.errors import Conflict
from providers.models import Dps


@transaction.atomic
def change_conditions(dps, *, by, required_declarations=None, regulator=None,
                      modification_reason=""):
    dps = Dps.objects.select_for_update().get(pk=dps.pk)
    before = {"required_declarations": dps.required_declarations, "regulator": dps.regulator}
    after = dict(before)
    if required_declarations is not None:
        after["required_declarations"] = [dict(item) for item in required_declarations]
    if regulator is not None:
        after["regulator"] = regulator
    if after == before:
        return dps
    established = dps.starts_on <= timezone.localdate()
    reason = (modification_reason or "").strip()
    if dps.rules.conditions_fixed and established and not reason:
        raise Conflict(
            f"{dps.name} is a dynamic market under the Procurement Act 2023, established on "
            f"{dps.starts_on:%-d %B %Y}: its conditions of membership cannot change (s.36). "
            "Record a modification, with its reason, if the law allows it.",
            code="conditions_fixed")
    dps.required_declarations = after["required_declarations"]
    dps.regulator = after["regulator"]
    dps.save(update_fields=["required_declarations", "regulator"])
    modified = dps.rules.conditions_fixed and established
    audit.record(dps, "dps.conditions_modified" if modified else "dps.conditions_changed",
                 by=by, reason=reason, data={"from": before, "to": after})
    return dps
