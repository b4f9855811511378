"""The risk framework: score = impact × probability, and the bands at their exact boundaries."""

import pytest

from monitoring.models import MonitoringLevel, Rag
from monitoring.services import rate

GREEN = (Rag.GREEN, MonitoringLevel.ISSUE_BASED)
AMBER = (Rag.AMBER, MonitoringLevel.DISTANCE)
RED = (Rag.RED, MonitoringLevel.FULL_VISIT)


@pytest.mark.parametrize(("impact", "probability", "score", "band"), [
    (1, 1, 1, GREEN),
    (2, 3, 6, GREEN),   # the top of green
    (3, 2, 6, GREEN),
    (2, 4, 8, AMBER),   # the bottom of amber
    (4, 2, 8, AMBER),
    (3, 4, 12, AMBER),  # the top of amber
    (4, 3, 12, AMBER),
    (3, 5, 15, RED),    # the bottom of red
    (5, 3, 15, RED),
    (5, 5, 25, RED),
])
def test_score_is_impact_times_probability_in_its_band(impact, probability, score, band):
    assert rate(impact, probability) == (score, *band)


def test_every_possible_score_falls_in_a_band_and_the_gaps_never_occur():
    scores = {i * p for i in range(1, 6) for p in range(1, 6)}
    assert not scores & {7, 11, 13, 14}
    for impact in range(1, 6):
        for probability in range(1, 6):
            score, rag, _ = rate(impact, probability)
            expected = Rag.GREEN if score <= 6 else Rag.AMBER if score <= 12 else Rag.RED
            assert rag == expected
