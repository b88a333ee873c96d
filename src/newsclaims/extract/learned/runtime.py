"""Run the trained claim model: ONNX Runtime encoder + numpy heads, on CPU, offline.

A model folder (``models/claims-minilm/``) holds:

- ``encoder.onnx``: the fine-tuned all-MiniLM-L6-v2 encoder, int8 (per-channel);
- ``tokenizer.json``: its WordPiece tokenizer (the ``tokenizers`` library reads it);
- ``heads.npz``: the heads' weights (see :mod:`.heads`);
- ``config.json``: vocabularies, window budget, calibration temperatures, thresholds;
- ``MODEL_CARD.md``: data, command, scores, size, speed.

The model decides, for every candidate quantity the rules found: whether it is a
claim and of which type, its asset among the assets in context, window, side,
qualifier, direction, level status, whether it is stated for a past time, and
whether a crossed level is also a price. The rules keep what is exact: quantity
parsing and normalization, the asset lexicon, spans, subjects, dates.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ...encoder import load_encoder
from ...errors import SettingsError
from ..classify import RuleClassifier
from ..cues import (
    CLAUSE_BREAK,
    CROSS_BEFORE,
    CROSS_LEVEL,
    DISTANCE_FROM_EXTREME_RIGHT,
    LEFT_REACH,
    STABLECOINS,
    TABLE_NEXT_VALUE,
)
from ..drafts import Candidate, Draft, Mention, Prepared
from .features import (
    DIRECTIONS,
    QUALIFIERS,
    SIDES,
    STATUSES,
    TYPES,
    WINDOWS,
    ArticleTokens,
    RuleVote,
    Window,
    build_windows,
    rule_votes,
)
from .heads import Heads, sigmoid, softmax
from .when import resolve_when

logger = logging.getLogger(__name__)

#: the types whose figure is a change: sign from the direction head.
_SIGNED_TYPES = frozenset({"price_change", "etf_flow", "unrealized_pnl"})
#: types that are a level when no direction is given, a change when one is.
_LEVEL_OR_CHANGE = frozenset({"open_interest", "market_cap", "volume", "dominance", "liquidation"})
_LEVELS = frozenset({"support", "resistance"})
#: the types whose figure is an asset's price or move: the asset named right before it governs.
_PRICED = frozenset({"price", "price_change", "support", "resistance"})
#: the types whose figure always covers a window (a change, a flow, a day's volume).
_WINDOWED = frozenset({"price_change", "etf_flow", "liquidation", "volume"})
#: a window phrase that starts at most this many characters after the figure, with no
#: other number between, is the figure's own ("49% in just nine days", "4% in the last 24
#: hours", "up 20% on the week"): it is read from the text, not decided by the window head
#: (whose classes have no nine days, 14 days or year-to-date, and which confuses the
#: windows of two figures in one sentence).
ADJACENT_WINDOW_CHARS = 24
_SPAN_OF_EXTREME = re.compile(r"^\S+(?:[\s-]\S+){0,2}?[\s-](?:highs?|lows?|peaks?|tops?|bottoms?|records?)\b", re.IGNORECASE)
_YTD_RIGHT = re.compile(
    r"^[\s,]*(?:(?:gain|rise|drop|decline|fall|loss|increase|decrease|surge|rally|jump|climb)s?\s+)?(?:(?:so\s+far|in|for|over|on)\s+)?(?:the\s+)?(?:year[- ]to[- ]date|YTD|so\s+far\s+this\s+year|this\s+year)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ModelInfo:
    """What ``config.json`` says about a trained model."""

    name: str
    temperature: float
    asset_threshold: float
    max_tokens: int
    batch_size: int


def default_model_dir() -> Path | None:
    """The bundled model: inside the installed package, else the source checkout's ``models/``."""
    here = Path(__file__).resolve()
    for cand in (here.parents[2] / "data" / "models" / "claims-minilm",
                 here.parents[4] / "models" / "claims-minilm"):
        if (cand / "encoder.onnx").is_file():
            return cand
    return None


class ClaimModel:
    """The learned claim classifier. Load once per process; call :meth:`decide`."""

    def __init__(self, model_dir: str | os.PathLike[str], threads: int = 1, cascade: bool = False) -> None:
        d = Path(model_dir)
        #: read only the windows in which the rules found a claim (``extract.cascade``).
        self.cascade = cascade
        missing = [f for f in ("encoder.onnx", "tokenizer.json", "heads.npz", "config.json")
                   if not (d / f).is_file()]
        if missing:
            raise SettingsError(f"claim model folder {d} lacks {', '.join(missing)}")
        self.dir = d
        cfg = json.loads((d / "config.json").read_text(encoding="utf-8"))
        self.config: dict[str, Any] = cfg
        self.info = ModelInfo(
            name=str(cfg.get("name", d.name)),
            temperature=float(cfg.get("temperature", 1.0)),
            asset_threshold=float(cfg.get("asset_threshold", 0.5)),
            max_tokens=int(cfg.get("max_tokens", 128)),
            batch_size=int(cfg.get("batch_size", 32)),
        )
        for key, vocab in (("types", TYPES), ("windows", WINDOWS), ("sides", SIDES),
                           ("qualifiers", QUALIFIERS), ("directions", DIRECTIONS),
                           ("statuses", STATUSES)):
            if tuple(cfg.get(key, vocab)) != vocab:
                raise SettingsError(f"claim model {d}: its {key} vocabulary differs from this version's")
        self.tokenizer, self.session = load_encoder(d, threads)
        cls_id = self.tokenizer.token_to_id("[CLS]")
        sep_id = self.tokenizer.token_to_id("[SEP]")
        if cls_id is None or sep_id is None:
            raise SettingsError(f"claim model {d}: its tokenizer has no [CLS]/[SEP] token")
        self.cls_id, self.sep_id = int(cls_id), int(sep_id)
        self.input_names = {i.name for i in self.session.get_inputs()}
        with np.load(d / "heads.npz") as z:
            self.heads = Heads({k: z[k] for k in z.files})
        self.rules = RuleClassifier()  # for spans, subjects and stated windows

    # ------------------------------------------------------------------ encoding

    def tokens(self, text: str) -> ArticleTokens:
        enc = self.tokenizer.encode(text, add_special_tokens=False)
        return ArticleTokens(enc.ids, enc.offsets)

    def encode(self, windows: list[Window]) -> list[np.ndarray]:
        """Token vectors (T_i, D) of each window, batched by similar length."""
        out: list[np.ndarray | None] = [None] * len(windows)
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].ids))
        bs = self.info.batch_size
        for b0 in range(0, len(order), bs):
            idx = order[b0 : b0 + bs]
            t = max(len(windows[i].ids) for i in idx)
            ids = np.zeros((len(idx), t), dtype=np.int64)
            mask = np.zeros((len(idx), t), dtype=np.int64)
            tt = np.zeros((len(idx), t), dtype=np.int64)
            for r, i in enumerate(idx):
                n = len(windows[i].ids)
                ids[r, :n] = windows[i].ids
                mask[r, :n] = 1
                tt[r, :n] = windows[i].type_ids
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                feeds["token_type_ids"] = tt
            hidden = self.session.run(None, feeds)[0]
            for r, i in enumerate(idx):
                out[i] = hidden[r, : len(windows[i].ids)]
        return [o for o in out if o is not None]

    # ------------------------------------------------------------------ decisions

    def windows(self, p: Prepared, votes: dict[int, RuleVote] | None = None) -> list[Window]:
        """The encoder windows of one article, as long as the model was trained on
        (``max_tokens`` of its ``config.json``); ``votes`` are the rules' decisions
        (:func:`rule_votes`), read as features."""
        return build_windows(self.tokens(p.text), p.groups, p.mentions, p.main, p.title_chars, self.cls_id,
                             self.sep_id, votes, max_tokens=self.info.max_tokens)

    def decide(self, p: Prepared, published_at: datetime | None = None,
               rule_drafts: list[Draft] | None = None) -> list[Draft]:
        """Claim drafts for the candidate groups of one article (before merging).

        ``rule_drafts`` are the rule classifier's drafts for the same candidates: the
        model reads them as features and decides.
        """
        if not p.groups:
            return []
        votes = rule_votes(p.groups, rule_drafts or [])
        windows = self.windows(p, votes)
        if self.cascade:
            windows = self.cascaded(windows, votes)
        vectors = self.encode(windows)
        drafts: list[Draft] = []
        for w, hv in zip(windows, vectors, strict=True):
            drafts.extend(self._decide_window(w, hv, p.text, published_at, p.mentions))
        return drafts

    @staticmethod
    def cascaded(windows: list[Window], votes: dict[int, RuleVote]) -> list[Window]:
        """The windows in which the rules found at least one claim (``votes``, from
        :func:`rule_votes`): the others' numbers stay non-claims without a model pass
        (``extract.cascade``; about half the windows of real articles)."""
        return [w for w in windows if any(id(c) in votes for c in w.cands)]

    def _decide_window(self, w: Window, hv: np.ndarray, text: str,
                       published_at: datetime | None, mentions: Sequence[Mention] = ()) -> list[Draft]:
        if not w.cands:
            return []
        span = np.stack([hv[a:b].mean(axis=0) for a, b in w.cand_pos])
        cls = np.repeat(hv[0:1], len(w.cands), axis=0)
        feats = np.stack(w.cand_feats)
        h = self.heads.hidden(span, cls, feats)
        logits = self.heads.logits(h)
        p_type = softmax(logits["type"], self.info.temperature)
        if not np.any(p_type[:, 1:].max(axis=1) > p_type[:, 0]):
            return []
        opt_vec = (np.stack([hv[[p for a, b in pos for p in range(a, b)]].mean(axis=0) if pos
                             else np.zeros(hv.shape[1], dtype=np.float32) for pos in w.option_pos])
                   if w.option_labels else np.zeros((0, hv.shape[1]), dtype=np.float32))
        none_logit = self.heads.none_score(h)
        out: list[Draft] = []
        for i, c in enumerate(w.cands):
            t = int(p_type[i].argmax())
            if t == 0:
                continue
            typ = TYPES[t]
            conf_type = float(p_type[i, t])
            assets, conf_asset = self._assets(h[i], opt_vec, w.option_feats[i], w.option_labels,
                                              float(none_logit[i]))
            if typ in _PRICED:
                seg_left = text[max(c.seg_start, c.q.start - LEFT_REACH) : c.q.start]
                if self.rules._out_of_scope(c, seg_left, list(mentions)):
                    continue  # "the Core PCE index rose 2.7%": a stock, commodity or macro figure
                # "XRP dropped 4%", "including Bitcoin (2.2%)": the one asset named between
                # the previous figure and this one, in its clause, is the figure's
                own = own_segment_asset(c, mentions)
                if own is not None:
                    assets = [own]
            out.extend(self._drafts(c, typ, conf_type * conf_asset, assets,
                                    {k: v[i] for k, v in logits.items()}, text, published_at))
        return out

    def _assets(self, h: np.ndarray, opt_vec: np.ndarray, opt_feats: np.ndarray,
                labels: list[str], none_logit: float) -> tuple[list[str | None], float]:
        p_none = float(sigmoid(np.array(none_logit)))
        if not labels:
            return [None], max(p_none, 0.5)
        p = sigmoid(self.heads.asset_scores(h, opt_vec, opt_feats))
        best = int(p.argmax())
        if p_none > p[best]:
            return [None], p_none
        chosen = [labels[j] for j in np.argsort(-p) if p[j] >= self.info.asset_threshold]
        if not chosen:
            chosen = [labels[best]]
        return list(chosen), float(p[best])

    def _drafts(self, c: Candidate, typ: str, conf: float, assets: list[str | None],
                lg: dict[str, np.ndarray], text: str, published_at: datetime | None) -> list[Draft]:
        q = c.q
        unit = q.unit
        if typ == "price_change" and unit == "percent" and DISTANCE_FROM_EXTREME_RIGHT.match(text[q.end : q.end + 80]):
            return []  # "4.3% below its all-time high": a distance, not a claim (spec/claims.md)
        value = abs(q.value)
        value_max = abs(q.value_max) if q.value_max is not None else None
        if value_max is not None and value_max < value:
            value, value_max = value_max, value
        if unit in ("USDT", "USDC", "BUSD", "FDUSD", "number"):
            if unit == "number" and re.match(r"\s*cents?\b", text[q.end : q.end + 8], re.I):
                value /= 100.0
            unit = "USD"
        direction: str | None = DIRECTIONS[int(lg["direction"].argmax())]
        if direction == "none":
            direction = None
        signed = q.text[:1] in "+-−"
        if signed and q.value < 0:
            direction = "down" if typ in _SIGNED_TYPES | _LEVEL_OR_CHANGE else direction
        if typ in _SIGNED_TYPES and direction is None:
            direction = "up"
        if typ not in _SIGNED_TYPES | _LEVEL_OR_CHANGE:
            direction = None
        sv = -value if direction == "down" else value
        svm = (-value_max if direction == "down" else value_max) if value_max is not None else None
        if typ == "funding_rate" and signed and q.value < 0:
            sv = q.value
        window: str | None = WINDOWS[int(lg["window"].argmax())]
        if window == "none":
            window = None
        elif window == "other":
            window = self._stated_window(c)
        if typ in _WINDOWED or (typ in _LEVEL_OR_CHANGE and direction is not None):
            window = adjacent_window(text, q.end, c.sent_end, published_at) or window
        side = SIDES[int(lg["side"].argmax())] if typ == "liquidation" else "none"
        qualifier = QUALIFIERS[int(lg["qualifier"].argmax())]
        lexical = self.rules._qualifier(c)
        if lexical != "exact":
            # the words right before the figure ("above the", "below", "around") say it
            qualifier = lexical
        status = STATUSES[int(lg["status"].argmax())] if typ in _LEVELS else "none"
        if typ in _LEVELS and status == "none":
            status = "active"
        past = float(softmax(lg["past"])[1]) > 0.5
        when = resolve_when(text, c.sent_start, c.q.start, c.q.end, c.sent_end, published_at) if past else None
        left = RuleClassifier._clause_left(c)
        start, end = RuleClassifier._span(c, left, tuple(assets))
        subject = self.rules._subject(c, typ)
        drafts = [
            Draft(type=typ, asset=a, value=sv, unit=unit, start=start, end=end,
                  sent_start=c.sent_start, sent_end=c.sent_end, value_max=svm,
                  direction=direction, window=window, side=None if side == "none" else side,
                  qualifier=qualifier, subject=subject, confidence=round(conf, 4),
                  extractor="model", status=None if status == "none" else status, when=when)
            for a in assets
        ]
        if typ in _LEVELS and float(softmax(lg["twin"])[1]) > 0.5:
            m = CROSS_LEVEL.search(left) or CROSS_BEFORE.search(left[-60:])
            ql = "at_most" if m is not None and m.group(1).lower() in ("below", "under") else "at_least"
            drafts += [Draft(type="price", asset=d.asset, value=value, unit=unit, start=start,
                             end=end, sent_start=c.sent_start, sent_end=c.sent_end,
                             qualifier=ql, confidence=round(conf, 4), extractor="model", when=when)
                       for d in drafts]
        return drafts

    @staticmethod
    def _stated_window(c: Candidate) -> str | None:
        """A window other than the usual ones: read the phrase from the clause."""
        left = c.text[max(c.sent_start, c.q.start - 120) : c.q.start]
        right = c.text[c.q.end : min(c.sent_end, c.q.end + 80)]
        w, _ = RuleClassifier._window_in(right)
        if w is None:
            w, _ = RuleClassifier._window_in(left, last=True)
        return _in_days(w)


def own_segment_asset(c: Candidate, mentions: Sequence[Mention]) -> str | None:
    """The one asset named in the figure's own segment (after the previous figure of the
    sentence) and clause, before it, or None when none or several are.

    >>> from newsclaims.quantities import parse_quantities
    >>> t = "Solana tumbled over 6% to $152.80, XRP dropped 4% to $2.20."
    >>> q = [q for q in parse_quantities(t) if q.text.startswith("4")][0]
    >>> c = Candidate(q, 0, len(t), t.index("$152.80") + 7, t.index("$2.20"), 2, t)
    >>> own_segment_asset(c, [Mention(0, 6, "SOL"), Mention(t.index("XRP"), t.index("XRP") + 3, "XRP")])
    'XRP'
    """
    seg = [m for m in mentions if c.seg_start <= m.start and m.end <= c.q.start
           and m.label not in STABLECOINS and m.label != "MARKET"]
    if not seg:
        return None
    last = max(m.end for m in seg)
    if CLAUSE_BREAK.search(c.text, last, c.q.start):
        return None
    labels = {m.label for m in seg}
    return labels.pop() if len(labels) == 1 else None


def _in_days(w: str | None) -> str | None:
    """Years as days, the way gold writes them (``P1Y`` is ``P365D``)."""
    if w is not None and w.startswith("P") and w.endswith("Y"):
        return f"P{365 * int(w[1:-1])}D"
    return w


def adjacent_window(text: str, end: int, sent_end: int, published_at: datetime | None) -> str | None:
    """The window phrase right after a figure ending at ``end``, as an ISO duration, or None.

    Year-to-date is the days from 1 January to publication (spec/claims.md), so it needs
    ``published_at``.

    >>> t = "Dogecoin has surged 49% in just nine days, and ETH 4% in the last 24 hours."
    >>> adjacent_window(t, t.index("%") + 1, len(t), None), adjacent_window(t, t.rindex("%") + 1, len(t), None)
    ('P9D', 'PT24H')
    >>> t = "ETH is still down 8% year-to-date."
    >>> adjacent_window(t, t.index("%") + 1, len(t), datetime(2025, 7, 1))
    'P181D'
    >>> t = "ETH retraced 11% from its three-month high."
    >>> adjacent_window(t, t.index("%") + 1, len(t), None) is None
    True
    >>> t = "Last 7 Days -4.09% Last 24 Hours -1.49%"
    >>> adjacent_window(t, t.index("%") + 1, len(t), None) is None
    True
    >>> t = "BTC rose 5% to $110,000 over the past week."
    >>> adjacent_window(t, t.index("%") + 1, len(t), None) is None
    True
    """
    right = text[end : min(sent_end, end + 80)]
    m_break = CLAUSE_BREAK.search(right)
    if m_break is not None:
        right = right[: m_break.start()]
    if _YTD_RIGHT.match(right):
        if published_at is None:
            return None
        days = (published_at.date() - published_at.date().replace(month=1, day=1)).days
        return f"P{days}D" if days > 0 else None
    w, pos = RuleClassifier._window_in(right)
    if w is None or pos > ADJACENT_WINDOW_CHARS or re.search(r"\d", right[:pos]):
        return None
    if TABLE_NEXT_VALUE.search(right[pos : pos + 30]):
        return None  # a table's next row ("-4.09% Last 24 Hours -1.49%"): the label of the next figure
    if _SPAN_OF_EXTREME.search(right[pos : pos + 30]):
        return None  # "11% from its three-month high": the span of the high, not of the move
    return _in_days(w)
