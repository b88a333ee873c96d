"""Page furniture: text that belongs to the page or the feed, not to the article.

Every rule has a name (the keys of ``CleanArticle.removed``) and removes only whole
lines, whole sentences, or a tail/head of the text that matches a furniture pattern,
never words inside a sentence of the article:

=================  ===========================================================
rule               removes
=================  ===========================================================
``feed_prefix``    "The post X appeared first on Site" at the start of a body,
                   and a site name glued before the headline ("BitcoinWorld X")
``feed_trailer``   "The post X appeared first on Site." / "This post X first
                   appeared on Site and is written by Y" (line or tail)
``disclaimer``     "This page may contain third-party content ... See
                   Disclaimer for details.", "Disclaimer: ..." paragraphs and
                   tails, "This is not investment advice."
``social_widget``  reward/comment/repost/share/pin lines, "0/400", "No comments",
                   "Follow us on X, Telegram ..." tails
``language_menu``  runs of language names (简体中文 / English / Tiếng Việt ...)
``app_prompt``     "Scan to download Gate App", "qrCode", "Trade Crypto Anywhere
                   Anytime", app-store prompts
``ticker_widget``  lines made only of TICKER+signed number+% ("BTC0,03%")
``related_links``  "Related reading:", "Read more:", "Also read:", "Continue
                   Reading:" ... lines, such a link as the tail of the text, and
                   "Also Read : <title> , " inside a paragraph
``image_credit``   "Featured image from X, chart from TradingView" tails/lines
``byline``         "This article was written by X at www.site.com." tails
``truncation``     trailing "[…]", "[+1234 chars]", "... Read more", a bare
                   trailing ellipsis
``shortcode``      a WordPress shortcode left in a feed body
                   (``[subscriber_shortcode title="..." category_id="6"]``)
``stylesheet``     CSS rules a page's inline <style> left in a feed body
                   (``.article-inside-link { margin-left: 0 !important; ... }``)
``script``         JavaScript a page's inline <script> left in a feed body
                   (``var templateIds = "6"; function subscribed_popupmodal(...) {...}``)
``furniture_label`` a short label line ("Community") left between removed lines
=================  ===========================================================
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

from .boilerplate import sentence_spans

__all__ = ["remove_furniture", "strip_title_prefix"]

# ---------------------------------------------------------------- tuning constants

# A "Read more: <link title>" at the end of a flattened body is removed only when
# what follows the marker is this short: a link title, not a paragraph.
MAX_LINK_TAIL_CHARS = 250
# A "Disclaimer: ..." tail is removed only when at most this long; publishers'
# disclaimers run 150-900 chars, an article that merely starts a section called
# "Disclaimer" runs longer.
MAX_DISCLAIMER_TAIL_CHARS = 1500
# Image credits ("Featured image from Unsplash, chart from TradingView.com") are short.
MAX_IMAGE_CREDIT_CHARS = 160
# A furniture line is short; a longer line is content even if it starts like furniture.
MAX_FURNITURE_LINE_CHARS = 300
# A leftover label between removed furniture lines ("Community") has at most this many words.
MAX_LABEL_WORDS = 3
# The site name glued before a headline ("BitcoinWorld <headline>") has at most this many words.
MAX_SITE_PREFIX_WORDS = 3
# Share of words of 4+ letters capitalised above which a text is a headline.
TITLE_CASE_SHARE = 0.6
# How many times the tail rules are re-applied (tails stack: disclaimer, image
# credit, then feed trailer).
MAX_TAIL_PASSES = 8

# ---------------------------------------------------------------- data files


@lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    raw = resources.files(__package__).joinpath("data/languages.json").read_text("utf-8")
    return frozenset(json.loads(raw))


@lru_cache(maxsize=1)
def _feed_sites() -> tuple[str, ...]:
    raw = resources.files(__package__).joinpath("data/feed_sites.json").read_text("utf-8")
    # longest first so "Coinpedia Fintech News" wins over "Coinpedia"
    return tuple(sorted(json.loads(raw), key=len, reverse=True))


# ---------------------------------------------------------------- patterns

_BULLET = re.compile(r"^[\s•·▪●◦‣∙*>\-–]+")
_WIDGET_WORDS = frozenset(
    (
        "reward", "rewards", "comment", "comments", "repost", "reposts", "share", "shares",
        "pin", "pinned", "like", "likes", "follow", "following", "tip", "tips", "reply",
        "replies", "report", "bookmark", "save", "quote", "retweet", "upvote", "downvote",
        "no comments", "no comment", "copy link", "add a comment", "leave a comment",
        "write a comment", "show more", "load more", "see more",
    )
)  # fmt: skip
_WIDGET_RUN = re.compile(
    r"^(?:[•·|]?\s*(?:reward|comment|comments|repost|share|like|pin|tip|reply|follow)\b\s*){2,}$",
    re.I,
)
_WIDGET_COUNTER = re.compile(
    r"^\d{1,4}\s*/\s*\d{2,5}$|^\d+\s*(?:likes?|comments?|shares?|reposts?|replies|views?)$",
    re.I,
)
_APP_PROMPT = re.compile(
    r"^(?:scan(?: the)?(?: qr(?: ?code)?)? to (?:download|get|install)\b.*"
    r"|download (?:the |our )?[\w .'-]{0,30}\bapp\b.*"
    r"|get (?:the |our )?[\w .'-]{0,20}\bapp\b.*"
    r"|qr ?code"
    r"|trade crypto anywhere,? any ?time!?"
    r"|(?:available|get it|download) on (?:the )?(?:app store|google play).*)$",
    re.I,
)
_TICKER_LINE = re.compile(
    r"^(?:[A-Z][A-Z0-9]{1,9}\s?(?:\$?\d[\d,]*(?:\.\d+)?\s+)?[+\-]?\d+(?:[.,]\d+)?%\s*)+$"
)
_RELATED_MARKER = (
    r"(?:related(?: reading| news| articles?| posts?| stories| content)?|read (?:more|also|next)"
    r"|also read|see also|you (?:might|may) also like|recommended(?: reading| for you)?"
    r"|more news|more from [\w ]{1,20}|suggested(?: reading)?|continue reading|further reading"
    r"|must read|don'?t miss)"
)
# cheap pre-test for _RELATED_TAIL (lowercased words one of its markers contains)
_RELATED_WORDS = (
    "related",
    "read",
    "see also",
    "also like",
    "recommended",
    "more ",
    "suggested",
    "don't miss",
    "dont miss",
)
_LETTER_WORD = re.compile(r"[A-Za-z][\w'-]*")
_RELATED_LINE = re.compile(rf"^{_RELATED_MARKER}\s*(?:[:：|»>\-–]\s*.*)?$", re.I)
_RELATED_TAIL = re.compile(rf"{_RELATED_MARKER}\s*[:：]\s*(?P<rest>[^\n]*)$", re.I)
_DISCLAIMER_LINE = re.compile(
    r"^\*?\s*(?:legal |important |risk )?(?:disclaimer|disclosure|risk warning)\s*[:.\-–]", re.I
)
_DISCLAIMER_TAIL = re.compile(
    r"\*?(?:Legal |Important )?(?:Disclaimer|DISCLAIMER|Disclosure|Risk [Ww]arning)\s*[:.\-–]\s"
)
_DISCLAIMER_WORDS = ("Disclaimer", "DISCLAIMER", "Disclosure", "Risk", "risk")
_ADVICE_WORDS = re.compile(
    r"advice|opinion|views|informational|educational|investment|own research|endorse|"
    r"responsib|sponsor|risk|recommend|due diligence|not intended",
    re.I,
)
_DISCLAIMER_SPANS = (
    # Gate and its mirrors; the article text around it is kept.
    re.compile(
        r"This page may contain third[- ]party content\b[^\n]{0,500}?See Disclaimer for details\.?",
        re.I,
    ),
    re.compile(
        r"\*?\b(?:This|It) (?:is not|isn't|does not constitute|should not be "
        r"(?:considered|construed) as) (?:an? )?(?:investment|financial|trading)(?: or "
        r"(?:investment|financial|trading|legal))? advice\.\*?",
        re.I,
    ),
)
# A WordPress shortcode left in a feed body:
# [article_inside_subscriber_shortcode title="..." category_id="6"]
_SHORTCODE = re.compile(r"\[[a-z][a-z0-9_]{2,60}(?: [a-z_]{1,30}=\"[^\"\]\n]{0,300}\")+ ?/?\]")
# a word each span pattern needs (a cheap test before the regex)
# a run of CSS rules: a class or id selector (then tags, classes, pseudo-classes and
# combinators), a block of declarations; every step needs a letter, so no backtracking
_CSS_SELECTOR = r"[.#][A-Za-z][\w-]*(?:(?:(?:\s*[>+~]\s*|\s+)(?:::?|[.#])?|::?|[.#])[A-Za-z][\w-]*)*"
_CSS_DECLARATION = r"[a-z-]+\s*:\s*[^;{}\n]{1,120}"
_CSS_RULE = rf"{_CSS_SELECTOR}\s*\{{\s*(?:{_CSS_DECLARATION};\s*)*(?:{_CSS_DECLARATION})?\s*\}}"
_STYLESHEET = re.compile(rf"(?:(?:@media[^{{}}\n]{{1,120}}\{{\s*(?:{_CSS_RULE}\s*)*\}}|{_CSS_RULE})[ \t]*)+")
# a link to another story inside a paragraph: "Also Read : <its title> , " (coinpedia)
_INLINE_RELATED = re.compile(r"[ \t]*\bAlso [Rr]ead\s*:\s*[^\n]{3,200}? , ")
# the start of an inline script: a variable declared with a value, a named function
_SCRIPT_START = re.compile(
    r"\b(?:var|let|const)\s+[A-Za-z_$][\w$]*\s*=\s*[\"'`\[{(\w$\\]|!?\bfunction\s*[A-Za-z_$]?[\w$]*\s*\([\w$, ]*\)\s*\{|\b(?:if\s*\(\s*)?(?:document|window)\.[A-Za-z]\w*\s*[.(=]")
# a word every script start has (a cheap test before the regex)
_SCRIPT_GUARDS = ("var ", "let ", "const ", "function", "document.", "window.")
# a script's statements, one piece at a time: up to a ";", "{" or "}"
_SCRIPT_PIECE = re.compile(r"[^;{}]*[;{}]")
# what code has and prose has not
_CODE_MARK = re.compile(r"=|\w\(|\)\s*[;{]|[\[\]`]|^\s*\}?\s*else\b")
_SPAN_GUARDS = ("party content", " advice")
#: the shortest run of statements taken for a script (a sentence quoting one line stays)
SCRIPT_MIN_CHARS = 40
_FEED_TRAILER_LINE = re.compile(
    r"^(?:The|This) post .{1,400}? (?:appeared first on|first appeared on) .{1,120}$"
)
_FEED_TRAILER_TAIL = re.compile(
    r"(?:The|This) post (?:[^\n]{1,400}?) (?:appeared first on|first appeared on) [^\n]{1,120}$"
)
_FEED_PREFIX = re.compile(
    r"^(?:The|This) post (?P<t>[^\n]{1,400}?) (?:appeared first on|first appeared on) "
)
_IMAGE_CREDIT_TAIL = re.compile(
    r"(?:(?:Featured|Cover|Header|Main|Lead|Generated|Hero) [Ii]mage|Image (?:credit|source|"
    r"via|by|from)|Images?:|Photo(?: credit)?:)[^\n]*$"
)
_BYLINE_TAIL = re.compile(
    r"This (?:article|story|post) was (?:written|originally published|first published) "
    r"(?:by|on|at) [^\n]{1,120}$"
)
_SOCIAL_TAIL = re.compile(
    r"(?:Follow us on|Join our (?:Telegram|Discord|community)|Subscribe to our "
    r"(?:newsletter|channel))[^\n]*$",
    re.I,
)
# What may stand before a tail marker: the start of the text or a line, a space, or
# the end of a sentence.
_TAIL_LEFT = frozenset(" \n.!?\"')*")
_TRUNCATION_TAILS = (
    re.compile(r"\s*\[\s*(?:…|\.{3}|\+\s?\d+\s*chars?)\s*\]\s*$", re.I),
    re.compile(r"\s*\(\s*(?:…|\.{3})\s*\)\s*$"),
    re.compile(
        r"\s*(?:…|\.{3})\s*\[?(?:read more|continue reading|read the full (?:story|article)|"
        r"more)\b[^\n]{0,20}$",
        re.I,
    ),
    re.compile(r"\s*\b(?:read more|continue reading)\s*(?:»|>>|→|›)\s*$", re.I),
    re.compile(r"(?<=[\w,])\s?(?:…|\.{3})\s*$"),
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\S+")


def _key(line: str) -> str:
    return _BULLET.sub("", line).strip().casefold()


def _is_language(line: str) -> bool:
    key = _key(line)
    if key in _languages():
        return True
    # "Français (Afrique)" -> "français"
    base = key.split(" (", 1)[0].strip()
    return base in _languages()


def _language_count(line: str) -> int:
    parts = [p for p in re.split(r"\s*[/|•·]\s*", line) if p.strip()]
    if len(parts) < 3:
        return 0
    return len(parts) if all(_is_language(p) for p in parts) else 0


def _classify(line: str) -> str | None:
    """The furniture rule a whole line matches, or ``None`` for content."""
    if len(line) > MAX_FURNITURE_LINE_CHARS:
        # long lines are content unless a trailer or a disclaimer paragraph
        if _FEED_TRAILER_LINE.match(line) and len(line) < 600:
            return "feed_trailer"
        if _DISCLAIMER_LINE.match(line) and len(line) <= MAX_DISCLAIMER_TAIL_CHARS:
            return "disclaimer"
        return None
    key = _key(line)
    if not key:
        return None
    if key in _WIDGET_WORDS or _WIDGET_RUN.match(key) or _WIDGET_COUNTER.match(key):
        return "social_widget"
    if _APP_PROMPT.match(key):
        return "app_prompt"
    if _TICKER_LINE.match(line.strip()):
        return "ticker_widget"
    if _FEED_TRAILER_LINE.match(line):
        return "feed_trailer"
    if _DISCLAIMER_LINE.match(line):
        return "disclaimer"
    if _RELATED_LINE.match(key):
        return "related_links"
    if _IMAGE_CREDIT_TAIL.match(line) and len(line) <= MAX_IMAGE_CREDIT_CHARS:
        return "image_credit"
    if _language_count(line):
        return "language_menu"
    return None


def _remove_lines(text: str, removed: Counter[str]) -> str:
    lines = text.split("\n")
    verdict: list[str | None] = [_classify(line) if line.strip() else None for line in lines]
    # language names count only in runs (a lone "English" line may be a heading)
    n = len(lines)
    i = 0
    while i < n:
        if verdict[i] is None and lines[i].strip() and _is_language(lines[i]):
            j = i
            run = []
            while j < n and (not lines[j].strip() or _is_language(lines[j])):
                if lines[j].strip():
                    run.append(j)
                j += 1
            if len(run) >= 2:
                for k in run:
                    verdict[k] = "language_menu"
            i = j
        else:
            i += 1
    if not any(verdict):
        return text
    # a short label sandwiched between furniture (or furniture and the end) goes too
    content_idx = [k for k in range(n) if lines[k].strip()]
    for pos, k in enumerate(content_idx):
        if verdict[k] is not None:
            continue
        words = lines[k].split()
        if len(words) > MAX_LABEL_WORDS or lines[k].rstrip()[-1:] in ".!?:;,":
            continue
        before = verdict[content_idx[pos - 1]] if pos > 0 else None
        after = verdict[content_idx[pos + 1]] if pos + 1 < len(content_idx) else "end"
        if before is not None and after is not None:
            verdict[k] = "furniture_label"
    kept: list[str] = []
    for line, rule in zip(lines, verdict, strict=True):
        if rule is None:
            kept.append(line)
        else:
            removed[rule] += 1
    return "\n".join(kept)


def _script_end(text: str, start: int) -> int:
    """Where the script starting at ``start`` ends: the piece that closes its last
    block, before the first piece at top level that reads as prose (no code marks)."""
    depth, end = 0, start
    for m in _SCRIPT_PIECE.finditer(text, start):
        piece = m.group(0)
        if "\n" in piece:
            break  # a feed body's script never spans paragraphs
        if depth == 0 and m.start() > start and _CODE_MARK.search(piece) is None:
            break
        depth += (piece[-1] == "{") - (piece[-1] == "}")
        if depth <= 0:
            depth, end = 0, m.end()
            while end < len(text) and text[end] in ");,":
                end += 1
    return end


def _remove_scripts(text: str) -> tuple[str, int]:
    """Drop inline scripts: "var templateIds = "6"; ... function f(x) { ... } });"."""
    out: list[str] = []
    pos = count = 0
    while (m := _SCRIPT_START.search(text, pos)) is not None:
        end = _script_end(text, m.start())
        if end - m.start() < SCRIPT_MIN_CHARS or text.count(";", m.start(), end) + text.count("}", m.start(), end) < 2:
            out.append(text[pos : m.end()])
            pos = m.end()
            continue
        out.append(text[pos : m.start()].rstrip(" \t") + " ")
        pos, count = end, count + 1
        while pos < len(text) and text[pos] in " \t":
            pos += 1
    out.append(text[pos:])
    return "".join(out), count


def _drop_span(match: re.Match[str]) -> str:
    """Remove a span; a span that was a whole line takes its line break with it."""
    text, start, end = match.string, match.start(), match.end()
    whole_line = (start == 0 or text[start - 1] == "\n") and (end == len(text) or text[end] == "\n")
    return "" if not whole_line or end == len(text) else "\x00"


def _remove_spans(text: str, removed: Counter[str]) -> str:
    if '="' in text:
        text, count = _SHORTCODE.subn(_drop_span, text)
        if count:
            removed["shortcode"] += count
    if "{" in text:
        text, count = _STYLESHEET.subn(_drop_span, text)
        if count:
            removed["stylesheet"] += count
    if any(word in text for word in _SCRIPT_GUARDS):
        text, count = _remove_scripts(text)
        if count:
            removed["script"] += count
    if "Also " in text:
        text, count = _INLINE_RELATED.subn(" ", text)
        if count:
            removed["related_links"] += count
    for guard, pattern in zip(_SPAN_GUARDS, _DISCLAIMER_SPANS, strict=True):
        if guard not in text:
            continue
        text, count = pattern.subn(_drop_span, text)
        if count:
            removed["disclaimer"] += count
    if "\x00" in text:
        # the marker stands where a whole line was: drop it with its line break
        text = text.replace("\x00\n", "")
    return text


# ---------------------------------------------------------------- tails


def _last_paragraph_start(text: str) -> int:
    return text.rfind("\n") + 1


def _cut(text: str, start: int) -> str:
    return text[:start].rstrip()


def _search_tail(pattern: re.Pattern[str], text: str, start: int) -> re.Match[str] | None:
    """The first match of ``pattern`` at or after ``start`` that begins at a boundary."""
    for m in pattern.finditer(text, start):
        pos = m.start()
        if pos == 0 or text[pos - 1] in _TAIL_LEFT:
            return m
    return None


def _tail_feed_trailer(text: str, title: str) -> str | None:
    if "appeared first on" not in text and "first appeared on" not in text:
        return None
    para = _last_paragraph_start(text)
    m = _search_tail(_FEED_TRAILER_TAIL, text, max(para, len(text) - 700))
    return _cut(text, m.start()) if m else None


def _tail_related(text: str, title: str) -> str | None:
    para = _last_paragraph_start(text)
    window = max(para, len(text) - MAX_LINK_TAIL_CHARS - 40)
    tail = text[window:]
    if ":" not in tail and "：" not in tail:
        return None
    tail = tail.lower()
    if not any(word in tail for word in _RELATED_WORDS):
        return None
    m = _search_tail(_RELATED_TAIL, text, window)
    if m is None:
        return None
    rest = m.group("rest").rstrip()
    # a link title: short, no period at its end, and one sentence or all sentences in
    # Title Case ("... Bitcoin! All-Time High Broken Again! Here Are the Details"); else the
    # article goes on after an inline link and nothing is cut
    if len(rest) > MAX_LINK_TAIL_CHARS or rest.endswith((".", "…")):
        return None  # a period ends prose; "…" ends a cut-off teaser, not a link
    spans = sentence_spans(rest)
    if len(spans) > 1 and not all(_is_title_case(rest[a:b]) for a, b in spans):
        return None
    return _cut(text, m.start())


def _is_title_case(text: str) -> bool:
    """Headline capitalisation ("Here Are the Details"): most longer words capitalised."""
    words: list[str] = [w for w in _LETTER_WORD.findall(text) if len(w) >= 4]
    if not words:
        return False
    return sum(w[0].isupper() for w in words) >= TITLE_CASE_SHARE * len(words)


def _tail_image_credit(text: str, title: str) -> str | None:
    para = _last_paragraph_start(text)
    tail = text[-MAX_IMAGE_CREDIT_CHARS:]
    if "mage" not in tail and "hoto" not in tail:
        return None
    m = _search_tail(_IMAGE_CREDIT_TAIL, text, max(para, len(text) - MAX_IMAGE_CREDIT_CHARS))
    return _cut(text, m.start()) if m else None


def _tail_social(text: str, title: str) -> str | None:
    para = _last_paragraph_start(text)
    tail = text[-200:].lower()
    if "follow us" not in tail and "join our" not in tail and "subscribe to our" not in tail:
        return None
    m = _search_tail(_SOCIAL_TAIL, text, max(para, len(text) - 200))
    return _cut(text, m.start()) if m else None


def _tail_byline(text: str, title: str) -> str | None:
    if "This " not in text[-200:]:
        return None
    para = _last_paragraph_start(text)
    m = _search_tail(_BYLINE_TAIL, text, max(para, len(text) - 200))
    return _cut(text, m.start()) if m else None


def _tail_disclaimer(text: str, title: str) -> str | None:
    para = _last_paragraph_start(text)
    start = max(para, len(text) - MAX_DISCLAIMER_TAIL_CHARS)
    window = text[start:]
    if not any(w in window for w in _DISCLAIMER_WORDS):
        return None
    # the earliest marker in the window: the whole tail goes
    found = _search_tail(_DISCLAIMER_TAIL, text, start)
    # the disclaimer's own first sentence must sound like one
    if found is None or not _ADVICE_WORDS.search(text, found.end(), found.end() + 300):
        return None
    return _cut(text, found.start())


def _tail_truncation(text: str, title: str) -> str | None:
    for pattern in _TRUNCATION_TAILS:
        m = pattern.search(text, max(0, len(text) - 80))
        if m:
            return text[: m.start()].rstrip()
    return None


_TAIL_RULES: tuple[tuple[str, Callable[[str, str], str | None]], ...] = (
    ("feed_trailer", _tail_feed_trailer),
    ("image_credit", _tail_image_credit),
    ("byline", _tail_byline),
    ("related_links", _tail_related),
    ("social_widget", _tail_social),
    ("disclaimer", _tail_disclaimer),
    ("truncation", _tail_truncation),
)


def _remove_tails(text: str, title: str, removed: Counter[str]) -> str:
    for _ in range(MAX_TAIL_PASSES):
        changed = False
        for name, rule in _TAIL_RULES:
            if not text:
                return text
            if name == "related_links" and removed["truncation"]:
                continue  # a cut-off text ends inside the article, not in a link line
            cut = rule(text, title)
            if cut is not None and cut != text:
                removed[name] += 1
                text = cut
                changed = True
        if not changed:
            break
    return text


# ---------------------------------------------------------------- heads


def _head_feed_prefix(text: str, title: str, removed: Counter[str]) -> str:
    m = _FEED_PREFIX.match(text)
    if m is None:
        return text
    rest = text[m.end() :]
    site_end = 0
    for site in _feed_sites():
        if rest.startswith(site):
            site_end = len(site)
            break
    else:
        newline = rest.find("\n", 0, 121)
        if newline >= 0:
            site_end = newline
        else:
            # unknown site glued to the text: take one word (a site name has at
            # least one); the rest of a longer name stays, which is harmless.
            word = _WORD.match(rest)
            site_end = word.end() if word else 0
    removed["feed_prefix"] += 1
    return rest[site_end:].lstrip(" .:-\n")


def _head_disclosure(text: str, removed: Counter[str]) -> str:
    """A leading "Disclosure: ..." of up to three advice sentences."""
    if not _DISCLAIMER_LINE.match(text):
        return text
    end = 0
    for _count, m in enumerate(_SENTENCE_BREAK.finditer(text)):
        sentence = text[end : m.start()]
        if _count >= 3 or "\n" in sentence or not _ADVICE_WORDS.search(sentence):
            break
        end = m.end()
    if end == 0:
        return text
    removed["disclaimer"] += 1
    return text[end:]


def strip_title_prefix(text: str, title: str, removed: Counter[str]) -> str:
    """Drop a site name glued before the headline: ``"BitcoinWorld <title> ..."``.

    The headline itself stays (the caller sees that the body opens with the title).
    """
    if not title or text.startswith(title):
        return text
    pos = text.find(title, 0, len(title) + 60)
    if pos <= 0:
        return text
    prefix = text[:pos]
    words = prefix.split()
    if (
        0 < len(words) <= MAX_SITE_PREFIX_WORDS
        and not any(ch in prefix for ch in ".!?\n")
        and prefix.endswith(" ")
    ):
        removed["feed_prefix"] += 1
        return text[pos:]
    return text


# ---------------------------------------------------------------- entry point


def remove_furniture(text: str, title: str = "") -> tuple[str, Counter[str]]:
    """Remove page and feed furniture, rule by rule.

    Args:
        text: normalized text (see :func:`~newsclaims.clean.normalize.normalize_text`).
        title: the article's title, if known (used to recognise feed prefixes).

    Returns:
        The text without furniture (not re-normalized) and the count of removals per rule.

    Example:
        >>> remove_furniture("BTC rose 2%.\\nBTC0,03%\\nETH-0,33%\\n• Share")[0]
        'BTC rose 2%.'
    """
    removed: Counter[str] = Counter()
    text = _head_feed_prefix(text, title, removed)
    text = strip_title_prefix(text, title, removed)
    text = _head_disclosure(text, removed)
    text = _remove_spans(text, removed)
    if "\n" in text or len(text) <= MAX_FURNITURE_LINE_CHARS:
        text = _remove_lines(text, removed)
    text = _remove_tails(text.rstrip(), title, removed)
    return text, removed
