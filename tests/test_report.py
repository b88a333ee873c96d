"""The HTML report, opened as a person would: in a real headless Chromium.

The database is built from ``tests/fixtures/report/rows.json`` (seed and dev
articles with their gold claims and realistic checks, and an article with injected
``<script>``/``onerror=`` markup and a path-like id), and the market data is real
Binance 4-hour candles (``tests/fixtures/report/market``) imported with
``newsclaims.market.open_market``. See ``tests/fixtures/report/make_fixture.py``.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import sqlite3
import struct
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from newsclaims.errors import ExportError, OutputPathError
from newsclaims.export.paths import safe_file_stem
from newsclaims.market import MarketData, open_market
from newsclaims.models import Candle, Check, Claim, CleanArticle
from newsclaims.report import (
    Span,
    article_file_name,
    build_chart,
    highlight_text,
    render_article_page,
    render_articles_page,
    safe_url,
    write_report,
)
from newsclaims.storage import open_db, transaction, upsert

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report"
ROWS: dict[str, list[dict[str, Any]]] = json.loads((FIXTURES / "rows.json").read_text(encoding="utf-8"))
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = Path("/usr/bin/chromium")
RANK = {"inconsistent": 3, "unverifiable": 2, "consistent": 1}
HOSTILE = next(a for a in ROWS["articles"] if a["id"].startswith("../"))
SEED_000 = next(a for a in ROWS["articles"] if a["source_id"].startswith("000_"))
DEV_013058 = next(a for a in ROWS["articles"] if a["source_id"] == "mj013058")


def _worst(claim_id: str) -> str:
    return max((k["verdict"] for k in ROWS["checks"] if k["claim_id"] == claim_id), key=RANK.__getitem__)


def _claims_of(article_id: str) -> list[dict[str, Any]]:
    return [c for c in ROWS["claims"] if c["article_id"] == article_id]


def _models(article_id: str) -> tuple[list[Claim], list[Check]]:
    claims = {c["id"]: Claim.model_validate(c) for c in _claims_of(article_id)}
    checks = [
        Check(
            claim=claims[k["claim_id"]], check=k["check"], verdict=k["verdict"], severity=k["severity"],
            expected=k["expected"], observed=k["observed"], deviation=k["deviation"],
            tolerance=k["tolerance"], reason=k["reason"], evidence=json.loads(k["evidence"]),
            as_of=datetime.fromisoformat(k["as_of"]) if k["as_of"] else None,
        )
        for k in ROWS["checks"] if k["claim_id"] in claims
    ]
    return list(claims.values()), checks


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[sqlite_utils.Database, MarketData, Path]:
    tmp = tmp_path_factory.mktemp("report")
    db = open_db(tmp / "news.db")
    with transaction(db):
        for table, rows in ROWS.items():
            upsert(db, table, rows, "id")
    market = open_market(FIXTURES / "market", db=db, with_bundled=False)
    site = tmp / "site"
    index = write_report(db, site, market=market)
    assert index == site.resolve() / "index.html"
    return db, market, site


@pytest.fixture(scope="module")
def site(built: tuple[sqlite_utils.Database, MarketData, Path]) -> Path:
    return built[2]


def _page(site: Path, article: dict[str, Any]) -> Path:
    return site / "articles" / article_file_name(article["id"])


# --------------------------------------------------------------------------- without a browser


def test_every_article_has_a_page_inside_the_site(site: Path) -> None:
    pages = sorted(p.name for p in (site / "articles").iterdir())
    assert pages == sorted(article_file_name(a["id"]) for a in ROWS["articles"])
    for p in site.rglob("*"):
        assert p.resolve().is_relative_to(site.resolve())
    hostile = _page(site, HOSTILE)
    assert hostile.parent == site / "articles" and "/" not in hostile.name and ".." not in hostile.name
    assert hostile.name == safe_file_stem(HOSTILE["id"]) + ".html"


def test_page_source_escapes_the_injected_markup(site: Path) -> None:
    html = _page(site, HOSTILE).read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;window.__pwned = 1; alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert "hostile&lt;b&gt;src" in html


def test_index_numbers_equal_the_database(built: tuple[sqlite_utils.Database, MarketData, Path]) -> None:
    db, _, site = built
    html = (site / "index.html").read_text(encoding="utf-8")
    n_stories = len({a["story_id"] for a in ROWS["articles"]})
    assert f"{db['articles'].count} articles in {n_stories} stories · {db['claims'].count} claims" in html
    assert f"{db['rejections'].count} rejected records" in html


def test_report_folder_outside_the_base_is_refused(built: tuple[sqlite_utils.Database, MarketData, Path], tmp_path: Path) -> None:
    db = built[0]
    with pytest.raises(OutputPathError):
        write_report(db, tmp_path / ".." / "elsewhere", base_dir=tmp_path)
    assert not (tmp_path.parent / "elsewhere").exists()


def test_highlight_nests_contained_claims_and_reports_partial_overlaps() -> None:
    text = "BTC <b>fell</b> to $1 & rose"
    spans = [
        Span(0, 15, "outer", 1, "consistent", "t1"),
        Span(4, 15, "inner", 2, "inconsistent", "t2 \"quoted\" <x>"),
        Span(10, 20, "partial", 3, "unverifiable", "t3"),
        Span(40, 45, "outside", 4, "unverifiable", "t4"),
    ]
    html, skipped = highlight_text(text, spans)
    assert {s.claim_id for s in skipped} == {"partial", "outside"}
    assert str(html).startswith('<mark id="m-1" class="claim verdict-consistent"')
    assert "BTC <mark id=\"m-2\"" in str(html)
    assert "&lt;b&gt;fell&lt;/b&gt;</mark></mark> to $1 &amp; rose" in str(html)
    assert 'title="t2 &#34;quoted&#34; &lt;x&gt;"' in str(html)


def test_only_web_addresses_become_links() -> None:
    assert safe_url("https://example.com/a?b=1") == "https://example.com/a?b=1"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<script>", "file:///etc/passwd", "", None):
        assert safe_url(bad) is None


def test_chart_marks_claimed_levels_and_keeps_absurd_ones_at_the_edge() -> None:
    t = datetime(2025, 6, 17, 19, 37, tzinfo=UTC)
    candles = [
        Candle(asset="BTC", interval="4h", open_time=datetime(2025, 6, 17, h, tzinfo=UTC), open=1.0, high=1.0, low=1.0, close=c)
        for h, c in ((8, 104000.0), (12, 105000.0), (16, 104500.0))
    ]

    def claim(type_: str, value: float, start: int) -> Claim:
        return Claim(id=f"c{start}", article_id="a", source_id="s", type=type_, asset="BTC", value=value,  # type: ignore[arg-type]
                     unit="USD", text="x", start=start, end=start + 1, sentence="x")

    chart = build_chart("BTC", candles, t, [claim("support", 103000.0, 1), claim("resistance", 1e308, 2)], {"c1": "consistent", "c2": "inconsistent"})
    assert chart is not None
    labels = {lv.label: lv for lv in chart.levels}
    assert labels["support $103,000"].verdict == "consistent" and not labels["support $103,000"].off_chart
    absurd = next(lv for lv in chart.levels if lv.off_chart)
    assert absurd.label.endswith("(off chart)") and absurd.y == chart.top
    assert len(chart.points.split()) == 3
    assert build_chart("BTC", candles[:1], t, [], {}) is None


# --------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMEDRIVER.exists() or not CHROMIUM.exists():
        pytest.skip("Debian chromium and chromium-driver are not installed (/usr/bin/chromedriver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _open(driver: Any, path: Path) -> None:
    driver.get(path.resolve().as_uri())


def _no_alert(driver: Any) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        driver.switch_to.alert  # noqa: B018 - raises when no alert is open
    except NoAlertPresentException:
        return True
    return False


def _assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 800 and height >= 600
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        if data[pos + 4 : pos + 8] == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    pixels = zlib.decompress(idat)
    assert len(set(pixels)) > 100  # text, colours and a chart, not a blank page


@pytest.mark.browser
def test_highlighted_spans_are_the_claims_texts(browser: Any, site: Path) -> None:
    for article in ROWS["articles"]:
        _open(browser, _page(site, article))
        marks = browser.execute_script(
            "return Array.from(document.querySelectorAll('mark.claim')).map("
            "m => [m.dataset.claimId, m.textContent, m.dataset.verdict])"
        )
        claims = {c["id"]: c for c in _claims_of(article["id"])}
        assert len(marks) == len(claims), article["source_id"]
        for claim_id, text, verdict in marks:
            assert text == claims[claim_id]["text"]
            assert verdict == _worst(claim_id)


@pytest.mark.browser
def test_inconsistent_claim_is_shown_as_such(browser: Any, site: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, _page(site, SEED_000))
    claim = next(c for c in _claims_of(SEED_000["id"]) if c["type"] == "price")
    mark = browser.find_element(By.CSS_SELECTOR, f'mark[data-claim-id="{claim["id"]}"]')
    assert mark.text.startswith("Bitcoin is trading at $67.46K")
    assert "verdict-inconsistent" in mark.get_attribute("class").split()
    assert mark.value_of_css_property("background-color") == "rgba(253, 216, 211, 1)"
    assert "inconsistent" in mark.get_attribute("title")
    entry = browser.find_element(By.CSS_SELECTOR, f'li.claim-entry[data-claim-id="{claim["id"]}"]')
    badge = entry.find_element(By.CSS_SELECTOR, ".badge")
    assert badge.is_displayed() and badge.text == "Inconsistent"
    assert "Copies of this story give different BTC prices" in entry.text
    consistent = browser.find_elements(By.CSS_SELECTOR, "mark.verdict-consistent")
    assert all(m.value_of_css_property("background-color") != "rgba(253, 216, 211, 1)" for m in consistent)
    shot = tmp_path / "seed-000.png"
    assert browser.save_screenshot(str(shot))
    _assert_png(shot)


@pytest.mark.browser
def test_injected_script_and_onerror_do_not_run(browser: Any, site: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, _page(site, HOSTILE))
    assert _no_alert(browser)
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert browser.execute_script("return document.querySelectorAll('script, img, iframe, object').length") == 0
    body = browser.find_element(By.CSS_SELECTOR, ".body").text
    assert '<script>window.__pwned = 1; alert(1)</script><img src=x onerror="window.__pwned = 2; alert(1)">' in body
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Hostile copy <script>")
    assert browser.find_elements(By.CSS_SELECTOR, 'a[href^="javascript"]') == []
    marks = browser.find_elements(By.CSS_SELECTOR, "mark.claim")
    assert len(marks) == len(_claims_of(HOSTILE["id"]))
    _open(browser, site / "index.html")
    assert _no_alert(browser)
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    assert "Hostile copy <script>" in browser.find_element(By.CSS_SELECTOR, "table.stories").text
    shot = tmp_path / "hostile.png"
    assert browser.save_screenshot(str(shot))
    _assert_png(shot)


@pytest.mark.browser
def test_index_lists_stories_with_conflicts_and_flags(browser: Any, site: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, site / "index.html")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.stories tbody tr")
    assert len(rows) == len({a["story_id"] for a in ROWS["articles"]})
    first = rows[0]
    assert "has-conflicts" in first.get_attribute("class")
    copies = first.find_elements(By.CSS_SELECTOR, "ul.copies li")
    assert len(copies) == 3
    cells = [td.text for td in first.find_elements(By.CSS_SELECTOR, "td.num")]
    story_articles = {a["id"] for a in ROWS["articles"] if a["story_id"] == SEED_000["story_id"]}
    flags = {k["claim_id"] for k in ROWS["checks"] if k["article_id"] in story_articles and k["verdict"] == "inconsistent"}
    n_claims = sum(1 for c in ROWS["claims"] if c["article_id"] in story_articles)
    assert cells == ["3", str(n_claims), "1", str(len(flags))]
    link = first.find_element(By.CSS_SELECTOR, "a.story-title")
    link.click()
    assert browser.find_elements(By.CSS_SELECTOR, "mark.claim")


@pytest.mark.browser
def test_chart_shows_the_market_and_the_claimed_levels(browser: Any, site: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, _page(site, DEV_013058))
    svg = browser.find_element(By.CSS_SELECTOR, "figure.chart svg")
    assert svg.is_displayed()
    points = browser.find_element(By.CSS_SELECTOR, "svg polyline.price").get_attribute("points").split()
    assert len(points) >= 20  # four days of 4-hour candles
    labels = [t.text for t in browser.find_elements(By.CSS_SELECTOR, "svg g.level text")]
    levels = [c for c in _claims_of(DEV_013058["id"]) if c["type"] in ("price", "support", "resistance") and c["asset"] == "BTC"]
    assert len(labels) == len(levels) >= 3
    assert "support $103,000" in labels
    for g in browser.find_elements(By.CSS_SELECTOR, "svg g.level"):
        assert g.get_attribute("class").split()[1] == f"verdict-{_worst(g.get_attribute('data-claim-id'))}"
    assert "published" in svg.text
    shot = tmp_path / "chart.png"
    assert browser.save_screenshot(str(shot))
    _assert_png(shot)
    _open(browser, _page(site, SEED_000))
    assert "no publication time" in browser.find_element(By.CSS_SELECTOR, ".chart-note").text


@pytest.mark.browser
def test_single_article_page_for_factcheck(browser: Any, built: tuple[sqlite_utils.Database, MarketData, Path], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    market = built[1]
    a = DEV_013058
    article = CleanArticle(
        id=a["id"], source_id=a["source_id"], title=a["title"], text=a["text"],
        published_at=datetime.fromisoformat(a["published_at"]), url=a["url"], source=a["source"],
    )
    claims, checks = _models(a["id"])
    html = render_article_page(article, claims, checks, market)
    assert "<link" not in html and "<style>" in html  # one self-contained file
    page = tmp_path / "factcheck.html"
    page.write_text(html, encoding="utf-8")
    shutil.rmtree(tmp_path / "static", ignore_errors=True)
    _open(browser, page)
    marks = browser.find_elements(By.CSS_SELECTOR, "mark.claim")
    assert len(marks) == len(claims)
    assert marks[0].value_of_css_property("background-color") in {
        "rgba(211, 245, 220, 1)", "rgba(253, 216, 211, 1)", "rgba(228, 231, 235, 1)"
    }
    assert browser.find_element(By.CSS_SELECTOR, "figure.chart svg").is_displayed()
    assert browser.find_element(By.CSS_SELECTOR, "a[rel~=noopener]").get_attribute("href") == a["url"]


# --------------------------------------------------------------------------- the site's folder


def _small_db(tmp_path: Path) -> sqlite_utils.Database:
    db = open_db(tmp_path / "small.db")
    with transaction(db):
        for table, rows in ROWS.items():
            upsert(db, table, rows, "id")
    return db


def test_planted_symlinks_are_not_followed(tmp_path: Path) -> None:
    db = _small_db(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    site = tmp_path / "site"
    (site / "articles").mkdir(parents=True)
    (site / "articles" / article_file_name(SEED_000["id"])).symlink_to(victim)
    with pytest.raises(ExportError, match="cannot write"):
        write_report(db, site)
    assert victim.read_text(encoding="utf-8") == "keep me"
    other = tmp_path / "other"
    other.mkdir()
    site2 = tmp_path / "site2"
    site2.mkdir()
    (site2 / "articles").symlink_to(other, target_is_directory=True)
    with pytest.raises(OutputPathError):
        write_report(db, site2)
    assert list(other.iterdir()) == []


def test_progress_and_a_report_while_a_run_writes(tmp_path: Path) -> None:
    db = _small_db(tmp_path)
    writer = sqlite3.connect(tmp_path / "small.db", isolation_level=None, timeout=1)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO articles (id, source_id, title, text) VALUES ('zz-new', 'new', 'New', 'x')")
    calls: list[tuple[int, int]] = []
    index = write_report(db, tmp_path / "site", progress=lambda done, total: calls.append((done, total)))
    writer.execute("COMMIT")
    n = len(ROWS["articles"])
    assert calls == [(i, n) for i in range(1, n + 1)]
    assert len(list((index.parent / "articles").iterdir())) == n


@pytest.mark.browser
def test_several_articles_on_one_page(browser: Any, built: tuple[sqlite_utils.Database, MarketData, Path], tmp_path: Path) -> None:
    items = []
    for a in (SEED_000, HOSTILE, DEV_013058):
        claims, checks = _models(a["id"])
        items.append((a, claims, checks))
    page = tmp_path / "many.html"
    page.write_text(render_articles_page(items, built[1]), encoding="utf-8")
    _open(browser, page)
    assert _no_alert(browser)
    assert browser.execute_script("return typeof window.__pwned") == "undefined"
    ids = browser.execute_script("return Array.from(document.querySelectorAll('[id]')).map(e => e.id)")
    assert len(ids) == len(set(ids))
    marks = browser.execute_script(
        "return Array.from(document.querySelectorAll('mark.claim')).map(m => [m.dataset.claimId, m.textContent])"
    )
    claims = {c.id: c.text for _, cs, _ in items for c in cs}
    assert len(marks) == len(claims) and all(claims[cid] == text for cid, text in marks)
    assert len(browser.execute_script("return document.querySelectorAll('article.article-page')")) == 3
    assert browser.execute_script("return document.title") == "3 articles · newsclaims"


# --------------------------------------------------------------------------- real extractor output


def test_claims_sharing_an_id_keep_their_own_verdicts() -> None:
    a = SEED_000
    base = Claim.model_validate(next(c for c in _claims_of(a["id"]) if c["type"] == "price"))
    other = base.model_copy(update={"asset": "ETH"})  # same span, same id, another asset
    checks = [
        Check(claim=base, check="market_price", verdict="inconsistent", reason="off by 9%"),
        Check(claim=other, check="market_price", verdict="consistent", reason="within range"),
    ]
    html = render_article_page(a, [base, other], checks, None)
    assert html.count('class="claim-entry verdict-inconsistent"') == 1
    assert html.count('class="claim-entry verdict-consistent"') == 1
    assert "1 inconsistent" in html and "1 consistent" in html


@pytest.mark.browser
def test_real_factcheck_output_is_marked_or_noted(browser: Any, tmp_path: Path) -> None:
    """The pipeline's own extraction and checks of the dev articles, rendered and opened."""
    from selenium.webdriver.common.by import By

    from newsclaims.pipeline import factcheck_paths
    from newsclaims.settings import load_settings

    corpus = Path(__file__).resolve().parents[1] / "corpus" / "gold" / "dev.articles.jsonl"
    results = factcheck_paths(
        [str(corpus)], load_settings(), market_path=str(FIXTURES / "market"), market_cache=str(tmp_path)
    )
    items = [(r.article, r.claims, r.checks) for r in results if r.article is not None]
    assert len(items) == 40
    market = open_market(FIXTURES / "market", db=open_db(tmp_path / "m.db"), with_bundled=False)
    page = tmp_path / "dev.html"
    page.write_text(render_articles_page(items, market), encoding="utf-8")
    _open(browser, page)
    sections = browser.find_elements(By.CSS_SELECTOR, "article.article-page")
    assert len(sections) == len(items)
    for i, (article, claims, _) in enumerate(items, 1):
        marks = browser.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0])).map(m => [Number(m.dataset.n), m.textContent])",
            f"#a{i}-article mark.claim",
        )
        notes = browser.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.id)",
            f"#a{i}-article li.claim-entry:has(p.note)",
        )
        ordered = sorted(claims, key=lambda c: (c.start, -c.end, c.id, c.asset or ""))
        for n, text in marks:
            assert ordered[n - 1].text == text == article.text[ordered[n - 1].start : ordered[n - 1].end]
        assert len(marks) + len(notes) == len(claims), article.source_id


def test_story_page_shows_copies_figures_and_conflicts(site: Path) -> None:
    # issue 11: a page per story: outlets, times, the figures side by side, the conflicts
    # and which copy the market supports
    story = SEED_000["story_id"]
    members = sorted((a for a in ROWS["articles"] if a["story_id"] == story), key=lambda a: (a["published_at"] or "", a["id"]))
    assert len(members) == 3
    page = site / "stories" / f"{safe_file_stem(story)}.html"
    html = page.read_text(encoding="utf-8")
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f'href="stories/{safe_file_stem(story)}.html"' in index
    for a in members:
        assert f'href="../articles/{article_file_name(a["id"])}"' in html
    cross = [k for k in ROWS["checks"] if k["check"] == "cross_copy" and k["article_id"] in {a["id"] for a in members}]
    bad = [k for k in cross if k["verdict"] == "inconsistent"]
    assert bad, "the seed story has a conflict"
    # every conflict's reason is listed, escaped as the page escapes text
    for k in bad:
        assert html_escape(k["reason"], quote=True) in html or html_escape(k["reason"], quote=False) in html
    # the facts table has one column per copy and a row for the conflicting fact
    assert len(re.findall(r'<th>#\d', html)) == len(members)
    assert 'class="has-conflicts"' in html
    assert "Content-Security-Policy" in html and "<script" not in html


# --------------------------------------------------------------------------- issue 13


@pytest.fixture(scope="module")
def paged(built: tuple[sqlite_utils.Database, MarketData, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    db, market, _ = built
    site = tmp_path_factory.mktemp("paged") / "site"
    write_report(db, site, market=market, per_page=3)
    return site


def _story_titles(browser: Any) -> list[str]:
    from selenium.webdriver.common.by import By

    return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table.stories a.story-title")]


@pytest.mark.browser
def test_index_is_paginated(browser: Any, paged: Path) -> None:
    from selenium.webdriver.common.by import By

    n_stories = len({a["story_id"] for a in ROWS["articles"]})
    _open(browser, paged / "index.html")
    seen: list[str] = []
    pages = 0
    while True:
        pages += 1
        titles = _story_titles(browser)
        assert 0 < len(titles) <= 3
        seen += titles
        nxt = browser.find_elements(By.CSS_SELECTOR, "nav.pager a.next")
        if not nxt:
            break
        nxt[0].click()
    assert pages == -(-n_stories // 3) and len(seen) == n_stories
    assert f"page {pages} of {pages}" in browser.find_element(By.CSS_SELECTOR, "nav.pager").text


@pytest.mark.browser
def test_index_filters_by_verdict_asset_source_and_month(browser: Any, paged: Path) -> None:
    from selenium.webdriver.common.by import By

    articles = {a["id"]: a for a in ROWS["articles"]}
    stories: dict[str, set[str]] = {}
    for a in ROWS["articles"]:
        stories.setdefault(a["story_id"], set()).add(a["id"])

    def expected(pred: Any) -> int:
        return sum(1 for ids in stories.values() if any(pred(articles[i]) for i in ids))

    def listed(href: str) -> int:
        _open(browser, paged / "index.html")
        for d in browser.find_elements(By.CSS_SELECTOR, "nav.filters details"):
            browser.execute_script("arguments[0].open = true", d)
        browser.find_element(By.CSS_SELECTOR, f'nav.filters a[href="{href}"]').click()
        total = 0
        while True:
            total += len(_story_titles(browser))
            nxt = browser.find_elements(By.CSS_SELECTOR, "nav.pager a.next")
            if not nxt:
                return total
            nxt[0].click()

    btc = {c["article_id"] for c in ROWS["claims"] if c["asset"] == "BTC"}
    assert listed("asset-btc.html") == expected(lambda a: a["id"] in btc) > 0
    flagged = {c["article_id"] for c in ROWS["claims"] if _worst(c["id"]) == "inconsistent"}
    assert listed("verdict-inconsistent.html") == expected(lambda a: a["id"] in flagged) > 0
    source = next(a["source"] for a in ROWS["articles"] if a["source"])
    stem = "source-" + safe_file_stem(source.lower())
    assert listed(f"{stem}.html") == expected(lambda a: a["source"] == source) > 0
    month = next(a["published_at"][:7] for a in ROWS["articles"] if a["published_at"])
    assert listed(f"month-{month}.html") == expected(lambda a: (a["published_at"] or "").startswith(month)) > 0
    assert f"month: {month}" in browser.find_element(By.TAG_NAME, "h1").text


@pytest.mark.browser
def test_rejected_records_have_their_own_page(browser: Any, site: Path) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, site / "index.html")
    link = browser.find_element(By.CSS_SELECTOR, "a.rejections")
    assert link.text == f"{len(ROWS['rejections'])} rejected records"
    link.click()
    rows = browser.find_elements(By.CSS_SELECTOR, "table.rejections tbody tr")
    assert len(rows) == len(ROWS["rejections"])
    reasons = {r["reason"] for r in ROWS["rejections"]}
    assert {row.find_elements(By.TAG_NAME, "td")[1].text for row in rows} == reasons


@pytest.mark.browser
def test_numbers_times_and_reasons_read_as_text(browser: Any, site: Path) -> None:
    import re

    from selenium.webdriver.common.by import By

    for a in ROWS["articles"]:
        _open(browser, _page(site, a))
        text = browser.find_element(By.TAG_NAME, "main").text
        assert not re.search(r"\d\.?\d*e[+-]\d", text), a["source_id"]  # no scientific notation
        assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", text)  # no raw ISO timestamps
        for reason in browser.find_elements(By.CSS_SELECTOR, "span.reason"):
            assert reason.text[:1] == reason.text[:1].upper(), reason.text
        for numbers in browser.find_elements(By.CSS_SELECTOR, "span.numbers"):
            assert not re.search(r"\d{5}", numbers.text.replace(",", ",")) or "," in numbers.text
    _open(browser, _page(site, SEED_000))
    numbers = " ".join(n.text for n in browser.find_elements(By.CSS_SELECTOR, "span.numbers"))
    assert "claimed $237,000,000" in numbers or "claimed $2,160,000,000" in numbers
    oi = [c for c in _claims_of(SEED_000["id"]) if c["type"] == "open_interest" and c["unit"] == "USD"]
    for c in oi:
        entry = browser.find_element(By.CSS_SELECTOR, f'li.claim-entry[data-claim-id="{c["id"]}"]')
        assert "$" in entry.find_element(By.CSS_SELECTOR, ".value").text
    dated = next(a for a in ROWS["articles"] if a["published_at"])
    _open(browser, _page(site, dated))
    shown = browser.find_element(By.CSS_SELECTOR, "p.meta time").text
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", shown)
    _open(browser, site / "index.html")
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", browser.find_element(By.TAG_NAME, "main").text)


@pytest.mark.browser
def test_other_copies_are_links(browser: Any, site: Path) -> None:
    from selenium.webdriver.common.by import By

    copies = [a for a in ROWS["articles"] if a["story_id"] == SEED_000["story_id"] and a["id"] != SEED_000["id"]]
    assert copies
    _open(browser, _page(site, SEED_000))
    links = browser.find_elements(By.CSS_SELECTOR, "ul.other-copies a")
    assert sorted(link.get_attribute("href").rsplit("/", 1)[-1] for link in links) == sorted(article_file_name(a["id"]) for a in copies)
    links[0].click()
    assert browser.find_elements(By.CSS_SELECTOR, "mark.claim")
    assert SEED_000["id"] in [link.get_attribute("href").rsplit("/", 1)[-1][:-5] for link in browser.find_elements(By.CSS_SELECTOR, "ul.other-copies a")]


def _claim(asset: str, type_: str, value: float, start: int) -> Claim:
    return Claim(id=f"{asset}{start}", article_id="a", source_id="s", type=type_, asset=asset, value=value,  # type: ignore[arg-type]
                 unit="USD", text="x", start=start, end=start + 1, sentence="x")


@pytest.mark.browser
def test_crowded_levels_keep_their_labels_by_their_lines_and_every_asset_is_charted(
    browser: Any, built: tuple[sqlite_utils.Database, MarketData, Path], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    market = built[1]
    t = datetime(2025, 6, 17, 19, 37, tzinfo=UTC)
    close = market.price_at("BTC", t)
    eth = market.price_at("ETH", t)
    assert close is not None and eth is not None
    levels = [_claim("BTC", "support", round(close.price * (0.97 + 0.002 * i)), i) for i in range(14)]
    levels.append(_claim("ETH", "resistance", round(eth.price * 1.05), 99))
    text = "x" * 200
    article = CleanArticle(id="crowd", source_id="crowd", title="Crowded", text=text, published_at=t)
    checks = [Check(claim=c, check="level_vs_price", verdict="consistent", reason="fine") for c in levels]
    page = tmp_path / "crowd.html"
    page.write_text(render_article_page(article, levels, checks, market), encoding="utf-8")
    _open(browser, page)
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    assert [c.find_element(By.TAG_NAME, "title").get_attribute("textContent")[:3] for c in charts] == ["BTC", "ETH"]
    boxes = browser.execute_script(
        "const svg = document.querySelector('figure.chart svg');"
        "const h = svg.viewBox.baseVal.height;"
        "return [h, Array.from(svg.querySelectorAll('g.level')).map(g => {"
        " const l = g.querySelector('line').getBBox(); const t = g.querySelector('text').getBBox();"
        " return [l.y, t.y, t.y + t.height]; })]"
    )
    height, rows = boxes
    assert len(rows) == 14
    tops = sorted((r[1], r[2]) for r in rows)
    for (_, bottom), (top, _) in itertools.pairwise(tops):
        assert top >= bottom - 1  # labels do not overlap
    for line_y, top, bottom in rows:
        assert top >= 0 and bottom <= height  # inside the chart
        # near its own line: a crowd is centred on its lines (at most half of it away),
        # where the old layout pushed the 14th label 13 label heights below its line
        assert abs((top + bottom) / 2 - line_y) <= 8 * 12
    order = [r[0] for r in sorted(rows, key=lambda r: r[1])]
    assert order == sorted(order)  # labels in the order of their lines


@pytest.mark.browser
def test_the_report_says_which_zone_was_assumed_and_for_how_many(browser: Any, site: Path) -> None:
    from selenium.webdriver.common.by import By

    assumed = [a for a in ROWS["articles"] if a["time_zone_assumed"]]
    assert assumed
    _open(browser, site / "index.html")
    summary = browser.find_element(By.CSS_SELECTOR, "p.summary").text
    assert f"{len(assumed)} articles without a time zone, read as UTC" in summary
    dated = next(a for a in assumed if a["published_at"])
    _open(browser, _page(site, dated))
    assert "the input gave no time zone: UTC assumed" in browser.find_element(By.CSS_SELECTOR, "p.meta").text
    given = next(a for a in ROWS["articles"] if a["published_at"] and not a["time_zone_assumed"])
    _open(browser, _page(site, given))
    assert "assumed" not in browser.find_element(By.CSS_SELECTOR, "p.meta").text
