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
    "format_side_by_side",
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
    #: share of matched levels whose status agrees (gold and prediction; null read as active).
    status_accuracy: float | None = None
    #: share of matched pairs that agree on whether the claim is stated for a past time.
    when_accuracy: float | None = None
    #: bootstrap 95% interval of F1 (resampling articles), per type and ``overall``.
    f1_interval: dict[str, tuple[float, float]] = Field(default_factory=dict)
    #: gold type -> predicted type -> count; a prediction of the same value and unit in
    #: the same article counts as a confusion, ``(missed)`` and ``(spurious)`` take the rest.
    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)
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
    gold: Iterable[Mapping[str, Any]], predicted: Iterable[Claim | Mapping[str, Any]],
    *, bootstrap: int = 1000, seed: int = 7,
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
    levels = [(g, p) for g, p in pairs if g.get("type") in ("support", "resistance")]
    s_acc = (round(sum(1 for g, p in levels if (g.get("status") or "active") == (p.get("status") or "active"))
                   / len(levels), 4) if levels else None)
    w_acc = (round(sum(1 for g, p in pairs if bool(g.get("when")) == bool(p.get("when"))) / len(pairs), 4)
             if pairs else None)
    gold_sources = {str(g.get("source_id")) for g in golds}
    without = sorted(s for s in gold_sources if s not in by_source)
    return EvalReport(
        overall=overall,
        per_type=per_type,
        qualifier_accuracy=q_acc,
        direction_accuracy=d_acc,
        status_accuracy=s_acc,
        when_accuracy=w_acc,
        f1_interval=_bootstrap(golds, preds, pairs, types, bootstrap, seed) if bootstrap else {},
        confusion=_confusion(golds, pairs, misses, extras),
        misses=[_shown(g) for g in misses],
        extras=[_shown(p) for p in extras],
        sources_without_predictions=without,
    )


def _bootstrap(golds: list[dict[str, Any]], preds: list[dict[str, Any]],
               pairs: list[tuple[dict[str, Any], dict[str, Any]]], types: list[str],
               n: int, seed: int) -> dict[str, tuple[float, float]]:
    """95% percentile intervals of F1, resampling articles with replacement."""
    import numpy as np

    sources = sorted({str(r.get("source_id")) for r in (*golds, *preds)})
    if not sources:
        return {}
    si = {s: i for i, s in enumerate(sources)}
    keys = [*types, "overall"]
    ki = {k: i for i, k in enumerate(keys)}
    counts = np.zeros((3, len(sources), len(keys)))  # gold, predicted, matched
    for row, recs in ((0, golds), (1, preds), (2, [g for g, _ in pairs])):
        for r in recs:
            j = si[str(r.get("source_id"))]
            t = ki.get(str(r.get("type")))
            if t is not None:
                counts[row, j, t] += 1
            counts[row, j, ki["overall"]] += 1
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(sources), size=(n, len(sources)))
    tot = counts[:, draws, :].sum(axis=2)  # (3, n, keys)
    g, p, m = tot
    with np.errstate(divide="ignore", invalid="ignore"):
        prec = np.where(p > 0, m / p, np.where(g == 0, 1.0, 0.0))
        rec = np.where(g > 0, m / g, np.where(p == 0, 1.0, 0.0))
        f1 = np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0)
    out: dict[str, tuple[float, float]] = {}
    for k, i in ki.items():
        if counts[0, :, i].sum() or counts[1, :, i].sum():
            lo, hi = np.percentile(f1[:, i], [2.5, 97.5])
            out[k] = (round(float(lo), 3), round(float(hi), 3))
    return out


def _confusion(golds: list[dict[str, Any]], pairs: list[tuple[dict[str, Any], dict[str, Any]]],
               misses: list[dict[str, Any]], extras: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Gold type x predicted type, pairing unmatched claims of the same value and unit."""
    conf: dict[str, dict[str, int]] = {}

    def add(gt: str, pt: str) -> None:
        conf.setdefault(gt, {})
        conf[gt][pt] = conf[gt].get(pt, 0) + 1

    for g, _ in pairs:
        add(str(g.get("type")), str(g.get("type")))
    left = list(extras)
    for g in misses:
        hit = None
        for i, p in enumerate(left):
            if (p.get("source_id") == g.get("source_id") and p.get("unit") == g.get("unit")
                    and _close(abs(float(g["value"])), abs(float(p["value"])), str(g.get("unit")))):
                hit = i
                break
        if hit is None:
            add(str(g.get("type")), "(missed)")
        else:
            add(str(g.get("type")), str(left.pop(hit).get("type")))
    for p in left:
        add("(spurious)", str(p.get("type")))
    return conf


def format_side_by_side(reports: Mapping[str, EvalReport]) -> str:
    """Per-type F1 of several extractors in one table (e.g. the model and the rules)."""
    names = list(reports)
    types: list[str] = []
    for r in reports.values():
        for t, s in r.per_type.items():
            if (s.gold or s.predicted) and t not in types:
                types.append(t)
    head = f"{'type':<16}{'gold':>6}" + "".join(f"{n + ' P':>10}{n + ' R':>10}{n + ' F1':>11}" for n in names)
    lines = [head]
    first = reports[names[0]]
    for t in [*types, "overall"]:
        g = first.overall.gold if t == "overall" else next((r.per_type[t].gold for r in reports.values() if t in r.per_type), 0)
        cells = ""
        for n in names:
            r = reports[n]
            s = r.overall if t == "overall" else r.per_type.get(t, Scores.from_counts(g, 0, 0))
            cells += f"{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>11.3f}"
        lines.append(f"{t:<16}{g:>6}" + cells)
    return "\n".join(lines)


def _shown(rec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: rec.get(k) for k in _SHOWN_FIELDS if k in rec}


def format_eval(report: EvalReport, max_items: int = 50) -> str:
    """A readable table of the report, then the misses and extras (at most ``max_items`` each)."""
    lines = [f"{'type':<16}{'gold':>6}{'pred':>6}{'match':>7}{'P':>8}{'R':>8}{'F1':>8}  F1 95% CI"]

    def row(name: str, s: Scores) -> str:
        ci = report.f1_interval.get(name)
        cis = f"  [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""
        return (f"{name:<16}{s.gold:>6}{s.predicted:>6}{s.matched:>7}"
                f"{s.precision:>8.3f}{s.recall:>8.3f}{s.f1:>8.3f}{cis}")

    for t, s in report.per_type.items():
        if s.gold or s.predicted or t in CORE_TYPES:
            lines.append(row(t, s))
    lines.append(row("overall", report.overall))
    fmt = "n/a" if report.qualifier_accuracy is None else f"{report.qualifier_accuracy:.3f}"
    fmd = "n/a" if report.direction_accuracy is None else f"{report.direction_accuracy:.3f}"
    fms = "n/a" if report.status_accuracy is None else f"{report.status_accuracy:.3f}"
    fmw = "n/a" if report.when_accuracy is None else f"{report.when_accuracy:.3f}"
    lines.append(f"qualifier accuracy {fmt}   direction accuracy {fmd}   "
                 f"status accuracy {fms}   when (past or current) accuracy {fmw}")
    if report.confusion:
        cols = sorted({c for row_ in report.confusion.values() for c in row_})
        lines.append("")
        lines.append("confusion (rows: gold type, columns: predicted type)")
        lines.append(f"{'':<16}" + "".join(f"{c[:9]:>10}" for c in cols))
        for gt in sorted(report.confusion):
            r = report.confusion[gt]
            lines.append(f"{gt[:15]:<16}" + "".join(f"{r.get(c, 0) or '.':>10}" for c in cols))
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
