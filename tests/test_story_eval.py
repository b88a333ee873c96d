"""Quality gate for story grouping: the labelled pairs of ``corpus/stories`` through the
real batch job (SQLite, the ONNX encoder, claim extraction and fingerprints).

The split (``corpus/stories/split.json``) was drawn with a fixed seed before any tuning;
the constants of ``newsclaims.story.group`` were tuned on the ``tune`` half only. The
minimums are pinned a little below the measured figures (README, "Stories"), so a change
that loses precision or recall fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsclaims.pipeline import run_pipeline
from newsclaims.settings import load_settings
from newsclaims.storage import open_db
from newsclaims.story import load_labels, score_stories

from .conftest import CORPUS
from .test_story import needs_model

STORIES = CORPUS / "stories"
#: pinned minimums on the held-out half (measured with the bundled encoder, rare shared
#: figures, and crypto.news and cryptonews.com as two outlets: precision 1.00, recall
#: 0.65, ARI 0.75; the issue's target recall of 0.80 is not met, see README).
HELDOUT_MIN = {"precision": 0.95, "recall": 0.62, "ari": 0.72}
#: ... and on the tuning half (measured 1.00 / 0.76 / 0.86).
TUNE_MIN = {"precision": 0.95, "recall": 0.72, "ari": 0.83}

pytestmark = [needs_model, pytest.mark.slow]


@pytest.fixture(scope="module")
def story_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("stories") / "stories.db"
    stats = run_pipeline([str(STORIES / "articles.jsonl.gz")], db, load_settings(), workers=1)
    assert stats.stored > 400 and not stats.interrupted
    return db


def _story_of(db_path: Path) -> dict[str, str]:
    db = open_db(db_path)
    return {r[0]: r[1] for r in db.execute("SELECT source_id, story_id FROM articles")}


def test_split_was_drawn_once_and_is_disjoint() -> None:
    split = json.loads((STORIES / "split.json").read_text())
    assert set(split["tune"]["groups"]).isdisjoint(split["heldout"]["groups"])
    assert set(split["tune"]["negatives"]).isdisjoint(split["heldout"]["negatives"])
    tune, held = load_labels(STORIES, "tune"), load_labels(STORIES, "heldout")
    assert len(tune.groups) + len(held.groups) == 75 and len(tune.negatives) + len(held.negatives) == 78
    assert {a for g in tune.groups.values() for a in g}.isdisjoint({a for g in held.groups.values() for a in g})


@pytest.mark.parametrize(("side", "minimum"), [("heldout", HELDOUT_MIN), ("tune", TUNE_MIN)])
def test_labelled_pairs_meet_the_pinned_minimums(story_db: Path, side: str, minimum: dict[str, float]) -> None:
    scores = score_stories(_story_of(story_db), load_labels(STORIES, side))
    got = scores.as_dict()
    assert got["precision"] >= minimum["precision"], (got, scores.false_joins)
    assert got["recall"] >= minimum["recall"], (got, scores.missed)
    assert got["ari"] >= minimum["ari"], got


def test_no_daily_series_glued_and_no_article_its_own_copy(story_db: Path) -> None:
    db = open_db(story_db)
    rows = list(db.query("SELECT story_id, source, substr(published_at, 1, 10) AS day FROM articles"))
    days: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        if r["source"] and r["day"]:
            days.setdefault((r["story_id"], r["source"]), set()).add(r["day"])
    assert [k for k, v in days.items() if len(v) > 1] == []
    checked = 0
    for k in db.query("SELECT article_id, claim_id, reason, evidence FROM checks WHERE [check] = 'cross_copy'"):
        ev = json.loads(k["evidence"])
        others = [c for c in ev["copies"] if c["claim_id"] != k["claim_id"]]
        assert others and all(c["article_id"] != k["article_id"] for c in others)
        assert f"in {k['article_id']}" not in k["reason"]
        checked += 1
    assert checked > 0
    # every story id is one of its members, and the stories table agrees with the articles
    members = {r[0]: r[1] for r in db.execute("SELECT story_id, COUNT(*) FROM articles GROUP BY story_id")}
    assert {r["id"]: r["size"] for r in db.query("SELECT id, size FROM stories")} == members


def test_story_workers_give_the_one_process_embeddings_and_stories(
    story_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole-dump path (features and embeddings in a pool of spawned workers, one
    encoder session each) stores the same vectors and makes the same stories as the
    one-process path the small runs take."""
    import newsclaims.pipeline as pipeline

    monkeypatch.setattr(pipeline, "STORY_POOL_MIN", 0)  # the whole-dump path on 500 articles
    pooled = tmp_path / "pooled.db"
    stats = run_pipeline([str(STORIES / "articles.jsonl.gz")], pooled, load_settings(), workers=2)
    assert not stats.interrupted
    one, two = open_db(story_db), open_db(pooled)
    vec_sql = "SELECT article_id, encoder, vector FROM story_embeddings ORDER BY article_id"
    assert one.execute(vec_sql).fetchall() == two.execute(vec_sql).fetchall()
    assert _story_of(story_db) == _story_of(pooled)
