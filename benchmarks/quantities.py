"""Score ``newsclaims.parse_quantities`` against Microsoft Recognizers-Text's English specs.

Usage::

    python benchmarks/quantities.py /work/shared/data/external/recognizers-text \
        [--show-failures] [--show-out-of-scope] \
        [--speed /work/shared/data/news/bitcoin-news-2025.jsonl.gz [--limit 3000]]

``--speed`` also times the parser on the bodies of a JSONL (or .jsonl.gz) dump, one
process, and prints milliseconds per article and per 4 KB of text.

Reads NumberModel.json, PercentModel.json, CurrencyModel.json and NumberRangeModel.json
(Recognizers-Text, MIT licence, in that folder) and prints, per file, the share of
in-scope cases the parser reproduces, the out-of-scope categories with their counts,
and (with ``--show-failures``) every in-scope case it gets wrong.

What "reproduce" means (per case, all of the case's expected results at once):

* NumberModel: the multiset of values we produce equals the expected one (0.01%
  relative tolerance). Units are ignored there ("$20" is the number 20 for
  Recognizers-Text); an extra or missing number fails the case.
* PercentModel: the values of our ``percent`` quantities equal the expected ones.
* CurrencyModel: the (value, unit) pairs of our money quantities (unit neither
  ``number``, ``percent`` nor ``bp``) equal the expected ones, after mapping the
  suite's unit names to codes (``Dollar`` and ``United States dollar`` -> USD,
  ``Cent`` -> USD / 100, ``Pence`` -> GBP / 100, ``Satoshi`` -> BTC / 1e8, ...).
  Expected results with no value (a bare "dollar") are dropped.
* NumberRangeModel: every expected range is found: ``[a,b)``/``[a,b]``/``(a,b)`` as a
  range quantity from a to b, or as two quantities (a ``at_least``, b ``at_most``:
  "more than 10 and less than 20" is two comparisons in our model); ``(a,)``/``[a,)``
  as a at_least; ``(,b)``/``(,b]`` as b at_most; ``[a,a]`` as a exact. The parser
  has no open/closed distinction. Plain numbers we also emit are not extras (the
  suite lists ranges only), but a range or a qualified quantity the suite does not
  expect fails the case.

In scope is everything a parser of English market news should read. Out of scope,
each counted and printed with the reason:

* ``fraction``: fractions written with ordinals ("two thirds", "five eighths",
  "a trillionth", "one and a fourth"). Market news writes 0.67 or 67%, and the
  ordinal readings ("the third", "a fifth of supply") are ambiguous. Half and
  quarter ("half a million", "one and a half") are *in* scope.
* ``ratio``: "one over three", "1 out of 3", "2 in 5": ratios, not quantities.
* ``slash``: digit fractions and vulgar fractions ("3/4", "2 1/4", "⅔"): in news a
  slash between numbers is a date (5/17) or "24/7"; the parser skips them on purpose.
* ``power``: scientific and power notation ("1e10", "1.1^23", "1.3x10^6"): never used
  for amounts in news, and "1e308" must not become a huge number.
* ``spoken_decimal``: "two hundred point zero three": spoken forms; news writes digits.
* ``digit_grouping``: thousands grouped with plain spaces ("1 234 567") or the Indian
  way ("12,34,567"), and decimal commas outside percentages ("1,3", "1.111,11"): each
  is ambiguous with lists and adjacent numbers in English text. (Grouping with a
  no-break or narrow no-break space is in scope.)
* ``date``: dates ("5/17/2018"): skipped on purpose, they are not quantities.
* ``giga``: the "G" suffix ("10G"): gigabytes and grams in news, never money.
* ``compound``: numbers that mix digits and words after a scale, or dollars with
  cents or trailing numbers ("4 thousand 3 hundred and 21", "3 dollars 50 cents",
  "15 dollars and 50", "c $ 100 and fifty"), or the unit in the middle ("75 USD
  million", "dollar 22.5 million"): not how amounts are written in news.
* ``ordinal``: ranges and numbers over ordinals ("between the tenth and the
  fifteenth", "two millionth").
* ``percent_phrase``: percent before the number or with no number ("percent of 10",
  "a small percent").
* ``from_to``: "from X to Y" and "X through Y" ranges: in market news "from X to Y"
  is a move, not a range; the parser leaves it to extraction by design.
* ``currency_exotic``: currencies outside the fiat majors and crypto the parser knows
  (legacy ones: markka, peseta, guilder, French franc; symbols and names such as
  元, ₡, ₾, ₭, ரூ, sen, kuai), and "c $" written apart in lower case.
* ``hyphenated``: "12-cent-a-share", "one-yen bid": adjectives.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsclaims.models import Quantity
from newsclaims.quantities import parse_quantities

REL_TOL = 1e-4  # the suite's values are decimal strings rounded to 15 digits

# The suite's unit names -> (our unit, factor to apply to the suite's value).
UNIT_MAP: dict[str, tuple[str, float]] = {
    "Dollar": ("USD", 1.0),
    "United States dollar": ("USD", 1.0),
    "Cent": ("USD", 0.01),
    "Euro": ("EUR", 1.0),
    "Pound": ("GBP", 1.0),
    "British pound": ("GBP", 1.0),
    "Pence": ("GBP", 0.01),
    "Penny": ("GBP", 0.01),
    "Japanese yen": ("JPY", 1.0),
    "Chinese yuan": ("CNY", 1.0),
    "Canadian dollar": ("CAD", 1.0),
    "Australian dollar": ("AUD", 1.0),
    "Hong Kong dollar": ("HKD", 1.0),
    "New Zealand dollar": ("NZD", 1.0),
    "Mexican peso": ("MXN", 1.0),
    "Swiss franc": ("CHF", 1.0),
    "Turkish lira": ("TRY", 1.0),
    "Rupee": ("INR", 1.0),
    "Bitcoin": ("BTC", 1.0),
    "Satoshi": ("BTC", 1e-8),
}

# --------------------------------------------------------------------------- scope

_ORDINAL_FRACTION = re.compile(
    r"(?i)\b(?:thirds?|fourths?|fifths?|sixths?|sevenths?|eighths?|ninths?|tenths?"
    r"|[a-z]+teenths?|[a-z]+ieths?|hundredths?|thousandths?|millionths?|billionths?"
    r"|trillionths?|firsts?)\b"
)
_RATIO = re.compile(r"(?i)\b(?:over|out of|in)\b")
_RATIO_IN = re.compile(r"(?i)\bin\s+(?:five|\d)")
_SLASH = re.compile(r"\d\s*/\s*\d|[½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞]")
_POWER = re.compile(r"(?i)\d(?:e[+-]?\d|\s*\^|x10)")
_SPOKEN = re.compile(r"(?i)\bpoint\b")
_GROUPING = re.compile(r"\d \d{3}\b|\d,\d\d,\d{3}|\d,\d(?!\d)|\d\.\d{3},\d|\b\d,\d\d(?!\d)")
_DATE = re.compile(r"\d+/\d+/\d+")
_GIGA = re.compile(r"\d\s*[gG]\b")
_NUMWORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|sixty|seventy|eighty|ninety)\b"
)
_COMPOUND = re.compile(
    r"(?i)\d\s+(?:hundred|thousand|million|billion|trillion|crore|lakh)\s+(?:and\s+)?"
    rf"(?:\d|{_NUMWORD}|a\s+(?:half|quarter))"  # 4 thousand 3 hundred, 3 million and a half
    rf"|\b(?:dollars?|cents?)\s+(?:and\s+)?(?:\d|{_NUMWORD})"  # 3 dollars 50 cents
    r"|\$\s*\d+\s+(?:and\s+\w|cents?\b)"  # c $ 100 and fifty, 10 $ 30 cent
    r"|\d\s*usd\s+(?:million|billion|\d)"  # 75 USD million, 17 USD 25
    r"|\bdollar\s+\d"  # dollar 22.5 million
)
_ORDINAL = re.compile(r"(?i)\b(?:tenth|fifteenth|millionths?)\b")
_PERCENT_PHRASE = re.compile(r"(?i)^(?:percents?|per cent|%|percentage)(?:\s+of\b|$)")
_FROM_TO = re.compile(r"(?i)\bfrom\b.*\bto\b|\bthrough\b")
_EXOTIC = re.compile(
    r"(?i)markka|peseta|guilder|(?<!swiss )\bfrancs?\b|元|₡|₾|₭|ரூ|\bsen\b|kuai|mao|(?:^|\s)c \$"
)
_HYPHENATED = re.compile(r"(?i)\d-cent|one-yen")


def _texts(case: dict[str, Any]) -> list[str]:
    return [str(r.get("Text", "")) for r in case.get("Results", [])]


def scope_of(kind: str, case: dict[str, Any]) -> str | None:
    """The out-of-scope category of a case, or None when it is in scope."""
    inp = str(case["Input"])
    texts = _texts(case)
    joined = " | ".join(texts)
    both = inp + " | " + joined
    if _HYPHENATED.search(joined):
        return "hyphenated"
    if kind == "currency" and _EXOTIC.search(both):
        return "currency_exotic"
    if _DATE.search(inp) and kind in ("number", "range"):
        return "date"
    if _POWER.search(joined):
        return "power"
    if _SLASH.search(joined):
        return "slash"
    if _SPOKEN.search(joined):
        return "spoken_decimal"
    if _ORDINAL.search(inp) and kind in ("number", "range"):
        return "ordinal"
    if _ORDINAL_FRACTION.search(joined):
        return "fraction"
    ratio = any(_RATIO.search(t) and re.search(r"(?i)\d|one|two|three|five", t) for t in texts)
    if ratio and (kind == "number" or (kind == "range" and _RATIO_IN.search(joined))):
        return "ratio"
    if _GROUPING.search(joined):
        return "digit_grouping"
    if _GIGA.search(joined):
        return "giga"
    if _COMPOUND.search(joined):
        return "compound"
    if kind == "percent" and any(_PERCENT_PHRASE.search(t.strip()) for t in texts):
        return "percent_phrase"
    if kind == "range" and _FROM_TO.search(inp):
        return "from_to"
    return None


REASONS = {
    "fraction": "ordinal fractions (two thirds, a trillionth): not written in market news",
    "ratio": "ratios (one over three, 2 in 5): not quantities",
    "slash": "digit/vulgar fractions (3/4, ⅔): a slash is a date or 24/7 in news",
    "power": "scientific/power notation (1e10, 1.1^23): never used for amounts",
    "spoken_decimal": "spoken decimals (two point five): news writes digits",
    "digit_grouping": "space/Indian grouping and decimal commas outside %: ambiguous",
    "date": "dates (5/17/2018): skipped on purpose, a date is not a quantity",
    "giga": "G suffix (10G): gigabytes/grams, not money",
    "compound": "digit-word compounds, dollars-and-cents, unit in the middle",
    "ordinal": "ordinals (the tenth, two millionth)",
    "percent_phrase": "percent before the number or without one",
    "from_to": "from X to Y / X through Y: a move in market news, left to extraction",
    "currency_exotic": "legacy/exotic currencies (markka, franc, 元, ₭, sen), 'c $'",
    "hyphenated": "hyphenated adjectives (12-cent, one-yen)",
}

# --------------------------------------------------------------------------- scoring


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)


def _same_multiset(got: list[tuple[float, str]], want: list[tuple[float, str]]) -> bool:
    if len(got) != len(want):
        return False
    rest = list(got)
    for w in want:
        for i, g in enumerate(rest):
            if g[1] == w[1] and _close(g[0], w[0]):
                del rest[i]
                break
        else:
            return False
    return True


def _num(s: str) -> float:
    return float(s.rstrip("%"))


def score_number(case: dict[str, Any], qs: list[Quantity]) -> bool:
    want = [(_num(r["Resolution"]["value"]), "") for r in case["Results"]]
    got: list[tuple[float, str]] = []
    for q in qs:
        got.append((q.value, ""))
        if q.value_max is not None:
            got.append((q.value_max, ""))
    return _same_multiset(got, want)


def score_percent(case: dict[str, Any], qs: list[Quantity]) -> bool:
    want = [
        (_num(r["Resolution"]["value"]), "")
        for r in case["Results"]
        if r["Resolution"].get("value") not in (None, "null")
    ]
    got = [(q.value, "") for q in qs if q.unit == "percent"]
    return _same_multiset(got, want)


def score_currency(case: dict[str, Any], qs: list[Quantity]) -> bool:
    want = []
    for r in case["Results"]:
        res = r["Resolution"]
        if res.get("value") in (None, "null"):
            continue
        unit, factor = UNIT_MAP.get(res.get("unit", ""), (res.get("unit", "?"), 1.0))
        want.append((float(res["value"]) * factor, unit))
    got = [(q.value, q.unit) for q in qs if q.unit not in ("number", "percent", "bp")]
    return _same_multiset(got, want)


_RANGE = re.compile(r"^([\[(])([^,]*),([^,]*)([\])])$")


def score_range(case: dict[str, Any], qs: list[Quantity]) -> bool:
    used: set[int] = set()

    def take(pred: Callable[[Quantity], bool]) -> bool:
        for i, q in enumerate(qs):
            if i not in used and pred(q):
                used.add(i)
                return True
        return False

    for r in case["Results"]:
        m = _RANGE.match(str(r["Resolution"]["value"]))
        if not m:
            return False
        lo = float(m.group(2)) if m.group(2) else None
        hi = float(m.group(3)) if m.group(3) else None
        if lo is not None and hi is not None and lo == hi:
            ok = take(lambda q, v=lo: _close(q.value, v) and q.qualifier == "exact")
        elif lo is not None and hi is not None:
            ok = take(
                lambda q, a=lo, b=hi: (
                    q.value_max is not None and _close(q.value, a) and _close(q.value_max, b)
                )
            )
            if not ok:
                first = take(lambda q, a=lo: _close(q.value, a) and q.qualifier == "at_least")
                ok = first and take(lambda q, b=hi: _close(q.value, b) and q.qualifier == "at_most")
        elif lo is not None:
            ok = take(lambda q, a=lo: _close(q.value, a) and q.qualifier == "at_least")
        elif hi is not None:
            ok = take(lambda q, b=hi: _close(q.value, b) and q.qualifier == "at_most")
        else:
            ok = False
        if not ok:
            return False
    extras = [
        q
        for i, q in enumerate(qs)
        if i not in used and (q.value_max is not None or q.qualifier != "exact")
    ]
    return not extras


FILES: dict[str, tuple[str, Callable[[dict[str, Any], list[Quantity]], bool]]] = {
    "number": ("NumberModel.json", score_number),
    "percent": ("PercentModel.json", score_percent),
    "currency": ("CurrencyModel.json", score_currency),
    "range": ("NumberRangeModel.json", score_range),
}


def _show(qs: list[Quantity]) -> str:
    parts = []
    for q in qs:
        v = f"{q.value:g}" + (f"..{q.value_max:g}" if q.value_max is not None else "")
        qual = "" if q.qualifier == "exact" else f" {q.qualifier}"
        parts.append(f"{q.text!r}={v} {q.unit}{qual}")
    return "; ".join(parts) or "-"


def _expected(case: dict[str, Any]) -> str:
    out = []
    for r in case["Results"]:
        res = r["Resolution"]
        out.append(f"{r.get('Text')!r}={res.get('value')} {res.get('unit', '')}".strip())
    return "; ".join(out) or "-"


def run(folder: Path, show_failures: bool, show_out_of_scope: bool) -> dict[str, float]:
    shares: dict[str, float] = {}
    for kind, (name, scorer) in FILES.items():
        cases = json.loads((folder / name).read_text(encoding="utf-8-sig"))
        out_of_scope: Counter[str] = Counter()
        passed = 0
        failures = []
        in_scope = 0
        passed_out = 0
        for case in cases:
            category = scope_of(kind, case)
            qs = parse_quantities(str(case["Input"]))
            ok = scorer(case, qs)
            if category:
                out_of_scope[category] += 1
                passed_out += ok
                if show_out_of_scope:
                    print(f"  [{kind}/{category}] {case['Input'][:100]!r}")
                continue
            in_scope += 1
            if ok:
                passed += 1
            else:
                failures.append((case, qs))
        share = passed / in_scope if in_scope else 0.0
        shares[kind] = share
        print(
            f"{name:24} {passed:4d}/{in_scope:<4d} in scope reproduced = {share:6.1%}"
            f"   (all {len(cases)} cases: {(passed + passed_out) / len(cases):6.1%})"
        )
        for category, n in out_of_scope.most_common():
            print(f"    out of scope {category:16} {n:3d}  {REASONS[category]}")
        if show_failures:
            for case, qs in failures:
                print(f"  FAIL {case['Input'][:140]!r}")
                print(f"       want {_expected(case)}")
                print(f"       got  {_show(qs)}")
    return shares


def speed(path: Path, limit: int) -> None:
    """Time parse_quantities over article bodies (best of three passes)."""
    opener = gzip.open if path.suffix == ".gz" else open
    texts: list[str] = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if len(texts) >= limit:
                break
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            body = record.get("body") or record.get("text") or ""
            if isinstance(body, str) and body:
                texts.append(str(record.get("headline") or "") + "\n\n" + body)
    chars = sum(len(t) for t in texts)
    best = math.inf
    found = 0
    for _ in range(3):
        t0 = time.process_time()
        found = sum(len(parse_quantities(t)) for t in texts)
        best = min(best, time.process_time() - t0)
    print(
        f"speed: {len(texts)} articles, {chars / 1e6:.1f}M chars, {found} quantities: "
        f"{best / len(texts) * 1e3:.3f} ms/article, {best / chars * 4096 * 1e3:.3f} ms per 4 KB, "
        f"{len(texts) / best:.0f} articles/s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the recognizers-text folder")
    parser.add_argument("--show-failures", action="store_true")
    parser.add_argument("--show-out-of-scope", action="store_true")
    parser.add_argument("--speed", type=Path, help="a JSONL(.gz) dump with article bodies")
    parser.add_argument("--limit", type=int, default=3000, help="articles to time (--speed)")
    args = parser.parse_args(argv)
    run(args.folder, args.show_failures, args.show_out_of_scope)
    if args.speed:
        speed(args.speed, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
