"""The checker: claims against market data, against each other, and across copies.

Public API::

    check_claims(claims, *, published_at, market, settings) -> list[Check]
    group_stories(articles: Sequence[StoryInput], settings) -> dict[str, str]
    check_cross_copy(story_claims, *, published, market, settings) -> list[Check]
    render_checks(checks, fmt, color) -> str
    story_rows(story_of, cluster_of, checks) -> list[dict]   # rows of the ``stories`` table

See ``spec/checks.md`` for the verdicts and fields, and each module for its rules
and tolerances (``settings.check``).
"""

from __future__ import annotations

from .article import check_claims
from .base import parse_window, time_reference
from .internal import check_internal
from .levels import check_level
from .market_checks import check_market_change, check_market_price
from .render import check_to_json, claim_verdict, render_checks, summary_line
from .stories import StoryInput, check_cross_copy, claim_fingerprints, group_stories, story_rows

__all__ = [
    "StoryInput",
    "check_claims",
    "check_cross_copy",
    "check_internal",
    "check_level",
    "check_market_change",
    "check_market_price",
    "check_to_json",
    "claim_fingerprints",
    "claim_verdict",
    "group_stories",
    "parse_window",
    "render_checks",
    "story_rows",
    "summary_line",
    "time_reference",
]
