"""Stories (copies of one story) and the ``cross_copy`` check between them.

A story is a near-duplicate cluster of ingestion joined with rewrites that share
most of their claims. Rewrites of one press item share almost no 5-word shingles
(seeds 000, 002 and 003) but restate the same figures, so articles are compared by
the set of their claim *fingerprints*: ``(type, asset, absolute value rounded to 3
significant digits)``, the asset only for prices, changes and levels (see
:func:`claim_fingerprints` for why the window, the sign and the asset of aggregates
are left out: the real extractor reads them differently in the three seeds). A MinHash over those small sets and an LSH index
propose candidate pairs; each candidate is verified on the exact sets: at least
``story_min_shared`` shared fingerprints, a Jaccard similarity of at least
``story_min_jaccard``, and publication times within ``story_max_hours`` when both
are known. Union-find joins what passes, plus every near-duplicate cluster; the
story id is the smallest member article id, so it does not depend on input order.

Why those thresholds: the three rewritten seeds share 8 or 9 fingerprints at
Jaccard about 0.4-0.45 (each rewrite drops or changes a few figures), while two
unrelated articles on one day often share one or two generic figures ("support at
$100,000", "BTC at $105K") and rarely three; an article with fewer than
``story_min_shared`` claims can therefore only join a story through its cluster.
The time limit stops recurring round levels from joining articles weeks apart.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import xxhash
from datasketch import MinHash, MinHashLSH
from pydantic import BaseModel, ConfigDict

from ..models import Check, Claim
from ..settings import Settings
from .base import (
    asset_name,
    fmt_value,
    iso,
    make_check,
    market_gap,
    parse_window,
    severity_of,
    time_reference,
)
from .confidence import rate_flags

if TYPE_CHECKING:
    from ..market.data import MarketData

#: significant digits kept in a fingerprint's value: rewrites restate "$2.16 billion" and
#: "$237 million" exactly, while "$67.46K" and "$67,460" must meet.
FINGERPRINT_DIGITS = 3
#: claim types whose fingerprint keeps the asset (for the rest it is too unstable).
ASSET_TYPES = frozenset({"price", "price_change", "support", "resistance"})
#: the seed of the MinHash permutations (pinned so that signatures are comparable).
STORY_SEED = 7
#: a copy whose claimed value is within this share of the tolerance of the market is
#: "supported by the market" in the cross-copy reason.
SUPPORT_SLACK = 1.0
#: copies published further apart than this (hours) restate different snapshots of the
#: market: without market data on every copy, their difference is not a finding (facts of
#: the event, such as a day's liquidations, which are compared at any distance).
CROSS_COPY_APART_HOURS = 6.0
#: a current price or change is compared between copies published at most this many hours
#: apart: the market-price check's own window (2 h) plus slack for a rewrite's lag; copies
#: further apart are each checked against the market at their own time instead.
COPY_MAX_GAP_HOURS = 3.0


class StoryInput(BaseModel):
    """One article as the story grouping sees it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    article_id: str
    cluster_id: str | None = None
    published_at: datetime | None = None
    #: the outlet: one outlet's posts of two different days are never one story.
    source: str | None = None
    claims: tuple[Claim, ...] = ()
    #: the claims' fingerprints when the caller has them already (the batch job
    #: streams them from the database instead of holding every claim in memory).
    fingerprints: frozenset[str] | None = None


def _round_sig(value: float, digits: int = FINGERPRINT_DIGITS) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


def claim_fingerprints(claims: Sequence[Claim]) -> frozenset[str]:
    """The fingerprints of an article's claims: ``type|asset|rounded absolute value``.

    The asset is kept only for prices, changes and levels, where it is what the claim
    is about; aggregates (liquidations, open interest, flows, holdings) are
    fingerprinted by type and value, because rewrites (and extractors) attribute the
    same "$2.16 billion weekly liquidations" to BTC in one copy and to the market in
    another. The window and the sign are left out for the same reason (an implied
    window is read in one copy and missed in another; "erasing $26 billion" is signed
    in one and not the other); a three-digit value is specific enough on its own.

    >>> sorted(claim_fingerprints([]))
    []
    """
    return frozenset(claim_fingerprint(c.type, c.asset, c.value) for c in claims)


def claim_fingerprint(type_: str, asset: str | None, value: float) -> str:
    """One claim's fingerprint (see :func:`claim_fingerprints`).

    >>> claim_fingerprint("price", "BTC", 67460.0)
    'price|BTC|67500'
    """
    asset_part = (asset or "-") if type_ in ASSET_TYPES else "*"
    return f"{type_}|{asset_part}|{_round_sig(abs(value)):g}"


class _UnionFind:
    def __init__(self, items: Sequence[str]) -> None:
        self.parent = {i: i for i in items}

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # the smaller id becomes the root, so the root is the story id
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def _hash32(data: bytes) -> int:
    return int(xxhash.xxh32_intdigest(data))


def group_stories(articles: Sequence[StoryInput], settings: Settings) -> dict[str, str]:
    """Group articles into stories: article id -> story id (the smallest member id).

    Near-duplicate clusters joined with :func:`fingerprint_pairs` (the grouping when no
    encoder is available; with one, :mod:`newsclaims.story` uses these pairs as evidence).

    Example:
        >>> from newsclaims.settings import load_settings
        >>> group_stories([StoryInput(article_id="b", cluster_id="c1"),
        ...                StoryInput(article_id="a", cluster_id="c1")], load_settings())
        {'b': 'a', 'a': 'a'}
    """
    ids = [a.article_id for a in articles]
    uf = _UnionFind(sorted(set(ids)))
    by_cluster: dict[str, list[str]] = defaultdict(list)
    for a in articles:
        if a.cluster_id is not None:
            by_cluster[a.cluster_id].append(a.article_id)
    for members in by_cluster.values():
        for other in members[1:]:
            uf.union(members[0], other)
    for x, y in fingerprint_pairs(articles, settings):
        uf.union(x, y)
    return {aid: uf.find(aid) for aid in ids}


def fingerprint_pairs(articles: Sequence[StoryInput], settings: Settings) -> list[tuple[str, str]]:
    """Pairs of articles that share most of their claim fingerprints (rewrites that
    restate one press item's figures), published within ``story_max_hours`` when both
    are dated, and never one outlet's posts of two different days."""
    cs = settings.check
    prints = {
        a.article_id: a.fingerprints if a.fingerprints is not None else claim_fingerprints(a.claims)
        for a in articles
    }
    # generic figures (round price levels every article of a week repeats) are no
    # evidence of a common source: drop fingerprints held by too many articles
    df: Counter[str] = Counter(fp for fps in prints.values() for fp in fps)
    prints = {aid: frozenset(fp for fp in fps if df[fp] <= cs.story_max_df) for aid, fps in prints.items()}
    times = {a.article_id: a.published_at for a in articles}
    sources = {a.article_id: a.source for a in articles}
    eligible = sorted(aid for aid in prints if len(prints[aid]) >= cs.story_min_shared)
    pairs: list[tuple[str, str]] = []
    if len(eligible) < 2:
        return pairs
    lsh = MinHashLSH(threshold=cs.story_min_jaccard, num_perm=cs.story_num_perm)
    sigs: dict[str, MinHash] = {}
    for aid in eligible:
        m = MinHash(num_perm=cs.story_num_perm, seed=STORY_SEED, hashfunc=_hash32)
        m.update_batch([p.encode("utf-8") for p in sorted(prints[aid])])
        sigs[aid] = m
        lsh.insert(aid, m)
    max_gap = cs.story_max_hours * 3600
    for aid in eligible:
        for other in sorted(lsh.query(sigs[aid])):
            if other <= aid:
                continue
            shared = len(prints[aid] & prints[other])
            if shared < cs.story_min_shared:
                continue
            jaccard = shared / len(prints[aid] | prints[other])
            if jaccard < cs.story_min_jaccard:
                continue
            ta, tb = times[aid], times[other]
            if ta is not None and tb is not None and abs((ta - tb).total_seconds()) > max_gap:
                continue
            if _same_outlet_other_day(sources[aid], sources[other], ta, tb):
                continue  # a daily template series: a new story each day
            pairs.append((aid, other))
    return pairs


def _same_outlet_other_day(sa: str | None, sb: str | None, ta: datetime | None, tb: datetime | None) -> bool:
    return bool(sa) and sa == sb and ta is not None and tb is not None and ta.date() != tb.date()


def story_rows(
    story_of: Mapping[str, str],
    cluster_of: Mapping[str, str | None],
    checks: Sequence[Check] = (),
) -> list[dict[str, Any]]:
    """Rows for the ``stories`` table: id, canonical_id, size, clusters, conflicts.

    ``conflicts`` counts the facts (asset, type, window) on which the story's copies
    disagree (distinct ``cross_copy`` evidence keys with an inconsistent verdict).

    Example:
        >>> story_rows({"a": "a", "b": "a"}, {"a": "a", "b": "b"})
        [{'id': 'a', 'canonical_id': 'a', 'size': 2, 'clusters': 2, 'conflicts': 0}]
    """
    members: dict[str, list[str]] = defaultdict(list)
    for aid, sid in story_of.items():
        members[sid].append(aid)
    conflicts: dict[str, set[str]] = defaultdict(set)
    for c in checks:
        if c.check == "cross_copy" and c.verdict == "inconsistent":
            story = story_of.get(c.claim.article_id)
            if story is not None:
                conflicts[story].add(str(c.evidence.get("key", "")))
    return [
        {
            "id": sid,
            "canonical_id": min(aids),
            "size": len(aids),
            "clusters": len({cluster_of.get(a) or a for a in aids}),
            "conflicts": len(conflicts.get(sid, ())),
        }
        for sid, aids in sorted(members.items())
    ]


# --------------------------------------------------------------------------- cross_copy


def _copy_key(c: Claim) -> tuple[Any, ...] | None:
    """The fact a claim states, for comparing copies; None for claims not compared."""
    if c.asset is None:
        return None
    if c.type == "price":
        if c.unit != "USD" or time_reference(c)[0] != "current" or c.qualifier not in ("exact", "approx"):
            return None
        return ("price", c.asset, c.window, c.unit)
    if c.type in ("support", "resistance", "unrealized_pnl"):
        return None  # several levels per article are normal; holdings differ by holder
    if c.type == "price_change":
        return ("price_change", c.asset, c.window or "PT24H", c.unit)
    if c.window is None:
        return None
    return (c.type, c.asset, c.window, c.unit, c.side, c.subject)


def _market_value(
    key: tuple[Any, ...], when: datetime | None, market: MarketData | None, settings: Settings
) -> float | None:
    """What the market says for a copy's fact at its publication time (price or change)."""
    if market is None or when is None:
        return None
    kind, asset = key[0], key[1]
    if kind == "price":
        if market_gap(market, asset) is not None:
            return None
        point = market.price_at(asset, when)
        return None if point is None else float(point.price)
    if kind == "price_change":
        window = parse_window(key[2])
        if window is None or market_gap(market, asset) is not None:
            return None
        change = market.change_over(asset, when, window)
        if change is None:
            return None
        return float(change.change_pct) if key[3] == "percent" else float(change.change)
    return None


def check_cross_copy(
    story_claims: Mapping[str, Sequence[Claim]],
    *,
    published: Mapping[str, datetime | None],
    market: MarketData | None,
    settings: Settings,
) -> list[Check]:
    """Compare the copies of one story: the same fact stated with different values.

    Args:
        story_claims: article id -> that article's claims, for every article of one story.
        published: article id -> publication time (UTC) or None.
        market: market data, to say which copy the market supports; None for none.
        settings: ``settings.check.cross_copy_tolerance_points`` / ``_pct`` apply.

    Returns:
        One ``cross_copy`` row per claim whose fact another article of the story states
        (an article is never its own copy; a current price or change only counts copies
        published within :data:`COPY_MAX_GAP_HOURS`): ``inconsistent`` when they disagree
        beyond tolerance, naming the copy the market supports at each copy's own time,
        ``consistent`` when they agree or each agrees with the market at its own time.
    """
    cs = settings.check
    groups: dict[tuple[Any, ...], list[Claim]] = defaultdict(list)
    for article_id in sorted(story_claims):
        for c in story_claims[article_id]:
            key = _copy_key(c)
            if key is not None:
                groups[key].append(c)
    rows: list[Check] = []
    for key, members in groups.items():
        if len({c.article_id for c in members}) < 2:
            continue
        points = key[3] == "percent"
        tol = cs.cross_copy_tolerance_points if points else cs.cross_copy_tolerance_pct / 100
        copies: list[dict[str, Any]] = []
        for c in members:
            when = published.get(c.article_id)
            copies.append(
                {
                    "article_id": c.article_id,
                    "source_id": c.source_id,
                    "claim_id": c.id,
                    "value": c.value,
                    "text": c.text,
                    "published_at": iso(when),
                    "market_value": _market_value(key, when, market, settings),
                }
            )
        approx = any(c.qualifier == "approx" for c in members)
        eff_tol = tol * (2.0 if approx else 1.0)
        fact = _fact(key)
        for c in members:
            when = published.get(c.article_id)
            # only *other* articles are copies; a current price or change is compared only
            # with copies published close to it (a copy of a day later is compared with the
            # market at its own time by the market checks, not with this one)
            others = [
                x for x in copies
                if x["article_id"] != c.article_id and _comparable_times(key, when, published.get(x["article_id"]))
            ]
            if not others:
                continue
            mine = next(x for x in copies if x["claim_id"] == c.id)
            compared = [mine, *others]
            values = [float(x["value"]) for x in compared]
            spread = max(values) - min(values)
            mid = statistics.median(values)
            rel_spread = spread / abs(mid) if not points and mid else spread
            disagree = rel_spread > eff_tol
            supported = _supported_copies(compared, points, eff_tol)
            # copies published at different times may both be right: when the market at
            # each copy's own publication time agrees with each, the difference is the time
            explained = disagree and _each_matches_market(compared, key, settings)
            # copies published hours apart restate different snapshots: without market data
            # on every copy to say which figure was wrong at its own time, no finding
            apart_h = _hours_apart(compared, published) if disagree and not explained else 0.0
            apart = apart_h > CROSS_COPY_APART_HOURS and any(x["market_value"] is None for x in compared)
            other_values = [float(x["value"]) for x in others]
            expected = statistics.median(other_values)
            dev: float | None = c.value - expected
            if not points:
                dev = (c.value - expected) / abs(expected) if expected else None
            evidence: dict[str, Any] = {"key": f"cross_copy:{'|'.join(str(k) for k in key)}", "copies": compared}
            if supported is not None:
                evidence["market_supports"] = supported
            listing = "; ".join(
                f"{fmt_value(float(x['value']), c.unit)} in {x['article_id']}"
                + (f" (published {x['published_at'][:16].replace('T', ' ')} UTC)" if x["published_at"] else "")
                for x in others
            )
            if explained:
                rows.append(
                    make_check(
                        c, "cross_copy", "consistent",
                        f"copies of one story give different values for {fact} ({fmt_value(c.value, c.unit)} "
                        f"here, {listing}), but each agrees with the market at its own publication time",
                        as_of=when, expected=expected, deviation=dev,
                        tolerance=eff_tol, evidence=evidence,
                    )
                )
            elif apart:
                rows.append(
                    make_check(
                        c, "cross_copy", "unverifiable",
                        f"copies of one story give different values for {fact} ({fmt_value(c.value, c.unit)} "
                        f"here, {listing}), but they were published {apart_h:.0f} hours apart and each may "
                        "have been true at its own time",
                        as_of=when, expected=expected, deviation=dev,
                        tolerance=eff_tol, evidence={**evidence, "hours_apart": round(apart_h, 1)},
                    )
                )
            elif disagree:
                reason = (
                    f"copies of one story disagree on {fact}: {fmt_value(c.value, c.unit)} here, "
                    f"{listing}"
                )
                reason += _market_words(supported, compared, c.unit)
                rows.append(
                    make_check(
                        c, "cross_copy", "inconsistent", reason,
                        as_of=when,
                        severity=severity_of(rel_spread, eff_tol), expected=expected,
                        deviation=dev, tolerance=eff_tol, evidence=evidence, finding="conflict",
                    )
                )
            else:
                rows.append(
                    make_check(
                        c, "cross_copy", "consistent",
                        f"the other copies of the story give the same {fact}: {listing}",
                        as_of=when, expected=expected, deviation=dev,
                        tolerance=eff_tol, evidence=evidence,
                    )
                )
    return rate_flags(rows, settings)


def _hours_apart(copies: Sequence[Mapping[str, Any]], published: Mapping[str, datetime | None]) -> float:
    """Hours between the first and the last publication of ``copies`` (0 with under two times)."""
    times = [t for t in (published.get(x["article_id"]) for x in copies) if t is not None]
    return (max(times) - min(times)).total_seconds() / 3600 if len(times) > 1 else 0.0


def _comparable_times(key: tuple[Any, ...], a: datetime | None, b: datetime | None) -> bool:
    """Two copies' values of a fact can be compared: always for a fact of the event
    (a day's liquidations, a week's flows), and for a current price or change only when
    the copies were published within :data:`COPY_MAX_GAP_HOURS` of each other (or a
    time is unknown)."""
    if key[0] not in ("price", "price_change"):
        return True
    if a is None or b is None:
        return True  # nothing says they are apart (undated copies of one press item)
    return abs((a - b).total_seconds()) <= COPY_MAX_GAP_HOURS * 3600


def _each_matches_market(copies: list[dict[str, Any]], key: tuple[Any, ...], settings: Settings) -> bool:
    """True when every copy has a market value at its own time and lies within the market tolerance."""
    cs = settings.check
    for x in copies:
        mv = x["market_value"]
        if mv is None:
            return False
        value = float(x["value"])
        if key[0] == "price":
            if abs(value - mv) > abs(mv) * cs.price_tolerance_pct / 100:
                return False
        elif key[3] == "percent":
            if abs(value - mv) > cs.change_tolerance_points + cs.change_tolerance_relative * abs(mv):
                return False
        else:
            return False
    return True


def _supported_copies(copies: list[dict[str, Any]], points: bool, tol: float) -> list[str] | None:
    """The article ids whose value the market supports best, or None without market data."""
    scored = []
    for x in copies:
        mv = x["market_value"]
        if mv is None:
            continue
        diff = abs(float(x["value"]) - mv)
        if not points:
            diff = diff / abs(mv) if mv else math.inf
        scored.append((diff, str(x["article_id"])))
    if not scored:
        return None
    best = min(d for d, _ in scored)
    return sorted({aid for d, aid in scored if d <= best + tol * SUPPORT_SLACK})


def _market_words(supported: list[str] | None, copies: list[dict[str, Any]], unit: str) -> str:
    if supported is None:
        return "; no market data covers the copies to say which is right"
    values = {str(x["article_id"]): x["market_value"] for x in copies if x["market_value"] is not None}
    shown = ", ".join(
        f"{fmt_value(float(v), unit)} at {aid}'s time" for aid, v in sorted(values.items())
    )
    return f"; the market ({shown}) supports {', '.join(supported)}"


def _fact(key: tuple[Any, ...]) -> str:
    kind, asset = key[0], key[1]
    window = key[2]
    wtxt = {"PT24H": "24-hour ", "P1D": "24-hour ", "P7D": "weekly ", "P30D": "monthly "}.get(
        window or "", f"{window} " if window else ""
    )
    noun = {"price": "price", "price_change": "change"}.get(kind, kind.replace("_", " "))
    return f"{asset_name(asset)}'s {wtxt}{noun}".replace(" ", " ")


__all__ = ["StoryInput", "check_cross_copy", "claim_fingerprints", "fingerprint_pairs", "group_stories", "story_rows"]
