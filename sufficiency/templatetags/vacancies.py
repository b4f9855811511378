"""The matching panel, shown where the commissioner writes a referral and on the call-off page
(`{% load vacancies %}{% matching_panel referral calloff %}`). A template tag, so the referral
and call-off apps import nothing of this one."""

from django import template

from sufficiency import selectors

register = template.Library()


@register.inclusion_tag("sufficiency/_matching_panel.html")
def matching_panel(referral, calloff=None):
    if referral is None or referral.placement_start is None:
        return {"matches": None}
    age = calloff.child_age if calloff is not None else None
    needs = list(referral.needs.all())
    matches = selectors.for_referral(referral, age=age, need_ids=[need.pk for need in needs])
    if calloff is not None:
        selectors.mark_invited(matches, calloff)
    return {"matches": matches, "referral": referral, "calloff": calloff, "needs": needs}
