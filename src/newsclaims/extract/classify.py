"""The rule classifier (decision point 2): a candidate in context -> a decision."""

from __future__ import annotations

import re
from dataclasses import replace

from ..models import Quantity
from .cues import (
    _WINDOWS,
    ASSET_WORTH,
    AVERAGE_PRICE,
    BARE_LEVEL_LEFT,
    BARE_LEVEL_NOT_RIGHT,
    BARE_LEVEL_OTHER,
    BARE_LEVEL_RIGHT,
    BARE_QUOTE,
    CENTS,
    CHANGE_ADJ,
    CHANGE_CONTINUES,
    CLAUSE_BREAK,
    CLAUSE_BREAK_TYPE,
    CLAUSE_COLON,
    COMPARED,
    COMPARED_REACH,
    CONF_CARRY,
    CONF_CUE,
    CONF_FALLBACK_ASSET,
    CONSUMED,
    COORD_GAP,
    CROSS_BEFORE,
    CROSS_LEVEL,
    CUE_LEFT_REACH,
    DISTANCE_FROM_EXTREME_RIGHT,
    EARLIER_FIGURE_REACH,
    ETF_ISSUER,
    FIGURE_LINK,
    FROM_LEFT,
    FUTURE_DATE_RIGHT,
    GLUED_WIDGET,
    HIGH_LOW_WINDOW,
    HISTORICAL,
    HOLDER,
    HOLDINGS_LEFT,
    LEFT_REACH,
    LEVEL_LEFT_REACH,
    LEVEL_ROW_LABEL,
    LEVEL_ROW_REACH,
    LEVEL_TYPES,
    LIST_GAP_WORDS,
    LIST_GOES_ON,
    LIST_SEP,
    MARKET_CAP_MIN_USD,
    MARKET_LIQUIDATION_USD,
    MARKET_MOVE_LEFT,
    MARKET_MOVE_MIN_USD,
    MAX_PRICE_USD,
    MAX_STABLECOIN_MOVE,
    METRIC_APPOSITION,
    METRIC_OF,
    METRIC_TYPES,
    MIN_METRIC_USD,
    MODAL_AFTER,
    MODAL_RIGHT,
    MOVE_WORD,
    MOVING_AVERAGE_LEFT,
    NEXT_NUMBER_CUE,
    NEXT_ROW_LABEL,
    NON_MARKET_METRIC,
    NUMBER_WORDS,
    OF_RIGHT,
    OI_DOMINANCE,
    OTHER_METRIC,
    OWN_ROW_LABEL,
    PER_UNIT_RIGHT,
    PER_UNIT_SUPPOSED,
    PERCENT_CHANGE_NOUN_RIGHT,
    PERCENT_LEVEL_LEFT,
    PERIOD_LABEL,
    POINT_LEVEL_TYPES,
    PRICE_AFTER_CHANGE,
    PRICE_SUBJECT,
    PRICE_WINDOW_RIGHT,
    PRICING_EACH_LEFT,
    PRONOUN,
    PURCHASE,
    QUESTION_TAIL,
    RANKED_BY,
    RATIO,
    RECENT_ASSET_CHARS,
    RECORD_SINCE,
    RECORD_SPAN,
    RIGHT_REACH,
    SHARE_RIGHT,
    STABLECOINS,
    TABLE_NEXT_VALUE,
    TARGET_RIGHT,
    TIGHT_RIGHT,
    TITLE_MAY_MODAL,
    TITLE_OPINION,
    TITLE_PRICE_LABEL,
    TITLE_TO_LEFT,
    TO_BEFORE,
    TRADING_RESULT_RIGHT,
    TVL_LEFT,
    VENUE_BEFORE,
    VOLATILITY_RIGHT,
    WINDOW_RIGHT,
    WINDOW_RIGHT_PREFERRED,
    YEAR,
    Cues,
    last_match,
)
from .drafts import (
    Candidate,
    Decision,
    Draft,
    Mention,
)

# --------------------------------------------------------------------------- classifier

#: types whose asset, when unnamed in the sentence, is the one named just before.
PRICE_TYPES = frozenset({"price", "price_change", "support", "resistance"})

#: metrics whose asset, when unnamed in the sentence, is the one named just before
#: ("XRP continued its rally ... Futures open interest rose to $9.98 billion"), not
#: the article's main asset, when the title names that asset too (a story about two coins).
NEARBY_ASSET_METRICS = frozenset({"open_interest"})

#: the rest of a word a span start fell into (letters, digits, inner ' or -), then blanks.
_WORD_TAIL = re.compile(r"[\w'’-]*\s*")


def is_bare_level(text: str, q: Quantity, lo: int = 0) -> bool:
    """Whether a number with no "$" is a support or resistance price.

    Chart write-ups give levels as bare quotes ("Immediate support rests at 3.00",
    "support rests at 117169", "support at the 112000 handle"). Only a level word
    right before it counts (not before ``lo``, the sentence start), and only a number
    written like a quote (two decimals, or five or more digits, or followed by
    "handle"), so that years, counts, indicator readings ("the 50 level on the RSI")
    and Fibonacci ratios stay out; the asset's price scale is checked later, as for
    every price.
    """
    if q.unit != "number" or q.value_max is not None or q.value <= 0 or not q.text[:1].isdigit():
        return False
    if BARE_LEVEL_LEFT.search(text, max(lo, q.start - 50), q.start) is None:
        return False
    if BARE_LEVEL_OTHER.search(text, max(lo, q.start - 120), q.start) is not None:
        return False
    right = text[q.end : q.end + 20]
    if BARE_LEVEL_NOT_RIGHT.match(right) or not BARE_LEVEL_RIGHT.match(right):
        return False
    return (BARE_QUOTE.fullmatch(q.text.replace(",", "")) is not None
            or re.match(r"^\s*handle\b", right, re.I) is not None)


class RuleClassifier:
    """Decides type, asset, window, direction, side and qualifier from cue words."""

    def __init__(self) -> None:
        self.cues = Cues.load()
        # Per-sentence memo of the checks that read the whole sentence (computed once
        # for all its numbers). Keyed by the text object itself (kept alive here, so
        # its identity cannot be reused by another article) and the sentence span.
        self._memo_text: str | None = None
        self._memo_span = (-1, -1)
        self._memo_presale = False
        #: the year the article was published, when known (set per document by the
        #: claim component): a year before it in a clause makes the figure history,
        #: a year after it a forecast.
        self.published_year: int | None = None
        #: length of the title in the text (set per document like ``published_year``).
        self.title_chars = 0

    def _sentence_memo(self, c: Candidate) -> None:
        """Compute the per-sentence checks for ``c``'s sentence if not done yet."""
        span = (c.sent_start, c.sent_end)
        if self._memo_text is not c.text or self._memo_span != span:
            self._memo_text = c.text
            self._memo_span = span
            # Presale promotions ("Token price: $0.00254", "raised $7.6M") are advertising.
            self._memo_presale = self.cues.presale.search(
                c.text[max(0, c.sent_start - 200) : c.sent_end]) is not None

    # -- helpers --------------------------------------------------------------

    @staticmethod
    def _clause_left(c: Candidate, breaks: re.Pattern[str] = CLAUSE_BREAK) -> str:
        """Text left of the number back to the nearest clause break (same sentence)."""
        left = c.text[max(c.sent_start, c.q.start - LEFT_REACH) : c.q.start]
        last = None
        for m in breaks.finditer(left):
            last = m
        return left[last.end() :] if last is not None else left

    @staticmethod
    def _level_right(c: Candidate) -> str:
        """Right context for support/resistance words: the clause, plus a "which ..." tail."""
        right = c.right
        m = CLAUSE_BREAK.search(right)
        while m is not None and re.match(r",\s+(?:which|that)\b", m.group(0)):
            m = CLAUSE_BREAK.search(right, m.end())
        right = right[: m.start()] if m is not None else right
        if c.seg_end < c.sent_end and c.q.end + len(right) >= c.seg_end:
            # "broke above $0.2875, hitting resistance at $0.2980": the word is the next number's
            right = NEXT_NUMBER_CUE.sub("", right)
        return right

    @staticmethod
    def _clause_right(c: Candidate) -> str:
        right = c.right
        m = CLAUSE_BREAK.search(right)
        return right[: m.start()] if m is not None else right

    def _type_cue(self, left: str, right: str, consumed: int = 0,
                  left_best: tuple[str | None, int] | None = None) -> tuple[str | None, int]:
        """The metric or level type named nearest the number: (type, distance).

        A negative distance marks a cue on the right that is tied to the number by
        a preposition ("$260M in long liquidations"); it beats any cue on the left.
        ``left_best`` is the left side's answer when already known.
        """
        best = left_best if left_best is not None else self._left_cue(left, consumed)
        m2 = self.cues.type_search(right) if right else None
        if m2 is not None:
            d = m2.start() + 1  # the right side loses ties to the left
            if TIGHT_RIGHT.match(right[: m2.start()]) is not None:
                return m2.lastgroup, -1
            if d < best[1]:
                best = (m2.lastgroup, d)
        return best

    def _left_cue(self, left: str, consumed: int = 0) -> tuple[str | None, int]:
        """The type cue nearest the number on its left, within its reach."""
        best: tuple[str | None, int] = (None, 10**6)
        # one pass over each side with all types in one pattern (named groups)
        for m in self.cues.type_matches(left):
            typ = m.lastgroup
            d = len(left) - m.end()
            if typ == "market_cap" and RANKED_BY.search(left[: m.start()]):
                continue  # "the largest cryptocurrency by market cap"
            if m.start() < consumed:
                continue  # "$5 support level, at $5.142": the word belongs to "$5"
            reach = LEVEL_LEFT_REACH if typ in LEVEL_TYPES else CUE_LEFT_REACH
            if d <= reach and d < best[1]:
                best = (typ, d)
        return best

    @staticmethod
    def _own_words(c: Candidate, left: str) -> str:
        """``left`` without the words that close an earlier figure of the sentence: in
        "0.2% in weekly losses and 0.03% in gains", "in weekly losses" is the 0.2%'s."""
        if c.seg_start <= c.sent_start or c.q.start - len(left) != c.seg_start:
            return left
        m = FIGURE_LINK.search(left, 0, EARLIER_FIGURE_REACH)
        return " " * m.end() + left[m.end():] if m is not None else left

    def _direction(self, left: str, right: str) -> str | None:
        """The change direction named nearest the number."""
        best: tuple[str | None, int] = (None, 10**6)
        for dirn, pat in (("down", self.cues.down), ("up", self.cues.up)):
            for m in pat.finditer(left):
                d = len(left) - m.end()
                if d < best[1]:
                    best = (dirn, d)
            m2 = pat.search(right[:40])
            if m2 is not None and m2.start() + 1 < best[1]:
                best = (dirn, m2.start() + 1)
        return best[0]

    @staticmethod
    def _window_in(text: str, last: bool = False) -> tuple[str | None, int]:
        """The first (or ``last``) window phrase in ``text`` and its position."""
        best: tuple[str | None, int] = (None, -1 if last else 10**6)
        if "in " in text:
            text = RECORD_SPAN.sub(lambda m: m.group(0)[: m.start(1) - m.start()] + " " * len(m.group(1)), text)
        for pat, iso in _WINDOWS:
            m = last_match(pat, text) if last else pat.search(text)
            if m is None or (m.start() <= best[1] if last else m.start() >= best[1]):
                continue
            if iso is None:
                n_raw = m.group(1).lower()
                n = int(n_raw) if n_raw.isdigit() else NUMBER_WORDS.get(n_raw, 0)
                unit = m.group(2).lower()
                if n <= 0:
                    continue
                if unit.startswith("hour"):
                    iso_v = "PT24H" if n == 24 else f"PT{n}H"
                elif unit.startswith("day"):
                    iso_v = "PT24H" if n == 1 else f"P{n}D"
                elif unit.startswith("week"):
                    iso_v = f"P{7 * n}D"
                elif unit.startswith("year"):
                    iso_v = f"P{n}Y"
                else:
                    iso_v = "P1Y" if n == 12 else f"P{30 * n}D"
                best = (iso_v, m.start())
            else:
                best = (iso, m.start())
        return best

    def _qualifier(self, c: Candidate) -> str:
        q = c.q.qualifier
        if q != "exact":
            return q
        left = c.text[max(c.sent_start, c.q.start - 30) : c.q.start].lower()
        if re.search(r"\b(?:above|over|past|beyond|exceed\w*|surpass\w*|top(?:ped|s)?|crossed|topping|north of|upwards of|at least|in excess of)\s+(?:the\s+)?\$?$", left):
            return "at_least"
        if re.search(r"\b(?:below|under|beneath|south of|sub|at most|up to|less than|short of)\s+(?:the\s+)?\$?$", left):
            return "at_most"
        if re.search(r"\b(?:near|around|about|roughly|approximately|nearly|almost|close to|some|circa|approx\.?|~|≈)\s*(?:the\s+)?\$?$", left):
            return "approx"
        return "exact"

    def _assets(self, c: Candidate, mentions: list[Mention], main: str | None,
                prev: Decision | None, typ: str) -> tuple[tuple[str | None, ...], bool]:
        """The asset(s) governing the number, and whether the main-asset fallback was used."""
        if typ in ("price", "support", "resistance", "price_change") or c.q.unit not in ("USD", "percent"):
            # a stablecoin or the unit of the amount is not what is priced ("0.022 BTC")
            mentions = [m for m in mentions if m.label not in STABLECOINS and m.label != c.q.unit]
        s0 = max(c.sent_start, c.q.start - 200)
        clause0 = c.q.start - len(self._clause_left(c, CLAUSE_COLON))
        s0 = max(s0, clause0) if c.index == 0 else s0
        left_m = self._subjects([m for m in mentions if s0 <= m.start and m.end <= c.q.start], c)
        seg_left = [m for m in left_m if m.start >= c.seg_start]
        right_lim = min(c.seg_end, c.q.end + 60)
        clause_right = c.q.end + len(self._clause_right(c))
        right_m = [m for m in mentions if c.q.end <= m.start < min(right_lim, clause_right)]
        chosen: list[Mention] = []
        if seg_left:
            chosen = self._coordinated(seg_left, c.text)
        elif right_m and re.match(r"^\s*(?:\)|worth of|in|of|across|for|on|from|into|to)\b", c.text[c.q.end : right_m[0].start] or " ") is not None and not (left_m and typ in ("price", "price_change", "support", "resistance")):
            chosen = [right_m[0]]
        elif prev is not None and prev.assets and (prev.type is not None or prev.excluded):
            return prev.assets, False
        elif left_m:
            chosen = self._coordinated(left_m, c.text)
        if chosen:
            labels: list[str | None] = []
            for m in sorted(chosen, key=lambda m: m.start):
                if m.label not in labels:
                    labels.append(m.label)
            # A specific asset beats MARKET named in the same coordination.
            if len(labels) > 1 and "MARKET" in labels:
                labels.remove("MARKET")
            if not (labels == ["MARKET"] and typ in ("price", "support", "resistance")):
                return tuple(labels), False
        lo = c.sent_start if typ in METRIC_TYPES else c.q.start - len(self._clause_left(c))
        sent_market = any(m.label == "MARKET" for m in mentions if lo <= m.start < c.sent_end)
        if sent_market or (typ == "liquidation" and abs(c.q.value) >= MARKET_LIQUIDATION_USD):
            return ("MARKET",), False
        # "Its trading volume ...", "The price fell 1.17%": the asset named last
        # before this sentence (a price with no asset in its sentence is, in a
        # multi-coin roundup, the coin of the paragraph, not the article's main one).
        before = [m for m in mentions
                  if c.sent_start - RECENT_ASSET_CHARS <= m.start < c.sent_start and m.label != "MARKET"]
        if (before and typ in NEARBY_ASSET_METRICS
                and any(m.label == before[-1].label and m.start < self.title_chars for m in mentions)):
            return (before[-1].label,), True
        if before and (PRONOUN.search(c.text[c.sent_start : c.q.start]) or typ in PRICE_TYPES):
            recent = [m.label for m in before]
            # "the token has clawed back 6%": the article's own asset if it was just named
            return ((main if main in recent else recent[-1]),), True
        return (main,), True

    @staticmethod
    def _compared_figure(c: Candidate, mentions: list[Mention]) -> bool:
        """Whether the figure is what the subject is compared with, owned by something
        that is no asset:
        "BTC is up 12.4%, easily outperforming the luxury watch market's modest +3.5%"."""
        lo = max(c.sent_start, c.seg_start, c.q.start - 2 * COMPARED_REACH)
        m = last_match(COMPARED, c.text[lo : c.q.start])
        if m is None:
            return False
        at = lo + m.end()
        return (re.search(r"\w['’]s?\s", c.text[at : c.q.start]) is not None
                and not any(at <= mm.start < c.q.start for mm in mentions))

    @staticmethod
    def _subjects(ms: list[Mention], c: Candidate) -> list[Mention]:
        """``ms`` without the assets the subject is compared with ("XRP has outperformed
        both Bitcoin and Ethereum, showing a 335% gain"), unless the figure is the
        compared asset's own ("outperforming ETH's 2%") or nothing else is named."""
        text = c.text

        def compared(m: Mention) -> bool:
            return COMPARED.search(text, max(c.sent_start, m.start - COMPARED_REACH), m.start) is not None

        if not ms or not any(compared(m) for m in ms):
            return ms
        if compared(ms[-1]) and (re.match(r"['’]s?\b", text[ms[-1].end : ms[-1].end + 2])
                                 or re.search(r",\s*(?:which|that|whose)\b", text[ms[-1].end : c.q.start])):
            return ms  # "outperforming ETH's 2%", "outpacing Bitcoin funds, which grew 9.8%"
        kept = [m for m in ms if not compared(m)]
        return kept or ms

    @staticmethod
    def _coordinated(ms: list[Mention], text: str) -> list[Mention]:
        """The nearest mention plus those joined to it by commas/and ("A, B and C")."""
        out = [ms[-1]]
        for m in reversed(ms[:-1]):
            gap = text[m.end : out[-1].start]
            if m.label == out[-1].label and len(gap) <= 24 and "," not in gap:
                out.append(m)  # "Ether (ETH)", "Solana's SOL"
                continue
            if COORD_GAP.fullmatch(gap):
                out.append(m)
                continue
            break
        return out

    # -- the decision -------------------------------------------------------------

    def classify(self, c: Candidate, mentions: list[Mention], main: str | None,
                 prev: Decision | None, prev_sent: Decision | None = None) -> Decision:
        """Decide what ``c`` claims, given the previous decision in its sentence."""
        q = c.q
        text = c.text
        unit = q.unit
        value = abs(q.value)
        value_max = abs(q.value_max) if q.value_max is not None else None
        if value_max is not None and value_max < value:
            value, value_max = value_max, value
        if unit == "number" and CENTS.match(text[q.end : q.end + 8]) and prev is not None:
            unit, value = "USD", value / 100.0
        if unit == "number" and is_bare_level(text, q, c.sent_start):
            unit = "USD"  # "Immediate support rests at 3.00", "support at the 112000 handle"
        if unit in ("number", "bp"):
            return Decision()
        if unit in ("USDT", "USDC", "BUSD", "FDUSD"):
            unit = "USD"
        # A name with a number in it is not money: "USD1" (a stablecoin), "Web3".
        if q.text[:1].isalpha() and text[q.end : q.end + 1].isalnum() is False and re.match(r"^[A-Za-z]+\d", q.text):
            return Decision()
        # Work-around for the quantity parser (newsclaims.quantities, another owner):
        # it reads a trailing "$" as the currency even when the "$" opens a token
        # name ("86,400 $@G" is 86,400 units of the token "$@G"); it gets "$SOL" right.
        if q.text.endswith("$") and text[q.end : q.end + 1] not in ("", " ", "\n", "\t", ".", ",", ";", ")"):
            return Decision()
        # Ticker widgets glued to a name: "BTC0,03%", "ETH-0,33%".
        if GLUED_WIDGET.search(text[max(0, q.start - 2) : q.start]):
            return Decision()
        # A question ("... can it bounce back to $200?") states nothing.
        if QUESTION_TAIL.match(text[q.end : c.sent_end + 1]):
            return Decision(excluded=True)

        seg_left = text[max(c.seg_start, q.start - LEFT_REACH) : q.start]
        clause_left = self._clause_left(c)
        type_left = self._clause_left(c, CLAUSE_BREAK_TYPE)
        left = seg_left if len(seg_left) < len(type_left) else type_left
        right = self._clause_right(c)
        is_list_item = (c.index > 0 and self._is_list_gap(c, mentions)) or (
            c.index == 0 and prev is not None and prev.list_head)

        self._sentence_memo(c)
        if self._memo_presale:
            return Decision()  # a presale promotion: advertising
        # Page furniture: "Related: Altseason is coming, 40% ..." links to other stories.
        if self.cues.furniture.search(text[max(c.sent_start, q.start - 120) : q.start]):
            return Decision()
        if re.match(r"^\s*(?:in|of)\s+(?:[\w-]+\s+){0,2}exposure\b", right):
            right = " open interest" + right  # "$26 billion in wiped exposure"
        consumed = 0
        if c.index > 0 and q.start - len(left) == c.seg_start:
            m_cons = CONSUMED.match(left)
            consumed = m_cons.end() if m_cons is not None else 0
        left_best = self._left_cue(left, consumed)
        level_right = self._level_right(c)
        typ, dist = self._type_cue(left, level_right, consumed, left_best)
        if typ not in LEVEL_TYPES and level_right != right:
            typ, dist = self._type_cue(left, right, consumed, left_best)
        m_row = LEVEL_ROW_LABEL.search(text, max(c.sent_start, q.start - LEVEL_ROW_REACH), q.start)
        if m_row is not None and unit == "USD":
            # "Major Support Level – $2,310 Major Resistance Level – $2,470": the row's
            # own label, not the next row's
            typ, dist = ("support" if m_row.group(1).lower() == "support" else "resistance"), 0
        carried = False
        prev_unit = prev.drafts[0].unit if prev is not None and prev.drafts else None
        if (is_list_item and prev is not None and (prev.type is not None or prev.excluded)
                and (prev_unit is None or prev_unit == unit or prev.type in METRIC_TYPES)):
            if prev.excluded:
                return Decision(excluded=True, assets=prev.assets, type=prev.type)
            typ, carried = prev.type, True
        elif (typ is None and prev is not None and prev.type in METRIC_TYPES and prev.drafts
              and ((prev.drafts[0].unit == unit and unit != "percent"
                    and not (value < MAX_PRICE_USD and TO_BEFORE.search(left)
                             and any(c.seg_start <= m.start < q.start for m in mentions)))
                   or (prev.anaphor and c.index == 0
                       and (unit == "percent" or value >= MAX_PRICE_USD or not TO_BEFORE.search(left)))
                   or (unit == "USD" and value >= MIN_METRIC_USD.get(prev.type or "", 1e4)
                       and not any(c.seg_start <= m.start < q.start for m in mentions))
                   or (unit == "percent" and prev.drafts[0].unit == "USD"
                       and prev.type in ("open_interest", "volume", "market_cap")
                       and METRIC_APPOSITION.match(text, c.seg_start, q.start) is not None)
                   or (unit == "percent" and prev.drafts[0].unit == "percent"
                       and prev.type in ("open_interest", "volume", "market_cap")
                       and not re.search(r"\bprices?\b", text[c.seg_start : q.start], re.I)
                       and not any(c.seg_start <= m.start < q.start for m in mentions)))):
            # "weekly liquidations reached $2.16 billion, while monthly figures surpassed
            # $4.4 billion": a second amount with no cue of its own continues the metric.
            typ, carried = prev.type, True

        carried_sent = False
        if (typ is None and not carried and prev_sent is not None and unit == "USD"
                and value >= MAX_PRICE_USD and prev_sent.drafts and prev_sent.drafts[0].unit == "USD"
                and LIST_GOES_ON.search(text[c.sent_start : q.start])):
            typ, carried, carried_sent = prev_sent.type, True, True
        # A metric word far on the right loses to a price relation on the left
        # ("BTC's dump to lows of $105k saw trader James Wynn liquidated").
        if (typ in METRIC_TYPES and dist > 0 and not carried and unit == "USD"
                and value < MAX_PRICE_USD and TO_BEFORE.search(left)
                and self._type_cue(left, "")[0] is None):
            typ = None
        # Metric cues only count when close; an ETF flow needs an ETF in the sentence.
        if typ == "etf_flow" and not carried and not self.cues.etf_context.search(c.sentence):
            typ = None
        if (typ in ("liquidation", "etf_flow", "unrealized_pnl") and unit == "percent"
                and (OF_RIGHT.match(right) or dist > CUE_LEFT_REACH
                     or (typ != "unrealized_pnl" and (self._direction(left, right) is None or dist > 25)))):
            # "93% of these liquidated positions": a share, not an amount; the type
            # still carries to the amount that follows.
            return Decision(type=typ, assets=self._assets(c, mentions, main, prev, typ)[0])
        if typ in MIN_METRIC_USD and unit == "USD" and value < MIN_METRIC_USD[typ]:
            typ = None
        if typ in LEVEL_TYPES and (unit != "USD" or value >= MAX_PRICE_USD):
            typ = None  # a level is a price: "$30 million ... to support" is not one
        if unit not in ("USD", "percent") and typ not in ("open_interest", "volume", "etf_flow") and not RATIO.search(c.text[max(c.sent_start, q.start - 60) : q.end + 20]):
            return Decision()  # "accumulated 7,390 BTC": holdings and transfers are not claims yet
        if typ == "etf_flow" and HOLDINGS_LEFT.search(left[-CUE_LEFT_REACH:]):
            # "total ETF holdings now surpassing 5.22 million ETH": a stock, not a flow
            # (excluded, so that "equivalent to $19.31 billion" does not continue it)
            return Decision(excluded=True, type=typ)
        if (unit == "USD" and re.search(r"\bAt\s*\$?\s*$", text[c.sent_start : q.start])
                and PER_UNIT_SUPPOSED.match(text[q.end : c.sent_end])):
            return Decision()  # "At $1 per XRP, you need ...": supposed, not stated
        if TVL_LEFT.search(clause_left) and typ not in LEVEL_TYPES and typ != "price":
            return Decision(excluded=True)  # a protocol's value locked, and its change
        # Equities, commodities and macro figures are out of scope.
        if typ not in ("unrealized_pnl", "etf_flow") and self._out_of_scope(c, seg_left, mentions):
            return Decision()
        if unit == "percent" and typ != "funding_rate" and re.search(r"\bfunding rates?\b", left[-CUE_LEFT_REACH:], re.I) and value < 1:
            typ = "funding_rate"
        if typ == "volume" and unit == "percent" and re.match(r"^\s*of\b", right):
            typ = "dominance"
        if typ == "dominance" and unit != "percent":
            typ = None
        if typ == "dominance" and OI_DOMINANCE.search(left[-CUE_LEFT_REACH:]):
            # "Ethereum's open interest dominance has risen from 17 to 26 percent": a
            # share of derivatives positioning, not the asset's market dominance
            return Decision(excluded=True, type=typ)
        if typ == "funding_rate" and unit != "percent":
            typ = None

        if typ is None and not carried:
            if unit == "percent":
                if SHARE_RIGHT.match(right) and re.search(r"\baccount\w*\s+for\s*$|\bshare\b", left, re.I):
                    typ = "dominance"
                elif PERCENT_LEVEL_LEFT.search(left[-40:]):
                    return Decision()  # "Bitcoin's has declined to just 41 percent": a level, not a move
                elif VOLATILITY_RIGHT.match(right):
                    return Decision()  # "a modest 3.70% in price swings"
                elif DISTANCE_FROM_EXTREME_RIGHT.match(right):
                    return Decision()  # "4.3% below its all-time high": a distance, not a claim
                elif FROM_LEFT.search(left):
                    # "up from 95.6% in Q1 and 309.8% in Q4": the list goes with it; but in
                    # "ETH's share from 9.7 percent to 11.6 percent" the second is the level
                    return Decision(excluded=not re.match(r"\s*to\b", right))
                elif (OF_RIGHT.match(right) or self.cues.non_price_percent.search(left[-40:])
                      or self.cues.non_price_percent.match(right.lstrip())):
                    # "... of the supply", "APY of 5%", "the 23.6% Fib retracement level"
                    return Decision()
                else:
                    dirn = self._direction(left, right)
                    signed_pct = q.text[:1] in "+-−"
                    # "up more than 2% daily and over 4% weekly": the second change
                    # continues the first (its direction is taken from it below)
                    continues = (prev is not None and bool(prev.drafts)
                                 and prev.drafts[0].type == "price_change"
                                 and prev.drafts[0].unit == "percent"
                                 and CHANGE_CONTINUES.fullmatch(seg_left) is not None)
                    if (dirn is None and not signed_pct and not continues
                            and not PERCENT_CHANGE_NOUN_RIGHT.match(right)):
                        return Decision()
                    typ = "price_change"
            elif unit not in ("percent",):
                if CHANGE_ADJ.search(left) and value < MAX_PRICE_USD and unit == "USD":
                    typ = "price_change"
                elif value < MAX_PRICE_USD or TO_BEFORE.search(left):
                    typ = "price" if value < MAX_PRICE_USD else None
                market_move = MARKET_MOVE_LEFT.search(left) if value >= MARKET_MOVE_MIN_USD else None
                if (typ is None and unit == "USD"
                        and (value >= MARKET_CAP_MIN_USD or market_move is not None)):
                    near = [m for m in mentions if c.sent_start <= m.start < q.start]
                    if (near and near[-1].label == "MARKET"
                            and not self.cues.out_of_scope.search(text, near[-1].end, q.start)):
                        typ = "market_cap"  # (not "... just behind Nvidia, ... $4.2 trillion")
                if typ is None:
                    return Decision()
        elif typ is None and carried:
            return Decision()

        # A percent after a metric named for a USD amount, or vice versa, keeps the metric.
        if typ == "price_change" and unit == "USD" and prev is not None and prev.type == "price_change" and not CHANGE_ADJ.search(left):
            typ = "price"
        if typ in ("price_change",) and unit == "USD" and TO_BEFORE.search(left) and not CHANGE_ADJ.search(left):
            typ = "price"

        # Forecasts, targets and conditionals are not claims (levels excepted).
        forecast = typ not in LEVEL_TYPES and (self._is_forecast(c, clause_left)
                                               or self._is_history(c, clause_left, typ == "price"))
        assets, fallback = self._assets(c, mentions, main, prev, typ or "")
        if fallback and carried_sent and prev_sent is not None:
            assets, fallback = prev_sent.assets, False
        if (fallback and not carried and typ not in ("unrealized_pnl", "etf_flow")
                and self.cues.out_of_scope.search(text[c.sent_start : q.start])):
            return Decision()  # no asset named, and the sentence is about a stock or macro
        if forecast:
            return Decision(excluded=True, type=typ, assets=assets)
        assert typ is not None

        coord_assets = assets
        if len(assets) > 1 and re.search(r"\brespectively\b", text[q.end : c.sent_end]):
            # "SOL and ADA rose over support at $140 and 50 cents respectively"
            pos = prev.list_pos + 1 if carried and prev is not None else 0
            if pos < len(assets):
                assets = (assets[pos],)
        if (typ in ("price_change", "price") and fallback and not carried
                and NON_MARKET_METRIC.search(text[c.sent_start : q.start])):
            # no asset named, and the sentence counts something else: "68 transactions,
            # up by 36% from the previous week", "fees jumped to $2.7 million, up from $568,000"
            return Decision()
        if typ == "price_change" and ((not carried and self._metric_subject(c, clause_left, mentions))
                                      or self._compared_figure(c, mentions)):
            return Decision()  # "Dogecoin whale transactions surge 41%": not the price
        if (typ == "price_change" and assets and assets[0] in STABLECOINS and unit == "percent"
                and value > MAX_STABLECOIN_MOVE):
            return Decision()  # not the stablecoin's price
        if (typ == "price_change" and fallback and not carried and unit == "percent"
                and not PRICE_SUBJECT.search(clause_left + " " + right)
                and not PRICE_AFTER_CHANGE.match(text, q.end, c.sent_end)
                and self._window_in(text[c.sent_start : q.start] + " " + right)[0] is None):
            # A change with no asset, no price word and no window is a change of
            # something unnamed: "+204% traffic", "revenues grew 36%", "the Kospi
            # rising nearly 30% this year", "an 80% increase" of a stock.
            return Decision()
        if typ == "price_change" and assets == ("MARKET",) and not re.search(r"\bindex\b", c.sentence, re.I):
            typ = "market_cap"  # "the broader crypto market has seen a 5% increase"
        if typ == "price" and AVERAGE_PRICE.search(left[-40:]) and PURCHASE.search(c.sentence):
            return Decision()  # "acquired 780 BTC at an average price of $119,136"
        if typ == "price" and ((PER_UNIT_RIGHT.match(right) and PURCHASE.search(text[c.sent_start : q.start][-120:])
                                and not re.search(r"\b(?:trad\w*|now|currently|sells?|sold)\b", left[-40:], re.I))
                               or PRICING_EACH_LEFT.search(left[-40:])):
            return Decision()  # "acquired for ~$40.79 billion at ~$70,086 per bitcoin"
        if typ == "price" and MOVING_AVERAGE_LEFT.search(clause_left[-70:]):
            return Decision()  # "the 50-day SMA at $106,913": a moving average, not the price
        if typ == "price" and ((self.cues.non_price_usd.search(left[-22:])
                                and not self._asset_worth(c, mentions))
                               or self.cues.non_price_usd.match(right.lstrip()[:25])
                               or TRADING_RESULT_RIGHT.match(right)
                               or self.cues.not_price_context.search(left[-60:])):
            # cost bases, entries, strikes: not where the market trades; excluded, so that
            # a list goes with it ("heavy accumulation in both the $93k-$97k and $104k-$110k zones")
            return Decision(excluded=True, type=typ, assets=assets)
        qualifier = self._qualifier(c)
        direction: str | None = None
        signed = q.text[:1] in "+-−"
        if typ in ("price_change",):
            direction = "down" if (signed and q.value < 0) else (
                "up" if signed else self._direction(self._own_words(c, left), right))
            if direction is None and prev is not None and prev.drafts and prev.drafts[0].type == typ:
                direction = prev.drafts[0].direction
            if direction is None:
                return Decision()
        elif typ in ("open_interest", "market_cap", "volume", "dominance", "funding_rate"):
            if unit == "percent" and typ not in ("dominance", "funding_rate"):
                direction = "down" if (signed and q.value < 0) else ("up" if signed else self._direction(left, right))
                if direction is None:
                    direction = "up"  # "open interest ... has exceeded 6%": a rise unless a fall is said
            elif unit != "percent" and CHANGE_ADJ.search(left):
                direction = self._direction(left, "")
            if direction is None and unit == "USD" and typ == "market_cap":
                m_move = MARKET_MOVE_LEFT.search(left)
                if m_move is not None:
                    direction = "down" if m_move.group(1) else "up"
            elif unit != "percent" and re.match(r"^\s*(?:in|of)\s+(?:wiped|erased|lost|liquidated)\b", right):
                direction = "down"
        elif typ == "liquidation" and unit == "percent":
            # "crypto liquidations soaring 125%": a change of the liquidation total
            direction = self._direction(left, right)
        elif typ == "etf_flow":
            direction = self._flow_direction(left, right)
        elif typ == "unrealized_pnl":
            direction = "down" if re.search(r"loss", left + right, re.I) else "up"
        signed_value = value
        if direction == "down":
            signed_value = -value
        if typ == "funding_rate" and signed and q.value < 0:
            signed_value = q.value

        window = self._window(c, typ, left, right, prev, direction)
        if (window is None and typ == "etf_flow" and prev is None and prev_sent is not None
                and prev_sent.type == "etf_flow" and prev_sent.drafts
                and prev_sent.drafts[0].window == "PT24H"
                and not re.search(r"\bsince\b|\bcumulative|\btotal|\bcombined\b", c.sentence, re.I)):
            # a day's flow report goes on in the next sentence: "Yesterday, Ethereum ETFs
            # ... $533 million. In sharp contrast, Bitcoin ETFs recorded $68 million in outflows."
            window = "PT24H"
        side = self._side(c, left, right, prev) if typ == "liquidation" else None
        subject = self._subject(c, typ)

        alt_assets: tuple[str, ...] = ()
        if prev is not None and prev.drafts and assets == prev.assets:
            alt_assets = prev.drafts[0].alt_assets
        if fallback:
            seen: list[str] = []
            for m in reversed(mentions):
                if (c.sent_start - 3 * RECENT_ASSET_CHARS <= m.start < c.sent_start
                        and m.label != "MARKET" and m.label not in seen):
                    seen.append(m.label)
            if main is not None and main not in seen:
                seen.append(main)
            alt_assets = tuple(seen)
        start, end = self._span(c, left, assets)
        conf = CONF_CARRY if carried else CONF_CUE
        if fallback:
            conf = min(conf, CONF_FALLBACK_ASSET)
        drafts = [
            Draft(type=typ, asset=a, value=signed_value, unit=unit, start=start, end=end,
                  sent_start=c.sent_start, sent_end=c.sent_end,
                  value_max=(-value_max if direction == "down" and value_max is not None else value_max),
                  direction=direction, window=window, side=side, qualifier=qualifier,
                  subject=subject, confidence=conf, alt_assets=alt_assets)
            for a in assets
        ]
        # "dropped below the pivotal support at $102,800": the level and the price.
        m_cross = CROSS_LEVEL.search(left) if typ in LEVEL_TYPES and not forecast else None
        ql: str | None = None
        if (m_cross is None and typ in LEVEL_TYPES and not forecast
                and CONSUMED.match(right) is not None
                # "trading above the $5 support level, at $5.142": the price is stated next
                and not re.match(r"[^.;]{0,30},\s*(?:at|near|around)\s*\$?$", text[q.end : c.seg_end])):
            m_cross = CROSS_BEFORE.search(left[-60:])
        if m_cross is not None and not self.cues.forecast.search(clause_left):
            ql = "at_most" if m_cross.group(1).lower() in ("below", "under") else "at_least"
        elif carried and prev is not None and typ in LEVEL_TYPES:
            ql = prev.cross_qualifier
        if ql is not None:
            drafts += [replace(d, type="price", qualifier=ql, confidence=CONF_CARRY) for d in drafts]
        list_pos = prev.list_pos + 1 if carried and prev is not None else 0
        all_assets = coord_assets
        return Decision(drafts=drafts, type=typ, window=window, assets=all_assets, side=side,
                        list_pos=list_pos, cross_qualifier=ql)

    @staticmethod
    def _asset_worth(c: Candidate, mentions: list[Mention]) -> bool:
        """Whether the number is an asset's own worth: "Bitcoin ( BTC ) is worth $118,096"."""
        m = ASSET_WORTH.search(c.text, max(c.sent_start, c.q.start - 40), c.q.start)
        if m is None:
            return False
        return any(mm.label != "MARKET" and m.start() - 2 <= mm.end <= m.start()
                   for mm in mentions)

    def _out_of_scope(self, c: Candidate, seg_left: str, mentions: list[Mention]) -> bool:
        """Whether the nearest subject before the number is a stock, commodity or macro figure."""
        m = last_match(self.cues.out_of_scope, seg_left)
        if m is None:
            return False
        if VENUE_BEFORE.search(seg_left, max(0, m.start() - 8), m.start()):
            return False  # "on Coinbase": the exchange where the price is quoted, not the stock
        at = c.q.start - len(seg_left) + m.start()
        return not any(at < mm.start < c.q.start for mm in mentions if mm.label != "MARKET")

    @staticmethod
    def _metric_subject(c: Candidate, clause_left: str, mentions: list[Mention]) -> bool:
        """Whether the change's subject is another metric than the price: a metric word
        after the last asset named before the number ("Dogecoin whale transactions
        surge 41%"), or one whose object the asset is ("searches for Bitcoin rose 8%"),
        with no price word between it and the number."""
        region = clause_left[-80:]
        m = last_match(NON_MARKET_METRIC, region)
        m2 = last_match(OTHER_METRIC, region)
        if m is None or (m2 is not None and m2.start() > m.start()):
            m = m2
        if m is None:
            return False
        after = region[m.end():]
        if PRICE_SUBJECT.search(after):
            return False
        at = c.q.start - len(region) + m.end()
        named_after = any(at <= mm.start < c.q.start for mm in mentions if mm.label != "MARKET")
        return not named_after or METRIC_OF.match(after) is not None

    def _is_history(self, c: Candidate, clause_left: str, phrases: bool = True) -> bool:
        """Whether the number's clause places it in another year than the article's
        ("in 2021", "by 2028"), or, with ``phrases``, in the past ("in June last year",
        "at the time", "back then"): not where the market is.

        The phrases apply to prices only: a past change ("what followed back then was
        a drawdown of about 32%") is still a claim by the gold's convention.
        """
        if not phrases and self.published_year is None:
            return False
        right = c.text[c.q.end : min(c.sent_end, c.q.end + RIGHT_REACH)]
        m_break = CLAUSE_BREAK.search(right)
        clause = clause_left + " " + (right[: m_break.start()] if m_break is not None else right)
        if phrases and HISTORICAL.search(clause):
            return True
        if self.published_year is not None:
            for m in YEAR.finditer(clause):
                if RECORD_SINCE.search(clause, max(0, m.start() - 40), m.end()) is not None:
                    continue  # "the highest since 2021": a record, stated now
                if int(m.group(1)) != self.published_year:
                    return True  # "in 2021" (history) or "by 2028" (a target)
        return False

    def _is_forecast(self, c: Candidate, clause_left: str) -> bool:
        for m in self.cues.forecast.finditer(clause_left):
            if m.group(0) == "May" and TITLE_MAY_MODAL.match(clause_left, m.end()) is None:
                continue  # the month, not the modal ("Bitcoin May See a Squeeze Near $114K")
            return True
        # "$30 could support upswings to $35": the number is the subject of a modal;
        # "A 30% rally from the current price could push Ethereum to ...".
        if MODAL_RIGHT.match(c.text[c.q.end : c.q.end + 40]) is not None:
            return True
        # the rest of the number's clause, past any later number in it
        right = c.text[c.q.end : min(c.sent_end, c.q.end + RIGHT_REACH)]
        m_break = CLAUSE_BREAK.search(right)
        right = right[: m_break.start()] if m_break is not None else right
        if c.q.unit == "USD" and TARGET_RIGHT.match(right):
            return True  # "$4K in Sight", "we see $220 next"
        if FUTURE_DATE_RIGHT.match(right):
            return True  # "$500,000 by 2028", "$150K by year-end"
        if c.q.start < self.title_chars and c.q.unit == "USD":
            m_to = TITLE_TO_LEFT.search(clause_left)
            if m_to is not None and MOVE_WORD.match(m_to.group(1)) is None:
                return True  # "Bitcoin To $300,000", "Clear Runway to $120K": a target
        m_label = TITLE_PRICE_LABEL.match(right) if c.q.start < self.title_chars else None
        if m_label is not None and (m_label.group(1) is not None
                                    or TITLE_OPINION.search(c.text, 0, self.title_chars)):
            return True  # "$250,000 Bitcoin Price 'Makes Sense,' According to Tom Lee"
        # "Plunging through the $0.95 support ... could cause more declines": a modal
        # later in the number's own clause makes the whole clause hypothetical.
        return MODAL_AFTER.search(right[:60]) is not None and (
            c.q.unit == "percent" or (c.q.unit == "USD" and abs(c.q.value) < MAX_PRICE_USD))

    @staticmethod
    def _is_list_gap(c: Candidate, mentions: list[Mention]) -> bool:
        """Whether only separators and asset names stand between this number and the last.

        "Bitcoin futures saw $153 million liquidated, followed by Ethereum (ETH) at
        $122 million, Solana (SOL) at $33 million": each later amount continues the list.
        """
        gap_start, gap_end = c.seg_start, c.q.start
        gap = c.text[gap_start:gap_end]
        if LIST_SEP.match(gap) is not None:
            return True
        parts: list[str] = []
        pos = gap_start
        for m in mentions:
            if m.start >= gap_start and m.end <= gap_end:
                parts.append(c.text[pos : m.start])
                pos = m.end
        if not parts:
            return False
        parts.append(c.text[pos:gap_end])
        rest = " ".join(parts)
        return LIST_GAP_WORDS.fullmatch(rest) is not None

    def _flow_direction(self, left: str, right: str) -> str:
        both = left[-60:] + " " + right
        out = re.search(r"outflows?|bled|withdraw\w*|redemptions?|pulled out|exodus", both, re.I)
        inn = re.search(r"inflows?|pulled in|poured|raked in|attracted|drew in|added|intake", both, re.I)
        if out and not inn:
            return "down"
        if out and inn:
            # the nearer one wins
            lo = left.lower()
            i_out = max(lo.rfind("outflow"), -1)
            i_in = max(lo.rfind("inflow"), -1)
            if i_out > i_in:
                return "down"
            if i_in > i_out:
                return "up"
            ro = right.lower()
            a = ro.find("outflow")
            b = ro.find("inflow")
            return "down" if a != -1 and (b == -1 or a < b) else "up"
        return "up"

    def _window(self, c: Candidate, typ: str, left: str, right: str, prev: Decision | None,
                direction: str | None) -> str | None:
        text = c.text
        if typ in ("price", "support", "resistance"):
            m = HIGH_LOW_WINDOW.search(left[-40:])
            if m is not None:
                return self._window_in(m.group(0))[0]
            if typ == "price" and PRICE_WINDOW_RIGHT.match(right):
                return self._window_in(right[:50])[0]
            if typ == "price" and c.q.value_max is not None:
                # "During the five-day period, Bitcoin ... traded between $102,711 and $104,971"
                return self._window_in(text[c.sent_start : c.q.start], last=True)[0]
            return None
        if typ in POINT_LEVEL_TYPES and direction is None:
            return None
        # the number's own segment first: left back to the previous number, right to the next
        seg_left = text[max(c.seg_start, c.sent_start) : c.q.start]
        m_row = OWN_ROW_LABEL.search(seg_left)
        if m_row is not None:
            # a table row: its own label says the window ("30-day change : -9.1%");
            # a calendar period ("May: -1.5%", "June (so far): -4.4%") names none
            if PERIOD_LABEL.match(m_row.group(1)):
                return None
            w_row = self._window_in(m_row.group(1))[0]
            if w_row is not None:
                return w_row
        w_left, pos_left = self._window_in(seg_left, last=True)
        # "a 2.1% drop today and a 31.4% decline ...": a window right after an earlier
        # figure, then a link, is the earlier figure's
        w_left_own = not (w_left is not None and c.seg_start > c.sent_start
                          and pos_left < EARLIER_FIGURE_REACH
                          and FIGURE_LINK.search(seg_left[pos_left:]) is not None)
        if w_left is not None and re.search(r"\bsince\b", seg_left[pos_left:], re.I):
            w_left = None  # "during an 11-day surge, ... inflows since their debut to $3.5B"
        if re.match(r"^\s*(?:\w+\s+){0,3}since\b", right, re.I):
            return None
        w_right, pos_right = self._window_in(right)
        if w_right is not None and (
                NEXT_ROW_LABEL.match(right, pos_right)
                or (not right[:pos_right].strip()
                    and TABLE_NEXT_VALUE.match(text, c.q.end + len(right))
                    and re.fullmatch(r"[\w\s'’-]{0,30}?[\s:]*", right[pos_right:])
                    and not re.search(r"\b(?:and|or|while|but)\b", right[pos_right:], re.I))):
            # the next row's label: "-4.2% 24-hour change : -1.7%", "Last 7 Days -4.09%
            # Last 24 Hours -1.49%"
            w_right = None
        if (w_right is not None and WINDOW_RIGHT.match(right[:pos_right]) is not None
                and (w_left is None or not w_left_own or pos_right <= WINDOW_RIGHT_PREFERRED)):
            return w_right
        if w_left is not None:
            return w_left
        if typ in ("liquidation", "etf_flow", "volume"):
            w, _ = self._window_in(text[c.sent_start : c.q.start], last=True)
            if w is not None:
                return w
        if re.search(r"\bsince\b", seg_left, re.I):
            return None  # "inflows since their July debut": cumulative, no window
        if prev is not None and prev.window is not None and prev.type in (typ, "price_change") and typ in ("price_change", "open_interest", "market_cap", "volume", "liquidation", "etf_flow"):
            return prev.window
        return None

    def _side(self, c: Candidate, left: str, right: str, prev: Decision | None) -> str | None:
        near = left[-70:] + " " + right[:60]
        lm = self.cues.long.search(near)
        sm = self.cues.short.search(near)
        if lm and not sm:
            return "long"
        if sm and not lm:
            return "short"
        if lm and sm:
            return None
        return prev.side if prev is not None and prev.type == "liquidation" else None

    def _subject(self, c: Candidate, typ: str) -> str | None:
        s = c.sentence
        if typ == "etf_flow":
            m = ETF_ISSUER.search(s)
            if m is not None:
                return m.group(0)
            m2 = re.search(r"\b(?:U\.?S\.?\s+)?(?:spot\s+)?(?:Bitcoin|BTC|Ether(?:eum)?|ETH|Solana|SOL|XRP)\s+(?:spot\s+)?ETFs?\b", s, re.I)
            return m2.group(0) if m2 is not None else None
        if typ == "unrealized_pnl":
            m = HOLDER.search(s)
            return m.group(0) if m is not None else None
        return None

    @staticmethod
    def _span(c: Candidate, left: str, assets: tuple[str | None, ...]) -> tuple[int, int]:
        """The claim's text: from the start of its clause (at most LEFT_REACH back) to the number."""
        start = c.q.start - len(left)
        text = c.text
        # ``left`` is cut at LEFT_REACH characters, which can fall inside a word
        # ("e broader 30-day trend"): move to the start of the next word.
        if 0 < start < c.q.start and text[start - 1].isalnum() and text[start].isalnum():
            m = _WORD_TAIL.match(text, start, c.q.start)
            start = m.end() if m is not None else start
        while start < c.q.start and text[start] in " ,;:\t\n—–-(":
            start += 1
        return start, c.q.end
