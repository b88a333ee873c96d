"""Scoring by the spec's rules: matching, per-type and overall P/R/F1, accuracies, lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsclaims.errors import InputError
from newsclaims.evaluate import (
    EvalReport,
    claim_matches,
    evaluate,
    format_eval,
    load_gold,
    read_eval_articles,
)
from newsclaims.models import Claim

CORPUS = Path(__file__).resolve().parent.parent / "corpus"

GOLD = {"source_id": "a", "type": "price", "asset": "BTC", "value": 67460.0, "unit": "USD",
        "window": None, "side": None, "qualifier": "exact", "value_max": None,
        "asset_alt": [], "window_implied": False, "direction": None, "text": "trading at $67.46K"}


def pred(**kw: object) -> dict[str, object]:
    base = {k: v for k, v in GOLD.items() if k not in ("asset_alt", "window_implied")}
    base.update(kw)
    return base


def test_value_tolerances() -> None:
    assert claim_matches(GOLD, pred(value=67460 * 1.004))
    assert not claim_matches(GOLD, pred(value=67460 * 1.006))
    g = dict(GOLD, unit="percent", value=-1.88, type="price_change")
    assert claim_matches(g, pred(unit="percent", value=-1.89, type="price_change"))
    assert not claim_matches(g, pred(unit="percent", value=-1.90, type="price_change"))
    assert not claim_matches(g, pred(unit="percent", value=1.88, type="price_change"))


def test_asset_alt_window_implied_side_and_value_max() -> None:
    g = dict(GOLD, asset="MARKET", asset_alt=["BTC", None], window="PT24H", window_implied=True,
             side="long", value_max=75000.0)
    ok = pred(asset=None, window=None, side="long", value_max=75000.0)
    assert claim_matches(g, ok)
    assert claim_matches(g, dict(ok, asset="BTC", window="PT24H"))
    assert not claim_matches(g, dict(ok, asset="ETH"))
    assert not claim_matches(g, dict(ok, window="P7D"))
    assert not claim_matches(g, dict(ok, side="short"))
    assert not claim_matches(g, dict(ok, side=None))
    assert not claim_matches(g, dict(ok, value_max=None))
    # gold without a side accepts any side; a stated window must match when not implied
    assert claim_matches(GOLD, pred(side="short"))
    assert not claim_matches(dict(GOLD, window="PT24H"), pred(window=None))


def test_one_to_one_greedy_matching_and_counts() -> None:
    gold = [GOLD, dict(GOLD, value=70000.0, type="support"), dict(GOLD, source_id="b")]
    preds = [pred(), pred(), pred(type="support", value=70000.0, qualifier="approx"),
             pred(source_id="b", direction="up")]
    r = evaluate(gold, preds)
    assert (r.overall.gold, r.overall.predicted, r.overall.matched) == (3, 4, 3)
    assert r.overall.precision == 0.75 and r.overall.recall == 1.0
    assert r.overall.f1 == pytest.approx(2 * 0.75 / 1.75, abs=1e-4)
    assert r.per_type["price"].matched == 2 and r.per_type["support"].matched == 1
    assert r.qualifier_accuracy == pytest.approx(2 / 3, abs=1e-4)
    assert r.direction_accuracy == pytest.approx(2 / 3, abs=1e-4)
    assert len(r.extras) == 1 and r.extras[0]["source_id"] == "a"
    assert r.misses == []
    for t in ("price_change", "liquidation", "open_interest", "resistance", "etf_flow"):
        assert t in r.per_type  # every core type is reported


def test_claim_objects_are_accepted() -> None:
    c = Claim(id="x", article_id="a1", source_id="a", type="price", asset="BTC", value=67460.0,
              unit="USD", text="at $67.46K", start=0, end=10, sentence="at $67.46K")
    r = evaluate([GOLD], [c])
    assert r.overall.f1 == 1.0


def test_empty_inputs_and_misses() -> None:
    r = evaluate([GOLD], [])
    assert r.overall.recall == 0.0 and r.overall.f1 == 0.0
    assert r.misses[0]["text"] == "trading at $67.46K"
    assert r.sources_without_predictions == ["a"]
    assert evaluate([], []).overall.f1 == 1.0


def test_format_eval_is_a_table() -> None:
    r = evaluate([GOLD], [pred(value=1.0)])
    out = format_eval(r)
    assert out.splitlines()[0].split() == ["type", "gold", "pred", "match", "P", "R", "F1", "F1", "95%", "CI"]
    assert "overall" in out and "misses (1)" in out and "extras (1)" in out
    assert "confusion (rows: gold type, columns: predicted type)" in out


def test_bootstrap_intervals_bracket_the_score_and_confusion_pairs_types() -> None:
    gold = [{**GOLD, "source_id": f"a{i}"} for i in range(20)]
    preds = [pred(source_id=f"a{i}") for i in range(15)] + [
        pred(source_id=f"a{i}", type="support") for i in range(15, 20)]
    r = evaluate(gold, preds, bootstrap=500)
    lo, hi = r.f1_interval["overall"]
    assert lo < r.overall.f1 < hi
    assert r.confusion["price"] == {"price": 15, "support": 5}
    assert isinstance(EvalReport.model_validate(r.model_dump()), EvalReport)


def test_load_gold_reads_the_shipped_files_and_rejects_bad_lines(tmp_path: Path) -> None:
    seeds = load_gold(CORPUS / "gold" / "seeds.gold.jsonl")
    assert len(seeds) == 41 and {g["source_id"] for g in seeds} >= {"000_8e8d785f63898a59.txt"}
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source_id": "a"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="lacks"):
        load_gold(bad)
    with pytest.raises(InputError, match="cannot read"):
        load_gold(tmp_path / "missing.jsonl")


def test_read_eval_articles_from_folder_and_jsonl() -> None:
    seeds = read_eval_articles(CORPUS / "seeds")
    assert seeds[0][0] == "000_8e8d785f63898a59.txt"
    dev = read_eval_articles(CORPUS / "gold" / "dev.articles.jsonl")
    assert len(dev) == 40 and all(title and body for _, title, body in dev)
