"""The records the rule classifier works on: mentions, candidates, decisions, drafts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import Quantity
from .cues import (
    CONF_CUE,
    LEFT_REACH,
    RIGHT_REACH,
)

# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Mention:
    """An asset (or MARKET) mention: character span and label."""

    start: int
    end: int
    label: str


@dataclass
class Candidate:
    """A quantity with its context; the input of the classifier."""

    q: Quantity  # offsets into the document text
    sent_start: int
    sent_end: int
    seg_start: int  # end of the previous quantity in the sentence (or sentence start)
    seg_end: int  # start of the next quantity in the sentence (or sentence end)
    index: int  # position in the sentence (0 = first number)
    text: str  # the whole document text (not copied)

    @property
    def left(self) -> str:
        return self.text[max(self.seg_start, self.q.start - LEFT_REACH) : self.q.start]

    @property
    def right(self) -> str:
        return self.text[self.q.end : min(self.seg_end, self.q.end + RIGHT_REACH)]

    @property
    def sentence(self) -> str:
        return self.text[self.sent_start : self.sent_end]


@dataclass
class Prepared:
    """What both extractors start from: the candidates of a document and their context."""

    text: str
    groups: list[list[Candidate]]
    mentions: list[Mention]
    main: str | None
    title_chars: int


@dataclass
class Draft:
    """A decided claim before ids and article fields are attached."""

    type: str
    asset: str | None
    value: float
    unit: str
    start: int
    end: int
    sent_start: int
    sent_end: int
    value_max: float | None = None
    direction: str | None = None
    window: str | None = None
    side: str | None = None
    qualifier: str = "exact"
    subject: str | None = None
    confidence: float = CONF_CUE
    mentions: int = 1
    extractor: str = "rules"
    #: levels: active | broken | flipped (None: not decided, read as active).
    status: str | None = None
    #: the past time the claim is stated for (ISO 8601), ``None`` for current figures.
    when: str | None = None
    #: when the asset is a guess (no asset in the sentence), the other candidates,
    #: nearest first; :func:`merge_drafts` picks the one whose price scale fits.
    alt_assets: tuple[str, ...] = ()

    def key(self) -> tuple[Any, ...]:
        return (self.type, self.asset, self.unit, self.window, self.side, self.qualifier,
                self.direction)


@dataclass
class Decision:
    """What the classifier says about one candidate (``drafts`` empty = not a claim)."""

    drafts: list[Draft] = field(default_factory=list)
    type: str | None = None
    excluded: bool = False
    window: str | None = None
    assets: tuple[str | None, ...] = ()
    side: str | None = None
    #: made up for a sentence that refers back ("this total", "that's 8% higher").
    anaphor: bool = False
    #: the decision before a list that runs over several lines ("driven by:" then
    #: "BlackRock: $80.60M", "Fidelity: $26.30M").
    list_head: bool = False
    #: position of this number in a list of numbers sharing one cue (0 = first).
    list_pos: int = 0
    #: the qualifier of the price twin of a level crossed ("rose over support at"), if any.
    cross_qualifier: str | None = None
