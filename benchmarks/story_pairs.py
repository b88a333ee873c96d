"""Judged story pairs: how often two articles a run put in one story tell one event.

The labelled groups of ``corpus/stories`` hold few distractors, so they cannot say how
a whole dump's stories read; this draws pairs from a run instead, for judging after
``corpus/stories/RULE.md``.

``draw``: N random pairs of articles that a run database puts in one story, taken
across different near-duplicate clusters (copies of one text say nothing about the
grouping), drawn with a seed from the pairs in sorted order: the same database, seed
and N give the same sample. ``--exclude`` leaves out pairs already judged (a fresh
sample for each report: never tune on the sample you report). Writes a judging sheet
as JSONL (each article's source, time, title, URL and lead, and an empty
``judgement``) and the same as Markdown for the judge.

``merge``: puts judges' answers (JSONL lines ``{"n", "same_event", "kind", "note"}``,
one file per judge, named after the judge) into the sheet: a judged sheet.

``score``: reads judged sheets (``judgement.same_event`` true or false, ``kind`` for
the errors) and prints pairwise precision with a Wilson 95% interval and the kinds of
error.

Usage:
    python benchmarks/story_pairs.py draw run.db -n 120 --seed 2027 -o pairs-s2027 \\
        --exclude corpus/stories/judged-pairs-*.jsonl.gz
    python benchmarks/story_pairs.py merge pairs-s2027.jsonl judge-1.jsonl judge-2.jsonl \
        -o corpus/stories/judged-pairs-s2027.jsonl.gz
    python benchmarks/story_pairs.py score corpus/stories/judged-pairs-s2027.jsonl.gz
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import sqlite3
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from flags import wilson

#: characters of each article's text shown to the judge (title and lead).
LEAD_CHARS = 900
KINDS = ("same_event", "market_commentary", "same_topic_different_event", "different_day_or_edition",
         "follow_up", "advert_or_unrelated", "unsure")


def _open(path: str) -> Any:
    return gzip.open(path, "rt", encoding="utf-8") if path.endswith(".gz") else open(path, encoding="utf-8")


def _rows(paths: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in paths:
        with _open(p) as f:
            out.extend(json.loads(line) for line in f if line.strip())
    return out


def story_pairs(db: sqlite3.Connection) -> tuple[list[tuple[str, str]], int]:
    """Every pair of articles of one story from different near-duplicate clusters,
    sorted, and the number of stories they come from."""
    members: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for aid, sid, cid in db.execute("SELECT id, story_id, cluster_id FROM articles ORDER BY id"):
        members[sid or aid].append((aid, cid or aid))
    pairs = []
    stories = 0
    for group in members.values():
        got = [(a, b) for (a, ca), (b, cb) in itertools.combinations(sorted(group), 2) if ca != cb]
        stories += bool(got)
        pairs.extend(got)
    return sorted(pairs), stories


def _article(db: sqlite3.Connection, aid: str) -> dict[str, Any]:
    src, pub, title, url, text = db.execute(
        "SELECT source, published_at, title, url, substr(text, 1, ?) FROM articles WHERE id = ?", [LEAD_CHARS, aid]
    ).fetchone()
    return {"id": aid, "source": src, "published_at": pub, "title": title, "url": url, "lead": text}


def draw(args: argparse.Namespace) -> int:
    db = sqlite3.connect(args.db)
    pairs, stories = story_pairs(db)
    seen = {frozenset((r["a"]["id"], r["b"]["id"])) for r in _rows(args.exclude or [])}
    pool = [p for p in pairs if frozenset(p) not in seen]
    rng = random.Random(args.seed)
    chosen = sorted(rng.sample(pool, min(args.n, len(pool))))
    rng.shuffle(chosen)  # judged in random order, not by id
    story_of = dict(db.execute("SELECT id, story_id FROM articles").fetchall())
    sheet = []
    for n, (a, b) in enumerate(chosen, 1):
        sheet.append({"n": n, "story_id": story_of[a], "a": _article(db, a), "b": _article(db, b), "judgement": None,
                      "draw": {"db": Path(args.db).name, "seed": args.seed, "pairs": len(pairs), "stories": stories,
                               "excluded": len(pairs) - len(pool)}})
    out = Path(args.out)
    with open(out.with_suffix(".jsonl"), "w", encoding="utf-8") as f:
        for row in sheet:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    out.with_suffix(".md").write_text(sheet_markdown(sheet), encoding="utf-8")
    print(f"{len(sheet)} pairs drawn (seed {args.seed}) from {len(pool):,} of {len(pairs):,} cross-cluster pairs "
          f"in {stories:,} stories -> {out.with_suffix('.jsonl')}, {out.with_suffix('.md')}")
    return 0


def sheet_markdown(sheet: list[dict[str, Any]]) -> str:
    lines = ["# Story pairs to judge", "",
             "Is each pair one event (`corpus/stories/RULE.md`)? Answer per pair: same_event true/false, "
             f"kind one of {', '.join(KINDS)}, and a one-line note.", ""]
    for row in sheet:
        lines.append(f"## {row['n']}")
        for side in ("a", "b"):
            x = row[side]
            lead = " ".join((x["lead"] or "").split())
            lines += [f"**{side.upper()}** {x['source']} {x['published_at']} | {x['title']}", f"{x['url'] or ''}", "",
                      f"> {lead}", ""]
    return "\n".join(lines)


def merge(args: argparse.Namespace) -> int:
    sheet = {r["n"]: r for r in _rows([args.sheet])}
    for path in args.judgements:
        judge = Path(path).name.split(".")[0]
        for j in _rows([path]):
            if j["n"] not in sheet:
                raise SystemExit(f"{path}: pair {j['n']} is not in {args.sheet}")
            if not isinstance(j.get("same_event"), bool) or j.get("kind") not in KINDS:
                raise SystemExit(f"{path}: pair {j['n']}: same_event must be true/false and kind one of {KINDS}")
            sheet[j["n"]]["judgement"] = {"same_event": j["same_event"], "kind": j["kind"], "note": j.get("note", ""),
                                          "judge": judge}
    missing = [n for n, r in sheet.items() if not r.get("judgement")]
    if missing:
        raise SystemExit(f"pairs without a judgement: {missing[:10]}")
    with gzip.open(args.out, "wt", encoding="utf-8") if args.out.endswith(".gz") else open(args.out, "w", encoding="utf-8") as f:
        for n in sorted(sheet):
            f.write(json.dumps(sheet[n], ensure_ascii=False) + "\n")
    print(f"{len(sheet)} judged pairs -> {args.out}")
    return 0


def score(args: argparse.Namespace) -> int:
    rows = [r for r in _rows(args.sheets) if r.get("judgement")]
    if not rows:
        print("no judged pairs", file=sys.stderr)
        return 2
    same = sum(1 for r in rows if r["judgement"]["same_event"])
    lo, hi = wilson(same, len(rows))
    print(f"one event: {same} / {len(rows)} = {same / len(rows):.1%} (Wilson 95% {lo:.1%}-{hi:.1%})")
    kinds = Counter(r["judgement"].get("kind", "?") for r in rows if not r["judgement"]["same_event"])
    for kind, k in kinds.most_common():
        print(f"  {kind:30} {k}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="mode", required=True)
    d = sub.add_parser("draw", help="draw story pairs from a run database into a judging sheet")
    d.add_argument("db")
    d.add_argument("-n", type=int, default=120)
    d.add_argument("--seed", type=int, required=True)
    d.add_argument("-o", "--out", required=True, help="sheet path without suffix (.jsonl and .md are written)")
    d.add_argument("--exclude", nargs="*", help="judged sheets whose pairs are left out")
    m = sub.add_parser("merge", help="put judges' answers into a sheet")
    m.add_argument("sheet")
    m.add_argument("judgements", nargs="+", help="one JSONL file per judge, named after the judge")
    m.add_argument("-o", "--out", required=True)
    s = sub.add_parser("score", help="pairwise precision of judged sheets")
    s.add_argument("sheets", nargs="+")
    args = ap.parse_args(argv)
    return {"draw": draw, "merge": merge, "score": score}[args.mode](args)


if __name__ == "__main__":
    raise SystemExit(main())
