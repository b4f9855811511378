"""The SVG chart builders: scales, empty data, and shapes inside the drawing."""

from decimal import Decimal

from reports.insight import PriceSpread
from reports.views_insight import (
    _nice_max,
    _whole_max,
    box_plot,
    grouped_bars,
    horizontal_bars,
    stacked_shares,
)


def inside(chart):
    """Every shape's coordinates lie within the chart's viewBox."""
    for shape in chart["shapes"]:
        for key in ("x", "y", "x1", "y1", "x2", "y2", "cx", "cy"):
            if key in shape:
                limit = chart["width"] if key.startswith(("x", "cx")) else chart["height"]
                assert 0 <= float(shape[key]) <= limit, (key, shape)
    return True


def test_axis_tops_are_round_numbers():
    assert [_nice_max(v) for v in (0, 0.4, 3, 12, 2400, 7600)] == [1, 0.5, 5, 20, 2500, 10000]
    # Counts get four whole-number steps.
    assert [_whole_max(v) for v in (0, 3, 5, 9, 30)] == [4, 4, 8, 12, 40]


def test_grouped_bars_scale_to_the_largest_value():
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
    shares = stacked_shares("x", "T", "D", [("a", {"dps": None})], [("dps", "#1d70b8")])
    assert any(s.get("text") == "No spend" for s in shares["shapes"])
    box = box_plot("x", "T", "D", ["a"], [PriceSpread()])
    assert any(s.get("text") == "No placements" for s in box["shapes"])


def test_box_plot_draws_quartiles_median_and_average():
    spread = PriceSpread(placements=3, average=Decimal("2100.00"), minimum=Decimal("700.00"),
                         lower_quartile=Decimal("1400.00"), median=Decimal("2100.00"),
                         upper_quartile=Decimal("2800.00"), maximum=Decimal("3500.00"))
    chart = box_plot("x", "T", "D", ["a"], [spread])
    (box,) = [s for s in chart["shapes"] if s["kind"] == "rect"]
    # The axis runs to £5,000 over 250 units: the box spans £1,400 to £2,800.
    assert (float(box["y"]), float(box["h"])) == (270 - 2800 / 5000 * 250, 1400 / 5000 * 250)
    assert [s for s in chart["shapes"] if s["kind"] == "circle"]
    assert inside(chart)


def test_stacked_shares_fill_the_width():
    chart = stacked_shares("x", "T", "D", [("a", {"dps": Decimal("75.0"),
                                                   "spot": Decimal("25.0")})],
                           [("dps", "#1d70b8"), ("spot", "#d4351c")])
    widths = [float(s["w"]) for s in chart["shapes"] if s["kind"] == "rect"]
    assert sum(widths) == 640 - 10 - 130
    assert chart["legend"][0][0] == "DPS call-off"
