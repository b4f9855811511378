"""`{% documents_section "referral" referral %}`: the object's documents, for whoever may see
them, with a link to attach one. One query."""

from django import template
from django.urls import reverse

from documents import access, selectors

register = template.Library()


@register.inclusion_tag("documents/_section.html", takes_context=True)
def documents_section(context, attached_to, obj):
    user = context["request"].user
    spec = access.attachment(attached_to)
    return {"documents": selectors.documents_on(user, attached_to, obj.pk),
            "attached_to": attached_to, "obj": obj,
            "page": reverse(f"documents:{attached_to}", args=[obj.pk]),
            "may_upload": spec is not None and spec.may_upload(user)}
