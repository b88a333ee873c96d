"""What the claim model sees: windows of token ids, candidate spans, asset options.

Shared by training (:mod:`.train`) and inference (:mod:`.runtime`), so that the
two can never disagree on what a window or a feature is. Nothing here decides a
claim.

An article's text is tokenized once. Every sentence that holds a candidate
quantity becomes one *window*: ``[CLS] title [SEP] left context + sentence [SEP]``
(the title gives the story's asset; the left context is the tail of the previous
sentence, "Its open interest ..."). A sentence longer than the window budget is
cut into several windows, each holding some of its candidates. The encoder runs
once per window; each candidate is the mean of its own tokens' vectors, and each
asset named in the window is the mean of its mentions' tokens.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import numpy as np

from ..drafts import Candidate, Draft, Mention

#: label vocabularies of the heads (index 0 is the "nothing" answer where there is one).
TYPES = ("none", "price", "price_change", "liquidation", "open_interest", "support",
         "resistance", "etf_flow", "unrealized_pnl", "market_cap", "volume", "dominance",
         "funding_rate", "options_expiry")
WINDOWS = ("none", "PT24H", "P7D", "P30D", "P90D", "P180D", "P365D", "other")
SIDES = ("none", "long", "short")
QUALIFIERS = ("exact", "approx", "at_least", "at_most")
DIRECTIONS = ("none", "up", "down")
STATUSES = ("none", "active", "broken", "flipped")

#: token budget of a window: title part and left context are capped inside it.
MAX_TOKENS = 128
TITLE_TOKENS = 24
LEFT_CONTEXT_TOKENS = 20

_UNIT_CATS = ("USD", "percent", "crypto", "other")
_MAG_MIN, _MAG_MAX = -4, 12  # log10 buckets of |value|
_BASE_FEATURES = len(_UNIT_CATS) + (_MAG_MAX - _MAG_MIN + 1) + 1 + 4 + 1 + len(QUALIFIERS)
#: the rules' decision on the candidate, an input the model learns to trust or overrule.
_VOTE_FEATURES = len(TYPES) + len(WINDOWS) + len(DIRECTIONS) + len(QUALIFIERS) + len(SIDES) + 1
CAND_FEATURES = _BASE_FEATURES + _VOTE_FEATURES
_DIST_BUCKETS = (0, 3, 8, 20, 50)
OPTION_FEATURES = 8 + 2 * len(_DIST_BUCKETS) + 1 + 1


@dataclass(frozen=True)
class RuleVote:
    """What the rule classifier decided for one candidate (its drafts, summarized)."""

    type: str = "none"
    window: str | None = None
    direction: str | None = None
    qualifier: str = "exact"
    side: str | None = None
    twin: bool = False
    assets: frozenset[str] = frozenset()


def rule_votes(groups: list[list[Candidate]], drafts: list[Draft]) -> dict[int, RuleVote]:
    """The rules' drafts tied back to the candidates they came from (by the number's end),
    keyed by ``id(candidate)``."""
    by_end: dict[int, list[Draft]] = {}
    for d in drafts:
        by_end.setdefault(d.end, []).append(d)
    out: dict[int, RuleVote] = {}
    for cands in groups:
        for c in cands:
            ds = by_end.get(c.q.end)
            if not ds:
                continue
            main = next((d for d in ds if d.type != "price"), ds[0])
            out[id(c)] = RuleVote(
                type=main.type, window=main.window, direction=main.direction,
                qualifier=main.qualifier, side=main.side,
                twin=main.type in ("support", "resistance") and any(d.type == "price" for d in ds),
                assets=frozenset(d.asset for d in ds if d.asset is not None))
    return out


def _vote_features(v: RuleVote | None) -> np.ndarray:
    f = np.zeros(_VOTE_FEATURES, dtype=np.float32)
    v = v or RuleVote()
    o = 0
    f[o + (TYPES.index(v.type) if v.type in TYPES else 0)] = 1.0
    o += len(TYPES)
    w = v.window
    f[o + (0 if w is None else WINDOWS.index(w) if w in WINDOWS else WINDOWS.index("other"))] = 1.0
    o += len(WINDOWS)
    f[o + DIRECTIONS.index(v.direction or "none")] = 1.0
    o += len(DIRECTIONS)
    f[o + (QUALIFIERS.index(v.qualifier) if v.qualifier in QUALIFIERS else 0)] = 1.0
    o += len(QUALIFIERS)
    f[o + SIDES.index(v.side or "none")] = 1.0
    o += len(SIDES)
    f[o] = 1.0 if v.twin else 0.0
    return f


@dataclass
class Window:
    """One encoder input and the candidates and asset options it carries."""

    ids: list[int]
    type_ids: list[int]
    #: per candidate: (first, last+1) positions of its tokens in ``ids``.
    cand_pos: list[tuple[int, int]] = field(default_factory=list)
    cand_feats: list[np.ndarray] = field(default_factory=list)
    #: the candidates themselves (same order), for decoding.
    cands: list[Candidate] = field(default_factory=list)
    #: asset labels offered (same for every candidate of the window) ...
    option_labels: list[str] = field(default_factory=list)
    #: ... each with the token positions of its mentions inside the window (may be empty)
    option_pos: list[list[tuple[int, int]]] = field(default_factory=list)
    #: per candidate, per option: the feature vector (candidate x option).
    option_feats: list[np.ndarray] = field(default_factory=list)


def _unit_cat(unit: str) -> int:
    if unit in ("USD", "USDT", "USDC"):
        return 0
    if unit == "percent":
        return 1
    if unit.isupper() and unit.isalpha():
        return 2
    return 3


def candidate_features(c: Candidate, title_chars: int, vote: RuleVote | None = None) -> np.ndarray:
    """Unit, magnitude, range, position in the sentence, title, the parser's qualifier,
    and the rules' decision."""
    f = np.zeros(CAND_FEATURES, dtype=np.float32)
    f[_BASE_FEATURES:] = _vote_features(vote)
    f[_unit_cat(c.q.unit)] = 1.0
    o = len(_UNIT_CATS)
    v = abs(c.q.value)
    mag = math.floor(math.log10(v)) if v > 0 else _MAG_MIN
    f[o + min(max(mag, _MAG_MIN), _MAG_MAX) - _MAG_MIN] = 1.0
    o += _MAG_MAX - _MAG_MIN + 1
    f[o] = 1.0 if c.q.value_max is not None else 0.0
    o += 1
    f[o + min(c.index, 3)] = 1.0
    o += 4
    f[o] = 1.0 if c.q.start < title_chars else 0.0
    o += 1
    q = c.q.qualifier if c.q.qualifier in QUALIFIERS else "exact"
    f[o + QUALIFIERS.index(q)] = 1.0
    return f


def _dist_bucket(d: int) -> int:
    for i, b in enumerate(_DIST_BUCKETS):
        if d <= b:
            return i
    return len(_DIST_BUCKETS) - 1


class ArticleTokens:
    """The token ids and character offsets of one article text (tokenized once)."""

    def __init__(self, ids: list[int], offsets: list[tuple[int, int]]) -> None:
        # drop zero-width tokens (none expected from WordPiece, but be safe)
        keep = [i for i, (s, e) in enumerate(offsets) if e > s]
        self.ids = [ids[i] for i in keep]
        self.starts = [offsets[i][0] for i in keep]
        self.ends = [offsets[i][1] for i in keep]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Token index range [a, b) of the tokens overlapping chars [start, end)."""
        a = bisect_right(self.ends, start)
        b = bisect_left(self.starts, end)
        return a, max(b, a)


def build_windows(
    toks: ArticleTokens,
    groups: list[list[Candidate]],
    mentions: list[Mention],
    main: str | None,
    title_chars: int,
    cls_id: int,
    sep_id: int,
    votes: dict[int, RuleVote] | None = None,
    max_tokens: int = MAX_TOKENS,
) -> list[Window]:
    """The encoder windows of an article, each at most ``max_tokens`` long (the model's
    ``config.json`` says how long it was trained on); every candidate lands in exactly one."""
    t_a, t_b = toks.span(0, title_chars) if title_chars else (0, 0)
    t_b = min(t_b, t_a + TITLE_TOKENS)
    title_ids = toks.ids[t_a:t_b]
    m_tok = [toks.span(m.start, m.end) for m in mentions]
    title_labels = {m.label for m in mentions if m.start < title_chars}
    windows: list[Window] = []
    for cands in groups:
        s0, e0 = cands[0].sent_start, cands[0].sent_end
        in_title = s0 < title_chars
        ts, te = toks.span(s0, e0)
        prefix = [] if in_title else title_ids
        budget = max_tokens - 3 - len(prefix)
        left_lo = ts if in_title else max(ts - LEFT_CONTEXT_TOKENS, t_b if title_chars else 0, 0)
        cand_tok = [toks.span(c.q.start, c.q.end) for c in cands]
        # split the sentence into pieces that fit the budget
        pieces: list[tuple[int, int, list[int]]] = []
        if te - left_lo <= budget:
            pieces.append((left_lo, te, list(range(len(cands)))))
        else:
            i = 0
            while i < len(cands):
                a0 = max(ts, cand_tok[i][0] - budget // 3)
                lo = max(left_lo, a0 - LEFT_CONTEXT_TOKENS) if a0 == ts else a0
                hi = min(te, lo + budget)
                idx = []
                while i < len(cands) and cand_tok[i][1] <= hi:
                    idx.append(i)
                    i += 1
                if not idx:  # a single candidate longer than the budget
                    idx.append(i)
                    hi = min(te, max(hi, cand_tok[i][1]))
                    lo = max(lo, hi - budget)
                    i += 1
                pieces.append((lo, hi, idx))
        prev_labels = [mentions[j].label for j in range(len(mentions))
                       if mentions[j].end <= s0 and mentions[j].label != "MARKET"]
        prev_label = prev_labels[-1] if prev_labels else None
        for lo, hi, idx in pieces:
            ids = [cls_id, *prefix, sep_id, *toks.ids[lo:hi], sep_id]
            type_ids = [0] * (len(prefix) + 2) + [1] * (hi - lo + 1)
            off_b = len(prefix) + 2 - lo  # position in ids of article token k (window part)
            off_t = 1 - t_a  # position in ids of title token k
            w = Window(ids=ids, type_ids=type_ids)
            # asset options: labels of mentions inside the window, then main and prev
            opt_pos: dict[str, list[tuple[int, int]]] = {}
            opt_tok: dict[str, list[int]] = {}  # token index (article) of each mention
            for j, (ma, mb) in enumerate(m_tok):
                lab = mentions[j].label
                if lo <= ma and mb <= hi and mb > ma:
                    opt_pos.setdefault(lab, []).append((ma + off_b, mb + off_b))
                    opt_tok.setdefault(lab, []).append(ma)
                elif prefix and t_a <= ma and mb <= t_b and mb > ma:
                    opt_pos.setdefault(lab, []).append((ma + off_t, mb + off_t))
                    opt_tok.setdefault(lab, [])
            labels = list(opt_pos)
            for extra in (main, prev_label):
                if extra is not None and extra not in opt_pos:
                    labels.append(extra)
                    opt_pos[extra] = []
                    opt_tok[extra] = []
            w.option_labels = labels
            w.option_pos = [opt_pos[lab] for lab in labels]
            for k in idx:
                c = cands[k]
                ca, cb = cand_tok[k]
                if cb <= ca:  # no token (should not happen): use the nearest one
                    cb = ca + 1
                ca, cb = max(ca, lo), min(cb, hi)
                if cb <= ca:
                    ca, cb = max(lo, min(hi - 1, ca)), max(lo, min(hi - 1, ca)) + 1
                w.cand_pos.append((ca + off_b, cb + off_b))
                vote = votes.get(id(c)) if votes is not None else None
                w.cand_feats.append(candidate_features(c, title_chars, vote))
                w.cands.append(c)
                of = np.zeros((len(labels), OPTION_FEATURES), dtype=np.float32)
                for oi, lab in enumerate(labels):
                    toks_at = opt_tok[lab]
                    left = [ca - t for t in toks_at if t < ca and t >= ts]
                    right = [t - cb for t in toks_at if t >= cb]
                    ctx = [t for t in toks_at if t < ts]
                    of[oi, 0] = 1.0 if left else 0.0
                    of[oi, 1] = 1.0 if right else 0.0
                    of[oi, 2] = 1.0 if ctx else 0.0
                    of[oi, 3] = 1.0 if lab in title_labels else 0.0
                    of[oi, 4] = 1.0 if lab == main else 0.0
                    of[oi, 5] = 1.0 if lab == prev_label else 0.0
                    of[oi, 6] = 1.0 if lab == "MARKET" else 0.0
                    of[oi, 7] = 1.0 if lab == c.q.unit else 0.0
                    if left:
                        of[oi, 8 + _dist_bucket(min(left))] = 1.0
                    if right:
                        of[oi, 8 + len(_DIST_BUCKETS) + _dist_bucket(min(right))] = 1.0
                    of[oi, -2] = 1.0 if not toks_at else 0.0
                    of[oi, -1] = 1.0 if vote is not None and lab in vote.assets else 0.0
                w.option_feats.append(of)
            windows.append(w)
    return windows
