"""The past time a claim names, as ISO 8601 (``spec/claims.md``, field ``when``).

The model decides *whether* a figure is stated for a past time; this reads *which*
time from the words nearest the number: "on May 22", "22 May", "yesterday", "on
Friday", "last week", "last month", "in April", "the May high", "in 2022". Relative
days are resolved against the publication time; without one only absolute dates,
months and years can be given.

Example:
    >>> from datetime import datetime, UTC
    >>> t = "Bitcoin hit $111,970 on May 22, its record."
    >>> resolve_when(t, 0, t.index("$"), t.index(" on"), len(t), datetime(2025, 6, 3, tzinfo=UTC))
    '2025-05-22'
    >>> t = "BTC saw a marginal drop on Tuesday (June 3). It fell nearly 1% on Wednesday, to $104,752."
    >>> resolve_when(t, t.index("It"), t.index("$"), len(t) - 1, len(t), datetime(2025, 6, 16, tzinfo=UTC))
    '2025-06-04'
    >>> t = "Bitcoin jumped above $122,000 on Monday."
    >>> resolve_when(t, 0, t.index("$"), t.index(" on"), len(t), datetime(2025, 7, 14, 10, tzinfo=UTC)) is None
    True
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MON = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_MONTH_DAY = re.compile(_MON + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+(20\d\d))?", re.I)
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MON + r"(?:,?\s+(20\d\d))?", re.I)
_MONTH_ONLY = re.compile(r"\b(?:in|during|of|since|the|its|their|early|mid|late|end of)[\s-]+" + _MON + r"(?:\s+(20\d\d))?\b", re.I)
_YEAR = re.compile(r"\b(?:in|during|of|since|back in)\s+(20\d\d|19\d\d)\b", re.I)
_WEEKDAY = re.compile(r"\b(?:on|last|this past|since)\s+(" + "|".join(_DAYS) + r")\b", re.I)
#: a weekday given with its date ("Tuesday (June 3)", "Friday, July 11"): a recap's anchor,
#: from which the later weekdays of the recap count ("fell nearly 1% on Wednesday").
_ANCHOR = re.compile(r"\b(" + "|".join(_DAYS) + r")\s*(?:\(|,)\s*" + _MON + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b", re.I)
#: how far back in the article an anchor still governs a weekday (characters).
ANCHOR_REACH = 3000
_YESTERDAY = re.compile(r"\byesterday\b", re.I)
_LAST_WEEK = re.compile(r"\b(?:last|previous|past|prior)\s+week\b", re.I)
_LAST_MONTH = re.compile(r"\b(?:last|previous|prior)\s+month\b", re.I)


def _month_no(s: str) -> int:
    s = s.lower().rstrip(".")
    for i, m in enumerate(_MONTHS, 1):
        if m.startswith(s[:3]):
            return i
    raise ValueError(s)


def _dated(year: int | None, month: int, day: int, pub: date | None) -> str | None:
    y = year if year is not None else (pub.year if pub is not None else None)
    if y is None:
        return None
    try:
        d = date(y, month, day)
    except ValueError:
        return None
    if year is None and pub is not None and d > pub:
        try:
            d = date(y - 1, month, day)
        except ValueError:
            return None
    return d.isoformat()


def _recap_anchor(text: str, start: int, pub: date) -> date | None:
    """The date of the last weekday-with-date ("Tuesday (June 3)") before ``start`` in the
    article, if it names that weekday rightly and lies on or before publication."""
    last: date | None = None
    for m in _ANCHOR.finditer(text, max(0, start - ANCHOR_REACH), start):
        v = _dated(None, _month_no(m.group(2)), int(m.group(3)), pub)
        if v is None:
            continue
        d = date.fromisoformat(v)
        if d.weekday() == _DAYS.index(m.group(1).lower()) and d <= pub:
            last = d
    return last


def resolve_when(text: str, sent_start: int, start: int, end: int, sent_end: int,
                 published_at: datetime | None) -> str | None:
    """The ISO time named for the figure at ``text[start:end]``, or ``None`` when no
    time can be read (the claim is still past; the checks then say so)."""
    lo = max(sent_start, start - 160)
    hi = min(sent_end, end + 120)
    clause = text[lo:hi]
    pos = start - lo
    pub = published_at.date() if published_at is not None else None
    found: list[tuple[int, str]] = []

    def near(m: re.Match[str]) -> int:
        return min(abs(m.start() - pos), abs(m.end() - pos))

    for m in _MONTH_DAY.finditer(clause):
        v = _dated(int(m.group(3)) if m.group(3) else None, _month_no(m.group(1)), int(m.group(2)), pub)
        if v:
            found.append((near(m), v))
    for m in _DAY_MONTH.finditer(clause):
        v = _dated(int(m.group(3)) if m.group(3) else None, _month_no(m.group(2)), int(m.group(1)), pub)
        if v:
            found.append((near(m), v))
    if pub is not None:
        for m in _YESTERDAY.finditer(clause):
            found.append((near(m), (pub - timedelta(days=1)).isoformat()))
        anchor = _recap_anchor(text, start, pub)
        for m in _WEEKDAY.finditer(clause):
            wd = _DAYS.index(m.group(1).lower())
            if anchor is not None and anchor + timedelta(days=(wd - anchor.weekday()) % 7) <= pub:
                # "Tuesday (June 3) ... on Wednesday": the recap's own week
                found.append((near(m), (anchor + timedelta(days=(wd - anchor.weekday()) % 7)).isoformat()))
                continue
            back = (pub.weekday() - wd) % 7
            if back == 0 and not m.group(0).lower().startswith("last"):
                continue  # the publication day's own name: the present (spec/claims.md, Time)
            found.append((near(m), (pub - timedelta(days=back or 7)).isoformat()))
        for m in _LAST_WEEK.finditer(clause):
            monday = pub - timedelta(days=pub.weekday() + 7)
            found.append((near(m), f"{monday.isoformat()}/{(monday + timedelta(days=6)).isoformat()}"))
        for m in _LAST_MONTH.finditer(clause):
            first = pub.replace(day=1) - timedelta(days=1)
            found.append((near(m), f"{first.year:04d}-{first.month:02d}"))
    for m in _MONTH_ONLY.finditer(clause):
        month = _month_no(m.group(1))
        if m.group(2):
            year = int(m.group(2))
        elif pub is not None:
            year = pub.year if month <= pub.month else pub.year - 1
        else:
            continue
        found.append((near(m) + 1, f"{year:04d}-{month:02d}"))
    for m in _YEAR.finditer(clause):
        if pub is None or int(m.group(1)) != pub.year:
            found.append((near(m) + 2, m.group(1)))
    if not found:
        return None
    return min(found)[1]
