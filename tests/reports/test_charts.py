"""The SVG chart helper (reports.charts): scales, empty data, shapes and labels inside the
drawing, and axis ticks that never read the same twice (issue 16, finding 11)."""

from decimal import Decimal

import pytest

from reports.charts import (
    CHAR_WIDTH,
    box_plot,
    grouped_bars,
    history_and_forecast,
    horizontal_bars,
    nice_step,
    number,
    stacked_shares,
    ticks,
)
from reports.insight import PriceSpread


def inside(chart):
    """Every shape's coordinates lie within the chart's viewBox, and every label's estimated
    extent too (start, middle or end anchored)."""
    for shape in chart["shapes"]:
        for key in ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy"):
            if key in shape:
                limit = chart["width"] if key.startswith(("x", "cx")) else chart["height"]
                assert 0 <= float(shape[key]) <= limit, (key, shape)
        if shape["kind"] == "text":
            width = len(shape["text"]) * shape["size"] * CHAR_WIDTH
            x = float(shape["x"])
            left = {"start": x, "middle": x - width / 2, "end": x - width}[shape["anchor"]]
            assert 0 <= left <= chart["width"] - width, shape
    return True


def labels(chart):
    return [s["text"] for s in chart["shapes"] if s["kind"] == "text"]


def test_steps_are_whole_1_2_or_5_times_a_power_of_ten():
    assert [nice_step(v) for v in (0, 0.25, 1, 3, 12, 240, 760)] == [1, 1, 1, 5, 20, 500, 1000]
    assert ticks(3500) == [0, 1000, 2000, 3000, 4000]
    assert ticks(0) == [0, 1]
    assert ticks(9) == [0, 3, 6, 9] or ticks(9) == [0, 5, 10]


@pytest.mark.parametrize("highest", [0, 0.4, 1, 3, 7, 130, 1250, 4999, 87000, 1_250_000])
def test_money_ticks_are_distinct_and_reach_the_highest(highest):
    marks = ticks(highest)
    shown = [number(m, money=True) for m in marks]
    assert len(set(shown)) == len(shown), shown  # never "£0 £0 £1"
    assert marks[-1] >= highest
    assert 2 <= len(marks) <= 6


def test_price_axis_reads_in_round_pounds():
    spread = PriceSpread(placements=3, average=Decimal("1100.00"), minimum=Decimal("800.00"),
                         lower_quartile=Decimal("900.00"), median=Decimal("1000.00"),
                         upper_quartile=Decimal("1200.00"), maximum=Decimal("1250.00"))
    chart = box_plot("x", "T", "D", ["a"], [spread])
    assert labels(chart)[:4] == ["£0", "£500", "£1,000", "£1,500"]


def test_long_labels_are_cut_to_fit_with_the_whole_name_kept():
    name = "Meadowbank Families and Children's Residential Services Partnership Ltd"
    chart = horizontal_bars("x", "T", "D", [(name, Decimal("5200")), ("Short", 1)],
                            money=True, width=480)
    first = chart["shapes"][0]
    assert first["text"].endswith("…")
    assert name.startswith(first["text"][:-1])
    assert first["title"] == name
    assert inside(chart)
    # A name that fits is drawn whole, from its first letter ("eadowbank Families" was cut).
    chart = horizontal_bars("x", "T", "D", [("Meadowbank Families", 10)], money=True, width=480)
    assert chart["shapes"][0]["text"] == "Meadowbank Families"
    assert chart["shapes"][0]["title"] is None
    assert inside(chart)


def test_grouped_bars_scale_to_the_top_tick():
    chart = grouped_bars("x", "Title", "Description", ["a", "b"],
                         [{"name": "One", "colour": "#1d70b8", "values": [2, 8]},
                          {"name": "Two", "colour": "#003078", "values": [0, 4]}])
    bars = [s for s in chart["shapes"] if s["kind"] == "rect"]
    assert len(bars) == 4
    heights = [float(b["h"]) for b in bars]
    assert max(heights) == 250.0  # 8 of 8: the whole plot height
    assert heights[1] == 0.0
    assert chart["legend"] == [("One", "#1d70b8"), ("Two", "#003078")]
    assert inside(chart)


def test_empty_data_draws_without_dividing_by_nothing():
    assert inside(grouped_bars("x", "T", "D", ["a"], [{"name": "n", "colour": "#000000",
                                                        "values": [0]}]))
    assert inside(horizontal_bars("x", "T", "D", []))
    shares = stacked_shares("x", "T", "D", [("a", {"dps": None})], [("dps", "#1d70b8")], {})
    assert "None" in labels(shares)
    box = box_plot("x", "T", "D", ["a"], [PriceSpread()])
    assert "No placements" in labels(box)
    assert inside(history_and_forecast("x", "T", "D", [], []))


def test_box_plot_draws_quartiles_median_and_average():
    spread = PriceSpread(placements=3, average=Decimal("2100.00"), minimum=Decimal("700.00"),
                         lower_quartile=Decimal("1400.00"), median=Decimal("2100.00"),
                         upper_quartile=Decimal("2800.00"), maximum=Decimal("3500.00"))
    chart = box_plot("x", "T", "D", ["a"], [spread])
    (box,) = [s for s in chart["shapes"] if s["kind"] == "rect"]
    # The axis runs to £4,000 over 250 units: the box spans £1,400 to £2,800.
    assert (float(box["y"]), float(box["h"])) == (270 - 2800 / 4000 * 250, 1400 / 4000 * 250)
    assert [s for s in chart["shapes"] if s["kind"] == "circle"]
    assert inside(chart)


def test_stacked_shares_fill_the_width():
    chart = stacked_shares("x", "T", "D", [("a", {"dps": Decimal("75.0"),
                                                   "spot": Decimal("25.0")})],
                           [("dps", "#1d70b8"), ("spot", "#d4351c")], {"dps": "DPS call-off"})
    widths = [float(s["w"]) for s in chart["shapes"] if s["kind"] == "rect"]
    assert sum(widths) == 640 - 10 - 130
    assert chart["legend"][0][0] == "DPS call-off"


def test_history_and_forecast_draws_the_band_and_both_lines():
    history = [(f"2025-{m:02d}", m) for m in range(1, 13)]
    ahead = [(f"2026-{m:02d}", 6.0, 3.0, 9.5) for m in range(1, 13)]
    chart = history_and_forecast("x", "T", "D", history, ahead)
    kinds = [s["kind"] for s in chart["shapes"]]
    assert kinds.count("polyline") == 2
    assert kinds.count("polygon") == 1
    assert "Jan 2026" in labels(chart)
    assert "Jul 2025" in labels(chart)
    assert inside(chart)
