"""Cue patterns and tuning constants of the rule claim classifier.

The word lists live in ``nlp/data/cues.json`` (loaded into :class:`Cues`); the
structural patterns (clause breaks, list separators, windows) and the named tuning
constants are here, each with the reason for its value.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from importlib import resources
from typing import Any

# --------------------------------------------------------------------------- constants

#: how far left of a number (characters) a cue word may stand and still govern it;
#: long enough for "Open interest in perpetual futures declined roughly", short
#: enough to stay in one clause of a long sentence.
LEFT_REACH = 110
#: how far right of a number a cue may stand ("$237 million in Bitcoin long
#: positions have been liquidated").
RIGHT_REACH = 70
#: a USD amount at or above this is not a coin price unless a price cue is adjacent
#: (BTC trades near 1e5; amounts in millions are flows, liquidations, caps).
MAX_PRICE_USD = 1_000_000.0
#: a USD amount at or above this, stated of the crypto market with no metric word,
#: is its capitalization ("the crypto market has reached a peak of $3.8 trillion"):
#: the market is worth trillions, while its daily flows and liquidations are billions.
MARKET_CAP_MIN_USD = 500_000_000_000.0
#: relative difference under which two claims of the same kind are one fact restated
#: ("$102.9K" in the title, "$102,969" in the body: 0.07%); two levels of one chart
#: ("$106,000" and "$106,290": 0.27%) stay apart.
MERGE_REL_TOL = 0.001
#: the same for a figure in the title, which rounds ("$104K" for "$103,990" is 0.01%
#: off, "$2.8K" for "$2,806.5" 0.2%); the scorer's tolerance.
TITLE_MERGE_REL_TOL = 0.005
#: how far left of a number a metric or level noun may stand ("Open interest in
#: perpetual futures declined roughly 4.4%"); further away it belongs to another clause.
CUE_LEFT_REACH = 60
#: the same for support/resistance words, which rarely belong to another clause
#: ("Important support levels are marked by Fair Value Gaps on the daily chart, and at $2,111").
LEVEL_LEFT_REACH = 100
#: smallest USD amounts that are plausible for each metric; smaller amounts near a
#: metric word are prices ("ETFs See Record Inflows as ETH Closes on $3K").
MIN_METRIC_USD = {"liquidation": 1e4, "open_interest": 1e4, "etf_flow": 1e5,
                  "market_cap": 1e6, "volume": 1e4, "unrealized_pnl": 1e5}
#: a price more than this factor away from the asset's other stated prices in the
#: article is a misattribution (a SOL level given to ADA, a presale token's price).
PRICE_PLAUSIBLE_FACTOR = 8.0
#: a USD "price change" larger than this share of the asset's price is a level read
#: as a change ("recovery off $2,438 support" for ETH at $2,480); real moves stated
#: in dollars are a few percent to a few tens of percent of the price.
MAX_CHANGE_SHARE = 0.5
#: a liquidation total this large with no asset named is market-wide; smaller ones
#: without an asset belong to the asset the article is about.
MARKET_LIQUIDATION_USD = 3e8
#: how far back (characters) an asset named before the sentence still governs an
#: unnamed "its price" / "the token" (about two sentences).
RECENT_ASSET_CHARS = 300
#: a window phrase this close after the number wins over one before it ("... 2.5% in
#: the past day"); further away, the one before it is the number's own ("Binance's
#: 24-hour open interest ... has exceeded 6% for the third time in two months").
WINDOW_RIGHT_PREFERRED = 15
#: confidence of a decision made from an adjacent cue, from context carried over
#: from an earlier number, and from the article's main asset.
CONF_CUE = 0.9
CONF_CARRY = 0.75
CONF_FALLBACK_ASSET = 0.6

LEVEL_TYPES = frozenset({"support", "resistance"})
#: stablecoins are a unit of account here, never the asset a price is about.
STABLECOINS = frozenset({"USDT", "USDC", "DAI", "USDE", "FDUSD", "PYUSD", "TUSD", "USDD", "USD1",
                         "RLUSD", "USDS"})
METRIC_TYPES = frozenset({"liquidation", "open_interest", "etf_flow", "unrealized_pnl",
                          "market_cap", "volume", "dominance", "funding_rate"})
# Metrics whose level is a point in time: a window in the sentence belongs to their change.
POINT_LEVEL_TYPES = frozenset({"open_interest", "market_cap", "funding_rate"})

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty-eight": 48, "a": 1, "an": 1,
    "single": 1,
}
NUM = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty|forty-eight)"
_WINDOWS: list[tuple[re.Pattern[str], str | None]] = [
    (re.compile(r"\b(?:24|twenty-four)[- ]?(?:hours?|hrs?|h)\b|\b24h\b|\b(?:past|last|previous|single|one)[- ](?:trading[- ])?day\b|\byesterday(?:'s|’s)?\b|\btoday(?:'s|’s)?\b|\bdaily\b|\bintraday\b|\bon the day\b|\bovernight\b|\bin a day\b", re.I), "PT24H"),
    (re.compile(r"\bweek(?=\s+(?:decline|drop|gain|loss|rise|surge|rally|high|low|range|change|slide|slump)s?\b)|\bweekly\b|\b(?:past|last|this|previous|the) week\b|\b(?:7|seven)[- ]days?\b|\bweek-over-week\b|\bweek's\b|\bweek’s\b|\bfor the week\b|\b1W\b|\bon the week\b", re.I), "P7D"),
    (re.compile(r"\bmonthly\b|\b(?:past|last|this|previous|the) month\b|\b(?:30|thirty)[- ]days?\b|\bover the month\b|\b1M\b", re.I), "P30D"),
    (re.compile(r"\bquarterly\b|\b3M\b|\b(?:90|ninety)[- ]days?\b", re.I), "P90D"),
    (re.compile(r"\b52[- ]weeks?\b|\byearly\b|\bannual\b|\b(?:past|last) year\b|\b12[- ]months?\b", re.I), "P1Y"),
    (re.compile(r"\bfortnight(?:ly|'s|’s)?\b|\b(?:past|last|previous) fortnight\b", re.I), "P14D"),
    (re.compile(r"\b(?:past|last|previous|the)\s+hour\b|\bhourly\b|\b1h\b", re.I), "PT1H"),
    (re.compile(r"\b(?:past|last|previous|over|in|within|the)\s+(?:the\s+)?(?:just\s+|only\s+)?" + NUM + r"[- ](hours?|days?|weeks?|months?)\b", re.I), None),
    # years only as a stretch of time ("over the past five years"), not as an adjective
    # ("the one-year put-call skew", "new 5-year peaks")
    (re.compile(r"\b(?:past|last|previous|over|within)\s+(?:the\s+)?(?:past\s+|last\s+)?" + NUM + r" (years)\b", re.I), None),
    # (no bare "N-year": "new 5-year peaks", "the 10-year yield" name no window)
    (re.compile(r"\b" + NUM + r"[- ](hour|day|week|month)\b", re.I), None),
]
#: "the largest inflows in two weeks", "the first time in three months": the span a
#: record is measured over, not the window of the figure (blanked before windows are read).
RECORD_SPAN = re.compile(
    r"\b(?:largest|biggest|highest|lowest|strongest|weakest|best|worst|first|most|fewest|least)\b"
    r"[^,.;:]{0,50}?\b(in\s+(?:over\s+|more than\s+|nearly\s+|almost\s+)?(?:a|an|" + NUM[1:-1]
    + r")\s+(?:days?|weeks?|months?|years?))\b", re.I)
#: a distance from a high or a low, which spec/claims.md does not count as a claim ("still
#: 4.3% below its all-time high", "sits 26% under its peak", "12% above the yearly low");
#: a move from one ("retraced 11% from its three-month high") is a change and is not matched.
DISTANCE_FROM_EXTREME_RIGHT = re.compile(
    r"^\s*(?:below|under|beneath|short of|shy of|away from|off)\s+(?:its|the|their|a|this|that|his|her)?\s*"
    r"(?:[\w'’-]+\s+){0,3}?(?:all[- ]time[- ]high|ATH|record(?:[- ]high)?|peak|high|top)s?\b"
    r"|^\s*above\s+(?:its|the|their|a|this|that)?\s*(?:[\w'’-]+\s+){0,3}?(?:all[- ]time[- ]low|ATL|low|bottom)s?\b",
    re.IGNORECASE,
)
CLAUSE_BREAK = re.compile(r"[;:•→|]|,\s+(?:while|whereas|but|although|though|as|which|and|with)\b|\s+(?:while|whereas)\s|\s[—–]\s|\.\s")
CLAUSE_COLON = re.compile(r":\s")
CLAUSE_BREAK_TYPE = re.compile(r"[;•|]|,\s+(?:while|whereas|but|although|though|as)\b|\s+(?:while|whereas)\s|\s[—–]\s|\.\s")
LIST_SEP = re.compile(r"^[\s,;/→>&+]*(?:(?:and|or|to|as well as|then|followed by)\s*)?[\s,;/→>&+]*(?:\$)?$", re.I)
TO_BEFORE = re.compile(r"\b(?:to|at|near|around|above|below|under|over|past|from|of|toward|towards|is|was|hit|reached|touched|tested|between|beyond)\s*(?:about|around|roughly|approximately|nearly|almost|just|some|over|under|above|below|the|an?|as much as|as low as|as high as|lows? of|highs? of|levels? of|(?:an? )?(?:average )?price of|more than|less than|only|even|\(|~|≈|\s)*\$?$", re.I)
CHANGE_ADJ = re.compile(
    r"\b(?:lost|loses|losing|fell|falls|dropped|drops|declined|declines|shed|sheds|gained|gains|added|adds|rose|rises|jumped|jumps|climbed|climbs|plunged|plunges|slid|slides|sank|tumbled|erased|erasing|eliminating|eliminated|wiped|wiping|surged|soared|spiked|increased|decreased|dipped|slipped|retreated|rallied|down|up|off|higher|lower)\s+(?:by\s+)?(?:(?:about|around|roughly|approximately|nearly|almost|some|over|more than|less than|an?|just|only|a further|another)\s+)*$|\b(?:drop|dip|decline|gain|increase|decrease|loss|rise|jump|fall|surge|slump|plunge|rally|move|swing|change|correction|pullback|bounce|rebound|retreat|sell-off|selloff)\s+of\s+(?:(?:about|around|roughly|approximately|nearly|almost|some|over|more than|less than|just|only)\s+)*$",
    re.I,
)
PERCENT_CHANGE_NOUN_RIGHT = re.compile(r"^\s*(?:price\s+)?(?:drop|dip|decline|gain|increase|decrease|loss|losses|rise|jump|fall|surge|slump|plunge|rally|move|spike|correction|pullback|bounce|rebound|retreat|crash|drawdown|upswing|downswing|recovery|returns?|higher|lower|up|down|uptick|climb|jump)\b", re.I)
OF_RIGHT = re.compile(r"^\s*of\s+(?:the\s+|these\s+|those\s+|all\s+|its\s+|their\s+|total\s+|any\s+|each\s+|every\s+|our\s+|his\s+|her\s+|net\s+|them\b|it\b|\w+\s+(?:supply|holders|addresses|wallets|traders|investors|positions|profits?|revenues?|assets|funds|portfolio))", re.I)
SHARE_RIGHT = re.compile(r"^\s*of\s+(?:the\s+)?(?:total\s+|global\s+|overall\s+)?(?:trading\s+|spot\s+|futures\s+|perpetual\s+)*(?:volume|market)", re.I)
GLUED_WIDGET = re.compile(r"[A-Za-z][+\-−]?$")
HIGH_LOW_WINDOW = re.compile(r"\b(24[- ]hour|daily|weekly|52[- ]week|monthly)\s+(?:high|low|range|peak|bottom)s?\b", re.I)
ETF_ISSUER = re.compile(r"\b(?:BlackRock|Fidelity|Grayscale|Bitwise|ARK(?: Invest)?|Ark 21Shares|21Shares|VanEck|Invesco|Franklin(?: Templeton)?|WisdomTree|Valkyrie|Hashdex|Morgan Stanley)\b")
HOLDER = re.compile(r"\b(?:Strategy|MicroStrategy|Metaplanet|Tesla|Semler Scientific|Mt\.? Gox|GameStop|Coinbase|Marathon|MARA|Riot|El Salvador|Trump Media|[A-Z][A-Za-z]+ (?:Team|Inc|Corp|Holdings))\b")
CROSS_LEVEL = re.compile(
    r"\b(?:dropp\w*|fell|falls|slipp\w*|dipp\w*|dips|broke|climb\w*|rose|rises|surg\w*|jump\w*|moved|trad\w*|slump\w*|plung\w*|tumbl\w*|sank|held|holds|holding|stays?|remain\w*|maintain\w*|hover\w*|kept|keeps|consolidat\w*)\s+(?:back\s+)?(below|under|above|over|past|beyond|through)\s+(?:the\s+|a\s+|its\s+)?(?:[\w-]+\s+){0,3}(?:support|resistance|barrier|floor|ceiling)s?\s*(?:level|zone|line)?\s*(?:at|of|near|around)?\s*(?:\$)?$",
    re.I,
)
#: a month's name, full or short.
MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|March|April|May|June|July|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
#: a window phrase that labels the next row of a table ("-4.2% 7-day change : -1.7%"):
#: a colon follows it before any punctuation.
NEXT_ROW_LABEL = re.compile(r"[^,;.:%$\d]{0,30}:")
#: the number's own row label, right before it: "30-day change : -9.1%", "Last 7 Days:
#: -1.2%", "May: -1.5%" (group 1: the label).
OWN_ROW_LABEL = re.compile(r"(?:^|(?<=\s))((?:[A-Za-z]|\d+[- ]?[A-Za-z])[^,;.:%$]{0,40}?)\s*:\s*[+\-−]?\s*$")
#: a row label naming a calendar period, not a window ending now: "May:", "June (so
#: far):", "Q2:", "2024:", "YTD:".
PERIOD_LABEL = re.compile(
    r"^(?:" + MONTH + r"|Q[1-4]|H[12]|(?:19|20)\d\d|YTD|year[- ]to[- ]date)\b", re.I)
#: a level row's label right before its figure: "Major Support Levels – $2.18",
#: "Resistance (R1): $2,470".
LEVEL_ROW_LABEL = re.compile(
    r"\b(support|resistance)s?(?:\s+(?:levels?|zones?|areas?))?\s*(?:\(\s*\w+\s*\))?\s*[:–—-]\s*$", re.I)
LEVEL_ROW_REACH = 40
#: a comparison: what follows is measured against the subject, not its owner
#: ("XRP has outperformed both Bitcoin and Ethereum, showing a 335% gain").
COMPARED = re.compile(
    r"\b(?:outperform\w*|outpac\w*|underperform\w*|(?:better|worse|faster|slower|stronger|weaker)\s+than|versus|vs\.?|compared\s+(?:to|with)|relative\s+to)\s", re.I)
COMPARED_REACH = 40
#: "May" as a modal in a capitalized headline: "Bitcoin May See Short Squeeze Near $114K".
TITLE_MAY_MODAL = re.compile(
    r"\s+(?:Not\s+)?(?:See|Hit|Reach|Soon|Be|Test|Retest|Drop|Fall|Rise|Surge|Rally|Crash|Climb|Need|Face|Get|"
    r"Break|Double|Flip|Soar|Plunge|Tumble|Jump|Return|Revisit|Dip|Slide|Spike|Explode|Skyrocket)\b")
#: a trader's result named after the amount: "Amid $618,000 Loss", "with $31,893 Profit".
TRADING_RESULT_RIGHT = re.compile(r"^\s*(?:in\s+)?(?:realized\s+|unrealized\s+|net\s+)?(?:loss(?:es)?|profits?)\b", re.I)
#: a link between two figures: a window before it belongs to the earlier one ("a 2.1%
#: drop today and a 31.4% decline over the past year").
EARLIER_FIGURE_REACH = 25
FIGURE_LINK = re.compile(r"\b(?:and|while|but|whereas)\b|,")
WINDOW_RIGHT = re.compile(r"^(?![^,;.]*\b(?:and|while|but|whereas|with)\b)[^,;.]{0,60}$", re.I)
TIGHT_RIGHT = re.compile(r"^\s*\)?\s*(?:in|of|worth of|worth|for)\s+(?:[\w'’-]+\s+){0,3}$", re.I)
RATIO = re.compile(r"/(?:BTC|ETH)\b|\bratio\b|\bagainst (?:Bitcoin|BTC|Ether|ETH)\b|\bin (?:BTC|ETH) terms\b", re.I)
PRONOUN = re.compile(r"\b(?:its|it|the (?:token|coin|asset|altcoin|cryptocurrency|crypto|price|pair))\b", re.I)
RANKED_BY = re.compile(r"\b(?:by|based on|in terms of|ranked by)\s+(?:total\s+|its\s+)?$", re.I)
CONSUMED = re.compile(r"^\s*(?:support|resistance|floor|ceiling|barrier)s?\b(?![\w\s-]*:)(?:\s+(?:level|zone|area|line)s?)?", re.I)
LIST_LINE = re.compile(r"(?:[•*\-–]\s*)?[A-Z][\w .&'’()/-]{0,40}:\s*[$+\-−]?\d[^\n]{0,40}")
PRICE_WINDOW_RIGHT = re.compile(r"^[\s,]*(?:(?:mark|level|threshold|handle|milestone|barrier)\s+)?(?:in|over|during|within)\s+(?:the\s+)?(?:past|last|previous|a|one|24)\b", re.I)
COORD_GAP = re.compile(r"[\s()'’s]*(?:,|,?\s*and|,?\s*&|,?\s*or|,?\s*as well as)[\s(]*", re.I)
RANGE_TO = re.compile(r"\s+to\s+")
MOVE_BEFORE = re.compile(r"\b(?:from|rose|rise|rising|fell|fall|falling|dropped|drop|climbed|climb|jumped|surged|rallied|slid|sank|plunged|moved|move|went|gone|going|soared|tumbled|dipped|lost|gained|added|shed|up|down|by)\s+(?:about|around|roughly|nearly|almost|some|over|\w+ly\s+)?\$?$", re.I)
NEXT_NUMBER_CUE = re.compile(r"(?:supports?|resistances?|floors?|ceilings?|barriers?)\s*(?:levels?|zones?)?\s*(?:at|near|around|of|is|are|lies at|sits at|:)?\s*(?:the\s+)?\$?\s*$", re.I)
#: a deadline right after a figure makes it a target ("$500,000 by 2028").
FUTURE_DATE_RIGHT = re.compile(r"^\W{0,3}(?:\w+\s+){0,3}?by\s+(?:the\s+)?(?:(?:end|close|start|middle)\s+of\s+(?:the\s+)?)?(?:20\d\d|year[- ]end|year\b|Q[1-4]|next\s+\w+)", re.I)
#: a modal verb after a figure, in its clause; "May" capitalized is the month.
MODAL_AFTER = re.compile(r"\b(?:[Cc]ould|[Ww]ould|[Mm]ight|[Ww]ill|[Cc]an|may)\b")
MODAL_ANY = re.compile(r"\b(?:could|would|may|might|will|can)\b", re.I)
LIST_GOES_ON = re.compile(r"\b(?:followed|trailed|behind|next|then|second|third|runner-up|recovery to|rebound(?:ed)? to)\b", re.I)
#: a change that goes on to a price ("rising 1.51% to $2,450") is a price move.
PRICE_AFTER_CHANGE = re.compile(r"[^,;.]{0,40}?\b(?:to|at|near|around|above|below)\s+(?:\w+\s+){0,3}\$\d", re.I)
PRICE_SUBJECT = re.compile(r"\b(?:price|prices|it|its|token|coin|asset|cryptocurrency|altcoin|memecoin|meme coin)\b", re.I)
NON_MARKET_METRIC = re.compile(r"\b(?:traffic|visits|visitors|users|audience|followers|engagement|downloads|readers|views|subscribers|searches|outlets?|media|revenues?|sales|fees|employees|staff|transactions|transfers|addresses|wallets|holders|remittances|payments|deposits|withdrawals|applications|hashrate|hash rate|difficulty|profits?|earnings|shares|stock)\b", re.I)
#: what else a crypto's name may go with that moves in percent: "Dogecoin whale
#: transactions surge 41%", "BTC's realized volatility fell below a 35% floor",
#: "searches for \"Bitcoin\" increased by 8%".
OTHER_METRIC = re.compile(r"\b(?:volatility|concentration|activity|search interest)\b", re.I)
#: a metric's object ("searches for Bitcoin", "holders of XRP"): the asset names the
#: metric, not the price.
METRIC_OF = re.compile(r"^\s+(?:for|of|on|about|in)\s+[\"“'‘]?", re.I)
#: a price named as a target by the words after it: "$4K in Sight", "'$125K Is Within
#: Reach'", "we see $220 next".
TARGET_RIGHT = re.compile(
    r"^\s*['’\"”]?\s*(?:is\s+|are\s+|now\s+|comes?\s+)*(?:in\s+sight|within\s+reach|on\s+the\s+horizon"
    r"|(?:on|in)\s+the\s+cards|next\b|up\s+next|incoming|coming\b)", re.I)
#: a time in the past that is not a window ending now: "in June last year", "a year
#: earlier", "in the previous three years", "at the time" (but not "at the time of
#: writing"), "years ago". A price stated for it is history. ("Back then" is left
#: out: the gold counts "Back then, Bitcoin ... hit a bottom around $16,000" as a
#: price claim; a year named in the clause is caught by ``YEAR`` when the article
#: is dated.)
HISTORICAL = re.compile(
    r"\b(?:" + MONTH + r"\s+(?:of\s+)?last\s+year"
    r"|last\s+(?:January|February|March|April|June|July|August|September|October|November|December)"
    r"|an?\s+(?:year|decade)\s+(?:earlier|before|ago)|(?:years|decades)\s+ago|\d+\s+years\s+ago"
    r"|(?:previous|prior)\s+(?:two|three|four|five|six|seven|eight|nine|ten|\d+)\s+years"
    r"|at\s+the\s+time(?!\s+of\s+(?:writing|publication|press|this\s+writing|reporting|publishing|the\s+report))"
    r"|in\s+the\s+(?:19|20)\d0s)\b",
    re.I,
)
#: a year in a clause ("in 2021", "since 2017", "by 2028"); compared with the
#: article's year when it is known.
YEAR = re.compile(r"\b(?:in|since|during|from|by|of|early|late|mid-?)\s+(?:early\s+|late\s+|mid-?)?((?:19|20)\d\d)\b(?![-–/]\d)")
#: a stablecoin moving more than this (percent) is not what a percentage near its
#: name measures ("crypto remittances ... increased by 40%" in a USDT story).
MAX_STABLECOIN_MOVE = 10.0
#: the value of a moving average or another price series, not where the asset trades
#: ("the 50-day SMA at $106,913", "the 20-day EMA ($2,334)", "simple moving averages—currently
#: at $2,640"): spec/claims.md counts no moving average as a claim.
MOVING_AVERAGE_LEFT = re.compile(
    r"\b(?:EMA|SMA|MA|WMA|VWAP|moving[- ]averages?|Bollinger|realized price|(?:\d+|\w+)-(?:day|week|hour|period|month)\s+average)s?\b"
    r"(?:(?!\b(?:to|reach\w*|hit\w*|ris\w*|rose|fell|fall\w*|trad\w*|climb\w*|drop\w*|is|was|now)\b)[^$.;:!?,]){0,30}$",
    re.I,
)
#: a price paid per coin in a purchase ("582,000 BTC acquired for ~$40.79 billion at ~$70,086
#: per bitcoin", "pricing each token at $2,572.37"): an average purchase price.
PER_UNIT_RIGHT = re.compile(r"^\s*(?:per|a|each)\s+(?:bitcoin|btc|ether|ethereum|eth|token|coin|unit)s?\b", re.I)
PRICING_EACH_LEFT = re.compile(r"\b(?:pricing|priced|valuing|valued)\s+(?:each|every|per)\s+\w+\s+at\s*~?\$?$", re.I)
AVERAGE_PRICE = re.compile(r"\baverage (?:purchase |acquisition |buying |entry )?(?:price|cost)\b", re.I)
PURCHASE = re.compile(r"\b(?:acquir\w*|purchas\w*|bought|buys?|buying|added|adds|accumulat\w*)\b", re.I)
MODAL_RIGHT = re.compile(r"^\s*(?:level\s+|mark\s+|zone\s+|area\s+|price\s+)?(?:could|would|may|might|will|should|can|target|targets|objective|goal)\b", re.I)
LIST_GAP_WORDS = re.compile(r"[\s,;/→>&+()\[\]{}$'’s]*(?:(?:and|or|at|with|followed by|followed|by|while|for|of|on|saw|recorded|then|as well as|its|their|respectively|whereas|in)[\s,;/→>&+()\[\]{}$'’s]*)*", re.I)
ANAPHOR = re.compile(r"\b(?:this|that|the) (?:total|figure|amount|number|tally|sum|metric)\b|^\W*(?:that|this)(?:'s|’s| is| was)\b|\b(?:by|in) comparison\b", re.I)
#: the gap between two changes of one list: "2% daily and over 4% weekly".
CHANGE_CONTINUES = re.compile(r"[\s,]*(?:[\w-]+\s+){0,2}?(?:and|or|as well as|while)\s+(?:(?:about|around|roughly|nearly|almost|over|more than|less than|some|just|only|by)\s+)*", re.I)
#: a preposition that makes an exchange's name the venue of a quote ("on Coinbase").
VENUE_BEFORE = re.compile(r"\b(?:on|at|via)\s+(?:the\s+)?$")
#: a fund's holdings or assets, named right before an amount: a level, not a flow.
HOLDINGS_LEFT = re.compile(r"\b(?:holdings?|holds|AUM|assets under management|(?:total|net) assets)\b(?![^,;]*\b(?:inflows?|outflows?)\b)[^,;]*$", re.I)
#: a protocol's total value locked is not a market metric of the coin (and no claim type):
#: "the total value locked in its platform has surged to $1.6 billion from $298 million".
TVL_LEFT = re.compile(r"\b(?:total value locked|TVL)\b[^;]*$", re.I)
#: "a BTC yield of 107.9%, up from 95.6%": the figure a change started from, not a change.
FROM_LEFT = re.compile(r"\bfrom\s+(?:about\s+|around\s+|roughly\s+|nearly\s+|just\s+)?$", re.I)
#: a percentage of price swings is volatility, not a change: "a modest 3.70% in price swings".
VOLATILITY_RIGHT = re.compile(r"^\s*(?:in\s+)?(?:(?:daily|weekly|intraday|price)\s+)?(?:swings?|volatility|fluctuations?)\b", re.I)
#: "At $1 per XRP, you need 1,000,000 tokens": a price supposed for a computation.
PER_UNIT_SUPPOSED = re.compile(r"^\s*(?:per|a|each)\s+(?:coin|token|unit|XRP|BTC|ETH|SOL|\w+)\s*,", re.I)
#: the crypto market gaining or losing value, with no metric word: "The crypto markets
#: bled $150 billion", "the crypto market added over $1.2 trillion".
MARKET_MOVE_LEFT = re.compile(
    r"\b(?:(bled|bleeding|lost|losing|shed|shedding|erased|erasing|wiped out|wiping out)|"
    r"(added|adding|gained|gaining))\s+(?:(?:over|more than|nearly|about|around|roughly|some|almost|"
    r"another|a further|an additional)\s+)*\$?\s*$", re.I)
#: the smallest USD move of the whole crypto market read as a change of its capitalization.
MARKET_MOVE_MIN_USD = 10_000_000_000.0
CENTS = re.compile(r"^\s*cents?\b", re.I)
QUESTION_TAIL = re.compile(r"^[^.:;–—|!]*\?")


def last_match(pat: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The last match of ``pat`` in ``text`` (``None`` when there is none)."""
    last = deque(pat.finditer(text), maxlen=1)
    return last[0] if last else None


def _load_cues() -> dict[str, Any]:
    raw = resources.files("newsclaims").joinpath("nlp/data/cues.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def _wb(pattern: str) -> str:
    return r"(?<![\w-])(?:" + pattern + r")(?!\w)"


@dataclass(frozen=True)
class Cues:
    """Compiled cue patterns (from ``nlp/data/cues.json``)."""

    types: dict[str, re.Pattern[str]]
    any_type: re.Pattern[str]
    #: necessary condition for ``any_type`` on lower-cased text (see ``_meta`` in the file).
    type_stems: re.Pattern[str]
    etf_context: re.Pattern[str]
    price_verbs: re.Pattern[str]
    down: re.Pattern[str]
    up: re.Pattern[str]
    forecast: re.Pattern[str]
    long: re.Pattern[str]
    short: re.Pattern[str]
    out_of_scope: re.Pattern[str]
    non_price_percent: re.Pattern[str]
    furniture: re.Pattern[str]
    non_price_usd: re.Pattern[str]
    not_price_context: re.Pattern[str]
    presale: re.Pattern[str]

    @classmethod
    def load(cls) -> Cues:
        d = _load_cues()
        flags = re.I
        return cls(
            types={k: re.compile(_wb(v), flags) for k, v in d["type"].items()},
            any_type=re.compile("|".join(f"(?P<{k}>{_wb(v)})" for k, v in d["type"].items()), flags),
            type_stems=re.compile(d["type_stems"]),
            etf_context=re.compile(_wb(d["etf_context"])),
            price_verbs=re.compile(_wb(d["price_verbs"]), flags),
            down=re.compile(_wb(d["change_down"]), flags),
            up=re.compile(_wb(d["change_up"]), flags),
            forecast=re.compile(_wb(d["forecast"]), flags),
            long=re.compile(_wb(d["long"]), flags),
            short=re.compile(_wb(d["short"]), flags),
            out_of_scope=re.compile(_wb(d["out_of_scope"])),
            non_price_percent=re.compile(_wb(d["non_price_percent"]), flags),
            furniture=re.compile(d["furniture"]),
            non_price_usd=re.compile(_wb(d["non_price_usd"]), flags),
            not_price_context=re.compile(_wb(d["not_price_context"]), flags),
            presale=re.compile(_wb(d["presale"])),
        )

    def type_matches(self, text: str) -> list[re.Match[str]]:
        """All ``any_type`` matches in ``text``.

        The full pattern (one alternative per cue, each behind a lookbehind, case
        insensitive) is the classifier's largest cost; ``type_stems`` on the
        lower-cased text rules most windows out first at a fifth of the cost.
        """
        if self.type_stems.search(text.lower()) is None:
            return []
        return list(self.any_type.finditer(text))

    def type_search(self, text: str) -> re.Match[str] | None:
        """The first ``any_type`` match in ``text`` (see :meth:`type_matches`)."""
        if self.type_stems.search(text.lower()) is None:
            return None
        return self.any_type.search(text)


# --------------------------------------------------------------------------- more patterns

#: "Bitcoin is worth $118,096 at time of writing": the coin's own worth is its price
#: (unlike "$2B worth of BTC" or "holdings worth $5 billion"); the asset must be the
#: subject right before the verb (checked by the classifier), so holdings stay out.
ASSET_WORTH = re.compile(
    r"\s*(?:is|was)\s+(?:currently\s+|now\s+)?worth\s+(?:about\s+|around\s+|roughly\s+|nearly\s+)?\$?$")
#: a level word right before a bare number makes it a price quote ("Immediate support
#: rests at 3.00", "bringing support at 2.80 into play", "support around the 2.60 handle").
BARE_LEVEL_LEFT = re.compile(
    r"\b(?:supports?|resistances?|floors?|ceilings?)\s+(?:levels?\s+|zones?\s+)?"
    r"(?:(?:rests?|sits?|lies|is|comes in|stands)\s+)?(?:at|around|near)\s+(?:the\s+)?$", re.I)
#: what follows a bare number that is not a price: an indicator or ratio reading.
BARE_LEVEL_NOT_RIGHT = re.compile(r"^\s*(?:%|percent|Fib\w*|RSI|[-\s]?day|EMA|SMA|MA\b|x\b|times)", re.I)
#: what may follow a bare price quote: the end of the clause or a plain continuation
#: (not a noun that makes it something else: "the 0.85 SSD quantile").
BARE_LEVEL_RIGHT = re.compile(
    r"^\s*(?:$|[,.;:)—–]|-\s|(?:handle|level|zone|area|mark|region|with|and|or|provided|before|"
    r"which|that|into|in|on|as|is|was|could|would|may|might|will|if|for|by|after|where|then)\b)", re.I)
#: how a bare price quote is written: two or more decimals ("3.00", "0.5120"), or five
#: or more digits ("117169"); a year or a count is neither.
BARE_QUOTE = re.compile(r"\d+\.\d{2,}|\d{5,}(?:\.\d+)?")
#: a bare quote in a clause about an index, a yield or a stock is not a crypto price
#: ("the index is likely to find support at the 100.27": the dollar index).
BARE_LEVEL_OTHER = re.compile(r"\b(?:index|DXY|yields?|S&P|Nasdaq|Dow|dollar|gold|stocks?|shares|equities)\b", re.I)
#: "the highest since 2021", "its lowest level since March 2023": the year a record
#: reaches back to, not the time of the figure.
RECORD_SINCE = re.compile(
    r"\b(?:highest|lowest|largest|biggest|strongest|weakest|best|worst|first|most|least|"
    r"fewest|smallest)\b[^,.;:]{0,30}?\bsince\s+(?:early\s+|late\s+|mid-?)?(?:[A-Z][a-z]+\s+)?(?:19|20)\d\d\b")
#: a percentage set after a metric's amount as its apposition is that metric's change:
#: "open interest rose to $9.98 billion across major exchanges, a 26% increase".
METRIC_APPOSITION = re.compile(r"[^.;:()]{0,60},\s*(?:an?|marking an?|representing an?|or)\s+(?:\w+\s+)?$", re.I)
#: a percentage reached by a move ("has declined to just 41 percent") is a level of
#: some share or rate, never the size of a price change.
PERCENT_LEVEL_LEFT = re.compile(
    r"\b(?:declined|declines|fell|falls|dropped|drops|rose|rises|risen|climbed|climbs|increased|"
    r"decreased|grew|grown|slipped|shrunk|shrank|jumped|surged|sank|slid|edged (?:up|down|higher|lower))"
    r"\s+to\s+(?:just\s+|only\s+|about\s+|around\s+|roughly\s+|nearly\s+|almost\s+|over\s+|under\s+)?$", re.I)
#: dominance of open interest (share of all derivatives positions), not market dominance.
OI_DOMINANCE = re.compile(r"\bopen[- ]interest\s+(?:market\s+)?(?:dominance|share)\b", re.I)
#: a figure used as a label in a title ("$250,000 Bitcoin Price", "$100 HYPE Price
#: Prediction"): group 1 set when the label itself says it is a forecast ...
#: in a headline, "<word> to $X" where the word is not a move that happened ("Bitcoin To
#: $300,000", "Clear Runway to $120K", "Price Correction to $94,000 Looms"): a target.
#: "Bitcoin Surges to $110,000", "ETH Drops To $2,400", "back to $100K" are moves.
TITLE_TO_LEFT = re.compile(r"\b([A-Za-z][\w'’-]*)\s+(?:to|for|toward|towards)\s+~?\$?$", re.I)
MOVE_WORD = re.compile(
    r"^(?:surg|jump|ris|rose|fall|fell|drop|climb|slid|slip|dip|tumbl|rall(?:ies|ied)|soar|plung|sink|sank|"
    r"spik|crash|slump|retreat|recover|rebound|return|bounc|back|pump|dump|skyrocket|leap|hit|reach|touch|"
    r"tank|sur|shoot|rocket|explod|rac|zoom|spring|sprint|fly|flie|flew|moon|nosediv|slash|cut|"
    r"declin|ad|gain|lift|push|pull|edg|inch|creep|crept|hover|trad|sit|stand|revert|"
    r"stabiliz|settl|clos|open|end|finish|extend|drift|sag|sunk|drag|knock|send|sent|propel|drive|drove|"
    r"boost|bring|brought|take|took|up|down|higher|lower|over|above|below|under|near)",
    re.I,
)
#: a table's next value right after a window label ("... Last 24 Hours -1.49%"): the label
#: is that value's, not the figure before it.
TABLE_NEXT_VALUE = re.compile(r"\s*[+\-−]?\d[\d.,]*\s*%")
TITLE_PRICE_LABEL = re.compile(
    r"\s+\$?[A-Z][A-Za-z]*\s+(?:Price\s+|price\s+)?(?:(Target|target|Call|call|Prediction|prediction|Forecast|forecast)\b|Price\b|price\b)")
#: ... otherwise, in a title that reports an opinion, it is the subject of the opinion.
TITLE_OPINION = re.compile(
    r"[‘“\"]|\b(?:makes? sense|according to|predicts?|says|forecasts?|expects?|sees|targets?|"
    r"could|would|will|can|possible|analyst|why|how)\b", re.I)
#: a price crossing a level named after the number ("the price maintains above the
#: $118,000 support level"): the verb and the side, right before the number.
CROSS_BEFORE = re.compile(
    r"\b(?:dropp\w*|fell|falls|slipp\w*|dipp\w*|dips|broke|climb\w*|rose|rises|surg\w*|jump\w*|moved|"
    r"trad\w*|slump\w*|plung\w*|tumbl\w*|sank|held|holds|holding|stays?|remain\w*|maintain\w*|hover\w*|"
    r"kept|keeps|consolidat\w*)\s+(?:back\s+)?(below|under|above|over|past|beyond|through)\s+(?:the\s+|a\s+|its\s+)?\$?$",
    re.I)
#: a range named in a sentence, and the words that name its two ends; how far left of
#: the end of a price (characters) the end word may stand ("the bottom sits at around $117,000").
RANGE_WORD = re.compile(r"\branges?\b", re.I)
RANGE_TOP = re.compile(r"\b(?:top|upper (?:end|bound|boundary|limit)|ceiling|high end)\b", re.I)
RANGE_BOTTOM = re.compile(r"\b(?:bottom|lower (?:end|bound|boundary|limit)|low end)\b", re.I)
RANGE_END_REACH = 60
