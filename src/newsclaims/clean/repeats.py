"""Text repeated inside one article: a second pasted copy, a repeated block.

Seeds 000 and 003 hold their article twice: body, disclaimer, the headline on a line
of its own, the same body again. Every paragraph must survive once, so:

1. a paragraph (line) of at least ``MIN_REPEAT_LINE_CHARS`` seen earlier is dropped;
2. a short line (a heading) seen earlier is dropped when a neighbouring line was
   dropped as a repeat: a repeated run of headings and paragraphs goes as a block,
   a heading that merely recurs ("Outlook") next to new text stays;
3. when the dropped block starts with the article's first paragraph (a second copy
   of the whole article), the short line just before it is that copy's headline: it
   is dropped and offered as the title;
4. inside lines (flattened dumps have one line), a sentence of at least
   ``MIN_REPEAT_SENTENCE_CHARS`` seen earlier in the article is dropped; this runs
   in the cleaner's single sentence pass, together with learned boilerplate.
"""

from __future__ import annotations

from collections import Counter

__all__ = ["collapse_repeats", "looks_like_title"]

# A paragraph this long repeated verbatim is a repeat, not a coincidence.
MIN_REPEAT_LINE_CHARS = 60
# Same for a sentence inside a long line ("Bitcoin rose." may recur on purpose).
MIN_REPEAT_SENTENCE_CHARS = 80
# A headline line is at most this long.
MAX_TITLE_CHARS = 200
# ... and has at least this many words.
MIN_TITLE_WORDS = 3


def looks_like_title(line: str) -> bool:
    """A short line without a final period that is not a list item: a headline.

    Example:
        >>> looks_like_title("Why Is Crypto Crashing Today: Understanding the Selloff")
        True
        >>> looks_like_title("Bitcoin fell 2% on Monday.")
        False
    """
    line = line.strip()
    return (
        0 < len(line) <= MAX_TITLE_CHARS
        and len(line.split()) >= MIN_TITLE_WORDS
        and line[-1] not in ".,;:"
        and (line[0].isupper() or line[0].isdigit() or line[0] in "\"'$")
    )


def _drop_repeated_lines(lines: list[str], removed: Counter[str]) -> tuple[list[bool], str]:
    n = len(lines)
    keys = [line.strip() for line in lines]
    drop = [False] * n
    first_seen: dict[str, int] = {}
    for i, key in enumerate(keys):
        if not key:
            continue
        if key in first_seen:
            if len(key) >= MIN_REPEAT_LINE_CHARS:
                drop[i] = True
        else:
            first_seen[key] = i
    if not any(drop):
        return drop, ""
    content = [i for i in range(n) if keys[i]]
    # grow dropped runs over short repeated lines (headings of the second copy)
    changed = True
    while changed:
        changed = False
        for pos, i in enumerate(content):
            if drop[i] or first_seen[keys[i]] == i:
                continue
            prev_dropped = pos > 0 and drop[content[pos - 1]]
            next_dropped = pos + 1 < len(content) and drop[content[pos + 1]]
            if prev_dropped or next_dropped:
                drop[i] = True
                changed = True
    title = ""
    if content:
        first = keys[content[0]]
        for pos, i in enumerate(content):
            if drop[i] and keys[i] == first and pos > 0:
                j = content[pos - 1]
                if not drop[j] and first_seen[keys[j]] == j and looks_like_title(keys[j]):
                    title = keys[j]
                    drop[j] = True
                    removed["repeated_copy_title"] += 1
                break
    removed["repeated_paragraph"] += sum(drop) - (1 if title else 0)
    return drop, title


def collapse_repeats(text: str) -> tuple[str, str, Counter[str]]:
    """Drop repeated paragraphs; find the headline of a second copy.

    Returns:
        ``(text, title, removed)``: ``title`` is the headline found between two copies
        of the article (``""`` if none).

    Example:
        >>> body = "A long first paragraph about Bitcoin markets and more words."
        >>> collapse_repeats(f"{body}\\nThe Headline Of It\\n{body}")[:2]
        ('A long first paragraph about Bitcoin markets and more words.', 'The Headline Of It')
    """
    removed: Counter[str] = Counter()
    lines = text.split("\n")
    drop, title = _drop_repeated_lines(lines, removed)
    if any(drop):
        lines = [line for line, d in zip(lines, drop, strict=True) if not d]
    return "\n".join(lines), title, removed
