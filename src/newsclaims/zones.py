"""Publication zones: the UTC offset of each source's zone-less times, inferred from its claims.

Many dumps give times without a zone (23,779 of the 29,437 articles of the news dump);
read in the default zone they can be hours off, and a price checked at the wrong
hour is flagged for the market's move, not the article's error. A source that states
current prices ("Bitcoin is trading at $104,800") says, across its articles, what
its clock is: shifted by the right offset, those prices sit inside the market's
range; shifted by a wrong one, they drift away by the market's hourly moves.

For each source, every candidate offset from ``-12:00`` to ``+14:00`` (whole hours)
is scored by the median distance of its current-price claims to the market's
price at the time that offset gives (estimated within the finest candle, see
:meth:`MarketData.price_at`; a [low, high] range is too forgiving to tell hours
apart, since prices of the week often revisit the same band). The best offset is
used when the source has enough such claims and the best is clear: stable under
resampling of the claims, a valley rather than the end of a trend, and better than
the default. Otherwise the configured default stays (see :func:`infer_source_zone`).

Pure functions: the pipeline collects the samples, stores the per-source results in
``source_zones`` and re-times the articles.

Fixed offsets are parsed here (:func:`parse_offset`), which is all inference needs;
the settings' own zone names (IANA or offsets) are resolved by :func:`zone_of`.

Example:
    >>> parse_offset("UTC+2")
    datetime.timedelta(seconds=7200)
    >>> format_offset(parse_offset("-0530"))
    '-05:30'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .models import Claim

if TYPE_CHECKING:
    from .market.data import MarketData

#: candidate offsets in hours: every zone in use lies within -12..+14.
CANDIDATE_HOURS = tuple(range(-12, 15))
#: a source needs at least this many current-price claims: with fewer, one stale quote
#: or one misread figure can move the median.
ZONE_MIN_CLAIMS = 10
#: resamples of a source's claims (bootstrap) that must mostly agree on the best offset:
#: on the real dump the score curves are shallow (medians of 0.2-1% a few hours apart,
#: since articles quote prices written some time before publication), so a fixed margin
#: either accepts noise or refuses everything; the bootstrap asks how stable the minimum is.
ZONE_RESAMPLES = 200
#: ... the best offset of a resample must lie within an hour of the best of all claims at
#: least this share of the time.
ZONE_STABILITY = 0.9
#: an offset other than the default must also beat the default's median by this much (percent).
ZONE_MIN_GAIN_PCT = 0.05
#: seed of the resampling: the same claims always give the same decision.
ZONE_SEED = 20250502
#: at most this many claims per source are scored (evenly spread over its claims): enough
#: for a stable median, and a large source costs no more than this.
ZONE_MAX_CLAIMS = 400

_OFFSET_RE = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
#: words before a price that state it as the price now ("trading at", "currently", "sits at").
_CURRENT_CUE = re.compile(
    r"\b(trad(?:es|ing|ed)|changing hands|priced|sits|sitting|hover(?:s|ing)|stands|"
    r"currently|now|at press time|at the time of writing|as of writing)\b",
    re.IGNORECASE,
)


#: words that make a price something other than the price now (an average, a close, a forecast).
_NOT_NOW = re.compile(
    r"\b(average|ended|closed|opened|target|forecast|predict\w*|could|would|may|might|if|SMA|EMA)\b",
    re.IGNORECASE,
)


def parse_offset(name: str) -> timedelta | None:
    """A fixed UTC offset from ``+02:00``, ``UTC+2``, ``-0530``, ``Z`` or ``UTC``; None otherwise.

    >>> parse_offset("Z"), parse_offset("Europe/Berlin")
    (datetime.timedelta(0), None)
    """
    s = name.strip()
    if s.upper() in ("Z", "UTC", "GMT"):
        return timedelta(0)
    m = _OFFSET_RE.match(s)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes >= 60:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return -delta if m.group(1) == "-" else delta


def format_offset(offset: timedelta) -> str:
    """``timedelta(hours=2)`` -> ``"+02:00"``."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_of(name: str) -> tzinfo:
    """A zone name as a tzinfo: a fixed offset (``Z`` too), else an IANA name
    (:func:`newsclaims.settings.zone_of`, the settings' own reading).

    Raises:
        ValueError: neither.
    """
    offset = parse_offset(name)
    if offset is not None:
        return timezone(offset)
    from .settings import zone_of as setting_zone

    return setting_zone(name)


def local_time(published_at: datetime, zone: str) -> datetime:
    """The clock time as the input wrote it (naive), from the UTC time read in ``zone``."""
    return published_at.astimezone(zone_of(zone)).replace(tzinfo=None)


def in_zone(local: datetime, zone: str) -> datetime:
    """A naive clock time read in ``zone``, as aware UTC."""
    return local.replace(tzinfo=zone_of(zone)).astimezone(UTC)


def retime(published_at: datetime, read_in: str, zone: str) -> datetime:
    """A UTC time that was read in ``read_in``, read in ``zone`` instead."""
    return in_zone(local_time(published_at, read_in), zone)


# --------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class PriceSample:
    """One current-price claim of a zone-less article: its clock time and its figure."""

    source: str
    local: datetime
    asset: str
    value: float


def is_current_price(claim: Claim) -> bool:
    """A price the text gives as the price now ("BTC is trading at $104,800")."""
    from .check.base import claim_context, time_reference

    if claim.type != "price" or claim.unit != "USD" or claim.asset is None:
        return False
    if claim.value_max is not None or claim.window or claim.when or claim.value <= 0:
        return False
    if claim.qualifier not in ("exact", "approx"):
        return False
    if time_reference(claim)[0] != "current":
        return False
    ctx = claim_context(claim)
    lead = f"{ctx.before} {ctx.span}"
    if _NOT_NOW.search(lead):
        return False
    return bool(_CURRENT_CUE.search(lead) or _CURRENT_CUE.match(ctx.after.strip()))


def price_samples(source: str, local: datetime, claims: Iterable[Claim]) -> list[PriceSample]:
    """The samples one zone-less article gives (its current-price claims)."""
    return [
        PriceSample(source, local, c.asset, c.value)
        for c in claims
        if c.asset is not None and is_current_price(c)
    ]


# --------------------------------------------------------------------------- inference


@dataclass(frozen=True)
class SourceZone:
    """The zone decided for one source, and the evidence."""

    source: str
    #: the zone its zone-less times are read in: an inferred ``+02:00``, or the default.
    zone: str
    #: True when ``zone`` was inferred from the source's claims (it may equal the default).
    inferred: bool
    #: ``inferred``, ``too_few_claims`` or ``no_clear_margin``.
    status: str
    claims: int
    #: median distance (percent) at the best offset, at the default, and at the best
    #: offset two or more hours from the best; None without claims.
    best_offset: str | None = None
    best_pct: float | None = None
    default_pct: float | None = None
    runner_up_pct: float | None = None
    #: share of resamples whose best offset lay within an hour of ``best_offset``.
    stability: float | None = None

    def as_row(self) -> dict[str, object]:
        return {
            "source": self.source, "zone": self.zone, "inferred": int(self.inferred),
            "status": self.status, "claims": self.claims, "best_offset": self.best_offset,
            "best_pct": self.best_pct, "default_pct": self.default_pct,
            "runner_up_pct": self.runner_up_pct, "stability": self.stability,
        }


def _distance_pct(market: MarketData, sample: PriceSample, at: datetime) -> float | None:
    """Percent distance of the stated price from the market's price at ``at``."""
    p = market.price_at(sample.asset, at)
    if p is None or p.price <= 0:
        return None
    return abs(sample.value - p.price) / p.price * 100


def _spread(samples: Sequence[PriceSample], limit: int) -> list[PriceSample]:
    ordered = sorted(samples, key=lambda s: (s.local, s.asset, s.value))
    if len(ordered) <= limit:
        return ordered
    step = len(ordered) / limit
    return [ordered[int(i * step)] for i in range(limit)]


def _argmin(scores: npt.NDArray[np.float64], hours: npt.NDArray[np.int64], default: int | None) -> int:
    """Index of the lowest score; ties go to the default offset, then to the one nearest it."""
    anchor = default if default is not None else 0
    order = np.lexsort((np.abs(hours - anchor), hours != anchor, np.round(scores, 6)))
    return int(order[0])


def infer_source_zone(
    source: str, samples: Sequence[PriceSample], market: MarketData, default_zone: str
) -> SourceZone:
    """The zone of one source's zone-less times, from its current-price claims.

    Each candidate offset is scored by the median distance of the claims to the market
    price at the time it gives. The lowest wins if it is clear: in ZONE_RESAMPLES
    resamples of the claims (a bootstrap), the lowest lies within an hour of it at
    least ZONE_STABILITY of the time; it is a valley (the offsets two hours either
    side score ZONE_MIN_GAIN_PCT worse, so not the edge of a trend); and, when it is
    not the default, it beats the default by ZONE_MIN_GAIN_PCT.

    Example:
        >>> infer_source_zone("cryptopotato", samples, md, "UTC").zone  # doctest: +SKIP
        '+02:00'
    """
    usable = [s for s in samples if market.has_asset(s.asset)]
    picked = _spread(usable, ZONE_MAX_CLAIMS)
    if len(picked) < ZONE_MIN_CLAIMS:
        return SourceZone(source, default_zone, False, "too_few_claims", len(picked))
    hours = np.array(CANDIDATE_HOURS, dtype=np.int64)
    dist = np.full((len(picked), len(hours)), np.nan)
    for j, h in enumerate(CANDIDATE_HOURS):
        offset = timedelta(hours=int(h))
        for i, s in enumerate(picked):
            d = _distance_pct(market, s, s.local.replace(tzinfo=UTC) - offset)
            if d is not None:
                dist[i, j] = d
    # an offset that puts most claims outside the data is no candidate
    seen = np.sum(~np.isnan(dist), axis=0)
    keep = seen >= max(ZONE_MIN_CLAIMS, len(picked) // 2)
    if not keep.any():
        return SourceZone(source, default_zone, False, "too_few_claims", len(picked))
    dist, hours = dist[:, keep], hours[keep]
    default_offset = parse_offset(default_zone)
    default_hours = None if default_offset is None else int(default_offset.total_seconds() // 3600)
    scores = np.nanmedian(dist, axis=0)
    b = _argmin(scores, hours, default_hours)
    best = int(hours[b])
    rng = np.random.default_rng(ZONE_SEED)
    near = 0
    for _ in range(ZONE_RESAMPLES):
        rows = rng.integers(0, len(picked), len(picked))
        with np.errstate(all="ignore"):
            resampled = np.nanmedian(dist[rows], axis=0)
        if np.isnan(resampled).all():
            continue
        near += abs(int(hours[_argmin(np.nan_to_num(resampled, nan=np.inf), hours, default_hours)]) - best) <= 1
    stability = near / ZONE_RESAMPLES
    at_default = (
        float(scores[hours == default_hours][0])
        if default_hours is not None and (hours == default_hours).any()
        else None
    )
    far = scores[np.abs(hours - best) >= 2]
    evidence = {
        "best_offset": format_offset(timedelta(hours=best)),
        "best_pct": round(float(scores[b]), 4),
        "default_pct": None if at_default is None else round(at_default, 4),
        "runner_up_pct": round(float(far.min()), 4) if len(far) else None,
        "stability": round(stability, 3),
    }
    clear = stability >= ZONE_STABILITY
    # a zone is a valley: the fit gets worse two hours either side. Prices that fit ever
    # earlier times up to the end of the range tell a publication lag, not a clock.
    sides = [scores[hours == best + step] for step in (-2, 2)]
    if any(len(side) == 0 or float(side[0]) - float(scores[b]) < ZONE_MIN_GAIN_PCT for side in sides):
        clear = False
    if best != default_hours and at_default is not None:
        clear = clear and at_default - float(scores[b]) >= ZONE_MIN_GAIN_PCT
    if not clear:
        return SourceZone(source, default_zone, False, "no_clear_margin", len(picked), **evidence)  # type: ignore[arg-type]
    zone = default_zone if best == default_hours else format_offset(timedelta(hours=best))
    return SourceZone(source, zone, True, "inferred", len(picked), **evidence)  # type: ignore[arg-type]


def infer_zones(
    samples: Iterable[PriceSample], market: MarketData, default_zone: str
) -> dict[str, SourceZone]:
    """:func:`infer_source_zone` for every source that has samples."""
    by_source: dict[str, list[PriceSample]] = {}
    for s in samples:
        by_source.setdefault(s.source, []).append(s)
    return {src: infer_source_zone(src, ss, market, default_zone) for src, ss in sorted(by_source.items())}


def zone_for(source: str | None, zones: Mapping[str, str], default_zone: str) -> tuple[str, bool]:
    """The zone a zone-less time of ``source`` is read in, and whether it was inferred."""
    if source is not None and source in zones:
        return zones[source], True
    return default_zone, False


@dataclass(frozen=True)
class Retime:
    """An article whose zone-less time is to be read in another zone: its new time."""

    article_id: str
    published_at: datetime
    zone: str
    inferred: bool


def retimes(
    articles: Iterable[tuple[str, str | None, datetime, str | None, bool]],
    zones: Mapping[str, str],
    default_zone: str,
) -> list[Retime]:
    """The zone-less articles whose stored zone is not their source's zone, re-timed.

    ``articles``: ``(id, source, published_at, zone read in, inferred)`` of each
    zone-less article with a time (the zone None for rows stored before zones were
    recorded: the default). Sorted by id, so every engine lists them alike.
    """
    out: list[Retime] = []
    for aid, source, published, have, have_inferred in articles:
        want, inferred = zone_for(source, zones, default_zone)
        have = have or default_zone
        if want != have or bool(have_inferred) != inferred:
            out.append(Retime(aid, retime(published, have, want), want, inferred))
    return sorted(out, key=lambda r: r.article_id)


def zone_summary(
    decided: Mapping[str, SourceZone], zoneless: int, retimed: int, rechecked: int, default_zone: str
) -> dict[str, object]:
    """The figures of a zone pass, for the run summary (``RunStats.zones``)."""
    used: dict[str, int] = {}
    for z in decided.values():
        if z.inferred:
            used[z.zone] = used.get(z.zone, 0) + 1
    return {
        "zoneless_articles": zoneless,
        "sources_with_claims": len(decided),
        "sources_inferred": sum(1 for z in decided.values() if z.inferred),
        "inferred_zones": dict(sorted(used.items(), key=lambda kv: (-kv[1], kv[0]))),
        "articles_retimed": retimed,
        "checks_redone": rechecked,
        "default_zone": default_zone,
    }


def zone_rows(decided: Mapping[str, SourceZone], default_zone: str) -> list[dict[str, object]]:
    """The ``source_zones`` rows of a zone pass."""
    return [{**z.as_row(), "default_zone": default_zone} for _, z in sorted(decided.items())]


def describe_zone(zone: str | None, inferred: bool, assumed: bool) -> str:
    """How an article's time was read, for a reader: ``"read as UTC+02:00, inferred for its source"``."""
    if not assumed:
        return "the time states its zone"
    shown = zone or "the default zone"
    offset = parse_offset(shown)
    if offset is not None:  # "+02:00", "UTC+2" -> "UTC+02:00"; "Z", "GMT" -> "UTC"
        shown = f"UTC{format_offset(offset)}" if offset else "UTC"
    if inferred:
        return f"no zone in the input; read as {shown}, inferred from its source's price claims"
    return f"no zone in the input; read as {shown}, the default"
