"""Tune the story grouping's constants on the tuning half of ``corpus/stories``.

    python scripts/tune_stories.py MODEL_DIR [--heldout]

Groups all labelled articles (both halves and the newsbtc week, as distractors) with
each setting of a small grid and prints the tuning half's pairwise precision, recall and
ARI, best first. ``--heldout`` prints the held-out scores of the module defaults only
(run it once, after tuning).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from newsclaims.story.evaluate import load_labels, score_stories  # noqa: E402
from newsclaims.story.group import StoryParams, group_events, story_ids  # noqa: E402
from story_corpus import embed_docs, labelled_docs  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--heldout", action="store_true")
    args = ap.parse_args()
    docs = labelled_docs(ROOT / "corpus" / "stories")
    emb = embed_docs(docs, args.model)
    base = StoryParams()
    if args.heldout:
        labels = load_labels(ROOT / "corpus" / "stories", "heldout")
        s = score_stories(story_ids(docs, group_events(docs, emb, base)), labels)
        print("heldout", s.as_dict())
        for fj in s.false_joins:
            print("  false join", fj)
        for m in s.missed:
            print("  missed", m)
        return
    labels = load_labels(ROOT / "corpus" / "stories", "tune")
    results = []
    grid = itertools.product((0.78, 0.80, 0.82, 0.84, 0.86), (0.03, 0.06, 0.09), (0.0, 0.1, 0.2), (0.72, 0.76, 0.80))
    for join, fig, name, link in grid:
        p = replace(base, join_score=join, figure_bonus=fig, name_bonus=name, mean_link_score=link)
        s = score_stories(story_ids(docs, group_events(docs, emb, p)), labels)
        results.append((s.precision >= 0.97, s.ari, s.precision, s.recall, (join, fig, name, link)))
    results.sort(reverse=True)
    for _ok, ari, pr, r, prm in results[:25]:
        print(f"join={prm[0]} fig={prm[1]} name={prm[2]} mean_link={prm[3]}  P={pr:.3f} R={r:.3f} ARI={ari:.3f}")


if __name__ == "__main__":
    main()
