"""Score extracted claims against gold claims, by the rules of ``spec/claims.md``.

A predicted claim matches a gold claim of the same ``source_id`` when ``type``,
``unit`` and ``asset`` agree (or the asset is in the gold's ``asset_alt``), the value
agrees within 0.5% relative (0.01 points for percent), ``value_max`` likewise where
gold has one, ``window`` agrees (``null`` also accepted where ``window_implied``), and
``side`` agrees where gold sets it. Matching is one-to-one, greedy in gold order.

Example:
    >>> gold = [{"source_id": "a", "type": "price", "asset": "BTC", "value": 100.0,
    ...          "unit": "USD", "window": None, "qualifier": "exact"}]
    >>> pred = [{"source_id": "a", "type": "price", "asset": "BTC", "value": 100.2,
    ...          "unit": "USD", "window": None, "qualifier": "exact"}]
    >>> evaluate(gold, pred).overall.f1
    1.0
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .errors import InputError
from .models import Article, Claim, CleanArticle

__all__ = [
    "EvalReport",
    "Scores",
    "article_for_eval",
    "claim_matches",
    "evaluate",
    "format_eval",
    "load_gold",
]

logger = logging.getLogger(__name__)

#: relative tolerance for money and amounts (spec: 0.5%).
VALUE_REL_TOL = 0.005
#: absolute tolerance for percentages, in percent points (spec: 0.01 points).
PERCENT_ABS_TOL = 0.01
#: the types every report lists, even with no gold or prediction.
CORE_TYPES = ("price", "price_change", "liquidation", "open_interest", "support",
              "resistance", "etf_flow")

_SHOWN_FIELDS = ("source_id", "type", "asset", "value", "value_max", "unit", "window",
                 "side", "qualifier", "direction", "text")


class Scores(BaseModel):
    """Counts and precision/recall/F1 for one slice."""

    model_config = ConfigDict(frozen=True)

    gold: int
    predicted: int
    matched: int
    precision: float
    recall: float
    f1: float

    @classmethod
    def from_counts(cls, gold: int, predicted: int, matched: int) -> Scores:
        p = matched / predicted if predicted else (1.0 if gold == 0 else 0.0)
        r = matched / gold if gold else (1.0 if predicted == 0 else 0.0)
        f = 2 * p * r / (p + r) if p + r else 0.0
        return cls(gold=gold, predicted=predicted, matched=matched,
                   precision=round(p, 4), recall=round(r, 4), f1=round(f, 4))


class EvalReport(BaseModel):
    """The result of :func:`evaluate`."""

    model_config = ConfigDict(frozen=True)

    overall: Scores
    per_type: dict[str, Scores]
    #: share of matched pairs whose qualifier agrees (``None`` when nothing matched).
    qualifier_accuracy: float | None
    #: share of matched pairs whose direction agrees (``None`` when nothing matched).
    direction_accuracy: float | None
    #: gold claims no prediction matched.
    misses: list[dict[str, Any]] = Field(default_factory=list)
    #: predictions that matched no gold claim.
    extras: list[dict[str, Any]] = Field(default_factory=list)
    #: gold source ids with no prediction at all (often an input problem).
    sources_without_predictions: list[str] = Field(default_factory=list)


def load_gold(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read a gold JSONL file (one claim a line; blank lines skipped).

    Raises:
        InputError: the file cannot be read or a line is not a JSON object.
    """
    out: list[dict[str, Any]] = []
    try:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{n}: not JSON: {exc.msg}") from exc
                if not isinstance(rec, dict):
                    raise InputError(f"{path}:{n}: expected a JSON object")
                for key in ("source_id", "type", "value", "unit"):
                    if key not in rec:
                        raise InputError(f"{path}:{n}: gold claim lacks {key!r}")
                out.append(rec)
    except OSError as exc:
        raise InputError(f"cannot read gold file {path}: {exc.strerror}") from exc
    return out


def _as_dict(c: Claim | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(c, Claim):
        return c.model_dump()
    return dict(c)


def _close(a: float, b: float, unit: str) -> bool:
    if unit == "percent":
        return abs(a - b) <= PERCENT_ABS_TOL + 1e-9
    return abs(a - b) <= VALUE_REL_TOL * max(abs(a), abs(b)) + 1e-12


def claim_matches(gold: Mapping[str, Any], pred: Mapping[str, Any]) -> bool:
    """Whether ``pred`` matches ``gold`` by the spec's rules (source ids not compared)."""
    if gold.get("type") != pred.get("type") or gold.get("unit") != pred.get("unit"):
        return False
    g_asset = gold.get("asset")
    p_asset = pred.get("asset")
    if p_asset != g_asset and p_asset not in (gold.get("asset_alt") or []):
        return False
    unit = str(gold.get("unit"))
    if not _close(float(gold["value"]), float(pred["value"]), unit):
        return False
    g_max = gold.get("value_max")
    if g_max is not None:
        p_max = pred.get("value_max")
        if p_max is None or not _close(float(g_max), float(p_max), unit):
            return False
    g_win = gold.get("window")
    p_win = pred.get("window")
    if p_win != g_win and not (p_win is None and gold.get("window_implied")):
        return False
    g_side = gold.get("side")
    return not (g_side is not None and pred.get("side") != g_side)


def evaluate(
    gold: Iterable[Mapping[str, Any]], predicted: Iterable[Claim | Mapping[str, Any]]
) -> EvalReport:
    """Precision, recall and F1 per type and overall; qualifier and direction accuracy.

    Args:
        gold: gold claims (``load_gold``), each with ``source_id``.
        predicted: :class:`Claim` objects or dicts with the spec's field names.

    Returns:
        An :class:`EvalReport` with the misses and extras listed.
    """
    golds = [dict(g) for g in gold]
    preds = [_as_dict(p) for p in predicted]
    by_source: dict[str, list[int]] = {}
    for i, p in enumerate(preds):
        by_source.setdefault(str(p.get("source_id")), []).append(i)
    used: set[int] = set()
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    misses: list[dict[str, Any]] = []
    for g in golds:
        hit = None
        for i in by_source.get(str(g.get("source_id")), []):
            if i not in used and claim_matches(g, preds[i]):
                hit = i
                break
        if hit is None:
            misses.append(g)
        else:
            used.add(hit)
            pairs.append((g, preds[hit]))
    extras = [p for i, p in enumerate(preds) if i not in used]

    types = list(CORE_TYPES)
    for rec in (*golds, *preds):
        t = str(rec.get("type"))
        if t not in types:
            types.append(t)
    per_type = {}
    for t in types:
        n_g = sum(1 for g in golds if g.get("type") == t)
        n_p = sum(1 for p in preds if p.get("type") == t)
        n_m = sum(1 for g, _ in pairs if g.get("type") == t)
        per_type[t] = Scores.from_counts(n_g, n_p, n_m)
    overall = Scores.from_counts(len(golds), len(preds), len(pairs))
    q_acc = d_acc = None
    if pairs:
        q_acc = round(sum(1 for g, p in pairs
                          if (g.get("qualifier") or "exact") == (p.get("qualifier") or "exact"))
                      / len(pairs), 4)
        d_acc = round(sum(1 for g, p in pairs if g.get("direction") == p.get("direction"))
                      / len(pairs), 4)
    gold_sources = {str(g.get("source_id")) for g in golds}
    without = sorted(s for s in gold_sources if s not in by_source)
    return EvalReport(
        overall=overall,
        per_type=per_type,
        qualifier_accuracy=q_acc,
        direction_accuracy=d_acc,
        misses=[_shown(g) for g in misses],
        extras=[_shown(p) for p in extras],
        sources_without_predictions=without,
    )


def _shown(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: rec.get(k) for k in _SHOWN_FIELDS if k in rec}


def format_eval(report: EvalReport, max_items: int = 50) -> str:
    """A readable table of the report, then the misses and extras (at most ``max_items`` each)."""
    lines = [f"{'type':<16}{'gold':>6}{'pred':>6}{'match':>7}{'P':>8}{'R':>8}{'F1':>8}"]

    def row(name: str, s: Scores) -> str:
        return (f"{name:<16}{s.gold:>6}{s.predicted:>6}{s.matched:>7}"
                f"{s.precision:>8.3f}{s.recall:>8.3f}{s.f1:>8.3f}")

    for t, s in report.per_type.items():
        if s.gold or s.predicted or t in CORE_TYPES:
            lines.append(row(t, s))
    lines.append(row("overall", report.overall))
    fmt = "n/a" if report.qualifier_accuracy is None else f"{report.qualifier_accuracy:.3f}"
    fmd = "n/a" if report.direction_accuracy is None else f"{report.direction_accuracy:.3f}"
    lines.append(f"qualifier accuracy {fmt}   direction accuracy {fmd}")
    for title, items in (("misses", report.misses), ("extras", report.extras)):
        lines.append("")
        lines.append(f"{title} ({len(items)})")
        for rec in items[:max_items]:
            lines.append(
                f"  {rec.get('source_id')}  {rec.get('type')}  {rec.get('asset')}  "
                f"{rec.get('value')}{'' if rec.get('value_max') is None else '-' + str(rec.get('value_max'))} "
                f"{rec.get('unit')}  w={rec.get('window')}  side={rec.get('side')}  "
                f"q={rec.get('qualifier')}  | {str(rec.get('text'))[:90]}"
            )
        if len(items) > max_items:
            lines.append(f"  ... {len(items) - max_items} more")
    if report.sources_without_predictions:
        lines.append("")
        lines.append("gold sources with no prediction: " + ", ".join(report.sources_without_predictions))
    return "\n".join(lines)


def article_for_eval(source_id: str, title: str, body: str, settings: Any = None) -> CleanArticle:
    """A :class:`CleanArticle` from a raw record, for scoring outside the full pipeline.

    Uses :func:`newsclaims.clean.clean_article` when it accepts the record; otherwise
    the title, a blank line and the body.
    """
    from .settings import load_settings

    art = Article(id=Article.make_id(source_id, title, body), source_id=source_id,
                  title=title, body=body)
    try:
        from .clean import clean_article

        cleaned = clean_article(art, settings or load_settings())
        if isinstance(cleaned, CleanArticle):
            return cleaned
    except ImportError:  # pragma: no cover - the cleaner ships with the package
        logger.debug("cleaner not available; using the raw text")
    text = f"{title}\n\n{body}" if title and not body.startswith(title) else body
    return CleanArticle(id=art.id, source_id=source_id, title=title, text=text)


def read_eval_articles(path: str | os.PathLike[str]) -> list[tuple[str, str, str]]:
    """(source_id, title, body) from a JSONL of records (``id``, ``headline``/``title``,
    ``body``/``text``) or from a folder / single file of plain-text articles."""
    p = Path(path)
    out: list[tuple[str, str, str]] = []
    if p.is_dir():
        for f in sorted(p.iterdir()):
            if f.is_file() and f.suffix in (".txt", ".md"):
                out.append((f.name, "", f.read_text(encoding="utf-8")))
        return out
    if p.suffix == ".jsonl":
        with open(p, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    r = json.loads(line)
                    out.append((str(r.get("id")), str(r.get("headline") or r.get("title") or ""),
                                str(r.get("body") or r.get("text") or "")))
        return out
    out.append((p.name, "", p.read_text(encoding="utf-8")))
    return out
