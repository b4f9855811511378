"""Formatting for placement documents: money as finance writes it (dps/formatting.py)."""

from django import template

from dps import formatting

register = template.Library()


@register.filter
def money(value):
    """£4,250.00 — pounds, thousands separated, two places. Blank for no value."""
    return formatting.money(value)
