"""`newsclaims train` rebuilds a working claim model from gold files (torch, the `train` extra)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclaims.cli import main
from newsclaims.evaluate import article_for_eval
from newsclaims.extract import extract_claims
from newsclaims.nlp import build_pipeline
from newsclaims.settings import load_settings

pytest.importorskip("torch", reason="training needs the train extra")

GOLD = Path(__file__).resolve().parent.parent / "corpus" / "gold" / "train"


@pytest.mark.slow
def test_train_writes_a_model_that_loads_and_extracts(tmp_path: Path) -> None:
    arts = [json.loads(x) for x in (GOLD / "train.articles.jsonl").read_text().splitlines()[:14]]
    ids = {a["id"] for a in arts}
    frozen = sorted(ids)[:2]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(a) + "\n" for a in arts))
    gold = [x for x in (GOLD / "train.gold.jsonl").read_text().splitlines() if json.loads(x)["source_id"] in ids]
    (tmp_path / "g.jsonl").write_text("\n".join(gold) + "\n")
    (tmp_path / "test.ids").write_text("\n".join(frozen) + "\n")
    out = tmp_path / "model"
    r = CliRunner().invoke(main, ["train", "--articles", str(tmp_path / "a.jsonl"), "--gold",
                                  str(tmp_path / "g.jsonl"), "--test-ids", str(tmp_path / "test.ids"),
                                  "-o", str(out), "--epochs", "1", "--batch-size", "8"])
    assert r.exit_code == 0, r.output
    assert "frozen test split of 2 left out" in r.output
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["training"]["articles"] == 12 and cfg["training"]["frozen_test"] == 2
    assert (out / "encoder.onnx").stat().st_size < 30 * 2**20  # int8
    s = load_settings(overrides={"extract.model": str(out)})
    nlp = build_pipeline(s)
    claims = extract_claims(article_for_eval("x.txt", "", "Bitcoin is trading at $67,460."), nlp, s)
    assert all(c.extractor == "model" for c in claims)
