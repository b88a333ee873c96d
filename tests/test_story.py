"""Stories by event (``newsclaims.story``): features, embeddings, candidates, clustering.

The model tests use the real ONNX encoder: the bundled ``models/claims-minilm`` (or the
folder ``NEWSCLAIMS_STORY_MODEL`` names). They skip only when no model folder exists.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from newsclaims.clean import clean_article
from newsclaims.extract.learned.runtime import default_model_dir
from newsclaims.models import Article, CleanArticle
from newsclaims.read import iter_records
from newsclaims.settings import Settings
from newsclaims.story import StoryDoc, doc_of_article, group_events, story_doc, story_ids
from newsclaims.story.features import named_assets, named_dates, named_figures, story_text
from newsclaims.story.group import StoryParams, candidate_pairs, figures_conflict, rare_figure_pairs

from .conftest import CORPUS

STORIES = CORPUS / "stories"


def model_dir() -> Path | None:
    env = os.environ.get("NEWSCLAIMS_STORY_MODEL")
    if env:
        return Path(env)
    return default_model_dir()


needs_model = pytest.mark.skipif(model_dir() is None, reason="no encoder model folder (models/claims-minilm)")


@pytest.fixture(scope="module")
def encoder():  # type: ignore[no-untyped-def]
    from newsclaims.encoder import SentenceEncoder

    d = model_dir()
    assert d is not None
    return SentenceEncoder(d, threads=2)


@pytest.fixture(scope="module")
def labelled(settings_module: Settings) -> list[StoryDoc]:
    """The labelled articles (ids are the dump's ids) as the grouping sees them."""
    docs = []
    for rec in iter_records([str(STORIES / "articles.jsonl.gz")], settings_module):
        if isinstance(rec, Article):
            c = clean_article(rec, settings_module)
            if isinstance(c, CleanArticle):
                d = doc_of_article(c)
                docs.append(StoryDoc(id=c.source_id, source=d.source, published=d.published, features=d.features,
                                     title_figures=d.title_figures, title_assets=d.title_assets))
    return docs


@pytest.fixture(scope="module")
def settings_module() -> Settings:
    from newsclaims.settings import load_settings

    return load_settings()


# --------------------------------------------------------------------------- features


def test_dates_named_in_the_lead_are_read_in_the_year_of_publication() -> None:
    pub = datetime(2025, 1, 3, tzinfo=UTC)
    assert named_dates("ETF outflows on Dec. 30 and on 2nd January", pub) == {date(2024, 12, 30), date(2025, 1, 2)}
    # "may" the verb is no date; prices after a month are no day
    assert named_dates("bitcoin may 5 times its price; July 100,000 target", pub) == frozenset()


def test_figures_and_assets_of_a_headline() -> None:
    assert named_figures("Strategy buys 10,100 BTC for $1.05 billion as bitcoin gains 2.5%") == (
        ("BTC", 10100.0), ("USD", 1_050_000_000.0), ("percent", 2.5))
    assert named_figures("XRP at $3.1 after a $120 fee") == ()  # coin prices and small sums say nothing
    assert named_assets("Ethereum and XRP slip while bitcoin holds") == {"ETH", "XRP", "BTC"}


def test_story_text_is_title_and_lead() -> None:
    body = "First sentence of the lead. Second one here. " + "Filler words go on and on. " * 30
    text = story_text("Headline", body)
    assert text.startswith("Headline. First sentence of the lead. Second one here.")
    assert len(text) < 400


def test_conflicting_headline_figures_veto_a_pair() -> None:
    t = datetime(2025, 7, 10, tzinfo=UTC)
    a = story_doc("a", title="Bitcoin hits new all-time high of $112,000", body="BTC rose.", published=t)
    b = story_doc("b", title="Bitcoin sets new record above $118,000", body="BTC rose.", published=t)
    c = story_doc("c", title="Bitcoin tops $112,022 record", body="BTC rose.", published=t)
    assert figures_conflict(a, b, 0.04)
    assert not figures_conflict(a, c, 0.04)
    # aggregates from two data providers ($347M and $358.6M) are one day's flow
    d = story_doc("d", title="Spot bitcoin ETFs see $347M outflow", body="", published=t)
    e = story_doc("e", title="Bitcoin ETFs bleed $358.6 million", body="", published=t)
    assert not figures_conflict(d, e, 0.04)


# --------------------------------------------------------------------------- candidates and clusters


def _synthetic(n: int, hours_apart: float, source: str | None = None) -> list[StoryDoc]:
    t0 = datetime(2025, 6, 1, tzinfo=UTC)
    return [story_doc(f"x{i:03d}", title="Same words every time", body="Nothing else.",
                      published=t0 + timedelta(hours=hours_apart * i), source=source or f"outlet{i}")
            for i in range(n)]


def test_candidates_come_only_from_the_time_window() -> None:
    docs = _synthetic(60, 12.0)  # one article every 12 h, all with the same embedding
    emb = np.ones((60, 8), dtype=np.float32) / np.sqrt(8)
    p = StoryParams(window_hours=48.0, neighbours=50)
    pairs = candidate_pairs(docs, emb, p)
    assert pairs and all(abs(i - j) <= 4 for i, j, _ in pairs)  # 4 x 12 h = 48 h
    assert len(pairs) < 60 * 59 // 2 // 5
    # nearest neighbours only: k bounds the pairs per article
    few = candidate_pairs(docs, emb, StoryParams(window_hours=48.0, neighbours=2))
    assert len(few) <= 60 * 2


def test_identical_posts_of_one_outlet_on_different_days_stay_apart() -> None:
    docs = _synthetic(6, 24.0, source="newsbtc")
    emb = np.ones((6, 8), dtype=np.float32) / np.sqrt(8)
    labels = group_events(docs, emb)
    assert len(set(labels)) == 6
    # the same texts from six outlets within the window do group, but no group spans
    # more than the window: a chain of neighbours cannot run on for days
    docs = _synthetic(6, 20.0)
    labels = group_events(docs, emb, StoryParams(window_hours=48.0))
    for lab in set(labels):
        times = [d.published for d, x in zip(docs, labels, strict=True) if x == lab and d.published]
        assert max(times) - min(times) <= timedelta(hours=48)
    assert len(set(labels)) >= 2


def test_near_duplicate_clusters_stay_whole() -> None:
    t = datetime(2025, 6, 1, tzinfo=UTC)
    docs = [story_doc(f"d{i}", title=f"Unrelated {w}", body=w, published=t + timedelta(days=3 * i), source="s", cluster="c1")
            for i, w in enumerate(["alpha", "beta", "gamma"])]
    emb = np.eye(3, 8, dtype=np.float32)
    assert set(story_ids(docs, group_events(docs, emb)).values()) == {"d0"}


def test_articles_sharing_a_rare_figure_are_paired_and_a_common_figure_pairs_nothing() -> None:
    t = datetime(2025, 6, 16, 14, tzinfo=UTC)
    docs = [
        story_doc("a", title="Bitcoin ETFs see $616 million exit", body="Outflows deepened on Friday.", published=t, source="x"),
        story_doc("b", title="Spot funds bleed $614M", body="U.S. spot bitcoin funds saw outflows.", published=t + timedelta(hours=5), source="y"),
        story_doc("c", title="Another $614M story, three days on", body="Outflows.", published=t + timedelta(hours=80), source="z"),
        story_doc("d", title="Market up 3%", body="Bitcoin gained 3% to $105,000.", published=t + timedelta(hours=1), source="w"),
        story_doc("e", title="Altcoins up 3%", body="Ether gained 3% to $2,600.", published=t + timedelta(hours=2), source="v"),
    ]
    emb = np.ones((5, 8), dtype=np.float32) / np.sqrt(8)
    p = StoryParams(rare_figure_df=4, rare_figure_min_cos=0.3, rare_figure_digits=3, rare_figure_tolerance=0.01)
    # $616M and $614M agree within the tolerance; c is outside the window; percentages
    # and coin prices are not an event's own figures
    assert rare_figure_pairs(docs, emb, p) == [(0, 1)]
    # dissimilar embeddings: no pair
    assert rare_figure_pairs(docs, np.eye(5, 8, dtype=np.float32), p) == []
    # a figure five articles give within the window is no one event's
    crowd = [story_doc(f"n{i}", title=f"Funds see $616 million outflow ({i})", body="Outflows.",
                       published=t + timedelta(hours=i), source=f"s{i}") for i in range(5)]
    assert rare_figure_pairs(crowd, np.ones((5, 8), dtype=np.float32) / np.sqrt(8), p) == []
    assert len(rare_figure_pairs(crowd[:4], np.ones((4, 8), dtype=np.float32) / np.sqrt(8), p)) == 6
    # round figures recur across events, and two companies' "185 BTC" and "187 BTC" are
    # not one figure rounded twice
    round_ = [story_doc("r1", title="Fund raises $250 billion", body="x.", published=t, source="x"),
              story_doc("r2", title="Market nears $250 billion", body="y.", published=t, source="y"),
              story_doc("r3", title="Firm buys 185 BTC", body="z.", published=t, source="z"),
              story_doc("r4", title="Other firm buys 187 BTC", body="w.", published=t, source="w")]
    assert rare_figure_pairs(round_, np.ones((4, 8), dtype=np.float32) / np.sqrt(8), p) == []
    # off: none
    assert rare_figure_pairs(docs, emb, StoryParams(rare_figure_df=0)) == []


# --------------------------------------------------------------------------- the real encoder


@needs_model
def test_embeddings_are_unit_vectors_and_rewrites_are_closer(encoder) -> None:  # type: ignore[no-untyped-def]
    texts = [
        "Strategy buys 10,100 BTC, bringing its holdings to 592,100 bitcoin.",
        "MicroStrategy adds another 10,100 bitcoin; total stash now 592,100 BTC.",
        "Texas governor signs a bill creating a strategic bitcoin reserve.",
        "",
    ]
    emb = encoder.embed(texts)
    assert emb.shape == (4, 384) and emb.dtype == np.float32
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)
    assert emb[0] @ emb[1] > emb[0] @ emb[2]
    # deterministic for the same batch; int8 dynamic quantization scales activations per
    # batch, so a text embedded with other companions moves only slightly
    assert np.array_equal(encoder.embed(texts), emb)
    alone = encoder.embed([texts[2]])
    assert float(alone[0] @ emb[2]) > 0.98
    assert encoder.embed([]).shape[0] == 0


@needs_model
def test_one_outlets_daily_series_is_never_one_story(labelled: list[StoryDoc], encoder) -> None:  # type: ignore[no-untyped-def]
    # issue 11: three daily newsbtc "XRP Price ..." posts (29, 30, 31 July) were one story,
    # and "Crypto Market Cap Drops Over 6%" was grouped with "Smarter Web Company Adds 225 Bitcoin"
    emb = encoder.embed([d.features.text for d in labelled])
    story_of = story_ids(labelled, group_events(labelled, emb))
    xrp = ["mj028090", "mj028550", "mj029009"]
    assert len({story_of[x] for x in xrp}) == 3
    assert story_of["mj026895"] != story_of["mj027039"]
    by_story: dict[str, dict[str, set[date]]] = {}
    for d in labelled:
        if d.source and d.published:
            by_story.setdefault(story_of[d.id], {}).setdefault(d.source, set()).add(d.published.date())
    glued = [s for s, outlets in by_story.items() if any(len(days) > 1 for days in outlets.values())]
    assert glued == []
    newsbtc = [d for d in labelled if d.source == "newsbtc"]
    assert len(newsbtc) > 100
