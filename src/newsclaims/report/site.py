"""The static site: an index of stories and one page per article, from the database."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import ValidationError

from .. import __version__
from ..errors import ExportError, OutputPathError
from ..export.paths import safe_file_stem, safe_output_path
from ..export.writers import read_snapshot
from ..models import Check, Claim
from ..storage import now_iso
from .render import (
    VERDICT_ORDER,
    CandleSource,
    StoryCopy,
    environment,
    render_article_page,
    render_story_page,
    stylesheet,
)

log = logging.getLogger(__name__)

ARTICLES_DIR = "articles"
STORIES_DIR = "stories"
STATIC_DIR = "static"
_CLAIM_FIELDS = frozenset(Claim.model_fields)
#: claims counted by their worst verdict (a claim without checks counts as unverifiable).
_CLAIM_VERDICTS_SQL = """
SELECT CASE COALESCE(w.rank, 2) WHEN 3 THEN 'inconsistent' WHEN 2 THEN 'unverifiable'
       ELSE 'consistent' END AS verdict, COUNT(*)
FROM claims c LEFT JOIN (
  SELECT claim_id, MAX(CASE verdict WHEN 'inconsistent' THEN 3 WHEN 'unverifiable' THEN 2
                       WHEN 'consistent' THEN 1 ELSE 2 END) AS rank
  FROM checks GROUP BY claim_id) w ON w.claim_id = c.id
GROUP BY 1
"""


@dataclass
class _ArticleEntry:
    id: str
    title: str
    source: str | None
    published_at: str | None
    href: str
    claims: int = 0
    flags: int = 0


@dataclass
class _Story:
    id: str
    anchor: str
    title: str = ""
    href: str = ""
    conflicts: int = 0
    articles: list[_ArticleEntry] = field(default_factory=list)
    #: the story's own page (stories of more than one article have one).
    page: str = ""

    @property
    def claims(self) -> int:
        return sum(a.claims for a in self.articles)

    @property
    def flags(self) -> int:
        return sum(a.flags for a in self.articles)

    @property
    def latest(self) -> str:
        return max((a.published_at or "" for a in self.articles), default="")


def article_file_name(article_id: str) -> str:
    """The page's file name for an article id (sanitized: ids come from the input).

    >>> article_file_name("8e8d785f63898a59")
    '8e8d785f63898a59.html'
    """
    return safe_file_stem(article_id) + ".html"


def _rows(db: sqlite_utils.Database, sql: str, params: tuple[Any, ...] = ()) -> Iterator[dict[str, Any]]:
    cursor = db.conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def _claims_and_checks(db: sqlite_utils.Database, article_id: str) -> tuple[list[Claim], list[Check]]:
    claims: dict[str, Claim] = {}
    for row in _rows(db, "SELECT * FROM claims WHERE article_id = ?", (article_id,)):
        try:
            claims[row["id"]] = Claim.model_validate({k: v for k, v in row.items() if k in _CLAIM_FIELDS})
        except ValidationError as exc:
            log.warning("claim %s of article %s not shown: %s", row.get("id"), article_id, exc)
    checks: list[Check] = []
    if claims:
        marks = ", ".join("?" for _ in claims)
        sql = f"SELECT * FROM checks WHERE claim_id IN ({marks})"
        for row in _rows(db, sql, tuple(claims)):
            try:
                evidence = json.loads(row["evidence"]) if row.get("evidence") else {}
                checks.append(Check(
                    claim=claims[row["claim_id"]], check=row["check"], verdict=row["verdict"],
                    severity=row.get("severity"), expected=row.get("expected"),
                    observed=row.get("observed"), deviation=row.get("deviation"),
                    tolerance=row.get("tolerance"), reason=row.get("reason") or "",
                    evidence=evidence if isinstance(evidence, dict) else {"value": evidence},
                    as_of=datetime.fromisoformat(row["as_of"]) if row.get("as_of") else None,
                ))
            except (ValidationError, ValueError, KeyError) as exc:
                log.warning("check %s of article %s not shown: %s", row.get("id"), article_id, exc)
    return list(claims.values()), checks


def _count(db: sqlite_utils.Database, sql: str) -> dict[str, int]:
    return {str(k): int(n) for k, n in db.conn.execute(sql)}


ProgressCallback = Callable[[int, int], None]


def write_report(
    db: sqlite_utils.Database,
    out_dir: Path,
    *,
    market: CandleSource | None = None,
    base_dir: Path | None = None,
    progress: ProgressCallback | None = None,
) -> Path:
    """Write the static HTML report into ``out_dir`` and return the index page's path.

    The site is ``index.html`` (stories, with their articles, conflicts and flags),
    ``articles/<id>.html`` (one page per article: its text with every claim marked
    by verdict, the evidence beside it, and a price chart around publication when
    ``market`` is given) and ``static/style.css``. Nothing is loaded from the
    network and no page has a script. Every file is checked to lie inside
    ``out_dir``, and article ids are sanitized before they become file names. The
    database is read in one transaction, so a report made while ``run`` is writing
    shows one consistent moment of it.

    Args:
        db: the newsclaims database.
        out_dir: the folder to write (created if missing; existing pages are replaced).
        market: market data for the charts (``newsclaims.market.open_market()``).
        base_dir: when given, ``out_dir`` itself must lie inside it.
        progress: called as ``progress(done, total)`` after each article page.

    Returns:
        The path of ``index.html``.

    Raises:
        OutputPathError: ``out_dir`` is outside ``base_dir``, or a folder of the site
            is a link leading out of it.
        ExportError: the folder cannot be created or written, or the database read.

    Example:
        >>> index = write_report(open_db("newsclaims.db"), Path("report"))  # doctest: +SKIP
    """
    root = safe_output_path(out_dir, base_dir) if base_dir is not None else Path(out_dir).resolve()
    try:
        for sub in (ARTICLES_DIR, STORIES_DIR, STATIC_DIR):
            (root / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create the report folder {root}: {exc}") from exc
    for sub in (ARTICLES_DIR, STORIES_DIR, STATIC_DIR):
        safe_output_path(root / sub, root)  # the folders themselves must not lead out

    def write(rel: str, content: str) -> Path:
        # names are sanitized (no separators), the folders were checked above, and
        # O_NOFOLLOW refuses a planted symlink in place of the file itself.
        path = root / rel
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(content)
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc}") from exc
        return path

    generated = now_iso()
    write(f"{STATIC_DIR}/style.css", stylesheet())
    try:
        with read_snapshot(db):
            stories, totals = _write_articles(db, write, market, generated, progress)
            for story in stories:
                story.articles.sort(key=lambda a: (a.published_at or "", a.id))
                if len(story.articles) > 1:
                    story.page = _write_story(db, write, story, generated)
    except sqlite3.Error as exc:
        raise ExportError(f"cannot read the database for the report: {exc}") from exc
    ordered = sorted(stories, key=lambda s: (-s.conflicts, -s.flags, _neg(s.latest), s.id))
    html = environment().get_template("index.html.j2").render(
        stories=ordered, totals=totals, verdict_order=VERDICT_ORDER, inline_css=None,
        static_prefix=f"{STATIC_DIR}/", index_href="index.html", generated_at=generated,
        version=__version__,
    )
    index = write("index.html", html)
    log.info("report: %d articles, %d stories in %s", totals["articles"], len(stories), root)
    return index


def _write_articles(
    db: sqlite_utils.Database,
    write: Callable[[str, str], Path],
    market: CandleSource | None,
    generated: str,
    progress: ProgressCallback | None,
) -> tuple[list[_Story], dict[str, Any]]:
    """Write one page per article; return the stories and the totals for the index."""
    claim_counts = _count(db, "SELECT article_id, COUNT(*) FROM claims GROUP BY article_id")
    flag_counts = _count(
        db,
        "SELECT article_id, COUNT(DISTINCT claim_id) FROM checks "
        "WHERE verdict = 'inconsistent' GROUP BY article_id",
    )
    story_conflicts = _count(db, "SELECT id, conflicts FROM stories WHERE conflicts IS NOT NULL")
    canonical = {str(k): str(v) for k, v in db.conn.execute("SELECT id, canonical_id FROM stories")}
    total = db.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    stories: dict[str, _Story] = {}
    done = 0
    used_names: set[str] = set()
    # primary-key order walks the key's index: no in-memory sort of every article text
    for row in _rows(
        db,
        "SELECT id, source_id, title, text, published_at, url, source, cluster_id, story_id "
        "FROM articles ORDER BY id",
    ):
        name = article_file_name(row["id"])
        if name in used_names:  # sanitized names carry a hash of the id; be sure anyway
            raise OutputPathError(f"two articles map to the page {name}")
        used_names.add(name)
        claims, checks = _claims_and_checks(db, row["id"])
        html = render_article_page(
            row, claims, checks, market, static_prefix=f"../{STATIC_DIR}/",
            index_href="../index.html", generated_at=generated,
        )
        write(f"{ARTICLES_DIR}/{name}", html)
        story_id = row["story_id"] or row["cluster_id"] or row["id"]
        story = stories.get(story_id)
        if story is None:
            story = stories[story_id] = _Story(
                id=story_id, anchor=safe_file_stem(story_id),
                conflicts=story_conflicts.get(story_id, 0),
            )
        title = row["title"] or row["source_id"] or row["id"]
        story.articles.append(_ArticleEntry(
            id=row["id"], title=title, source=row["source"], published_at=row["published_at"],
            href=f"{ARTICLES_DIR}/{name}", claims=claim_counts.get(row["id"], 0),
            flags=flag_counts.get(row["id"], 0),
        ))
        if row["id"] == canonical.get(story_id, story_id) or not story.title:
            story.title, story.href = title, f"{ARTICLES_DIR}/{name}"
        done += 1
        if progress is not None:
            progress(done, total)
    totals = {
        "articles": done,
        "stories": len(stories),
        "claims": sum(claim_counts.values()),
        "verdicts": dict(Counter(_count(db, _CLAIM_VERDICTS_SQL))),
        "rejections": db.conn.execute("SELECT COUNT(*) FROM rejections").fetchone()[0],
    }
    return list(stories.values()), totals


def _write_story(db: sqlite_utils.Database, write: Callable[[str, str], Path], story: _Story, generated: str) -> str:
    """Write a story's page (copies, figures side by side, conflicts); return its link."""
    ids = [a.id for a in story.articles]
    marks = ", ".join("?" for _ in ids)
    rows = list(_rows(
        db, f"SELECT article_id, claim_id, verdict, reason, evidence FROM checks "
        f"WHERE [check] = 'cross_copy' AND article_id IN ({marks})", tuple(ids),
    ))
    copies = [
        StoryCopy(id=a.id, title=a.title, source=a.source,
                  published=(a.published_at or "")[:16].replace("T", " ") or None,
                  href=f"../{a.href}", claims=a.claims, flags=a.flags)
        for a in story.articles
    ]
    name = f"{STORIES_DIR}/{safe_file_stem(story.id)}.html"
    write(name, render_story_page(story.id, copies, rows, static_prefix=f"../{STATIC_DIR}/",
                                  index_href="../index.html", generated_at=generated))
    return name


def _neg(s: str) -> tuple[int, ...]:
    """Sort key that puts later ISO times first."""
    return tuple(-ord(ch) for ch in s)
