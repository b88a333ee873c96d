"""Score story grouping against labelled groups and hard negatives (``corpus/stories``).

Pairs: every two articles of one labelled group are a positive; a labelled hard negative,
and two articles of two different groups, are negatives. Pairwise precision is the share
of predicted same-story pairs among the labelled pairs that are positives; recall the
share of positives predicted together. ARI (adjusted Rand index) compares the partition
of the scored articles (an article in no group is a group of its own) with the truth.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class StoryLabels:
    """Labelled groups and negatives, restricted to one side of the split."""

    groups: dict[str, list[str]]
    negatives: list[tuple[str, str, str]]

    @property
    def articles(self) -> set[str]:
        out = {a for ids in self.groups.values() for a in ids}
        return out | {x for a, b, _k in self.negatives for x in (a, b)}


def load_labels(folder: str | Path, side: str | None = None) -> StoryLabels:
    """Read ``groups.jsonl``, ``negatives.jsonl`` and ``split.json`` of a labels folder;
    ``side`` is ``"tune"``, ``"heldout"`` or None for all."""
    d = Path(folder)
    groups = {g["group"]: list(g["ids"]) for g in _jsonl(d / "groups.jsonl")}
    negatives = [(n["a"], n["b"], n["kind"]) for n in _jsonl(d / "negatives.jsonl")]
    if side is not None:
        split = json.loads((d / "split.json").read_text(encoding="utf-8"))[side]
        keep_g, keep_n = set(split["groups"]), set(split["negatives"])
        groups = {g: ids for g, ids in groups.items() if g in keep_g}
        negatives = [n for n in negatives if f"{n[0]}|{n[1]}" in keep_n]
    return StoryLabels(groups, negatives)


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class StoryScores:
    """Pairwise precision/recall and ARI, with the errors listed."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    ari: float = 0.0
    false_joins: list[tuple[str, str, str]] = field(default_factory=list)
    missed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "ari": round(self.ari, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn}


def score_stories(story_of: Mapping[str, str], labels: StoryLabels) -> StoryScores:
    """Score predicted stories (article id -> story id) on the labelled pairs.

    >>> labels = StoryLabels({"g1": ["a", "b"], "g2": ["c"]}, [("a", "d", "same_topic")])
    >>> score_stories({"a": "a", "b": "a", "c": "c", "d": "a"}, labels).as_dict()
    {'precision': 0.5, 'recall': 1.0, 'ari': 0.3333, 'tp': 1, 'fp': 1, 'fn': 0}
    """
    s = StoryScores()
    group_of = {a: g for g, ids in labels.groups.items() for a in ids}

    def same(a: str, b: str) -> bool:
        return a in story_of and story_of.get(a) == story_of.get(b)

    for ids in labels.groups.values():
        for a, b in itertools.combinations(sorted(ids), 2):
            if same(a, b):
                s.tp += 1
            else:
                s.fn += 1
                s.missed.append((a, b))
    negatives: dict[tuple[str, str], str] = {}
    for a, b, kind in labels.negatives:
        negatives[(min(a, b), max(a, b))] = kind
    grouped = sorted(group_of)
    for a, b in itertools.combinations(grouped, 2):
        if group_of[a] != group_of[b]:
            negatives.setdefault((a, b), "other_group")
    for (a, b), kind in sorted(negatives.items()):
        if same(a, b):
            s.fp += 1
            s.false_joins.append((a, b, kind))
    universe = sorted(labels.articles)
    truth = [group_of.get(a, f"solo:{a}") for a in universe]
    pred = [story_of.get(a, f"missing:{a}") for a in universe]
    s.ari = adjusted_rand_index(truth, pred)
    return s


def adjusted_rand_index(truth: list[str], pred: list[str]) -> float:
    """Hubert and Arabie's adjusted Rand index of two labelings (1.0 = identical).

    >>> adjusted_rand_index(["a", "a", "b"], ["x", "x", "y"])
    1.0
    """
    n = len(truth)
    if n < 2:
        return 1.0
    pairs = Counter(zip(truth, pred, strict=True))
    sum_ij = sum(comb(c, 2) for c in pairs.values())
    sum_a = sum(comb(c, 2) for c in Counter(truth).values())
    sum_b = sum(comb(c, 2) for c in Counter(pred).values())
    expected = sum_a * sum_b / comb(n, 2)
    top = (sum_a + sum_b) / 2
    if top == expected:
        return 1.0
    return (sum_ij - expected) / (top - expected)


__all__ = ["StoryLabels", "StoryScores", "adjusted_rand_index", "load_labels", "score_stories"]
