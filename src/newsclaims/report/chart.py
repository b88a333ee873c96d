"""The price chart of an article page: market closes around the publication time with
the article's claimed levels as labelled horizontal lines.

Geometry only (numbers and short labels); the SVG markup is the template
``_chart.svg.j2``, so every label passes through autoescaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..models import Candle, Claim

#: the window drawn: three days before publication (the run-up) and one day after.
BEFORE = timedelta(days=3)
AFTER = timedelta(days=1)
#: claim types drawn as horizontal lines (they are price levels in USD).
LEVEL_TYPES = ("price", "support", "resistance")
#: a claimed level farther than this factor from the market's range is drawn at the
#: chart's edge, labelled "off chart", so that one absurd figure does not flatten the curve.
SCALE_FACTOR = 1.5
#: pixel size of the SVG and its margins (left margin fits a price label).
WIDTH, HEIGHT = 780, 280
LEFT, RIGHT, TOP, BOTTOM = 78, 210, 16, 30
#: labels closer than this (pixels) are pushed apart.
LABEL_GAP = 12.0


@dataclass(frozen=True)
class Level:
    """One claimed value as a horizontal line."""

    y: float
    label_y: float
    label: str
    verdict: str
    claim_id: str
    off_chart: bool


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Everything the SVG template needs, in pixels."""

    asset: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    points: str
    published_x: float
    levels: list[Level]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    title: str
    candles: int
    interval: str


def format_usd(value: float) -> str:
    """A price for people: ``$67,460``, ``$2.30``, ``$0.2808``.

    >>> format_usd(67460.0), format_usd(2.3), format_usd(0.28083)
    ('$67,460', '$2.30', '$0.2808')
    """
    a = abs(value)
    if a >= 1000:
        s = f"${a:,.0f}"
    elif a >= 1:
        s = f"${a:,.2f}"
    else:
        s = f"${a:.4g}"
    return "-" + s if value < 0 else s


def spread_labels(wanted: Sequence[float], gap: float, low: float, high: float) -> list[float]:
    """Label positions as close as possible to ``wanted`` (sorted), at least ``gap`` apart.

    Labels that would overlap form a group centred on their lines' mean, so a crowd
    of levels keeps its labels around the lines instead of pushing them all one way;
    groups stay within [low, high] when they fit.

    >>> spread_labels([100, 101, 102], 12, 0, 400)
    [89.0, 101.0, 113.0]
    """
    groups: list[list[float]] = []  # [first position, count, sum of wanted]
    for w in wanted:
        groups.append([w, 1, w])
        while True:
            g = groups[-1]
            g[0] = g[2] / g[1] - gap * (g[1] - 1) / 2
            g[0] = min(max(g[0], low), max(low, high - gap * (g[1] - 1)))
            if len(groups) > 1 and groups[-2][0] + gap * groups[-2][1] > g[0]:
                prev = groups.pop(-2)
                g[1] += prev[1]
                g[2] += prev[2]
                continue
            break
    return [float(round(g[0] + gap * i, 1)) for g in groups for i in range(int(g[1]))]


def _nice_step(span: float, count: int) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``count`` ticks."""
    raw = span / max(count, 1)
    mag = 10.0 ** math.floor(math.log10(raw)) if raw > 0 else 1.0
    for m in (1.0, 2.0, 2.5, 5.0):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def build_chart(
    asset: str,
    candles: Sequence[Candle],
    published_at: datetime,
    claims: Sequence[Claim],
    verdicts: dict[str, str],
) -> Chart | None:
    """Lay out the chart, or ``None`` when there are fewer than two candles.

    Args:
        asset: the ticker drawn.
        candles: the market's candles from ``published_at - BEFORE`` to ``+ AFTER``.
        published_at: the article's publication time (a vertical line).
        claims: the article's claims; those of ``LEVEL_TYPES`` in USD for ``asset``
            become horizontal lines.
        verdicts: claim id -> worst verdict (colours the lines).
    """
    pts = sorted((c.open_time.astimezone(UTC), c.close) for c in candles if c.close > 0)
    if len(pts) < 2:
        return None
    t0 = published_at.astimezone(UTC) - BEFORE
    t1 = published_at.astimezone(UTC) + AFTER
    lo = min(p for _, p in pts)
    hi = max(p for _, p in pts)
    levels_in = [
        c for c in claims
        if c.type in LEVEL_TYPES and c.asset == asset and c.unit == "USD" and c.value > 0
    ]
    for c in levels_in:
        if lo / SCALE_FACTOR <= c.value <= hi * SCALE_FACTOR:
            lo, hi = min(lo, c.value), max(hi, c.value)
    pad = (hi - lo) * 0.06 or hi * 0.01
    lo, hi = lo - pad, hi + pad
    plot_w = WIDTH - LEFT - RIGHT
    # a chart with many levels grows taller, so that every label fits beside its line
    plot_h = max(HEIGHT - TOP - BOTTOM, math.ceil(LABEL_GAP * (len(levels_in) + 1)))
    height = plot_h + TOP + BOTTOM
    span_s = (t1 - t0).total_seconds()

    def x(t: datetime) -> float:
        return LEFT + plot_w * min(max((t - t0).total_seconds() / span_s, 0.0), 1.0)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - lo) / (hi - lo))

    points = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in pts)
    raw: list[tuple[float, str, str, str, bool]] = []
    for c in levels_in:
        off = not lo <= c.value <= hi
        yy = TOP if c.value > hi else (TOP + plot_h if c.value < lo else y(c.value))
        value = format_usd(c.value) + (f"–{format_usd(c.value_max)}" if c.value_max else "")
        label = f"{c.type} {value}" + (" (off chart)" if off else "")
        raw.append((yy, label, verdicts.get(c.id, "unverifiable"), c.id, off))
    raw.sort(key=lambda r: r[0])
    label_ys = spread_labels([r[0] + 4 for r in raw], LABEL_GAP, TOP + 4, TOP + plot_h + 4)
    levels = [
        Level(round(yy, 1), round(ly, 1), label, verdict, cid, off)
        for (yy, label, verdict, cid, off), ly in zip(raw, label_ys, strict=True)
    ]
    step = _nice_step(hi - lo, 4)
    first = (lo // step + 1) * step
    y_ticks = []
    v = first
    while v < hi:
        y_ticks.append(Tick(round(y(v), 1), format_usd(v)))
        v += step
    x_ticks = []
    day = datetime(t0.year, t0.month, t0.day, tzinfo=UTC) + timedelta(days=1)
    while day < t1:
        x_ticks.append(Tick(round(x(day), 1), day.strftime("%b %d")))
        day += timedelta(days=1)
    interval = candles[0].interval if candles else ""
    title = (
        f"{asset} close ({interval} candles) from {t0:%Y-%m-%d %H:%M} to {t1:%Y-%m-%d %H:%M} UTC"
    )
    return Chart(
        asset=asset, width=WIDTH, height=height, left=LEFT, right=RIGHT, top=TOP, bottom=BOTTOM,
        points=points, published_x=round(x(published_at.astimezone(UTC)), 1), levels=levels,
        y_ticks=y_ticks, x_ticks=x_ticks, title=title, candles=len(pts), interval=interval,
    )
