"""`newsclaims train` rebuilds a working claim model from gold files (torch, the `train` extra)."""

from __future__ import annotations

import json
import re
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
                                  "-o", str(out), "--epochs", "1", "--batch-size", "8", "--distill", "2"])
    assert r.exit_code == 0, r.output
    assert "frozen test split of 2 left out" in r.output
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["training"]["articles"] == 12 and cfg["training"]["frozen_test"] == 2
    assert cfg["training"]["distill"] == 2.0
    assert (out / "encoder.onnx").stat().st_size < 30 * 2**20  # int8
    s = load_settings(overrides={"extract.model": str(out)})
    nlp = build_pipeline(s)
    claims = extract_claims(article_for_eval("x.txt", "", "Bitcoin is trading at $67,460."), nlp, s)
    assert all(c.extractor == "model" for c in claims)


@pytest.mark.slow
def test_distillation_keeps_the_sentence_embeddings_nearer_the_pretrained_minilm(tmp_path: Path) -> None:
    """The story grouping embeds titles and leads with the claim model's encoder: with
    ``--distill`` the fine-tuned encoder's embeddings stay nearer the pretrained MiniLM's."""
    import numpy as np
    import torch
    from transformers import AutoModel

    from newsclaims.encoder import SentenceEncoder
    from newsclaims.extract.learned.train import base_model_dir
    from newsclaims.story.features import story_text

    arts = [json.loads(x) for x in (GOLD / "train.articles.jsonl").read_text().splitlines()[:24]]
    ids = {a["id"] for a in arts}
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(a) + "\n" for a in arts))
    gold = [x for x in (GOLD / "train.gold.jsonl").read_text().splitlines() if json.loads(x)["source_id"] in ids]
    (tmp_path / "g.jsonl").write_text("\n".join(gold) + "\n")
    (tmp_path / "test.ids").write_text("none\n")
    texts = [story_text(a["headline"], " ".join(re.sub(r"<[^>]+>", " ", a["body"]).split())) for a in arts]
    # the pretrained MiniLM comes as PyTorch weights: its embeddings are made with torch
    teacher = AutoModel.from_pretrained(str(base_model_dir())).eval()
    probe = SentenceEncoder(Path(__file__).resolve().parent.parent / "models" / "claims-minilm", threads=1)
    seqs = [probe.token_ids(t) for t in texts]
    with torch.no_grad():
        want = []
        for s in seqs:
            ids = torch.tensor([s])
            hid = teacher(input_ids=ids, attention_mask=torch.ones_like(ids), token_type_ids=torch.zeros_like(ids)).last_hidden_state
            v = hid[0].mean(dim=0).numpy()
            want.append(v / np.linalg.norm(v))
    closeness = {}
    for weight in ("0", "20"):
        out = tmp_path / f"model-{weight}"
        r = CliRunner().invoke(main, ["train", "--articles", str(tmp_path / "a.jsonl"), "--gold", str(tmp_path / "g.jsonl"),
                                      "--test-ids", str(tmp_path / "test.ids"), "-o", str(out), "--epochs", "2",
                                      "--batch-size", "8", "--lr", "4e-4", "--distill", weight])
        assert r.exit_code == 0, r.output
        got = SentenceEncoder(out, threads=1).embed(texts)
        closeness[weight] = float(np.mean([g @ w for g, w in zip(got, want, strict=True)]))
    assert closeness["20"] > closeness["0"]
