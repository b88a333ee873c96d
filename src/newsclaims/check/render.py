"""The factcheck report: checks as a readable table, Markdown, or JSON (``spec/checks.md``).

Rendering is pure: it returns a string, the CLI prints it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..models import Check, Claim, CleanArticle
from .base import asset_name, fmt_claim_value

_ANSI = {
    "consistent": "\x1b[32m",
    "inconsistent": "\x1b[31m",
    "unverifiable": "\x1b[33m",
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "reset": "\x1b[0m",
}
#: a claim's overall verdict is the first of these that any of its checks gave.
_VERDICT_ORDER = ("inconsistent", "consistent", "unverifiable")
#: longest claim text shown in the table before it is cut with an ellipsis.
MAX_TEXT_CHARS = 90
#: the quote shown for a claim: its span in its sentence, this many characters at most,
#: centred on the judged number so that the number is never cut away.
QUOTE_CHARS = 110
#: how to pass a publication time, said once per report when an article has none.
PUBLISHED_AT_HINT = "give it with --published-at, e.g. --published-at 2025-05-19T15:33Z"


@dataclass(frozen=True)
class ArticleChecks:
    """One article's checks with what the report header says about it."""

    article: CleanArticle
    checks: list[Check]
    #: per asset the article's claims name: (first, last) time of the market data, or None.
    coverage: Mapping[str, tuple[datetime, datetime] | None] = field(default_factory=dict)
    #: how a zone-less time was read, when the zone is known ("no zone in the input; read
    #: as UTC+01:00, inferred from its source's price claims"; see newsclaims.zones).
    zone_note: str | None = None


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _number_span(claim: Claim, text: str) -> tuple[int, int] | None:
    """Where in ``text`` the claim's number is written (the quantity whose value it is)."""
    from ..quantities import parse_quantities

    best: tuple[float, int, int] | None = None
    for q in parse_quantities(text):
        for target in (claim.value, claim.value_max):
            if target is None:
                continue
            gap = abs(abs(q.value) - abs(target)) / max(abs(target), 1e-9)
            if best is None or gap < best[0]:
                best = (gap, q.start, q.end)
    if best is None or best[0] > 0.01:
        return None
    return best[1], best[2]


def quote_in_context(claim: Claim, width: int = QUOTE_CHARS, mark: tuple[str, str] = ("", "")) -> str:
    """The claim's span in its sentence, at most ``width`` characters, its number always shown.

    The judged number is wrapped in ``mark`` (e.g. ANSI bold, or ``**`` for Markdown).

    Example:
        >>> # "…exposure, dragging ETH down 0.12% over the day…"
    """
    sentence = " ".join(claim.sentence.split())
    span = " ".join(claim.text.split())
    i = sentence.find(span) if span else -1
    if i < 0:
        sentence, i = span, 0
    j = i + len(span)
    num = _number_span(claim, sentence[i:j])
    ni, nj = (i + num[0], i + num[1]) if num else (i, j)
    # the window: the span when it fits, widened with context, else centred on the number
    if j - i <= width:
        spare = width - (j - i)
        lo = max(0, i - spare // 2)
        hi = min(len(sentence), j + (width - (j - i) - (i - lo)))
        lo = max(0, hi - width) if hi == len(sentence) else lo
    else:
        half = max(0, (width - (nj - ni)) // 2)
        lo = max(i, ni - half)
        hi = min(j, lo + width)
        lo = max(i, min(lo, hi - width))
    if lo > 0 and lo != ni:  # start at a word
        cut = sentence.find(" ", lo, ni)
        lo = cut + 1 if cut >= 0 else lo
    if hi < len(sentence) and hi != nj:
        cut = sentence.rfind(" ", nj, hi)
        hi = cut if cut >= 0 else hi
    body = sentence[lo:ni] + mark[0] + sentence[ni:nj] + mark[1] + sentence[nj:hi]
    return ("…" if lo > 0 else "") + body.strip() + ("…" if hi < len(sentence) else "")


def check_to_json(check: Check) -> dict[str, Any]:
    """One check as the JSON object of checks.md (the claim nested, times in ISO 8601 UTC)."""
    data = check.model_dump(mode="json")
    data["id"] = check.id
    return data


def claim_verdict(checks: Sequence[Check]) -> str:
    """The verdict of a claim from its checks: inconsistent if any is, else consistent if any is."""
    verdicts = {c.verdict for c in checks}
    return next((v for v in _VERDICT_ORDER if v in verdicts), "unverifiable")


def summary_counts(checks: Sequence[Check]) -> dict[str, int]:
    """The numbers of :func:`summary_line`, for JSON."""
    counts = Counter(c.verdict for c in checks)
    per_claim = Counter(claim_verdict(group) for group in _by_claim(checks).values())
    return {
        "claims": len({c.claim.id for c in checks}),
        "checks": len(checks),
        "inconsistent": counts["inconsistent"],
        "major": sum(1 for c in checks if c.verdict == "inconsistent" and c.severity == "major"),
        "consistent": counts["consistent"],
        "unverifiable": counts["unverifiable"],
        "claims_flagged": per_claim["inconsistent"],
    }


def summary_line(checks: Sequence[Check]) -> str:
    """``"14 claims, 21 checks: 3 inconsistent (2 major), 12 consistent, 6 unverifiable"``."""
    n = summary_counts(checks)
    return (
        f"{_plural(n['claims'], 'claim')}, {_plural(n['checks'], 'check')}: {n['inconsistent']:,} inconsistent "
        f"({n['major']:,} major), {n['consistent']:,} consistent, {n['unverifiable']:,} unverifiable; "
        f"{_plural(n['claims_flagged'], 'claim')} flagged"
    )


def _by_claim(checks: Sequence[Check]) -> dict[str, list[Check]]:
    out: dict[str, list[Check]] = {}
    for c in checks:
        out.setdefault(c.claim.id, []).append(c)
    return out


def flag_confidence(checks: Sequence[Check]) -> float | None:
    """The highest confidence among the inconsistent rows (None when nothing is flagged)."""
    scores = [c.confidence if c.confidence is not None else 0.0 for c in checks if c.verdict == "inconsistent"]
    return max(scores) if scores else None


def order_by_confidence(checks: Sequence[Check]) -> list[Check]:
    """Flagged claims first, most confident flag first; the rest keep their order.

    Rows of one claim stay together (its flags first, by confidence).
    """
    groups = list(_by_claim(checks).values())
    keyed = sorted(
        enumerate(groups),
        key=lambda ig: (flag_confidence(ig[1]) is None, -(flag_confidence(ig[1]) or 0.0), ig[0]),
    )
    out: list[Check] = []
    for _i, rows in keyed:
        out.extend(
            sorted(rows, key=lambda r: (r.verdict != "inconsistent", -(r.confidence or 0.0)))
        )
    return out


def _claim_label(claim: Claim) -> str:
    window = f" {claim.window}" if claim.window else ""
    side = f" {claim.side}" if claim.side else ""
    qual = "" if claim.qualifier == "exact" else f" ({claim.qualifier})"
    return f"{claim.asset or '?'} {claim.type}{window}{side} {fmt_claim_value(claim)}{qual}"


def _cut(text: str, limit: int = MAX_TEXT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_checks(
    checks: Sequence[Check], fmt: Literal["table", "json", "markdown"] = "table", color: bool = False
) -> str:
    """Render checks as the factcheck report.

    Args:
        checks: the rows to show, grouped by claim: flagged claims first, the most
            confident flag first (``confidence``), then the rest in the order given.
        fmt: ``table`` (a readable text report), ``markdown``, or ``json`` (an array of
            check objects with the claim nested, per checks.md).
        color: colour the verdicts with ANSI codes (table only).

    Example:
        >>> render_checks([], "json", color=False)
        '[]'
    """
    checks = order_by_confidence(checks)
    if fmt == "json":
        return json.dumps([check_to_json(c) for c in checks], indent=2, ensure_ascii=False)
    groups = _by_claim(checks)
    if fmt == "markdown":
        lines = ["| verdict | claim | check | reason |", "|---|---|---|---|"]
        for rows in groups.values():
            for c in rows:
                verdict = c.verdict + (f" ({c.severity}{_flag_words(c)})" if c.severity else "")
                cells = [
                    f"**{verdict}**" if c.verdict == "inconsistent" else verdict,
                    f"{_claim_label(c.claim)}: “{quote_in_context(c.claim, mark=('**', '**'))}”",
                    f"`{c.check}`",
                    c.reason,
                ]
                lines.append("| " + " | ".join(_md_escape(x) for x in cells) + " |")
        lines.append("")
        lines.append(f"**Summary:** {summary_line(checks)}")
        return "\n".join(lines) + "\n"
    if fmt != "table":
        raise ValueError(f"unknown report format {fmt!r}: use table, json or markdown")

    def paint(text: str, *styles: str) -> str:
        if not color:
            return text
        return "".join(_ANSI[s] for s in styles) + text + _ANSI["reset"]

    lines = []
    for rows in groups.values():
        claim = rows[0].claim
        verdict = claim_verdict(rows)
        major = any(r.severity == "major" for r in rows if r.verdict == "inconsistent")
        tag = verdict.upper() + (" major" if verdict == "inconsistent" and major else "")
        styles = (verdict, "bold") if verdict == "inconsistent" else (verdict,)
        lines.append(f"{paint(f'[{tag}]', *styles)} {_claim_label(claim)}")
        bold = (_ANSI["bold"], _ANSI["reset"]) if color else ("", "")
        lines.append(f"    “{quote_in_context(claim, mark=bold)}” ({claim.source_id})")
        for r in rows:
            sev = f" ({r.severity}{_flag_words(r)})" if r.severity else ""
            lines.append(f"    {paint(r.check + ':', 'dim')} {paint(r.verdict + sev, r.verdict)}: {r.reason}")
        lines.append("")
    lines.append(summary_line(checks) if checks else "no claims to check")
    return "\n".join(lines) + "\n"


def _flag_words(check: Check) -> str:
    """``", stale, confidence 0.93"`` for a flag (nothing for other rows)."""
    parts = []
    if check.finding:
        parts.append(check.finding.replace("_", " "))
    if check.confidence is not None:
        parts.append(f"confidence {check.confidence:.2f}")
    return "".join(f", {p}" for p in parts)


def _md_escape(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


# --------------------------------------------------------------------------- the report with headers


def _when(t: datetime | None) -> str:
    return "" if t is None else t.strftime("%Y-%m-%d %H:%M UTC")


def article_header(item: ArticleChecks, *, zone: str = "UTC") -> list[str]:
    """Lines that say what was checked: the title, the time used, the market data's range."""
    a = item.article
    title = a.title or "(no title)"
    lines = [f"{title}  ({a.source_id})"]
    if a.published_at is None:
        lines.append("published: unknown, so nothing is checked against the market")
    else:
        assumed = f" (no zone in the input: {zone} assumed)" if a.time_zone_assumed else ""
        if a.time_zone_assumed and item.zone_note:
            assumed = f" ({item.zone_note})"
        lines.append(f"published: {_when(a.published_at)}{assumed}")
    ranges = []
    for asset, cov in sorted(item.coverage.items()):
        if cov is None:
            ranges.append(f"{asset_name(asset)}: none")
        else:
            ranges.append(f"{asset_name(asset)} {cov[0]:%Y-%m-%d} to {cov[1]:%Y-%m-%d}")
    if ranges:
        lines.append("market data: " + "; ".join(ranges))
    return lines


def _article_json(item: ArticleChecks) -> dict[str, Any]:
    a = item.article
    return {
        "article": {
            "id": a.id,
            "source_id": a.source_id,
            "title": a.title,
            "url": a.url,
            "source": a.source,
            "published_at": a.published_at.isoformat() if a.published_at else None,
            "time_zone_assumed": a.time_zone_assumed,
        },
        "market": {
            asset: (None if cov is None else {"from": cov[0].isoformat(), "to": cov[1].isoformat()})
            for asset, cov in sorted(item.coverage.items())
        },
        "summary": summary_counts(item.checks),
        "checks": [check_to_json(c) for c in order_by_confidence(item.checks)],
    }


def render_report(
    items: Sequence[ArticleChecks],
    fmt: Literal["table", "markdown", "json-report"] = "table",
    color: bool = False,
    *,
    zone: str = "UTC",
) -> str:
    """The factcheck report, article by article, each under a header.

    The header gives the title, the publication time used (and whether its zone was
    assumed) and the range of the market data for the assets the claims name. When
    an article has no time, the report says once how to give one. ``json-report`` is
    one object: ``{"articles": [{"article", "market", "summary", "checks"}], "summary"}``.

    Example:
        >>> render_report([], "json-report")
        '{"articles": [], "summary": {"articles": 0, "claims": 0, "checks": 0, "inconsistent": 0, "major": 0, "consistent": 0, "unverifiable": 0, "claims_flagged": 0}}'
    """
    every = [c for item in items for c in item.checks]
    if fmt == "json-report":
        total = {"articles": len(items), **summary_counts(every)}
        return json.dumps({"articles": [_article_json(i) for i in items], "summary": total}, ensure_ascii=False)
    undated = sum(1 for i in items if i.article.published_at is None)
    out: list[str] = []
    for item in items:
        head = article_header(item, zone=zone)
        if fmt == "markdown":
            out.append(f"## {head[0]}")
            out.extend(f"- {line}" for line in head[1:])
            out.append("")
            out.append(render_checks(item.checks, "markdown").rstrip() if item.checks else "no claims to check")
        else:
            out.append(head[0] if not color else _ANSI["bold"] + head[0] + _ANSI["reset"])
            out.extend("  " + line for line in head[1:])
            out.append("")
            out.append(render_checks(item.checks, "table", color).rstrip())
        out.append("")
    if undated:
        which = "The article has" if len(items) == 1 else f"{_plural(undated, 'article')} of {len(items):,} have"
        out.append(f"{which} no publication time: {PUBLISHED_AT_HINT}.")
    if len(items) > 1:
        line = f"{_plural(len(items), 'article')}; {summary_line(every)}"
        out.append(f"**All articles:** {line}" if fmt == "markdown" else f"All articles: {line}")
    return "\n".join(out).rstrip() + "\n"
