"""What each exported table and column means (the Datasette ``metadata.json`` text).

Columns a later migration adds without a description here are exported all the
same; they just have no description in the metadata.
"""

from __future__ import annotations

from ..models import CHECK_NAMES

TABLE_DESCRIPTIONS: dict[str, str] = {
    "articles": "Cleaned articles. `text` is what claim offsets index.",
    "clusters": "Near-duplicate clusters found by MinHash LSH; an article alone is a cluster of one.",
    "stories": "Stories: a cluster joined with rewrites that share most of their claims.",
    "claims": "Numeric market claims extracted from the articles (spec/claims.md).",
    "checks": "Verdicts on claims against market data and against each other (spec/checks.md).",
    "rejections": "Input records that could not be used, with the reason.",
    "claims_wide": "One row per claim with its article's fields and its checks' verdicts.",
    "source_zones": "Per publisher, the zone its zone-less times were read in and the evidence for it.",
}

_ARTICLE = {
    "id": "Content hash of source_id, title and body.",
    "source_id": "The article's id as the input gives it (file path or record id).",
    "title": "Title.",
    "text": "Cleaned text: the title, a blank line, then the body. Claim offsets index it.",
    "published_at": "Publication time, ISO 8601 in UTC.",
    "time_zone_assumed": "1 when the input time had no zone and the default zone was assumed.",
    "time_zone": "The zone a zone-less input time was read in (UTC, +02:00, ...); empty when the time stated its zone.",
    "time_zone_inferred": "1 when that zone was inferred from the source's current-price claims (source_zones).",
    "url": "Address of the article.",
    "source": "Publisher or feed, one name per publisher (case and spelling variants joined).",
    "source_raw": "Publisher or feed as the input spelled it.",
    "cluster_id": "Near-duplicate cluster (clusters.id).",
    "is_canonical": "1 for the article that represents its cluster.",
    "story_id": "Story (stories.id).",
    "chars": "Length of text in characters.",
    "origin": "Where the record was read: path or path:line.",
    "removed": "What cleaning removed, as JSON: rule name -> count.",
    "run_id": "The run that stored it (runs.id).",
    "stage": "The command that stored it: ingest (claims, no checks) or run (checked too).",
}

_CLAIM = {
    "id": "Content hash of article id, offsets and type.",
    "article_id": "The article that makes the claim (articles.id).",
    "source_id": "The article's id as the input gives it.",
    "type": "price, price_change, liquidation, open_interest, support, resistance, etf_flow, ...",
    "asset": "Canonical ticker (BTC, ETH, ...), MARKET for the market as a whole, or empty.",
    "subject": "Holder or vehicle the claim is about, when not the asset itself.",
    "value": "Normalized number: USD amounts in dollars, percentages in points, signed changes.",
    "value_max": "Upper end of a stated range.",
    "unit": "USD, percent, or the code of what the amount is in.",
    "direction": "up or down, for changes, flows and profit/loss.",
    "window": "ISO 8601 duration the figure covers (PT24H, P7D, P30D).",
    "side": "long or short, for liquidations.",
    "qualifier": "exact, approx, at_least or at_most.",
    "status": "Levels only: active, broken (the price has moved through it) or flipped (support turned resistance or the reverse).",
    "when": "The past time the claim is stated for (ISO date, month, year or interval); empty for current figures.",
    "text": "The shortest span of the article text that states the claim.",
    "start": "Offset of text in the article's text.",
    "end": "End offset of text in the article's text.",
    "sentence": "The sentence that holds the claim.",
    "confidence": "Extractor confidence, 0 to 1.",
    "extractor": "Component that produced it (rules, model, ...).",
    "mentions": "How many times the article states this fact.",
}

_CHECK = {
    "id": "Content hash of claim id, check name and evidence key.",
    "claim_id": "The claim checked (claims.id).",
    "article_id": "The claim's article (articles.id).",
    "check": "Which check: market_price, market_change, level_vs_price, internal, cross_copy.",
    "verdict": "consistent, inconsistent or unverifiable.",
    "severity": "For inconsistent: minor or major.",
    "expected": "What the evidence says.",
    "observed": "What the claim says.",
    "deviation": "Observed vs expected: relative, or in points for percent claims.",
    "tolerance": "Tolerance applied, in the unit of deviation.",
    "reason": "One sentence for a reader.",
    "evidence": "Where the expected value came from, as JSON.",
    "as_of": "Time the claim was checked at (publication time, UTC, or the past time the claim names).",
    "confidence": "For inconsistent: probability that the flag is a real misstatement (calibrated on judged flags).",
    "finding": "For inconsistent: stale (the market matched the figure before publication; evidence.stale_by), "
    "never_true, wrong_direction, wrong_side or conflict.",
}

COLUMN_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "articles": _ARTICLE,
    "clusters": {
        "id": "Cluster id (the smallest member id).",
        "canonical_id": "The article that represents the cluster (articles.id).",
        "size": "Number of articles in the cluster.",
        "max_jaccard": "Highest estimated Jaccard similarity between two members.",
    },
    "stories": {
        "id": "Story id.",
        "canonical_id": "The article that represents the story (articles.id).",
        "size": "Number of articles in the story.",
        "clusters": "Number of near-duplicate clusters in the story.",
        "conflicts": "Number of facts its copies state differently.",
    },
    "claims": _CLAIM,
    "checks": _CHECK,
    "rejections": {
        "id": "Content hash of source_id, reason and origin.",
        "source_id": "The record's id or path.",
        "reason": "Why it could not be used (an enum value).",
        "detail": "What exactly was wrong.",
        "origin": "Where it was read: path or path:line.",
        "run_id": "The run that met it (runs.id).",
    },
    "source_zones": {
        "source": "The publisher (as stored in articles.source).",
        "zone": "The zone its zone-less times were read in (UTC, +02:00, ...).",
        "inferred": "1 when the zone was inferred from its current-price claims, 0 when it is the default.",
        "status": "inferred, too_few_claims or no_clear_margin.",
        "claims": "Current-price claims the inference compared with the market.",
        "best_offset": "The offset at which its price claims lie closest to the market.",
        "best_pct": "Median distance (percent) of its price claims from the market at the best offset.",
        "default_pct": "The same at the default zone.",
        "runner_up_pct": "The same at the best offset two or more hours from the best.",
        "stability": "Share of resamples of its claims whose best offset lies within an hour of best_offset.",
        "default_zone": "The zone assumed when nothing is inferred.",
    },
    "claims_wide": {
        **{k: v for k, v in _CLAIM.items() if k != "id"},
        "claim_id": "The claim (claims.id).",
        "title": "The article's title.",
        "source": "The article's publisher or feed.",
        "url": "The article's address.",
        "published_at": "The article's publication time, ISO 8601 in UTC.",
        "cluster_id": "The article's near-duplicate cluster.",
        "story_id": "The article's story.",
        "verdict": "Worst verdict over the claim's checks: inconsistent > unverifiable > consistent.",
        "checks": "Number of checks of the claim.",
        "reasons": "The checks' reasons, worst first, as 'verdict: reason' joined by ' | '.",
        "flag_confidence": "Highest confidence of the claim's flags (empty when nothing is flagged); rows are ordered by it.",
        "finding": "The findings of the claim's flags (stale, never_true, ...), comma-separated.",
        **{f"verdict_{name}": f"Verdict of the {name} check (worst if several)." for name in CHECK_NAMES},
    },
}
