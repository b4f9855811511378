"""`{% sort_header sort "key" "Label" %}`: a GOV.UK table header that sorts its table."""

from django import template

register = template.Library()


@register.inclusion_tag("dps/_sort_header.html")
def sort_header(sort, key, label, numeric=False):
    return {"h": sort.header(key, label, numeric=numeric)}


@register.inclusion_tag("dps/_sort_hidden.html")
def sort_hidden(sort):
    """The current sort as a hidden field, inside a filter form, so filtering keeps it."""
    return {"fields": sort.hidden_fields() if sort else []}
