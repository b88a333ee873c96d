"""Near-duplicate clustering on real articles (tests/fixtures/dedup/articles.jsonl).

The fixture holds 19 records copied from the real news dump (see the README next to
it): five full articles from which syndication variants are built here, a press
release re-posted by six outlets, templated reports that differ in their numbers,
and teasers that share one advertising block.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pytest

from newsclaims.dedup import (
    SIGNATURE_SCHEME,
    DedupIndex,
    SignatureConfigError,
    config_fingerprint,
    estimate_jaccard,
    exact_jaccard,
    shingles,
    signature,
    signature_from_bytes,
    signature_row,
    signature_to_bytes,
)
from newsclaims.settings import DedupSettings
from newsclaims.storage import open_db, transaction, upsert

FIXTURE = Path(__file__).parent / "fixtures" / "dedup" / "articles.jsonl"
#: the full articles the syndication variants are built from (five sources).
BASES = ["mj001102", "mj001214", "mj001263", "mj001361", "mj001445"]
#: one press release as re-posted by chainwire, cryptointelligence, bitzo, bitcoinworld, cryptodaily.
SYNDICATED = ["mj026694", "mj026695", "mj026696", "mj026698", "mj026699"]
AD_BLOCK = (
    "🚀 Are You Chasing New Coins? Catch the newest crypto opportunities. "
    "Be the first to buy, be the first to win! Click here to discover new altcoins! "
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


@pytest.fixture(scope="module")
def records() -> dict[str, dict[str, str]]:
    with FIXTURE.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    return {r["id"]: r for r in rows}


def text_of(record: dict[str, str]) -> str:
    """The text as the cleaner lays it out: title, blank line, body."""
    return f"{record['headline']}\n\n{record['body']}"


def published(record: dict[str, str]) -> datetime:
    return datetime.fromisoformat(record["published_utc"].replace("Z", "")).replace(tzinfo=UTC)


@pytest.fixture
def cfg() -> DedupSettings:
    return DedupSettings()


def build(items: list[tuple[str, str, datetime | None]], cfg: DedupSettings) -> DedupIndex:
    index = DedupIndex(cfg)
    for article_id, text, when in items:
        index.add(article_id, signature(text, cfg), when, len(text))
    return index


# --------------------------------------------------------------------------- variants


def variants(record: dict[str, str]) -> dict[str, str]:
    """Syndication variants of one real article, as other outlets produce them."""
    title, body = record["headline"], record["body"]
    sentences = _SENTENCE_END.split(body)
    assert len(sentences) >= 12, "fixture article too short for the variants"
    # One "paragraph" (bodies in the dump have no line breaks: a run of sentences)
    # edited: its second sentence reworded, a clause added to the third.
    p = len(sentences) // 2
    edited = list(sentences)
    edited[p] = "Editors at the outlet rewrote this sentence in their own words for readers."
    edited[p + 1] = edited[p + 1].rstrip(".") + ", according to people familiar with the matter."
    words = body.split()
    return {
        "header_footer": (
            f"{title}\n\nBy Staff Writer | Syndicated from a partner outlet\n\n{body}\n\n"
            "Copyright 2025 Partner Media Ltd. All rights reserved. Follow us on X and Telegram."
        ),
        "feed_trailer": f"{title}\n\n{body} The post {title} appeared first on Partner News .",
        "paragraph_edited": f"{title}\n\n{' '.join(edited)}",
        "truncated": f"{title}\n\n{' '.join(words[: int(len(words) * 0.87)])} [...]",
    }


def test_syndication_variants_join_their_original(
    records: dict[str, dict[str, str]], cfg: DedupSettings
) -> None:
    items: list[tuple[str, str, datetime | None]] = []
    for base in BASES:
        rec = records[base]
        items.append((base, text_of(rec), published(rec)))
        for name, text in variants(rec).items():
            # Exact Jaccard of each variant stays in the near-duplicate range.
            jac = exact_jaccard(shingles(text_of(rec), cfg), shingles(text, cfg))
            assert 0.8 <= jac < 1.0, (base, name, jac)
            items.append((f"{base}-{name}", text, None))
    index = build(items, cfg)
    for base in BASES:
        cluster = index.cluster_of(base)
        assert cluster == base  # "mj..." sorts before "mj...-variant"
        assert index.members(cluster) == sorted(
            [base] + [f"{base}-{n}" for n in variants(records[base])]
        )
        # The original is canonical: it has a publication time, the variants do not.
        assert index.canonical_of(cluster) == base
    assert index.cluster_count() == len(BASES)


def test_real_syndicated_press_release_is_one_cluster(
    records: dict[str, dict[str, str]], cfg: DedupSettings
) -> None:
    index = build([(i, text_of(records[i]), published(records[i])) for i in SYNDICATED], cfg)
    assert {index.cluster_of(i) for i in SYNDICATED} == {"mj026694"}
    # Earliest published wins; chainwire and cryptointelligence posted at the same time,
    # so the longer text (then the smaller id) decides.
    by_time = sorted(
        SYNDICATED, key=lambda i: (published(records[i]), -len(text_of(records[i])), i)
    )
    assert index.canonical_of("mj026694") == by_time[0]


# --------------------------------------------------------------------------- hard negatives


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("mj009875", "mj010334"),  # newsbtc's daily Ethereum template, other levels
        ("mj012314", "mj016075"),  # Metaplanet purchase announcements, other amounts
    ],
)
def test_same_template_with_other_numbers_stays_apart(
    records: dict[str, dict[str, str]], cfg: DedupSettings, a: str, b: str
) -> None:
    ta, tb = text_of(records[a]), text_of(records[b])
    index = build([(a, ta, published(records[a])), (b, tb, published(records[b]))], cfg)
    assert index.cluster_of(a) != index.cluster_of(b)
    # With digits normalized the two would be near-duplicates: this is why it is off.
    norm = cfg.model_copy(update={"normalize_digits": True})
    assert exact_jaccard(shingles(ta, norm), shingles(tb, norm)) >= 0.8
    assert exact_jaccard(shingles(ta, cfg), shingles(tb, cfg)) < 0.5


def test_teasers_sharing_the_ad_block_stay_apart_once_it_is_removed(
    records: dict[str, dict[str, str]], cfg: DedupSettings
) -> None:
    ids = ["mj023927", "mj023937", "mj024429", "mj024906"]
    for i in ids:
        assert records[i]["body"].startswith(AD_BLOCK)
    raw = {i: text_of(records[i]) for i in ids}
    cleaned = {i: raw[i].replace(AD_BLOCK, "") for i in ids}
    # The block alone makes the two James Wynn teasers (which differ in one amount)
    # look 70% similar.
    assert exact_jaccard(shingles(raw["mj024429"], cfg), shingles(raw["mj024906"], cfg)) > 0.7
    index = build([(i, cleaned[i], published(records[i])) for i in ids], cfg)
    assert len({index.cluster_of(i) for i in ids}) == len(ids)
    for a, b in itertools.combinations(ids, 2):
        assert exact_jaccard(shingles(cleaned[a], cfg), shingles(cleaned[b], cfg)) < 0.5


def test_digit_normalization_when_asked_merges_number_only_differences(
    records: dict[str, dict[str, str]], cfg: DedupSettings
) -> None:
    norm = cfg.model_copy(update={"normalize_digits": True})
    a, b = (records[i]["headline"] for i in ("mj024429", "mj024906"))
    assert estimate_jaccard(signature(a, norm), signature(b, norm)) == 1.0
    assert estimate_jaccard(signature(a, cfg), signature(b, cfg)) < 0.5
    assert config_fingerprint(norm) != config_fingerprint(cfg)


# --------------------------------------------------------------------------- determinism


def test_cluster_ids_and_canonicals_do_not_depend_on_insertion_order(
    records: dict[str, dict[str, str]], cfg: DedupSettings
) -> None:
    items: list[tuple[str, str, datetime | None]] = [
        (i, text_of(r), published(r)) for i, r in records.items()
    ]
    for base in BASES[:2]:
        for name, text in variants(records[base]).items():
            items.append((f"{base}-{name}", text, None))
    reference = build(items, cfg).clusters()
    assert any(c.size > 1 for c in reference)
    rng = random.Random(7)
    for _ in range(4):
        shuffled = items[:]
        rng.shuffle(shuffled)
        assert build(shuffled, cfg).clusters() == reference


def test_canonical_is_earliest_then_longest_then_smallest_id(cfg: DedupSettings) -> None:
    text = "Bitcoin ETF inflows reached a record on Monday as funds kept buying. " * 6
    sig = signature(text, cfg)
    t1 = datetime(2025, 5, 1, tzinfo=UTC)
    t2 = datetime(2025, 5, 2, tzinfo=UTC)
    index = DedupIndex(cfg)
    index.add("c", sig, None, 900)  # unknown time counts as latest, even if longest
    index.add("d", sig, t2, 400)
    assert index.canonical_of("c") == "d"
    index.add("e", sig, t1, 300)  # earlier wins over longer
    assert index.canonical_of("c") == "e"
    index.add("f", sig, t1, 500)  # same time: longer wins
    assert index.canonical_of("c") == "f"
    index.add("b", sig, t1, 500)  # same time and length: smaller id; it also names the cluster
    assert index.cluster_of("f") == "b"
    assert index.canonical_of("b") == "b"
    with pytest.raises(KeyError):
        index.canonical_of("c")  # a member, no longer the cluster id


def test_add_is_idempotent_and_reports_verified_duplicates(
    records: dict[str, dict[str, str]], cfg: DedupSettings
) -> None:
    index = DedupIndex(cfg)
    texts = {i: text_of(records[i]) for i in SYNDICATED[:3]}
    assert index.add(SYNDICATED[0], signature(texts[SYNDICATED[0]], cfg), None, 1) == []
    assert index.add(SYNDICATED[1], signature(texts[SYNDICATED[1]], cfg), None, 1) == [
        SYNDICATED[0]
    ]
    assert index.add(SYNDICATED[1], signature(texts[SYNDICATED[1]], cfg), None, 1) == []
    assert len(index) == 2
    assert SYNDICATED[1] in index
    with pytest.raises(KeyError, match="not in the dedup index"):
        index.cluster_of("nope")


# --------------------------------------------------------------------------- signatures


def test_signature_bytes_round_trip(records: dict[str, dict[str, str]], cfg: DedupSettings) -> None:
    sig = signature(text_of(records["mj001214"]), cfg)
    assert sig.dtype == np.uint32
    assert sig.shape == (cfg.num_perm,)
    blob = signature_to_bytes(sig)
    assert len(blob) == 4 * cfg.num_perm
    assert np.array_equal(signature_from_bytes(blob, cfg), sig)
    with pytest.raises(SignatureConfigError, match="expected 512"):
        signature_from_bytes(blob[:-4], cfg)


def _signature_bytes_in_worker(text: str) -> bytes:
    return signature_to_bytes(signature(text, DedupSettings()))


def test_signature_is_the_same_in_a_fresh_worker_process(
    records: dict[str, dict[str, str]], cfg: DedupSettings
) -> None:
    texts = [text_of(records[i]) for i in BASES]
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        remote = list(pool.map(_signature_bytes_in_worker, texts))
    assert remote == [signature_to_bytes(signature(t, cfg)) for t in texts]


def test_shingles_are_lowercased_word_shingles(cfg: DedupSettings) -> None:
    two = cfg.model_copy(update={"shingle_size": 2})
    # punctuation and case do not make words differ; glued sentences still split
    assert np.array_equal(shingles("BTC rose.ETH fell", two), shingles("btc rose. eth  FELL!", two))
    assert len(shingles("a b c a b", two)) == 3  # ab, bc, ca
    assert len(shingles("just three words", cfg)) == 1  # shorter than one shingle
    # digits are words of their own and are kept by default
    assert not np.array_equal(
        shingles("price 97,000 today", two), shingles("price 98,000 today", two)
    )


def test_estimation_error_on_real_pairs(
    records: dict[str, dict[str, str]], cfg: DedupSettings
) -> None:
    texts = {i: text_of(r) for i, r in records.items()}
    for base in BASES:
        for name, text in variants(records[base]).items():
            texts[f"{base}-{name}"] = text
    pairs = list(itertools.combinations([*SYNDICATED, "mj026697"], 2))
    pairs += [(b, f"{b}-{n}") for b in BASES for n in variants(records[b])]
    pairs += [("mj009875", "mj010334"), ("mj012314", "mj016075"), ("mj001102", "mj001214")]
    sets = {i: shingles(t, cfg) for i, t in texts.items()}
    sigs = {i: signature(t, cfg) for i, t in texts.items()}
    errors = [
        abs(estimate_jaccard(sigs[a], sigs[b]) - exact_jaccard(sets[a], sets[b])) for a, b in pairs
    ]
    # 128 values: the standard error is at most 0.044 (J = 0.5), so 0.12 is ~3 sigma.
    assert max(errors) <= 0.12, max(errors)
    assert float(np.mean(errors)) <= 0.03, float(np.mean(errors))


# --------------------------------------------------------------------------- storage round trip


def test_rebuild_from_stored_signatures_then_add_incrementally(
    records: dict[str, dict[str, str]], cfg: DedupSettings, tmp_path: Path
) -> None:
    first = [*SYNDICATED[:2], *BASES[:3]]
    later = [*SYNDICATED[2:], *BASES[3:]]
    db = open_db(tmp_path / "dedup.db")
    index = DedupIndex(cfg)
    rows = []
    for i in first:
        text, when = text_of(records[i]), published(records[i])
        sig = signature(text, cfg)
        index.add(i, sig, when, len(text))
        rows.append(signature_row(i, sig, cfg, when, len(text)))
    with transaction(db):
        upsert(db, "signatures", rows, pk="article_id")
    stored_clusters = index.clusters()

    rebuilt = DedupIndex.load(cfg, db["signatures"].rows)
    assert rebuilt.clusters() == stored_clusters
    assert rebuilt.take_changes().updated == ()  # nothing to rewrite after a rebuild

    for i in later:
        text = text_of(records[i])
        rebuilt.add(i, signature(text, cfg), published(records[i]), len(text))
    changes = rebuilt.take_changes()
    changed = {c.id: c for c in changes.updated}
    # the syndicated copies joined the stored cluster; the new bases are singletons
    assert changed["mj026694"].members == tuple(sorted(SYNDICATED))
    assert set(changed) == {"mj026694", *BASES[3:]}
    assert changes.removed == ()
    assert rebuilt.take_changes().updated == ()


def test_merging_two_clusters_reports_the_vanished_id(cfg: DedupSettings) -> None:
    base = " ".join(f"w{i}" for i in range(200))
    left = base + " " + " ".join(f"x{i}" for i in range(30))
    right = base + " " + " ".join(f"y{i}" for i in range(30))
    index = DedupIndex(cfg)
    index.add("b", signature(left, cfg), None, 1)
    index.add("c", signature(right, cfg), None, 1)
    # left and right share 196 of ~280 shingles (J ~0.7): two clusters
    assert index.cluster_of("b") != index.cluster_of("c")
    index.take_changes()
    index.add("a", signature(base, cfg), None, 1)  # ~0.86 to each: links both
    changes = index.take_changes()
    assert [c.id for c in changes.updated] == ["a"]
    assert changes.updated[0].members == ("a", "b", "c")
    assert changes.removed == ("b", "c")
    assert changes.updated[0].max_jaccard is not None


def test_signatures_of_another_config_are_refused(
    records: dict[str, dict[str, str]], cfg: DedupSettings, tmp_path: Path
) -> None:
    other = cfg.model_copy(update={"seed": 2})
    text = text_of(records["mj001102"])
    row = signature_row("mj001102", signature(text, other), other, None, len(text))
    db = open_db(tmp_path / "dedup.db")
    with transaction(db):
        upsert(db, "signatures", [row], pk="article_id")
    with pytest.raises(SignatureConfigError, match="recompute the signatures"):
        DedupIndex.load(cfg, db["signatures"].rows)
    assert config_fingerprint(cfg).startswith(SIGNATURE_SCHEME)
    # a signature of another length is refused as well
    wide = cfg.model_copy(update={"num_perm": 256})
    with pytest.raises(SignatureConfigError):
        DedupIndex(cfg).add("x", signature(text, wide), None, 1)


def test_word_hashes_do_not_depend_on_position_or_text_length(cfg: DedupSettings) -> None:
    from newsclaims.dedup.minhash import POWERS_CACHE_MAX

    words = [f"w{i % 997}x" for i in range(POWERS_CACHE_MAX // 4)]
    long_text = " ".join(words)
    assert len(long_text) > POWERS_CACHE_MAX  # the uncached path
    head = " ".join(words[:50])
    tail = " ".join(words[-50:])
    every = set(shingles(long_text, cfg).tolist())
    assert set(shingles(head, cfg).tolist()) <= every
    assert set(shingles(tail, cfg).tolist()) <= every


def test_changed_clusters_is_the_short_form_of_take_changes(
    records: dict[str, dict[str, str]], cfg: DedupSettings
) -> None:
    index = DedupIndex(cfg)
    for i in SYNDICATED[:2]:
        text = text_of(records[i])
        index.add(i, signature(text, cfg), published(records[i]), len(text))
    assert index.changed_clusters() == {"mj026694"}
    assert index.changed_clusters() == set()
    assert index.take_changes().updated == ()
    text = text_of(records[BASES[0]])
    index.add(BASES[0], signature(text, cfg), None, len(text))
    assert index.changed_clusters() == {BASES[0]}
