"""Formatting for placement documents: money as finance writes it."""

from decimal import Decimal

from django import template

from dps.money import pennies

register = template.Library()


@register.filter
def money(value):
    """£4,250.00 — pounds, thousands separated, two places. Blank for no value."""
    if value is None or value == "":
        return ""
    return f"£{pennies(Decimal(value)):,.2f}"
