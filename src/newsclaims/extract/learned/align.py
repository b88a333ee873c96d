"""Gold claims -> labels on the rules' candidate quantities (the training targets).

A gold claim (``spec/claims.md``) has no offsets: it names a type, an asset, a value
and a verbatim text. It is tied to the candidate quantity of the cleaned article
whose value agrees (the scorer's tolerance) and which lies inside the gold text, or
failing that nearest to it. One candidate may carry several gold claims: a crossed
level that is also a price ("twin"), or one figure for several assets.
Candidates that carry none are the negatives: what is not a claim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..drafts import Candidate

_LEVELS = ("support", "resistance")


@dataclass
class Label:
    """What the gold says about one candidate (``type`` "none" = not a claim)."""

    type: str = "none"
    assets: set[str] = field(default_factory=set)
    asset_null: bool = False
    asset_any: set[str] = field(default_factory=set)  # also accepted (asset_alt)
    window: str | None = None
    window_implied: bool = False
    side: str | None = None
    qualifier: str = "exact"
    direction: str | None = None
    status: str | None = None
    past: bool = False
    twin: bool = False


def _unit_ok(cand_unit: str, gold_unit: str) -> bool:
    if gold_unit == "USD":
        return cand_unit in ("USD", "USDT", "USDC", "BUSD", "FDUSD", "number")
    return cand_unit == gold_unit


def _value_ok(c: Candidate, g: Mapping[str, Any], text: str) -> bool:
    v = abs(c.q.value)
    if c.q.unit == "number" and re.match(r"\s*cents?\b", text[c.q.end : c.q.end + 8], re.I):
        v /= 100.0
    gv = abs(float(g["value"]))
    if g.get("unit") == "percent":
        ok = abs(v - gv) <= 0.011
    else:
        ok = abs(v - gv) <= 0.005 * max(gv, 1e-12) + 1e-12
    if not ok:
        return False
    gm = g.get("value_max")
    if gm is not None and c.q.value_max is not None:
        vm = abs(c.q.value_max)
        gmv = abs(float(gm))
        return abs(vm - gmv) <= max(0.011, 0.005 * gmv)
    return True


def _find_text(text: str, needle: str) -> tuple[int, int] | None:
    words = needle.split()
    if not words:
        return None
    pat = r"\s+".join(re.escape(w) for w in words)
    m = re.search(pat, text)
    return (m.start(), m.end()) if m is not None else None


def align(text: str, cands: list[Candidate], gold: Sequence[Mapping[str, Any]]
          ) -> tuple[list[Label], list[Mapping[str, Any]]]:
    """Labels for ``cands`` (same order) and the gold claims no candidate carries."""
    labels = [Label() for _ in cands]
    missed: list[Mapping[str, Any]] = []
    owner: list[tuple[Mapping[str, Any], int]] = []  # each gold claim and the candidate carrying it
    for g in gold:
        span = _find_text(text, str(g.get("text") or ""))
        ok = [i for i, c in enumerate(cands)
              if _unit_ok(c.q.unit, str(g.get("unit"))) and _value_ok(c, g, text)]
        if not ok:
            missed.append(g)
            continue
        if span is not None:
            a, b = span
            inside = [i for i in ok if cands[i].q.start >= a - 2 and cands[i].q.end <= b + 2]
            pool = inside or ok
            i = min(pool, key=lambda k: abs(cands[k].q.start - a))
        else:
            i = ok[0]
        lab = labels[i]
        owner.append((g, i))
        typ = str(g["type"])
        if lab.type == "none":
            lab.type = typ
        elif lab.type != typ:
            # a level and its price twin: the level is the type, the price the twin
            if typ in _LEVELS and lab.type == "price":
                lab.type, lab.twin = typ, True
            elif lab.type in _LEVELS and typ == "price":
                lab.twin = True
                continue
            else:
                continue  # two types on one number (rare): keep the first
        if g.get("asset") is None:
            lab.asset_null = True
        else:
            lab.assets.add(str(g["asset"]))
        lab.asset_any.update(str(a) for a in (g.get("asset_alt") or []))
        if lab.window is None:
            lab.window = g.get("window")
            lab.window_implied = bool(g.get("window_implied"))
        lab.side = g.get("side") or lab.side
        lab.qualifier = str(g.get("qualifier") or "exact")
        lab.direction = g.get("direction") or lab.direction
        lab.status = g.get("status") or lab.status
        lab.past = lab.past or bool(g.get("when"))
    # Restatements: the gold lists a fact once, the article may state it again (title
    # and body, a recap). Such a number is the same claim, not a negative: it takes the
    # label of the gold claim it restates (the merge keeps one claim per fact).
    copies: dict[int, Label] = {}
    for g, i in owner:
        src = labels[i]
        if src.type != str(g["type"]):
            continue  # the number carries another claim (a level whose twin this is)
        for k, c in enumerate(cands):
            if (labels[k].type == "none" and k not in copies
                    and _unit_ok(c.q.unit, str(g.get("unit"))) and _value_ok(c, g, text)):
                copies[k] = src
    for k, src in copies.items():
        labels[k] = replace(src, assets=set(src.assets), asset_any=set(src.asset_any))
    return labels, missed
