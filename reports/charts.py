"""One chart helper for every report page (spend, commitments, market insight, demand): charts
drawn on the server as SVG shapes (no JavaScript), which `reports/_chart.html` renders. Each
chart sits beside a data table holding the same numbers, for screen readers and for copying.

Two rules keep them readable (issue 16, finding 11):
- Labels never run outside the drawing: a label's width is estimated from its length
  (`CHAR_WIDTH` of the font size per character, generous for Arial) and one that would not fit
  is cut with "…", its whole text kept in a `<title>` (a tooltip) and always in the table.
  Horizontal bars put the label on its own line above the bar, across the whole width.
- Value axes step by 1, 2 or 5 × 10ⁿ, never less than 1 (pounds, counts), so no two ticks
  read the same ("£0 £0 £1" was a 0.25 step rounded to whole pounds).
"""

import math
from decimal import Decimal

from dps import formatting

INK = "#0b0c0c"
GRID = "#b1b4b6"
FONT = "Helvetica, Arial, sans-serif"
# GOV.UK colours, each at least 3:1 against white (WCAG 1.4.11).
BLUE, DARK_BLUE, RED, GREEN, PURPLE = "#1d70b8", "#003078", "#d4351c", "#00703c", "#4c2c92"
LIGHT_BLUE = "#9cc3e6"  # the forecast band: a fill behind the lines, not a meaning by itself
# Average glyph width of Arial/Helvetica as a share of the font size is about 0.5; 0.6 leaves
# room for wide letters (M, W) and capitals.
CHAR_WIDTH = 0.6


# --- Scales ---------------------------------------------------------------------------------

def nice_step(value):
    """The smallest 1, 2 or 5 × 10ⁿ at or above `value`, and at least 1."""
    value = float(value or 0)
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return int(step * power)
    return int(10 * power)


def ticks(highest, steps=4):
    """Axis ticks from 0: about `steps` equal whole steps reaching at least `highest`."""
    step = nice_step(float(highest or 0) / steps)
    count = max(1, math.ceil(float(highest or 0) / step))
    return [step * i for i in range(count + 1)]


def number(value, money=False):
    if value is None:
        return "–"
    if money:
        return formatting.whole_money(Decimal(value))
    value = float(value)
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def text_width(text, size):
    return len(str(text)) * size * CHAR_WIDTH


def fit(text, width, size):
    """`text` cut with "…" to fit `width` units at `size`; (shown, whole or None)."""
    text = str(text)
    room = int(width / (size * CHAR_WIDTH))
    if len(text) <= room:
        return text, None
    return text[:max(room - 1, 1)].rstrip() + "…", text


# --- Shapes ---------------------------------------------------------------------------------

def _fmt(x):
    return f"{x:.1f}"


def text(x, y, content, *, anchor="start", size=14, weight="normal", fill=INK, width=None):
    """A label; with `width`, cut to fit it (the whole text in the shape's `title`)."""
    shown, whole = (str(content), None) if width is None else fit(content, width, size)
    return {"kind": "text", "x": _fmt(x), "y": _fmt(y), "text": shown, "title": whole,
            "anchor": anchor, "size": size, "weight": weight, "fill": fill}


def rect(x, y, w, h, fill):
    return {"kind": "rect", "x": _fmt(x), "y": _fmt(y), "w": _fmt(max(w, 0)),
            "h": _fmt(max(h, 0)), "fill": fill}


def line(x1, y1, x2, y2, stroke=INK, width=1, dash=None):
    return {"kind": "line", "x1": _fmt(x1), "y1": _fmt(y1), "x2": _fmt(x2), "y2": _fmt(y2),
            "stroke": stroke, "width": width, "dash": dash}


def polyline(points, stroke, width=2, dash=None):
    return {"kind": "polyline", "points": " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points),
            "stroke": stroke, "width": width, "dash": dash}


def polygon(points, fill):
    return {"kind": "polygon", "points": " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points),
            "fill": fill}


def chart(key, title, description, shapes, *, width=640, height=320, legend=()):
    return {"id": f"chart-{key}", "title": title, "description": description,
            "width": width, "height": height, "shapes": shapes, "legend": list(legend),
            "font": FONT}


def value_axis(shapes, top, bottom, left, right, marks, money=False):
    """Grid lines and labels at `marks` (from `ticks`); the labels end left of `left`."""
    highest = marks[-1] or 1
    for value in marks:
        y = bottom - (bottom - top) * value / highest
        shapes.append(line(left, y, right, y, stroke=GRID))
        shapes.append(text(left - 8, y + 5, number(value, money), anchor="end", size=13,
                           width=left - 10))
    return highest


# --- Charts ---------------------------------------------------------------------------------

def horizontal_bars(key, title, description, rows, *, maximum=None, suffix="", money=False,
                    colour=BLUE, width=640):
    """One bar per row, its label on the line above across the whole width, the value after
    the bar; `rows` = [(label, value)]. `maximum` fixes the scale (100 for shares)."""
    right_room = 110 if money else 70
    left, right, top, row_height = 4, width - right_room, 6, 46
    height = top + row_height * max(len(rows), 1) + 6
    top_value = maximum or ticks(max((float(v or 0) for _l, v in rows), default=0))[-1]
    shapes = []
    for i, (label, value) in enumerate(rows):
        y = top + row_height * i
        w = (right - left) * float(value or 0) / top_value
        shapes.append(text(left, y + 15, label, size=14, width=width - 2 * left))
        shapes.append(rect(left, y + 21, max(w, 1), 20, colour))
        shown = "–" if value is None else (
            number(value, money) if money else f"{number(value)}{suffix}")
        shapes.append(text(left + max(w, 1) + 6, y + 36, shown, size=13,
                           width=width - left - max(w, 1) - 8))
    return chart(key, title, description, shapes, width=width, height=height)


def grouped_bars(key, title, description, categories, series, *, money=False):
    """Vertical bars, one group per category, one bar per series."""
    width, height = 640, 320
    left, right, top, bottom = 90, width - 10, 20, height - 50
    highest = max((float(v or 0) for s in series for v in s["values"]), default=0)
    shapes = []
    maximum = value_axis(shapes, top, bottom, left, right, ticks(highest), money)
    slot = (right - left) / max(len(categories), 1)
    bar = min(48, slot * 0.8 / max(len(series), 1))
    for i, category in enumerate(categories):
        start = left + slot * i + (slot - bar * len(series)) / 2
        for j, s in enumerate(series):
            value = float(s["values"][i] or 0)
            h = (bottom - top) * value / maximum
            x = start + bar * j
            shapes.append(rect(x, bottom - h, bar - 2, h, s["colour"]))
            shapes.append(text(x + (bar - 2) / 2, bottom - h - 4, number(value, money),
                               anchor="middle", size=12))
        shapes.append(text(left + slot * (i + 0.5), bottom + 20, category, anchor="middle",
                           size=13, width=slot - 4))
    shapes.append(line(left, bottom, right, bottom))
    return chart(key, title, description, shapes, width=width, height=height,
                 legend=[(s["name"], s["colour"]) for s in series])


def stacked_shares(key, title, description, rows, parts, labels):
    """One horizontal 100% bar per row; `rows` = [(label, {part: share or None})], `parts` =
    [(part, colour)], `labels` = {part: legend text}."""
    width = 640
    left, right, top, row_height = 130, width - 10, 10, 44
    height = top + row_height * len(rows) + 10
    shapes = []
    for i, (label, shares) in enumerate(rows):
        y = top + row_height * i
        shapes.append(text(left - 8, y + 24, label, anchor="end", size=13, width=left - 12))
        x = left
        if not any(shares.values()):
            shapes.append(text(left, y + 24, "None", size=13))
            continue
        for part, colour in parts:
            share = float(shares.get(part) or 0)
            w = (right - left) * share / 100
            shapes.append(rect(x, y + 6, w, 28, colour))
            if w >= 44:
                shapes.append(text(x + w / 2, y + 25, f"{share:.0f}%", anchor="middle",
                                   size=13, weight="bold", fill="#ffffff"))
            x += w
    return chart(key, title, description, shapes, width=width, height=height,
                 legend=[(labels.get(part, part), colour) for part, colour in parts])


def box_plot(key, title, description, categories, spreads):
    """Per category: whiskers minimum–maximum, box between the quartiles, median line, and
    the average as a circle."""
    width, height = 640, 320
    left, right, top, bottom = 90, width - 10, 20, height - 50
    values = [float(s.maximum) for s in spreads if s.maximum is not None]
    shapes = []
    maximum = value_axis(shapes, top, bottom, left, right, ticks(max(values, default=0)),
                         money=True)
    slot = (right - left) / max(len(categories), 1)

    def y_of(value):
        return bottom - (bottom - top) * float(value) / maximum

    for i, (category, spread) in enumerate(zip(categories, spreads, strict=True)):
        middle = left + slot * (i + 0.5)
        shapes.append(text(middle, bottom + 20, category, anchor="middle", size=13,
                           width=slot - 4))
        if not spread.placements:
            shapes.append(text(middle, bottom - 10, "No placements", anchor="middle", size=12))
            continue
        shapes.append(line(middle, y_of(spread.minimum), middle, y_of(spread.maximum),
                           stroke=DARK_BLUE, width=2))
        for end in (spread.minimum, spread.maximum):
            shapes.append(line(middle - 12, y_of(end), middle + 12, y_of(end),
                               stroke=DARK_BLUE, width=2))
        box_top, box_bottom = y_of(spread.upper_quartile), y_of(spread.lower_quartile)
        shapes.append(rect(middle - 28, box_top, 56, max(box_bottom - box_top, 2), BLUE))
        shapes.append(line(middle - 28, y_of(spread.median), middle + 28, y_of(spread.median),
                           stroke="#ffffff", width=3))
        shapes.append({"kind": "circle", "cx": _fmt(middle + 44), "cy": _fmt(y_of(spread.average)),
                       "r": "6", "fill": PURPLE})
    return chart(key, title, description, shapes, width=width, height=height,
                 legend=[("Quartiles (box), median (white line), lowest to highest", BLUE),
                         ("Average", PURPLE)])


def history_and_forecast(key, title, description, history, forecast):
    """A monthly count: the history as a line, the forecast as a dashed line inside its
    interval band. `history` = [(month label, n)], `forecast` = [(label, expected, low, high)].
    Month labels are drawn every sixth month (January and July) and at the ends."""
    width, height = 640, 320
    left, right, top, bottom = 56, width - 12, 16, height - 56
    points = len(history) + len(forecast)
    highest = max([float(n) for _m, n in history]
                  + [float(h) for _m, _e, _l, h in forecast], default=0)
    shapes = []
    maximum = value_axis(shapes, top, bottom, left, right, ticks(highest))
    step = (right - left) / max(points - 1, 1)

    def x_of(i):
        return left + step * i

    def y_of(value):
        return bottom - (bottom - top) * float(value) / maximum

    labels = [m for m, _n in history] + [m for m, *_rest in forecast]
    shown = {i for i, m in enumerate(labels) if i in (0, points - 1) or m.endswith(("-01", "-07"))}
    last_x = -100.0
    for i in sorted(shown):
        if x_of(i) - last_x < 56:  # too close to the label before it
            continue
        shapes.append(line(x_of(i), bottom, x_of(i), bottom + 5))
        shapes.append(text(min(max(x_of(i), left + 26), right - 26), bottom + 22,
                           _month_label(labels[i]), anchor="middle", size=12))
        last_x = x_of(i)
    if forecast:
        n = len(history)
        band = ([(x_of(n + i), y_of(h)) for i, (_m, _e, _l, h) in enumerate(forecast)]
                + [(x_of(n + i), y_of(lo)) for i, (_m, _e, lo, _h)
                   in reversed(list(enumerate(forecast)))])
        shapes.append(polygon(band, LIGHT_BLUE))
        joined = ([(x_of(n - 1), y_of(history[-1][1]))] if history else []) + [
            (x_of(n + i), y_of(e)) for i, (_m, e, _l, _h) in enumerate(forecast)]
        shapes.append(polyline(joined, DARK_BLUE, width=2, dash="6 4"))
    if history:
        shapes.append(polyline([(x_of(i), y_of(n)) for i, (_m, n) in enumerate(history)],
                               BLUE, width=2))
    shapes.append(line(left, bottom, right, bottom))
    return chart(key, title, description, shapes, width=width, height=height,
                 legend=[("Started each month", BLUE), ("Forecast (dashed)", DARK_BLUE),
                         ("Forecast range", LIGHT_BLUE)])


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _month_label(month):
    year, number_ = month.split("-")
    return f"{MONTHS[int(number_) - 1]} {year}"
