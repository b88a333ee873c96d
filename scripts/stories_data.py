"""Copy the labelled story articles out of the news dump and draw the tuning/held-out split.

Run once (the outputs are committed; the project never reads the dump at run time):

    python scripts/stories_data.py ../shared/data/news/bitcoin-news-2025.jsonl.gz

Writes, under ``corpus/stories/``:

- ``articles.jsonl.gz``: every article named in ``groups.jsonl`` and ``negatives.jsonl``,
  plus one week of one outlet's daily posts (newsbtc, 24 July - 1 August 2025) and two
  articles that an earlier grouping glued together, for the "no daily series glued" test.
  Records are the dump's, unchanged except that zone-less times get the ``+02:00`` offset
  the dump's README gives (as in the other corpus copies).
- ``split.json``: which groups and negative pairs are for tuning and which are held out,
  drawn with a fixed seed before any tuning. A negative pair that touches a group's article
  follows that group (so no article is on both sides); the others are drawn at random.
"""

from __future__ import annotations

import gzip
import json
import random
import sys
from pathlib import Path

SEED = 11
HELDOUT_SHARE = 0.5
SERIES_SOURCE = "newsbtc"
SERIES_DAYS = ("2025-07-24", "2025-08-01")
EXTRA_IDS = ("mj026895", "mj027039")  # "Crypto Market Cap Drops Over 6%" / "Smarter Web Company Adds 225 Bitcoin"

HERE = Path(__file__).resolve().parents[1] / "corpus" / "stories"


def main(dump: str) -> None:
    groups = [json.loads(line) for line in (HERE / "groups.jsonl").read_text().splitlines() if line.strip()]
    negatives = [json.loads(line) for line in (HERE / "negatives.jsonl").read_text().splitlines() if line.strip()]
    wanted = {i for g in groups for i in g["ids"]} | {n["a"] for n in negatives} | {n["b"] for n in negatives}
    wanted |= set(EXTRA_IDS)
    rows = []
    with gzip.open(dump, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            t = r["published_utc"]
            series = r["source"] == SERIES_SOURCE and SERIES_DAYS[0] <= t[:10] <= SERIES_DAYS[1]
            if r["id"] in wanted or series:
                if not t.endswith("Z") and "+" not in t[10:]:
                    r["published_utc"] = t + "+02:00"
                rows.append({k: r[k] for k in ("id", "published_utc", "headline", "body", "source", "url")})
    found = {r["id"] for r in rows}
    missing = wanted - found
    if missing:
        raise SystemExit(f"not in the dump: {sorted(missing)}")
    rows.sort(key=lambda r: r["id"])
    with gzip.GzipFile(HERE / "articles.jsonl.gz", "wb", mtime=0) as out:
        for r in rows:
            out.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))

    rng = random.Random(SEED)
    names = sorted(g["group"] for g in groups)
    rng.shuffle(names)
    held = set(names[: round(len(names) * HELDOUT_SHARE)])
    side_of_article = {i: ("heldout" if g["group"] in held else "tune") for g in groups for i in g["ids"]}
    split: dict[str, dict[str, list[str]]] = {
        "tune": {"groups": sorted(set(names) - held), "negatives": []},
        "heldout": {"groups": sorted(held), "negatives": []},
    }
    for n in negatives:
        key = f"{n['a']}|{n['b']}"
        sides = {side_of_article[x] for x in (n["a"], n["b"]) if x in side_of_article}
        if len(sides) == 1:
            side = sides.pop()
        elif sides:  # touches both sides: keep it out of tuning
            side = "heldout"
        else:
            side = "heldout" if rng.random() < HELDOUT_SHARE else "tune"
        split[side]["negatives"].append(key)
    doc = {"seed": SEED, "heldout_share": HELDOUT_SHARE, **split}
    (HERE / "split.json").write_text(json.dumps(doc, indent=1) + "\n")
    print(f"{len(rows)} articles; tune {len(split['tune']['groups'])} groups / {len(split['tune']['negatives'])} negatives; "
          f"held out {len(split['heldout']['groups'])} / {len(split['heldout']['negatives'])}")


if __name__ == "__main__":
    main(sys.argv[1])
