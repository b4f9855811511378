"""How the front doors name a piece of work: by the child's case reference and plain words
("Call-off WSCC-100231 for a 14-year-old, fostering"), never by a database id alone. Staff pages
only: the case reference is the authority's."""

from django import template
from django.utils import timezone

register = template.Library()


def a_year_old(age):
    """"a 14-year-old", "an 8-year-old", "an 11-year-old"."""
    if age is None:
        return ""
    spoken = str(age)
    article = "an" if spoken.startswith("8") or age in (11, 18) else "a"
    return f"{article} {age}-year-old"


def _age_on(dob, day):
    if dob is None:
        return None
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _reference(child, fallback):
    reference = getattr(child, "case_reference", "") if child is not None else ""
    return reference or fallback


@register.filter
def calloff_label(calloff):
    """Call-off WSCC-100231 for a 14-year-old, fostering."""
    referral = calloff.referral
    reference = _reference(referral.child if referral.child_id else None, str(calloff.pk))
    return (f"Call-off {reference} for {a_year_old(calloff.child_age)}, "
            f"{calloff.lot.name.lower()}")


@register.filter
def placement_label(placement):
    """Placement WSCC-100231 for a 14-year-old, fostering (age today); a placement recorded
    without a child is named by its provider."""
    lot = placement.lot.name.lower()
    child = placement.child if placement.child_id else None
    if child is None:
        return f"Placement with {placement.provider_name}, {lot}"
    age = _age_on(child.date_of_birth, timezone.localdate())
    who = f" for {a_year_old(age)}" if age is not None else ""
    return f"Placement {_reference(child, str(placement.pk))}{who}, {lot}"


@register.filter
def block_label(block):
    """Block WS-BLK-7: 3 beds, residential children's homes."""
    beds = f"{block.beds} bed{'s' if block.beds != 1 else ''}"
    return f"Block {block.reference or block.pk}: {beds}, {block.lot.name.lower()}"


@register.filter
def lowerfirst(text):
    """"Call-off …" → "call-off …", to run on in a sentence."""
    return text[:1].lower() + text[1:] if text else text


@register.filter
def opportunity_label(calloff):
    """Fostering for a 14-year-old in Brighton: how a provider names a call-off (no case
    reference, which is the authority's and the child's, and no database id)."""
    area = calloff.referral.location_area if calloff.referral_id else ""
    age = a_year_old(calloff.child_age)
    return (f"{calloff.lot.name} for {age}" if age else calloff.lot.name) + \
        (f" in {area}" if area else "")
