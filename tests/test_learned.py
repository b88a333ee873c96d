"""The learned claim classifier: windows, gold alignment, dates, the bundled ONNX model.

Everything runs for real: the bundled model (models/claims-minilm) through ONNX
Runtime, the spaCy pipeline, real articles from corpus/gold.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from newsclaims.evaluate import article_for_eval, read_eval_articles
from newsclaims.extract import extract_claims
from newsclaims.extract.learned.align import align
from newsclaims.extract.learned.features import MAX_TOKENS, build_windows, rule_votes
from newsclaims.extract.learned.heads import Heads, gelu, softmax
from newsclaims.extract.learned.runtime import ClaimModel, default_model_dir
from newsclaims.extract.learned.when import resolve_when
from newsclaims.extract.rules import RuleClassifier, classify_sentences
from newsclaims.nlp import build_pipeline
from newsclaims.nlp.claims import prepare
from newsclaims.nlp.text import TEXT_KEY
from newsclaims.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "corpus" / "gold"


@pytest.fixture(scope="module")
def model() -> ClaimModel:
    d = default_model_dir()
    assert d is not None, "the bundled claim model (models/claims-minilm) is missing"
    return ClaimModel(d)


@pytest.fixture(scope="module")
def rules_nlp():  # type: ignore[no-untyped-def]
    return build_pipeline(load_settings(overrides={"extract.model": "none"}))


def _prepared(nlp, text: str, title_chars: int):  # type: ignore[no-untyped-def]
    doc = nlp.make_doc(text)
    doc.user_data[TEXT_KEY] = text
    doc.user_data["title_chars"] = title_chars
    for name, proc in nlp.pipeline:
        if name != "newsclaims_claims_v1":
            doc = proc(doc)
    return prepare(doc)


def test_every_candidate_lands_in_exactly_one_window_within_the_budget(model: ClaimModel, rules_nlp) -> None:  # type: ignore[no-untyped-def]
    arts = read_eval_articles(GOLD / "dev.articles.jsonl")[:12]
    for sid, title, body in arts:
        a = article_for_eval(sid, title, body)
        p = _prepared(rules_nlp, a.text, len(a.title))
        if p is None:
            continue
        ws = build_windows(model.tokens(a.text), p.groups, p.mentions, p.main, p.title_chars,
                           model.cls_id, model.sep_id)
        seen = [id(c) for w in ws for c in w.cands]
        assert sorted(seen) == sorted(id(c) for g in p.groups for c in g), sid
        for w in ws:
            assert len(w.ids) <= MAX_TOKENS
            assert len(w.ids) == len(w.type_ids)
            for (a0, b0), c in zip(w.cand_pos, w.cands, strict=True):
                assert 0 < a0 < b0 <= len(w.ids)
                # the candidate's tokens spell its number
                assert any(ch.isdigit() for ch in model.tokenizer.decode(w.ids[a0:b0])), c.q.text


@pytest.mark.parametrize("budget", [MAX_TOKENS, 48])
def test_a_very_long_sentence_is_cut_into_windows(model: ClaimModel, rules_nlp, budget: int) -> None:  # type: ignore[no-untyped-def]
    parts = [f"token {i} rose {i + 1}.5% to ${100 + i}" for i in range(60)]
    text = "Prices\n\n" + ", and ".join(parts) + "."
    p = _prepared(rules_nlp, text, 6)
    assert p is not None
    ws = build_windows(model.tokens(text), p.groups, p.mentions, p.main, p.title_chars,
                       model.cls_id, model.sep_id, max_tokens=budget)
    assert len(ws) > 1
    assert sorted(id(c) for w in ws for c in w.cands) == sorted(id(c) for g in p.groups for c in g)
    assert all(len(w.ids) <= budget for w in ws)


def test_the_window_length_is_the_one_the_model_config_gives(tmp_path: Path, rules_nlp) -> None:  # type: ignore[no-untyped-def]
    d = default_model_dir()
    assert d is not None
    short = tmp_path / "short"
    shutil.copytree(d, short)
    cfg = json.loads((short / "config.json").read_text())
    (short / "config.json").write_text(json.dumps({**cfg, "max_tokens": 48}))
    m = ClaimModel(short)
    assert m.info.max_tokens == 48
    parts = [f"bitcoin rose {i + 1}.5% to ${100_000 + 1_000 * i:,}" for i in range(12)]
    text = "Prices\n\n" + ", and ".join(parts) + "."
    p = _prepared(rules_nlp, text, 6)
    assert p is not None
    ws = m.windows(p)
    assert len(ws) > 1 and max(len(w.ids) for w in ws) <= 48
    assert len(ws) > len(ClaimModel(d).windows(p))
    assert m.decide(p)


def test_rule_votes_tie_drafts_to_their_numbers(rules_nlp) -> None:  # type: ignore[no-untyped-def]
    text = "BTC\n\nBitcoin is trading at $67,460, down 1.88% in 24 hours, and 3 analysts agree."
    p = _prepared(rules_nlp, text, 3)
    assert p is not None
    drafts = classify_sentences(RuleClassifier(), p.groups, p.mentions, p.main)
    votes = rule_votes(p.groups, drafts)
    by_text = {c.q.text: votes.get(id(c)) for g in p.groups for c in g}
    assert by_text["$67,460"] is not None and by_text["$67,460"].type == "price"
    change = by_text["1.88%"]
    assert change is not None and (change.type, change.direction, change.window) == ("price_change", "down", "PT24H")


def test_the_cascade_reads_only_sentences_where_the_rules_found_a_claim(model: ClaimModel, rules_nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("BTC\n\nBitcoin is trading at $67,460, down 1.88% in 24 hours. "
            "The exchange raised $25 million from investors in 2019.")
    p = _prepared(rules_nlp, text, 3)
    assert p is not None
    drafts = classify_sentences(RuleClassifier(), p.groups, p.mentions, p.main)
    votes = rule_votes(p.groups, drafts)
    every = model.windows(p, votes)
    read = ClaimModel.cascaded(every, votes)
    assert len(every) == 2 and len(read) == 1
    assert {c.q.text for c in read[0].cands} == {"$67,460", "1.88%"}
    # through the settings, the whole pipeline: the same claims here, from the model
    for cascade in ("false", "true"):
        s = load_settings(overrides={"extract.model": "bundled", "extract.cascade": cascade})
        claims = extract_claims(article_for_eval("a.txt", "BTC", text[5:]), build_pipeline(s), s)
        assert {(c.type, c.value) for c in claims} >= {("price", 67460.0)}, cascade
        assert all(c.extractor == "model" for c in claims)
    assert build_pipeline(s).get_pipe("newsclaims_claims_v1").model.cascade is True


def test_align_ties_gold_to_candidates_and_leaves_the_rest_negative(rules_nlp) -> None:  # type: ignore[no-untyped-def]
    text = ("ETH\n\nEther fell below the $2,400 support, now trading at $2,380, as 12 funds "
            "reported $150 million in outflows.")
    p = _prepared(rules_nlp, text, 3)
    assert p is not None
    flat = [c for g in p.groups for c in g]
    gold = [
        {"type": "support", "asset": "ETH", "value": 2400.0, "unit": "USD", "status": "broken",
         "text": "fell below the $2,400 support", "qualifier": "exact"},
        {"type": "price", "asset": "ETH", "value": 2400.0, "unit": "USD",
         "text": "fell below the $2,400", "qualifier": "at_most"},
        {"type": "price", "asset": "ETH", "value": 2380.0, "unit": "USD", "text": "trading at $2,380",
         "qualifier": "exact"},
    ]
    labels, missed = align(text, flat, gold)
    assert missed == []
    lab = {c.q.text: lb for c, lb in zip(flat, labels, strict=True)}
    assert (lab["$2,400"].type, lab["$2,400"].status, lab["$2,400"].twin) == ("support", "broken", True)
    assert lab["$2,380"].type == "price" and lab["$2,380"].assets == {"ETH"}
    assert lab["$150 million"].type == "none"


@pytest.mark.parametrize(("sentence", "published", "expected"), [
    ("Bitcoin hit $111,970 on May 22, its record.", datetime(2025, 6, 3, tzinfo=UTC), "2025-05-22"),
    ("Yesterday BTC closed at $104,000.", datetime(2025, 6, 3, 9, tzinfo=UTC), "2025-06-02"),
    ("On Friday ETH traded at $2,500.", datetime(2025, 6, 3, tzinfo=UTC), "2025-05-30"),
    ("Last week, ETF inflows reached $1.2 billion.", datetime(2025, 6, 4, tzinfo=UTC), "2025-05-26/2025-06-01"),
    ("It bottomed around $16,000 in 2022.", datetime(2025, 6, 3, tzinfo=UTC), "2022"),
    ("Its May high of $111,970 still stands.", datetime(2025, 6, 3, tzinfo=UTC), "2025-05"),
    ("It fell 5% in December.", datetime(2025, 6, 3, tzinfo=UTC), "2024-12"),
    ("The price is $100.", None, None),
    # the publication day's own name is the present; a recap counts from its dated weekday
    ("Bitcoin jumped above $122,000 on Monday.", datetime(2025, 7, 14, 10, tzinfo=UTC), None),
    ("A drop on Tuesday (June 3), then BTC fell 3% on Thursday, to a low of $100,424.",
     datetime(2025, 6, 16, 12, tzinfo=UTC), "2025-06-05"),
])
def test_when_reads_the_time_the_text_names(sentence: str, published: datetime | None, expected: str | None) -> None:
    i = sentence.index("$") if "$" in sentence else sentence.index("%") - 1
    assert resolve_when(sentence, 0, i, i + 4, len(sentence), published) == expected


def test_numpy_heads_match_their_definition() -> None:
    rng = np.random.default_rng(0)
    w = {"proj.weight": rng.normal(size=(4, 6)).astype(np.float32), "proj.bias": np.zeros(4, np.float32)}
    h = Heads(w)
    x = rng.normal(size=(3, 2)).astype(np.float32)
    out = h.hidden(x, x, x)
    ref = gelu(np.concatenate([x, x, x], axis=1) @ w["proj.weight"].T)
    assert np.allclose(out, ref)
    # tanh-GELU reference values
    assert np.allclose(gelu(np.array([0.0, 1.0, -1.0])), [0.0, 0.841192, -0.158808], atol=1e-5)
    p = softmax(np.array([[1.0, 2.0, 3.0]]), temperature=2.0)
    assert np.isclose(p.sum(), 1.0) and p[0, 2] > p[0, 1] > p[0, 0]


def test_the_bundled_model_extracts_with_confidence(model: ClaimModel) -> None:
    s = load_settings(overrides={"extract.model": "bundled"})
    assert s.extract.extractor == "model"
    nlp = build_pipeline(s)
    art = article_for_eval("a.txt", "Bitcoin slips", "Bitcoin is trading at $67,460, down 1.88% in the past 24 hours. "
                           "Liquidations reached $2.16 billion over the week.")
    claims = extract_claims(art, nlp, s)
    kinds = {(c.type, c.asset) for c in claims}
    assert ("price", "BTC") in kinds and ("price_change", "BTC") in kinds
    assert all(c.extractor == "model" and 0.0 < c.confidence <= 1.0 for c in claims)
    change = next(c for c in claims if c.type == "price_change")
    assert (change.value, change.direction, change.window) == (-1.88, "down", "PT24H")


def test_a_window_stated_right_after_a_figure_is_its_window(model: ClaimModel) -> None:
    """The window head knows the usual windows only (and confuses two figures' windows in
    one sentence): a window phrase right after the figure is read from the text."""
    s = load_settings(overrides={"extract.model": "bundled"})
    nlp = build_pipeline(s)
    art = article_for_eval("a.txt", "Dogecoin rallies", "Dogecoin has surged 49% in just nine days. "
                           "In the last 14 days alone, ETH has gained 42.3%, and in the past week it rose by 21.7%.")
    art = art.model_copy(update={"published_at": datetime(2025, 7, 1, 12, tzinfo=UTC)})
    changes = {c.value: c.window for c in extract_claims(art, nlp, s) if c.type == "price_change"}
    assert changes.get(49.0) == "P9D"
    assert changes.get(21.7) == "P7D"


def test_the_asset_named_right_before_a_figure_is_its_asset(model: ClaimModel) -> None:
    s = load_settings(overrides={"extract.model": "bundled"})
    art = article_for_eval("a.txt", "Crypto slides", "Solana tumbled over 6% to $152.80, XRP dropped 4% to $2.20. "
                           "Ethereum (ETH) has jumped 6.2% in the last 24 hours, outperforming most top "
                           "cryptocurrencies, including Bitcoin (2.2%) and BNB (1.1%).")
    assets = {c.value: c.asset for c in extract_claims(art, build_pipeline(s), s) if c.type == "price_change"}
    assert assets.get(-4.0) == "XRP"
    assert assets.get(2.2) == "BTC"


def test_the_model_path_leaves_macro_figures_out(model: ClaimModel) -> None:
    s = load_settings(overrides={"extract.model": "bundled"})
    art = article_for_eval("a.txt", "Bitcoin holds as inflation cools",
                           "Bitcoin is trading at $107,000. On June 27th, the U.S. Core PCE Price Index for May "
                           "registered a year-over-year increase of 2.7%, surpassing the anticipated 2.4%.")
    values = {abs(c.value) for c in extract_claims(art, build_pipeline(s), s) if c.type == "price_change"}
    assert not values & {2.7, 2.4}


def test_the_model_path_drops_a_distance_from_a_high(model: ClaimModel) -> None:
    s = load_settings(overrides={"extract.model": "bundled"})
    art = article_for_eval("a.txt", "Bitcoin steadies", "Bitcoin is up 70.6% over the past year, which still "
                           "puts it 4.3% below its all-time high of $111,814.")
    values = {abs(c.value) for c in extract_claims(art, build_pipeline(s), s) if c.type == "price_change"}
    assert 4.3 not in values


def test_the_rules_are_the_default_and_stay_selectable() -> None:
    assert load_settings().extract.model == "none"
    s = load_settings(overrides={"extract.model": "none"})
    nlp = build_pipeline(s)
    art = article_for_eval("a.txt", "", "Bitcoin is trading at $67,460.")
    claims = extract_claims(art, nlp, s)
    assert [c.extractor for c in claims] == ["rules"]


def test_a_missing_model_folder_is_a_clear_error(tmp_path: Path) -> None:
    from newsclaims.errors import SettingsError

    with pytest.raises(SettingsError, match="not a claim model folder"):
        build_pipeline(load_settings(overrides={"extract.model": str(tmp_path)}))


def test_model_card_and_config_describe_the_bundled_model() -> None:
    d = default_model_dir()
    assert d is not None
    cfg = json.loads((d / "config.json").read_text())
    assert cfg["training"]["frozen_test"] >= 150
    card = (d / "MODEL_CARD.md").read_text()
    for word in ("newsclaims train", "F1", "articles/s", "MiB"):
        assert word in card
