"""The frozen records handed from stage to stage.

Data flows one way::

    read -> Article -> clean_article -> CleanArticle | Rejection
         -> DedupIndex -> extract_claims -> list[Claim]
         -> check_claims -> list[Check] -> storage / export

Every model is immutable (``frozen=True``) so a stage can never change what an
earlier stage produced; a stage that wants a variant uses ``model_copy(update=...)``.
Names follow the state of the data (``CleanArticle``), not its container.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Frozen(BaseModel):
    """Base of every hand-over model: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def content_id(*parts: str, length: int = 16) -> str:
    """A stable id from the content it names (sha256, hex, truncated).

    >>> content_id("a", "b") == content_id("a", "b")
    True
    """
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x1f")
    return h.hexdigest()[:length]


# --------------------------------------------------------------------------- input


class Article(Frozen):
    """One record as read from the input, before cleaning.

    ``id`` is a content hash of ``source_id``, title and body, so reading the same
    record again gives the same id (re-ingest is a no-op).
    """

    id: str
    source_id: str
    title: str = ""
    body: str
    body_format: Literal["text", "markdown", "html"] = "text"
    published_at: datetime | None = None
    #: ``True`` when the input time had no zone and ``settings.ingest.default_timezone`` was assumed.
    time_zone_assumed: bool = False
    url: str | None = None
    source: str | None = None
    #: where the record came from: ``path`` or ``path:line`` (for error messages).
    origin: str = ""

    @staticmethod
    def make_id(source_id: str, title: str, body: str) -> str:
        return content_id(source_id, title, body)


class RejectReason(StrEnum):
    """Why a record could not be used. Stored in ``rejections.reason``."""

    BINARY = "binary"
    EMPTY = "empty"
    UNDECODABLE = "undecodable"
    MALFORMED_JSON = "malformed_json"
    MALFORMED_CSV = "malformed_csv"
    MISSING_BODY = "missing_body"
    TRUNCATED = "truncated"
    TOO_LARGE = "too_large"
    UNSUPPORTED = "unsupported_format"
    UNREADABLE = "unreadable"
    SYMLINK = "symlink_outside"
    EMPTY_AFTER_CLEANING = "empty_after_cleaning"
    BAD_FIELD = "bad_field"
    #: the record was readable but a stage failed on it (a bug: the detail names the stage).
    PROCESSING_ERROR = "processing_error"


class Rejection(Frozen):
    """A record that could not be used, with the reason. Never dropped silently."""

    source_id: str
    reason: RejectReason
    detail: str
    origin: str = ""

    @property
    def id(self) -> str:
        return content_id(self.source_id, self.reason.value, self.origin)


class CleanArticle(Frozen):
    """An article reduced to its main text.

    ``text`` is exactly what claim offsets index. It starts with the title (when
    there is one and the body does not already open with it) followed by a blank
    line, then the cleaned body.
    """

    id: str
    source_id: str
    title: str
    text: str
    published_at: datetime | None = None
    time_zone_assumed: bool = False
    url: str | None = None
    source: str | None = None
    origin: str = ""
    #: what the cleaner removed, by rule name -> count (for audits and tests).
    removed: dict[str, int] = Field(default_factory=dict)


# --------------------------------------------------------------------------- claims

ClaimType = Literal[
    "price",
    "price_change",
    "liquidation",
    "open_interest",
    "support",
    "resistance",
    "etf_flow",
    "unrealized_pnl",
    "market_cap",
    "volume",
    "dominance",
    "funding_rate",
    "options_expiry",
]
CLAIM_TYPES: tuple[str, ...] = ClaimType.__args__  # type: ignore[attr-defined]
Qualifier = Literal["exact", "approx", "at_least", "at_most"]
Direction = Literal["up", "down"]
LevelStatus = Literal["active", "broken", "flipped"]


class Quantity(Frozen):
    """A number found in text, normalized.

    ``value`` is in the unit's base (``$2.16B`` -> 2160000000.0, ``-1.88%`` -> -1.88).
    ``start``/``end`` are character offsets into the text that was parsed and
    ``text == source[start:end]`` always holds.
    """

    value: float
    value_max: float | None = None
    unit: str  # "USD", "percent", "number", "bp", an ISO currency code or a crypto ticker
    start: int
    end: int
    text: str
    qualifier: Qualifier = "exact"
    direction: Direction | None = None


class Claim(Frozen):
    """One checkable numeric statement an article makes (``spec/claims.md``)."""

    id: str
    article_id: str
    source_id: str
    type: ClaimType
    asset: str | None
    subject: str | None = None
    value: float
    value_max: float | None = None
    unit: str
    direction: Direction | None = None
    window: str | None = None
    side: Literal["long", "short"] | None = None
    qualifier: Qualifier = "exact"
    #: levels only: ``active``, ``broken`` (the price has moved through it) or ``flipped``.
    status: LevelStatus | None = None
    #: the past time the claim is stated for (ISO date, month, year or interval), if any.
    when: str | None = None
    text: str
    start: int
    end: int
    sentence: str
    confidence: float = 1.0
    extractor: str = "rules"
    #: how many times the article states this fact (repeats are merged).
    mentions: int = 1

    @field_validator("value", "value_max")
    @classmethod
    def _no_negative_zero(cls, v: float | None) -> float | None:
        # "-0%" and the zero end of a falling range parse as -0.0, which SQLite stores as
        # 0 but Parquet keeps: one zero, so that a claim read back from either store
        # reads (and is checked, and worded) the same
        return None if v is None else v + 0.0

    @staticmethod
    def make_id(article_id: str, start: int, end: int, type_: str, asset: str | None = None) -> str:
        # the asset is part of the id: one span can state one fact about several
        # assets ("dogwifhat, Fartcoin, and Mog Coin with over an 8% drop")
        return content_id(article_id, str(start), str(end), type_, asset or "")


# --------------------------------------------------------------------------- checks

Verdict = Literal["consistent", "inconsistent", "unverifiable"]
Severity = Literal["minor", "major"]
CHECK_NAMES = ("market_price", "market_change", "level_vs_price", "internal", "cross_copy")


class Check(Frozen):
    """A verdict on one claim against one kind of evidence (``spec/checks.md``)."""

    claim: Claim
    check: str
    verdict: Verdict
    severity: Severity | None = None
    expected: float | None = None
    observed: float | None = None
    deviation: float | None = None
    tolerance: float | None = None
    reason: str
    evidence: dict[str, Any] = Field(default_factory=dict)
    as_of: datetime | None = None
    #: for ``inconsistent``: the probability that a careful reader confirms the flag as a
    #: real misstatement (``check.confidence``); None for other verdicts.
    confidence: float | None = None
    #: what kind of disagreement a flag is: ``stale`` (the market matched the figure within
    #: the look-back before publication), ``never_true`` (it did not), ``wrong_direction``,
    #: ``wrong_side`` (levels), ``conflict`` (claims against claims); None when consistent.
    finding: str | None = None

    @property
    def id(self) -> str:
        return content_id(self.claim.id, self.check, str(self.evidence.get("key", "")), self.reason)


# --------------------------------------------------------------------------- market


class Candle(Frozen):
    """One OHLCV candle. ``open_time`` is UTC; quotes in USDT/USDC count as USD."""

    asset: str
    quote: str = "USD"
    interval: str  # "1m", "1h", "4h", "1d", ...
    open_time: datetime
    open: float
    high: float
    low: float
    close: float
    volume: float | None = None
    source: str = ""
