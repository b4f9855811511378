from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")


def pennies(value) -> Decimal:
    """Round to pennies, half up, as finance expects."""
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)
