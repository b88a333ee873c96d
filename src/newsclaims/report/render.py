"""The pages: Jinja2 environment (autoescaping on) and the one-article view."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any, Protocol
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup

from .. import __version__
from ..errors import NewsclaimsError
from ..models import Candle, Check, Claim, CleanArticle
from .chart import AFTER, BEFORE, LEVEL_TYPES, Chart, build_chart, format_usd
from .highlight import Span, highlight_text

log = logging.getLogger(__name__)

VERDICT_ORDER = ("inconsistent", "unverifiable", "consistent")
_RANK = {"inconsistent": 3, "unverifiable": 2, "consistent": 1}
_LABELS = {"inconsistent": "Inconsistent", "unverifiable": "Unverifiable", "consistent": "Consistent"}
#: assets that have no single market price (the market as a whole).
_NO_CHART_ASSETS = frozenset({"MARKET"})
#: only these URL schemes become links (``javascript:`` and ``data:`` never do).
SAFE_URL_SCHEMES = frozenset({"http", "https"})


class CandleSource(Protocol):
    """What the report needs from market data (``newsclaims.market``'s ``MarketData`` has it)."""

    def candles(
        self, asset: str, start: datetime, end: datetime, interval: str | None = None, /
    ) -> Sequence[Candle]: ...


@cache
def environment() -> jinja2.Environment:
    """The template environment: package templates, autoescaping always on."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("newsclaims.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["num"] = format_count
    env.filters["when"] = format_time
    return env


def format_count(n: Any) -> str:
    """``29066`` -> ``29,066`` (anything else as it is).

    >>> format_count(29066)
    '29,066'
    """
    return f"{n:,}" if isinstance(n, int) else str(n)


def format_time(value: Any) -> str:
    """An ISO 8601 time as a reader writes it: ``2025-05-19 15:33 UTC``.

    >>> format_time("2025-05-19T15:33:04+00:00")
    '2025-05-19 15:33 UTC'
    """
    if not value:
        return ""
    try:
        t = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    return t.strftime("%Y-%m-%d %H:%M UTC")


def stylesheet() -> str:
    """The report's CSS (shipped as package data)."""
    return resources.files("newsclaims.report").joinpath("templates/style.css").read_text("utf-8")


def worst_verdict(verdicts: Sequence[str]) -> str:
    """inconsistent > unverifiable > consistent; a claim with no check is unverifiable.

    >>> worst_verdict(["consistent", "inconsistent"])
    'inconsistent'
    """
    known = [v for v in verdicts if v in _RANK]
    return max(known, key=_RANK.__getitem__) if known else "unverifiable"


def safe_url(url: str | None) -> str | None:
    """The URL if it is an http(s) address, else ``None`` (it is then shown as text)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in SAFE_URL_SCHEMES else None


def _value_text(c: Claim) -> str:
    if c.unit == "USD":
        v = format_usd(c.value)
        if c.value_max is not None:
            v += "–" + format_usd(c.value_max)
    elif c.unit == "percent":
        v = f"{c.value:+g}%" if c.direction else f"{c.value:g}%"
        if c.value_max is not None:
            v += f"–{c.value_max:g}%"
    else:
        v = f"{c.value:,g} {c.unit}"
    extra = [x for x in (c.window, c.side, c.subject, None if c.qualifier == "exact" else c.qualifier) if x]
    return v + (f" ({', '.join(extra)})" if extra else "")


def format_number(value: float, unit: str) -> str:
    """A claim's number in its unit, never in scientific notation.

    >>> format_number(21300000.0, "USD"), format_number(-0.12, "percent"), format_number(2.5e9, "BTC")
    ('$21,300,000', '-0.12%', '2,500,000,000 BTC')
    """
    if unit == "USD":
        return format_usd(value)
    if unit == "percent":
        return f"{value:,.2f}%".replace(".00%", "%")
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{text} {unit}" if unit and unit != "number" else text


def _numbers(k: Check) -> str:
    unit = k.claim.unit
    relative = unit != "percent"  # deviations are relative, or points for percent claims
    parts = []
    if k.expected is not None:
        parts.append(f"expected {format_number(k.expected, unit)}")
    if k.observed is not None:
        parts.append(f"claimed {format_number(k.observed, unit)}")
    if k.deviation is not None:
        parts.append(f"off by {k.deviation * 100:,.1f}%" if relative else f"off by {k.deviation:,.2f} points")
    if k.tolerance is not None:
        parts.append(f"tolerance {k.tolerance * 100:,.1f}%" if relative else f"tolerance {k.tolerance:,.2f} points")
    return ", ".join(parts)


def sentence_case(text: str) -> str:
    """The first letter upper case (a reason follows a full stop on the page).

    >>> sentence_case("there is no market data on open interest")
    'There is no market data on open interest'
    """
    return text[:1].upper() + text[1:] if text else text


_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?")


def readable_times(text: str) -> str:
    """ISO 8601 times in a text written as ``2025-05-19 15:33 UTC``.

    >>> readable_times("no data around 2025-05-19T15:33:04+00:00.")
    'no data around 2025-05-19 15:33 UTC.'
    """
    return _ISO_TIME.sub(lambda m: format_time(m.group(0).replace("Z", "+00:00")), text)


def reason_html(reason: str, copies: Mapping[str, Mapping[str, Any]]) -> Markup:
    """The reason, escaped, with article ids of other copies turned into links."""
    out = Markup.escape(sentence_case(readable_times(reason)))
    for aid, copy in copies.items():
        if aid in reason:
            link = Markup('<a class="copy-link" href="{}">{}</a>').format(copy["href"], copy["title"] or aid)
            out = Markup(str(out).replace(str(Markup.escape(aid)), str(link)))
    return out


@dataclass(frozen=True)
class ArticleView:
    """The fields of an article the page shows."""

    id: str
    title: str
    text: str
    source_id: str = ""
    published_at: str | None = None
    url: str | None = None
    source: str | None = None
    time_zone_assumed: bool = False
    #: how a zone-less time was read ("no zone in the input; read as UTC+02:00, inferred ...");
    #: None when the zone it was read in is not recorded (the page then names the default).
    zone_note: str | None = None

    @classmethod
    def of(cls, article: CleanArticle | Mapping[str, Any]) -> ArticleView:
        if isinstance(article, CleanArticle):
            data: Mapping[str, Any] = article.model_dump()
        else:
            data = article
        published = data.get("published_at")
        if isinstance(published, datetime):
            published = (published if published.tzinfo else published.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
        return cls(
            id=str(data["id"]),
            title=str(data.get("title") or ""),
            text=str(data.get("text") or ""),
            source_id=str(data.get("source_id") or ""),
            published_at=str(published) if published else None,
            url=str(data["url"]) if data.get("url") else None,
            source=str(data["source"]) if data.get("source") else None,
            time_zone_assumed=bool(data.get("time_zone_assumed")),
            zone_note=_zone_note(data),
        )

    def published(self) -> datetime | None:
        if not self.published_at:
            return None
        try:
            t = datetime.fromisoformat(self.published_at)
        except ValueError:
            return None
        return t if t.tzinfo else t.replace(tzinfo=UTC)


def _zone_note(data: Mapping[str, Any]) -> str | None:
    """How the article's time was read, when it carried no zone of its own and the zone
    it was read in is recorded (``time_zone``, from runs that infer publication zones)."""
    if not data.get("time_zone_assumed") or not data.get("published_at") or not data.get("time_zone"):
        return None
    from ..zones import describe_zone

    return describe_zone(data.get("time_zone"), bool(data.get("time_zone_inferred")), True)


def _main_assets(claims: Sequence[Claim]) -> list[str]:
    """Assets to chart, best first: those with price-level claims, then the most claimed."""
    level = Counter(c.asset for c in claims if c.asset and c.type in LEVEL_TYPES and c.unit == "USD")
    other = Counter(c.asset for c in claims if c.asset)
    order = [a for a, _ in level.most_common()] + [a for a, _ in other.most_common()]
    seen: list[str] = []
    for a in order:
        if a not in seen and a not in _NO_CHART_ASSETS:
            seen.append(a)
    return seen


#: charts on one article page at most (one per asset, those with price levels first).
MAX_CHARTS = 4


def _charts(
    view: ArticleView, claims: Sequence[Claim], verdicts: dict[str, str], market: CandleSource | None
) -> tuple[list[Chart], str]:
    """A chart per asset the claims name (up to :data:`MAX_CHARTS`), or why there is none."""
    t = view.published()
    assets = _main_assets(claims)
    if market is None:
        return [], "no market data was given."
    if t is None:
        return [], "the article has no publication time."
    if not assets:
        return [], "the article names no asset."
    charts: list[Chart] = []
    for asset in assets:
        try:
            candles = market.candles(asset, t - BEFORE, t + AFTER)
        except NewsclaimsError as exc:
            log.debug("no candles for %s: %s", asset, exc)
            continue
        chart = build_chart(asset, candles, t, claims, verdicts)
        if chart is not None:
            charts.append(chart)
            if len(charts) == MAX_CHARTS:
                break
    if charts:
        return charts, ""
    return [], f"no market data for {', '.join(assets)} around {t:%Y-%m-%d %H:%M} UTC."


def article_context(
    article: CleanArticle | Mapping[str, Any],
    claims: Sequence[Claim],
    checks: Sequence[Check],
    market: CandleSource | None,
    *,
    id_prefix: str = "",
    copies: Sequence[Mapping[str, Any]] = (),
    zone: str = "UTC",
) -> dict[str, Any]:
    """Everything ``_article.html.j2`` shows for one article.

    ``copies`` are the story's other articles (``id``, ``title``, ``href``, ``source``,
    ``published_at``): listed as links, and linked where a reason names them.
    """
    view = ArticleView.of(article)
    copy_by_id = {str(c["id"]): c for c in copies}
    # Claims are keyed by value, not by id: an extractor may give two claims of one
    # span the same id (one per asset), and each must keep its own checks.
    by_claim: dict[Claim, list[Check]] = {}
    for k in checks:
        by_claim.setdefault(k.claim, []).append(k)
    ordered = sorted(claims, key=lambda c: (c.start, -c.end, c.id, c.asset or ""))
    worst = [worst_verdict([k.verdict for k in by_claim.get(c, [])]) for c in ordered]
    verdict_by_id: dict[str, str] = {}
    for c, v in zip(ordered, worst, strict=True):
        verdict_by_id[c.id] = worst_verdict([v, verdict_by_id.get(c.id, "consistent")])
    spans: list[Span] = []
    bad_offsets: set[int] = set()
    for n, (c, v) in enumerate(zip(ordered, worst, strict=True), 1):
        if view.text[c.start : c.end] != c.text:
            bad_offsets.add(n)
            continue
        ks = sorted(by_claim.get(c, []), key=lambda k: -_RANK.get(k.verdict, 0))
        reason = ks[0].reason if ks else "not checked"
        spans.append(Span(c.start, c.end, c.id, n, v, f"{c.type}: {v}. {sentence_case(readable_times(reason))}"))
    body, skipped = highlight_text(view.text, spans, id_prefix=id_prefix)
    skipped_n = {s.n for s in skipped}
    entries = []
    for n, (c, v) in enumerate(zip(ordered, worst, strict=True), 1):
        ks = sorted(by_claim.get(c, []), key=lambda k: (-_RANK.get(k.verdict, 0), -(k.confidence or 0.0), k.check))
        note = ""
        if n in bad_offsets:
            note = "Not marked in the text: its offsets do not point at its text."
        elif n in skipped_n:
            note = "Not marked in the text: it overlaps another claim."
        entries.append({
            "n": n, "id": c.id, "type": c.type, "asset": c.asset, "text": c.text,
            "verdict": v, "verdict_label": _LABELS[v], "value_text": _value_text(c), "note": note,
            "checks": [
                {
                    "check": k.check, "verdict": k.verdict, "severity": k.severity,
                    "finding": (k.finding or "").replace("_", " "), "confidence": k.confidence,
                    "reason": k.reason, "reason_html": reason_html(k.reason, copy_by_id), "numbers": _numbers(k),
                    "evidence": json.dumps(k.evidence, indent=1, sort_keys=True, default=str, ensure_ascii=False) if k.evidence else "",
                }
                for k in ks
            ],
        })
    charts, chart_note = _charts(view, ordered, verdict_by_id, market)
    counts = Counter(worst)
    return {
        "article": view, "safe_url": safe_url(view.url), "body": body, "claims": entries,
        "counts": {v: counts.get(v, 0) for v in VERDICT_ORDER}, "verdict_order": VERDICT_ORDER,
        "charts": charts, "chart_note": chart_note, "p": id_prefix, "copies": list(copies), "zone": zone,
    }


ArticleItem = tuple[CleanArticle | Mapping[str, Any], Sequence[Claim], Sequence[Check]]


def render_article_page(
    article: CleanArticle | Mapping[str, Any],
    claims: Sequence[Claim],
    checks: Sequence[Check],
    market: CandleSource | None,
    *,
    static_prefix: str | None = None,
    index_href: str = "#",
    generated_at: str | None = None,
    copies: Sequence[Mapping[str, Any]] = (),
    zone: str = "UTC",
) -> str:
    """One article as an HTML page: highlighted text, evidence beside it, price chart.

    This is the view of ``factcheck --format html -o FILE`` and of each article page
    of :func:`write_report`.

    Args:
        article: a :class:`CleanArticle` or a mapping with its fields (a database row).
        claims: the article's claims (offsets into ``article.text``).
        checks: their checks (any order; several per claim allowed).
        market: market data for the price chart, or ``None`` for no chart.
        static_prefix: link the stylesheet at ``{static_prefix}style.css`` instead
            of inlining it (the site does this; a single page inlines it and is
            self-contained).
        index_href: where the header link points.
        generated_at: shown in the header when given.

    Returns:
        The HTML page.

    Example:
        >>> html = render_article_page(article, claims, checks, None)  # doctest: +SKIP
        >>> Path("article.html").write_text(html)  # doctest: +SKIP
    """
    return render_articles_page(
        [(article, claims, checks)], market, static_prefix=static_prefix,
        index_href=index_href, generated_at=generated_at, copies=copies, zone=zone,
    )


def render_articles_page(
    items: Sequence[ArticleItem],
    market: CandleSource | None,
    *,
    static_prefix: str | None = None,
    index_href: str = "#",
    generated_at: str | None = None,
    copies: Sequence[Mapping[str, Any]] = (),
    zone: str = "UTC",
) -> str:
    """Several articles on one self-contained page (``factcheck`` of a file of many).

    Each article is shown as by :func:`render_article_page`; element ids carry the
    article's position (``a2-m-3``) so that links within the page stay unique.

    Args:
        items: ``(article, claims, checks)`` per article.
        market: market data for the price charts, or ``None``.
        static_prefix: as in :func:`render_article_page`.
        index_href: as in :func:`render_article_page`.
        generated_at: as in :func:`render_article_page`.

    Returns:
        The HTML page.
    """
    env = environment()
    part = env.get_template("_article.html.j2")
    sections = []
    for i, (article, claims, checks) in enumerate(items, 1):
        prefix = "" if len(items) == 1 else f"a{i}-"
        context = article_context(article, claims, checks, market, id_prefix=prefix, copies=copies, zone=zone)
        sections.append(Markup(part.render(context)))
    if len(items) == 1:
        view = ArticleView.of(items[0][0])
        page_title = view.title or view.source_id or view.id
    else:
        page_title = f"{len(items)} articles"
    return env.get_template("article.html.j2").render(
        sections=sections, page_title=page_title, version=__version__,
        inline_css=None if static_prefix is not None else Markup(stylesheet()),
        static_prefix=static_prefix or "", index_href=index_href, generated_at=generated_at,
    )


@dataclass(frozen=True)
class StoryCopy:
    """One article of a story, as the story page lists it."""

    id: str
    title: str
    source: str | None
    published: str | None
    href: str
    claims: int = 0
    flags: int = 0


def story_context(
    story_id: str,
    copies: Sequence[StoryCopy],
    cross_checks: Sequence[Mapping[str, Any]],
) -> dict[str, Any]:
    """What the story page shows, from its copies and their ``cross_copy`` check rows.

    Args:
        story_id: the story's id.
        copies: its articles, in the order of the page's columns.
        cross_checks: rows of the ``checks`` table (``check = 'cross_copy'``) of the
            story's articles, with ``evidence`` parsed or as JSON text.

    Returns:
        ``{"story": {...}}`` for ``story.html.j2``: the copies, one row per fact with each
        copy's figures and the market's value at that copy's time, and the conflicts.
    """
    column = {c.id: i for i, c in enumerate(copies)}
    facts: dict[str, dict[str, Any]] = {}
    conflicts: dict[str, str] = {}
    for row in cross_checks:
        ev = row.get("evidence")
        if isinstance(ev, str):
            try:
                ev = json.loads(ev)
            except ValueError:
                continue
        if not isinstance(ev, dict):
            continue
        key = str(ev.get("key", ""))
        fact = facts.setdefault(key, {"fact": _fact_name(key), "verdict": "consistent", "claims": {}, "supported": set()})
        if row.get("verdict") == "inconsistent":
            fact["verdict"] = "inconsistent"
            conflicts.setdefault(key, str(row.get("reason") or ""))
        fact["supported"].update(ev.get("market_supports") or ())
        for cp in ev.get("copies") or ():
            if isinstance(cp, dict) and cp.get("article_id") in column:
                fact["claims"][str(cp.get("claim_id") or (cp["article_id"], cp.get("value")))] = cp
    rows = []
    for key in sorted(facts, key=lambda k: (facts[k]["verdict"] != "inconsistent", facts[k]["fact"])):
        f = facts[key]
        unit = key.split("|")[3] if key.count("|") >= 3 else ("percent" if "change" in key else "USD")
        cells: list[list[dict[str, Any]]] = [[] for _ in copies]
        for cp in f["claims"].values():
            mv = cp.get("market_value")
            cells[column[cp["article_id"]]].append({
                "value": _fmt(float(cp["value"]), unit),
                "market": _fmt(float(mv), unit) if mv is not None else None,
                "supported": cp["article_id"] in f["supported"],
            })
        if sum(1 for c in cells if c) >= 2:
            rows.append({"fact": f["fact"], "verdict": f["verdict"], "cells": cells})
    title = copies[0].title if copies else story_id
    return {"story": {
        "id": story_id, "title": title, "copies": list(copies),
        "outlets": len({c.source or c.id for c in copies}),
        "facts": rows, "conflicts": [conflicts[k] for k in sorted(conflicts)],
    }}


def _fmt(v: float, unit: str) -> str:
    if unit == "USD":
        return format_usd(v)
    if unit == "percent":
        return f"{v:+.2f}%"
    return f"{v:,.6g} {unit}"


def _fact_name(key: str) -> str:
    """``cross_copy:price|BTC|None|USD`` -> ``BTC price``.

    >>> _fact_name("cross_copy:price_change|ETH|PT24H|percent")
    'ETH price change PT24H'
    """
    if "|" not in key:
        return key.removeprefix("cross_copy:")
    parts = key.removeprefix("cross_copy:").split("|")
    kind = parts[0].replace("_", " ") if parts else "figure"
    asset = parts[1] if len(parts) > 1 else ""
    window = parts[2] if len(parts) > 2 and parts[2] not in ("None", "") else ""
    extra = " ".join(p for p in parts[4:] if p not in ("None", ""))
    return " ".join(x for x in (asset, kind, window, extra) if x)


def render_story_page(
    story_id: str,
    copies: Sequence[StoryCopy],
    cross_checks: Sequence[Mapping[str, Any]],
    *,
    static_prefix: str | None = None,
    index_href: str = "#",
    generated_at: str | None = None,
) -> str:
    """A story's page: its outlets and times, the figures side by side, the conflicts,
    and which copy's figure the market supports (see :func:`story_context`)."""
    return environment().get_template("story.html.j2").render(
        **story_context(story_id, copies, cross_checks), version=__version__,
        inline_css=None if static_prefix is not None else Markup(stylesheet()),
        static_prefix=static_prefix or "", index_href=index_href, generated_at=generated_at,
    )

