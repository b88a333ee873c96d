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
    format_time,
    render_article_page,
    render_story_page,
    stylesheet,
)

log = logging.getLogger(__name__)

ARTICLES_DIR = "articles"
STORIES_DIR = "stories"
STATIC_DIR = "static"
#: stories per index page: a page of the whole dump stays small and quick to render.
STORIES_PER_PAGE = 100
#: rejected records per page of ``rejections.html``.
REJECTIONS_PER_PAGE = 500
#: the filters of the index, each a set of static pages (``asset-btc.html`` ...).
FACETS = ("verdict", "asset", "source", "month")
#: per-article worst verdicts of its claims (a claim without checks is unverifiable).
_ARTICLE_VERDICTS_SQL = """
SELECT c.article_id, CASE COALESCE(w.rank, 2) WHEN 3 THEN 'inconsistent' WHEN 2 THEN 'unverifiable'
       ELSE 'consistent' END AS verdict
FROM claims c LEFT JOIN (
  SELECT claim_id, MAX(CASE verdict WHEN 'inconsistent' THEN 3 WHEN 'unverifiable' THEN 2
                       WHEN 'consistent' THEN 1 ELSE 2 END) AS rank
  FROM checks GROUP BY claim_id) w ON w.claim_id = c.id
GROUP BY 1, 2
"""
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
    assets: frozenset[str] = frozenset()
    verdicts: frozenset[str] = frozenset()
    #: the highest confidence among the article's flags (0 when none is scored).
    top_confidence: float = 0.0


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
    def top_confidence(self) -> float:
        return max((a.top_confidence for a in self.articles), default=0.0)

    @property
    def latest(self) -> str:
        return max((a.published_at or "" for a in self.articles), default="")

    def facet_values(self, facet: str) -> set[str]:
        """The values this story has for one filter of the index."""
        if facet == "source":
            return {a.source for a in self.articles if a.source}
        if facet == "month":
            return {a.published_at[:7] for a in self.articles if a.published_at}
        if facet == "asset":
            return {x for a in self.articles for x in a.assets}
        return {x for a in self.articles for x in a.verdicts}


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
                    confidence=row.get("confidence"), finding=row.get("finding"),
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
    per_page: int = STORIES_PER_PAGE,
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
        per_page: stories per index page (``index.html``, ``index-2.html`` ...); the
            same listing filtered by verdict, asset, source and month is written as
            ``verdict-inconsistent.html``, ``asset-btc.html`` ... and the rejected
            records as ``rejections.html``.

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
    # the flags most likely real first (spec/checks.md ``confidence``), then conflicts and counts
    ordered = sorted(stories, key=lambda s: (-s.top_confidence, -s.conflicts, -s.flags, _neg(s.latest), s.id))
    facets = _facets(ordered)
    common = {
        "totals": totals, "verdict_order": VERDICT_ORDER, "inline_css": None,
        "static_prefix": f"{STATIC_DIR}/", "index_href": "index.html", "generated_at": generated,
        "version": __version__, "facets": facets,
    }
    template = environment().get_template("index.html.j2")
    _write_pages(write, template, "index", ordered, None, common, per_page)
    for facet in FACETS:
        for entry in facets[facet]:
            chosen = [st for st in ordered if entry["value"] in st.facet_values(facet)]
            _write_pages(write, template, entry["stem"], chosen, (facet, entry["label"]), common, per_page)
    try:
        with read_snapshot(db):
            _write_rejections(db, write, common)
    except sqlite3.Error as exc:
        raise ExportError(f"cannot read the rejections for the report: {exc}") from exc
    index = root / "index.html"
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
    assets_of: dict[str, set[str]] = {}
    for aid, asset in db.conn.execute("SELECT DISTINCT article_id, asset FROM claims WHERE asset IS NOT NULL"):
        assets_of.setdefault(str(aid), set()).add(str(asset))
    verdicts_of: dict[str, set[str]] = {}
    for aid, verdict in db.conn.execute(_ARTICLE_VERDICTS_SQL):
        verdicts_of.setdefault(str(aid), set()).add(str(verdict))
    members: dict[str, list[dict[str, Any]]] = {}
    for r in _rows(db, "SELECT id, source_id, title, source, published_at, story_id, cluster_id FROM articles ORDER BY published_at, id"):
        sid = r["story_id"] or r["cluster_id"] or r["id"]
        members.setdefault(sid, []).append({
            "id": r["id"], "title": r["title"] or r["source_id"] or r["id"], "source": r["source"],
            "published_at": r["published_at"], "href": article_file_name(r["id"]),
        })
    zone = _zone(db)
    top_conf = {
        str(k): float(v)
        for k, v in db.conn.execute(
            "SELECT article_id, MAX(confidence) FROM checks WHERE verdict = 'inconsistent' "
            "AND confidence IS NOT NULL GROUP BY article_id"
        )
    } if "confidence" in db["checks"].columns_dict else {}
    story_conflicts = _count(db, "SELECT id, conflicts FROM stories WHERE conflicts IS NOT NULL")
    canonical = {str(k): str(v) for k, v in db.conn.execute("SELECT id, canonical_id FROM stories")}
    total = db.conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    stories: dict[str, _Story] = {}
    done = 0
    used_names: set[str] = set()
    # primary-key order walks the key's index: no in-memory sort of every article text
    for row in _rows(
        db,
        "SELECT id, source_id, title, text, published_at, time_zone_assumed, time_zone, time_zone_inferred, "
        "url, source, cluster_id, story_id FROM articles ORDER BY id",
    ):
        name = article_file_name(row["id"])
        if name in used_names:  # sanitized names carry a hash of the id; be sure anyway
            raise OutputPathError(f"two articles map to the page {name}")
        used_names.add(name)
        claims, checks = _claims_and_checks(db, row["id"])
        story_id = row["story_id"] or row["cluster_id"] or row["id"]
        copies = [m for m in members.get(story_id, []) if m["id"] != row["id"]]
        html = render_article_page(
            row, claims, checks, market, static_prefix=f"../{STATIC_DIR}/",
            index_href="../index.html", generated_at=generated, copies=copies, zone=zone,
        )
        write(f"{ARTICLES_DIR}/{name}", html)
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
            flags=flag_counts.get(row["id"], 0), assets=frozenset(assets_of.get(row["id"], ())),
            verdicts=frozenset(verdicts_of.get(row["id"], ())), top_confidence=top_conf.get(row["id"], 0.0),
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
        "zone_assumed": db.conn.execute("SELECT COUNT(*) FROM articles WHERE time_zone_assumed = 1").fetchone()[0],
        # of those, the ones read in a zone inferred for their source (newsclaims.zones)
        "zone_inferred": db.conn.execute("SELECT COUNT(*) FROM articles WHERE time_zone_assumed = 1 AND time_zone_inferred = 1").fetchone()[0],
        "zone": zone,
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
                  published=format_time(a.published_at) or None,
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


def _facets(stories: list[_Story]) -> dict[str, list[dict[str, Any]]]:
    """Per filter, its values with their page stems and story counts (most stories first)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for facet in FACETS:
        counts: Counter[str] = Counter()
        for st in stories:
            counts.update(st.facet_values(facet))
        if facet == "verdict":
            values = [v for v in VERDICT_ORDER if counts[v]]
        elif facet == "month":
            values = sorted(counts, reverse=True)
        else:
            values = sorted(counts, key=lambda v: (-counts[v], v.lower()))
        out[facet] = [
            {"value": v, "label": v, "count": counts[v], "stem": f"{facet}-{safe_file_stem(v.lower())}"}
            for v in values
        ]
    return out


def page_name(stem: str, page: int) -> str:
    """``index.html``, ``index-2.html`` ...: the file of one page of a listing."""
    return f"{stem}.html" if page == 1 else f"{stem}-{page}.html"


def _pager(stem: str, page: int, pages: int) -> dict[str, Any]:
    near = sorted({1, pages, *range(max(1, page - 3), min(pages, page + 3) + 1)})
    links: list[dict[str, Any]] = []
    for n in near:
        if links and n - links[-1]["n"] > 1:
            links.append({"n": 0, "href": "", "gap": True})
        links.append({"n": n, "href": page_name(stem, n), "gap": False, "current": n == page})
    return {
        "page": page, "pages": pages, "links": links,
        "prev": page_name(stem, page - 1) if page > 1 else "",
        "next": page_name(stem, page + 1) if page < pages else "",
    }


def _write_pages(
    write: Callable[[str, str], Path],
    template: Any,
    stem: str,
    stories: list[_Story],
    selected: tuple[str, str] | None,
    common: dict[str, Any],
    per_page: int,
) -> None:
    pages = max(1, -(-len(stories) // per_page))
    for page in range(1, pages + 1):
        chunk = stories[(page - 1) * per_page : page * per_page]
        html = template.render(
            stories=chunk, pager=_pager(stem, page, pages), selected=selected,
            shown=len(stories), first=(page - 1) * per_page + 1, **common,
        )
        write(page_name(stem, page), html)


def _write_rejections(db: sqlite_utils.Database, write: Callable[[str, str], Path], common: dict[str, Any]) -> None:
    """``rejections.html``: every record that could not be used, with its reason."""
    rows = list(_rows(db, "SELECT source_id, reason, detail, origin FROM rejections ORDER BY reason, source_id, id"))
    reasons = Counter(r["reason"] for r in rows)
    template = environment().get_template("rejections.html.j2")
    pages = max(1, -(-len(rows) // REJECTIONS_PER_PAGE))
    for page in range(1, pages + 1):
        chunk = rows[(page - 1) * REJECTIONS_PER_PAGE : page * REJECTIONS_PER_PAGE]
        html = template.render(
            rows=chunk, total=len(rows), reasons=reasons.most_common(),
            pager=_pager("rejections", page, pages), **common,
        )
        write(page_name("rejections", page), html)


def _zone(db: sqlite_utils.Database) -> str:
    """The zone the latest run read zone-less times in (``ingest.default_timezone``)."""
    row = db.conn.execute("SELECT settings FROM runs WHERE settings IS NOT NULL ORDER BY started_at DESC LIMIT 1").fetchone()
    try:
        return str(json.loads(row[0])["ingest"]["default_timezone"]) if row else "UTC"
    except (ValueError, KeyError, TypeError):
        return "UTC"
