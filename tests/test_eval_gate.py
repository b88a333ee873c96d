"""Quality gate: extraction scored against the shipped gold must not fall below pinned minimums.

The rules (``extract.model=none``, the default extractor) are gated on dev, the seeds
and the extra sets; the bundled claim model (``extract.model=bundled``) on the frozen
test split (corpus/gold/test.*: 150 annotated articles drawn at random before any
training and never studied), on dev and on the seeds. The minimums sit slightly under the scores reached when they
were pinned (see the report printed on failure); raise them when extraction
improves, never lower them to make a change pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsclaims.evaluate import (
    EvalReport,
    article_for_eval,
    evaluate,
    format_eval,
    load_gold,
    read_eval_articles,
)
from newsclaims.extract import extract_claims
from newsclaims.models import Claim
from newsclaims.nlp import build_pipeline
from newsclaims.settings import Settings

GOLD_DIR = Path(__file__).resolve().parent.parent / "corpus" / "gold"
SEEDS_DIR = Path(__file__).resolve().parent.parent / "corpus" / "seeds"

#: pinned minimums: overall F1 on each gold set (reached when pinned: seeds 0.951,
#: dev 0.856).
MIN_F1 = {"seeds": 0.945, "dev": 0.85}
#: pinned minimum F1 per core type on the dev set (reached: price 0.825,
#: price_change 0.910, liquidation 0.805, open_interest 0.783, support 0.849,
#: resistance 0.860, etf_flow 0.949).
MIN_DEV_TYPE_F1 = {
    "price": 0.80,
    "price_change": 0.88,
    "liquidation": 0.77,
    "open_interest": 0.75,
    "support": 0.82,
    "resistance": 0.83,
    "etf_flow": 0.92,
}


def _score(articles_path: Path, gold_path: Path, model: str = "none") -> EvalReport:
    settings = Settings.model_validate({"extract": {"model": model}})
    nlp = build_pipeline(settings)
    preds: list[Claim] = []
    for sid, title, body in read_eval_articles(articles_path):
        preds.extend(extract_claims(article_for_eval(sid, title, body, settings), nlp, settings))
    return evaluate(load_gold(gold_path), preds)


#: pinned minimum overall F1 on the project's own extra gold (corpus/gold/extra.*: 18
#: full-text articles from June-August 2025 outside the dev set; the first 10 were
#: used for error analysis, the last 8 were held out when first scored; since then all
#: 18 have been used for error analysis, so this is no longer a held-out estimate).
#: Reached when pinned: 0.899 (0.755 before the classes found on it were fixed); 0.883
#: after the gold was brought up to the current spec (levels' status, past times, SAT in
#: BTC, 4 non-claims removed), with the extraction unchanged.
MIN_EXTRA_F1 = 0.87


@pytest.fixture(scope="module")
def dev_report() -> EvalReport:
    return _score(GOLD_DIR / "dev.articles.jsonl", GOLD_DIR / "dev.gold.jsonl")


def test_seeds_gate() -> None:
    r = _score(SEEDS_DIR, GOLD_DIR / "seeds.gold.jsonl")
    assert r.overall.f1 >= MIN_F1["seeds"], format_eval(r)


def test_dev_gate(dev_report: EvalReport) -> None:
    assert dev_report.overall.f1 >= MIN_F1["dev"], format_eval(dev_report)


@pytest.mark.parametrize("type_", sorted(MIN_DEV_TYPE_F1))
def test_dev_gate_per_type(dev_report: EvalReport, type_: str) -> None:
    assert dev_report.per_type[type_].f1 >= MIN_DEV_TYPE_F1[type_], format_eval(dev_report)


def test_dev_direction_and_qualifier_accuracy(dev_report: EvalReport) -> None:
    assert (dev_report.direction_accuracy or 0) >= 0.97
    assert (dev_report.qualifier_accuracy or 0) >= 0.92


def test_extra_gate() -> None:
    r = _score(GOLD_DIR / "extra.articles.jsonl", GOLD_DIR / "extra.gold.jsonl")
    assert r.overall.f1 >= MIN_EXTRA_F1, format_eval(r)


#: pinned minimum overall F1 on corpus/gold/extra2.* (5 July 2025 articles, 29 claims).
#: Held out when first scored (0.549); the classes found on it were then fixed (bare
#: support quotes, an asset's worth, title opinion labels, open interest changes and
#: dominance, a range by its ends, lists after a non-price level), so it is no longer
#: a held-out estimate. Reached when pinned: 0.836 here (this gate reads no publication
#: dates; `newsclaims eval`, which does, gives 0.868).
MIN_EXTRA2_F1 = 0.82


def test_extra2_gate() -> None:
    r = _score(GOLD_DIR / "extra2.articles.jsonl", GOLD_DIR / "extra2.gold.jsonl")
    assert r.overall.f1 >= MIN_EXTRA2_F1, format_eval(r)


# --------------------------------------------------------------------------- the model

#: pinned minimums for the bundled model (reached when pinned: test 0.700, dev 0.727,
#: seeds 0.626, level status on the test split 0.930; re-measured at a later revision:
#: 0.699, 0.725, 0.643, 0.911; see README "Extraction accuracy").
#: The issue's targets (test 0.88, no type with 20+ gold claims below 0.75) are not met
#: yet: liquidation reached 0.293 on the test split, so the floor guards only against
#: a collapse.
TYPE_FLOOR = 0.25
MODEL_MIN_F1 = {"test": 0.68, "dev": 0.70, "seeds": 0.60}
MODEL_MIN_STATUS_ACC = 0.90


@pytest.fixture(scope="module")
def model_test_report() -> EvalReport:
    return _score(GOLD_DIR / "test.articles.jsonl", GOLD_DIR / "test.gold.jsonl", "bundled")


def test_model_frozen_test_split_gate(model_test_report: EvalReport) -> None:
    assert model_test_report.overall.f1 >= MODEL_MIN_F1["test"], format_eval(model_test_report)


def test_model_no_large_type_collapses_on_the_test_split(model_test_report: EvalReport) -> None:
    weak = {t: s.f1 for t, s in model_test_report.per_type.items() if s.gold >= 20 and s.f1 < TYPE_FLOOR}
    assert not weak, format_eval(model_test_report)


def test_model_level_status_accuracy(model_test_report: EvalReport) -> None:
    assert (model_test_report.status_accuracy or 0) >= MODEL_MIN_STATUS_ACC, format_eval(model_test_report)


def test_model_dev_gate() -> None:
    r = _score(GOLD_DIR / "dev.articles.jsonl", GOLD_DIR / "dev.gold.jsonl", "bundled")
    assert r.overall.f1 >= MODEL_MIN_F1["dev"], format_eval(r)


def test_model_seeds_gate() -> None:
    r = _score(SEEDS_DIR, GOLD_DIR / "seeds.gold.jsonl", "bundled")
    assert r.overall.f1 >= MODEL_MIN_F1["seeds"], format_eval(r)
