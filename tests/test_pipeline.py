"""The batch job end to end on real articles: storage, idempotence, resumption, concurrency."""

from __future__ import annotations

import gzip
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from newsclaims.pipeline import run_pipeline
from newsclaims.settings import load_settings
from newsclaims.storage import open_db

from .conftest import CORPUS, FIXTURES

DUMP = FIXTURES / "pipeline" / "dump.jsonl.gz"
#: columns that differ between two runs by design (which run wrote the row, when).
VOLATILE = {"run_id"}
TABLES = ("articles", "signatures", "clusters", "rejections", "claims", "checks", "stories", "boilerplate")


def snapshot(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the result tables, sorted, without the volatile columns."""
    conn = sqlite3.connect(db_path)
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in TABLES:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])") if r[1] not in VOLATILE]
        sel = ", ".join(f"[{c}]" for c in cols)
        out[table] = sorted(conn.execute(f"SELECT {sel} FROM [{table}]").fetchall(), key=repr)
    conn.close()
    return out


def _records(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _cli(*args: str, **kw: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "newsclaims.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **kw)


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("clean") / "clean.db"
    stats = run_pipeline([str(DUMP), str(CORPUS / "seeds")], db, load_settings(overrides={"run.batch_size": 16}), workers=1)
    assert stats.stored > 0 and not stats.interrupted
    return db


def test_run_stores_everything_it_read(clean_run: Path) -> None:
    db = open_db(clean_run)
    n_records = len(_records(DUMP)) + 4
    assert db["articles"].count + db["rejections"].count == n_records
    assert db["claims"].count > 50
    # every claim indexes its article's stored text exactly
    for row in db.query("SELECT c.text, c.start, c.end, a.text AS article FROM claims c JOIN articles a ON a.id = c.article_id"):
        assert row["article"][row["start"] : row["end"]] == row["text"]
    # every claim has at least one check row
    orphans = db.execute("SELECT COUNT(*) FROM claims WHERE id NOT IN (SELECT claim_id FROM checks)").fetchone()[0]
    assert orphans == 0
    run = next(db.query("SELECT * FROM runs"))
    assert run["status"] == "done" and run["settings_fingerprint"] == load_settings(overrides={"run.batch_size": 16}).fingerprint()
    summary = json.loads(run["summary"])
    assert summary["stored"] == db["articles"].count


def test_syndicated_copies_share_a_cluster_and_one_is_canonical(clean_run: Path) -> None:
    db = open_db(clean_run)
    multi = list(db.query("SELECT cluster_id, COUNT(*) n, SUM(is_canonical) canon FROM articles GROUP BY cluster_id HAVING n > 1"))
    assert len(multi) >= 5
    assert all(r["canon"] == 1 for r in multi)
    for r in db.query("SELECT id, size, canonical_id FROM clusters"):
        members = [m["id"] for m in db.query("SELECT id FROM articles WHERE cluster_id = ?", [r["id"]])]
        assert len(members) == r["size"] and r["canonical_id"] in members and r["id"] == min(members)


def test_seed_rewrites_form_one_story(clean_run: Path) -> None:
    db = open_db(clean_run)
    stories = {r["source_id"][:3]: r["story_id"] for r in db.query("SELECT source_id, story_id FROM articles WHERE source_id LIKE '00%.txt'")}
    assert stories["000"] == stories["002"] == stories["003"]
    flagged = list(db.query("SELECT k.reason FROM checks k JOIN claims c ON c.id = k.claim_id WHERE k.[check] = 'cross_copy' AND k.verdict = 'inconsistent' AND c.asset = 'ETH'"))
    assert flagged


def test_rerun_is_idempotent(clean_run: Path, tmp_path: Path) -> None:
    db = tmp_path / "again.db"
    settings = load_settings(overrides={"run.batch_size": 16})
    run_pipeline([str(DUMP), str(CORPUS / "seeds")], db, settings, workers=1)
    first = snapshot(db)
    stats = run_pipeline([str(DUMP), str(CORPUS / "seeds")], db, settings, workers=1)
    assert stats.stored == 0 and stats.already_stored > 0
    assert snapshot(db) == first == snapshot(clean_run)


def test_two_workers_give_the_same_rows(clean_run: Path, tmp_path: Path) -> None:
    db = tmp_path / "pool.db"
    run_pipeline([str(DUMP), str(CORPUS / "seeds")], db, load_settings(overrides={"run.batch_size": 16}), workers=2)
    assert snapshot(db) == snapshot(clean_run)


def test_incremental_ingest_clusters_new_with_old(tmp_path: Path) -> None:
    rows = _records(DUMP)
    half = len(rows) // 2
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(json.dumps(r) + "\n" for r in rows[:half]), encoding="utf-8")
    b.write_text("".join(json.dumps(r) + "\n" for r in rows[half:]), encoding="utf-8")
    settings = load_settings(overrides={"clean.learn_boilerplate": False})
    inc, full = tmp_path / "inc.db", tmp_path / "full.db"
    run_pipeline([str(a)], inc, settings, stage="ingest", workers=1)
    run_pipeline([str(b)], inc, settings, stage="ingest", workers=1)
    run_pipeline([str(a), str(b)], full, settings, stage="ingest", workers=1)

    def clusters(p: Path) -> set[tuple[str, str, int]]:
        return {(r[0], r[1], r[2]) for r in sqlite3.connect(p).execute("SELECT source_id, cluster_id, is_canonical FROM articles")}

    assert clusters(inc) == clusters(full)
    assert any(r[0] > 1 for r in sqlite3.connect(inc).execute("SELECT size FROM clusters"))


def test_killed_run_resumes_to_the_same_rows(clean_run: Path, tmp_path: Path) -> None:
    db = tmp_path / "killed.db"
    args = ["--set", "run.batch_size=16", "run", str(DUMP), str(CORPUS / "seeds"), "--db", str(db), "--workers", "1"]
    proc = _cli(*args)
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            stored = sqlite3.connect(db, timeout=1).execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        except sqlite3.Error:
            continue
        if stored >= 20:
            break
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < stored < len(_records(DUMP))
    again = _cli(*args)
    _out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert snapshot(db) == snapshot(clean_run)


def test_ctrl_c_stops_after_the_batch_with_a_summary(tmp_path: Path) -> None:
    db = tmp_path / "int.db"
    args = ["--set", "run.batch_size=8", "run", str(DUMP), "--db", str(db), "--workers", "1"]
    proc = _cli(*args)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        try:
            if sqlite3.connect(db, timeout=1).execute("SELECT COUNT(*) FROM articles").fetchone()[0] >= 8:
                break
        except sqlite3.Error:
            continue
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in out and "records read" in out
    n = sqlite3.connect(db).execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert 0 < n < len(_records(DUMP))
    assert sqlite3.connect(db).execute("SELECT status FROM runs").fetchone()[0] == "interrupted"


def test_two_processes_writing_one_database(tmp_path: Path) -> None:
    rows = _records(DUMP)
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(json.dumps(r) + "\n" for r in rows[::2]), encoding="utf-8")
    b.write_text("".join(json.dumps(r) + "\n" for r in rows[1::2]), encoding="utf-8")
    db = tmp_path / "shared.db"
    open_db(db)  # created before both start
    procs = [_cli("--set", "run.batch_size=4", "ingest", str(p), "--db", str(db), "--workers", "1") for p in (a, b)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    rejected = conn.execute("SELECT COUNT(*) FROM rejections").fetchone()[0]
    assert stored + rejected == len(rows)


def test_nothing_readable_exits_2(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    proc = _cli("ingest", str(inp), "--db", str(tmp_path / "x.db"))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert "no article could be read" in err and "binary" in out


def test_bad_records_do_not_change_the_exit_code(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "bin.txt").write_bytes(b"\x00\x01\x02" * 100)
    (inp / "ok.txt").write_text("Bitcoin is trading at $104,500 after a 2% gain in the past 24 hours.", encoding="utf-8")
    proc = _cli("ingest", str(inp), "--db", str(tmp_path / "x.db"))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "rejected          1  (binary 1)" in out


def test_hostile_folder_through_run(tmp_path: Path) -> None:
    """Every hostile record is kept as a rejection with a reason; good ones are stored."""
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (inp / "empty.md").write_bytes(b"")
    (inp / "latin.txt").write_bytes(b"Bitcoin \x81\x8d price")
    good = json.dumps({"id": "good", "body": "Bitcoin is trading at $104,500, up 2% in the past 24 hours.", "published_utc": "2025-05-19T15:00:00Z"})
    (inp / "dump.jsonl").write_text(good + "\n{broken\n" + json.dumps({"id": "nobody", "body": ""}) + "\n", encoding="utf-8")
    (inp / "absurd.txt").write_text("Bitcoin is trading at $1e308 after a NaN% move; open interest hit $" + "9" * 400 + " and 400-digit " + "7" * 400 + "%.", encoding="utf-8")
    (inp / "page.html").write_text(
        "<html><head><style>p{color:red} .x{}</style><script>window.__pwned=1; var btc='$1,000,000';</script></head>"
        "<body><iframe src='https://example.com/ad'></iframe><article><h1>Bitcoin slips</h1>"
        "<p>Bitcoin is trading at $103,200 after falling 1.5% in the past 24 hours, data show.</p>"
        "<p>Ether fell 2.1% to $2,480 over the same period, while Solana slipped 3%.</p></article></body></html>",
        encoding="utf-8",
    )
    data = gzip.compress(REAL_LINES.encode())
    (inp / "cut.jsonl.gz").write_bytes(data[: len(data) // 2])
    db = tmp_path / "h.db"
    proc = _cli("run", str(inp), "--db", str(db), "--workers", "1")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    conn = sqlite3.connect(db)
    reasons = {r[0] for r in conn.execute("SELECT reason FROM rejections")}
    assert {"binary", "empty", "undecodable", "malformed_json", "missing_body", "truncated"} <= reasons
    texts = [r[0] for r in conn.execute("SELECT text FROM articles")]
    page = next(t for t in texts if "Bitcoin slips" in t)
    assert "pwned" not in page and "color:red" not in page and "1,000,000" not in page
    for start, end, text, article in conn.execute("SELECT c.start, c.end, c.text, a.text FROM claims c JOIN articles a ON a.id = c.article_id"):
        assert article[start:end] == text
    values = [r[0] for r in conn.execute("SELECT value FROM claims")]
    assert all(v == v and abs(v) < float("inf") for v in values)  # finite, no NaN
    rejected = conn.execute("SELECT COUNT(*) FROM rejections").fetchone()[0]
    assert f"rejected          {rejected}" in out


REAL_LINES = "".join(json.dumps(r) + "\n" for r in _records(DUMP)[:30])


def test_a_stage_failing_on_an_article_becomes_a_processing_error() -> None:
    """A market database that went missing makes the check stage fail: the article is rejected
    with the stage's error, and the batch goes on."""
    from datetime import UTC, datetime

    from newsclaims.market import MarketData
    from newsclaims.models import Article, Rejection, RejectReason
    from newsclaims.pipeline import WorkerContext, process_article

    art = Article(id="x1", source_id="x1", body="Bitcoin is trading at $104,500 today.", origin="t:1",
                  published_at=datetime(2025, 5, 19, 15, tzinfo=UTC))
    market = MarketData(None, path="/nonexistent/market.db")
    ctx = WorkerContext(load_settings(), extract=True, check=True, market_data=market)
    res = process_article(art, ctx)
    assert isinstance(res, Rejection) and res.reason == RejectReason.PROCESSING_ERROR
    assert "nonexistent" in res.detail and res.source_id == "x1"


def test_export_and_report_while_a_run_is_writing(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    run = _cli("--set", "run.batch_size=4", "run", str(DUMP), "--db", str(db), "--workers", "1")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
        try:
            if sqlite3.connect(db, timeout=1).execute("SELECT COUNT(*) FROM claims").fetchone()[0] >= 10:
                break
        except sqlite3.Error:
            continue
    assert run.poll() is None, "the run finished before the readers started"
    export = _cli("export", "--db", str(db), "--table", "claims_wide", "--format", "jsonl", "-o", str(tmp_path / "c.jsonl"), cwd=tmp_path)
    report = _cli("report", "--db", str(db), "-o", str(tmp_path / "site"), cwd=tmp_path)
    for proc in (export, report):
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    assert run.poll() is None or run.returncode == 0
    rows = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 10 and all(r["text"] for r in rows)
    assert (tmp_path / "site" / "index.html").stat().st_size > 1000
    _, err = run.communicate(timeout=300)
    assert run.returncode == 0, err


HARD = Path(__file__).resolve().parent / "fixtures" / "pipeline" / "hard.jsonl.gz"


@pytest.mark.skipif(not HARD.exists(), reason="hard-case fixture missing")
def test_every_stage_survives_the_hard_articles_of_the_dump(tmp_path: Path) -> None:
    """Every stage (read, clean, sign, dedup, extract, check, stories) over ~300 hard real
    articles: price tables ("526.00 Market" once crashed the date parser), day 0 and odd days
    before month names, relative times, broken levels, roundups, markup: no processing_error."""
    db = tmp_path / "hard.db"
    stats = run_pipeline([str(HARD)], db, load_settings(), workers=1)
    errors = sqlite3.connect(db).execute(
        "SELECT source_id, detail FROM rejections WHERE reason = 'processing_error'"
    ).fetchall()
    assert errors == []
    assert stats.stored >= 250 and sum(stats.checks.values()) > 0
    con = sqlite3.connect(db)
    assert con.execute("SELECT COUNT(*) FROM articles WHERE source_id = 'mj027313'").fetchone()[0] == 1
    # every flag carries a confidence; stale and never-true findings reach the database
    assert con.execute(
        "SELECT COUNT(*) FROM checks WHERE verdict = 'inconsistent' AND confidence IS NULL"
    ).fetchone()[0] == 0


def test_a_run_that_fails_says_so_in_the_runs_table_and_a_rerun_completes(
    clean_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run left by an exception (here the story step failing) is recorded as
    ``failed``, not ``done``; what it committed stays, and the next run finishes the job."""
    from newsclaims.pipeline import Runner

    db = tmp_path / "failed.db"
    settings = load_settings(overrides={"run.batch_size": 16})

    def broken(self: Runner, early: object = None) -> None:
        raise RuntimeError("story step broken")

    with monkeypatch.context() as m:
        m.setattr(Runner, "_stories", broken)
        with pytest.raises(RuntimeError, match="story step broken"):
            run_pipeline([str(DUMP), str(CORPUS / "seeds")], db, settings, workers=1)
    assert [r[0] for r in sqlite3.connect(db).execute("SELECT status FROM runs")] == ["failed"]
    run_pipeline([str(DUMP), str(CORPUS / "seeds")], db, settings, workers=1)
    assert [r[0] for r in sqlite3.connect(db).execute("SELECT status FROM runs ORDER BY rowid")] == ["failed", "done"]
    assert snapshot(db) == snapshot(clean_run)
