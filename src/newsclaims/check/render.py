"""The factcheck report: checks as a readable table, Markdown, or JSON (``spec/checks.md``).

Rendering is pure: it returns a string, the CLI prints it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, Literal

from ..models import Check, Claim
from .base import fmt_claim_value

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


def check_to_json(check: Check) -> dict[str, Any]:
    """One check as the JSON object of checks.md (the claim nested, times in ISO 8601 UTC)."""
    data = check.model_dump(mode="json")
    data["id"] = check.id
    return data


def claim_verdict(checks: Sequence[Check]) -> str:
    """The verdict of a claim from its checks: inconsistent if any is, else consistent if any is."""
    verdicts = {c.verdict for c in checks}
    return next((v for v in _VERDICT_ORDER if v in verdicts), "unverifiable")


def summary_line(checks: Sequence[Check]) -> str:
    """``"14 claims, 21 checks: 3 inconsistent (2 major), 12 consistent, 6 unverifiable"``."""
    claims = {c.claim.id for c in checks}
    counts = Counter(c.verdict for c in checks)
    major = sum(1 for c in checks if c.verdict == "inconsistent" and c.severity == "major")
    per_claim = Counter(claim_verdict(group) for group in _by_claim(checks).values())
    return (
        f"{len(claims)} claims, {len(checks)} checks: {counts['inconsistent']} inconsistent "
        f"({major} major), {counts['consistent']} consistent, {counts['unverifiable']} unverifiable; "
        f"{per_claim['inconsistent']} claims flagged"
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
                    f"{_claim_label(c.claim)}: “{_cut(c.claim.text)}”",
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
        lines.append(f"    “{_cut(claim.text)}” ({claim.source_id})")
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
