"""The command line through click's runner: help, settings, exit codes, outputs."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclaims.cli import main

from .conftest import CORPUS

COMMANDS = [
    ["ingest"], ["extract"], ["factcheck"], ["run"], ["export"], ["report"], ["eval"],
    ["market"], ["market", "import"], ["market", "fetch"], ["config"], ["import"],
]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize("cmd", COMMANDS, ids=" ".join)
def test_every_command_has_help(runner: CliRunner, cmd: list[str]) -> None:
    res = runner.invoke(main, [*cmd, "--help"])
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) >= 3  # a description beyond the usage line


def test_config_prints_valid_toml_with_overrides(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(main, ["--set", "dedup.threshold=0.85", "config"])
    assert res.exit_code == 0, res.output
    f = tmp_path / "s.toml"
    f.write_text(res.output, encoding="utf-8")
    again = runner.invoke(main, ["--config", str(f), "config"])
    assert again.exit_code == 0 and again.output == res.output


def test_bad_setting_exits_2_naming_it(runner: CliRunner) -> None:
    res = runner.invoke(main, ["--set", "dedup.threshold=7", "config"])
    assert res.exit_code == 2
    assert "dedup.threshold" in res.output


def test_missing_input_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(main, ["ingest", str(tmp_path / "missing"), "--db", str(tmp_path / "x.db")])
    assert res.exit_code == 2
    assert "no such file" in res.output


def test_ingest_summary_counts_match_the_database(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    res = runner.invoke(main, ["ingest", str(CORPUS / "seeds"), "--db", str(db), "--workers", "1"])
    assert res.exit_code == 0, res.output
    n = sqlite3.connect(db).execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert n == 4
    assert "articles stored   4" in res.output


def test_extract_jsonl_one_claim_per_line(runner: CliRunner) -> None:
    res = runner.invoke(main, ["extract", str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt"), "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in res.output.splitlines() if line.strip()]
    assert rows and all(r["source_id"] == "000_8e8d785f63898a59.txt" for r in rows)
    fields = {"source_id", "type", "asset", "subject", "value", "value_max", "unit", "direction", "window", "side", "qualifier", "text", "start", "end", "sentence", "confidence", "extractor"}
    assert fields <= set(rows[0])
    assert any(r["type"] == "price" and r["asset"] == "BTC" and r["value"] == 67460.0 for r in rows)


def test_factcheck_json_flags_the_75k_support_and_exits_1(runner: CliRunner) -> None:
    res = runner.invoke(main, ["factcheck", str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt"), "--format", "json"])
    assert res.exit_code == 1, res.output
    checks = json.loads(res.output)
    assert {"claim", "check", "verdict", "severity", "expected", "observed", "deviation", "tolerance", "reason", "evidence", "as_of"} <= set(checks[0])
    flagged = [c for c in checks if c["check"] == "level_vs_price" and c["verdict"] == "inconsistent"]
    assert any(c["claim"]["value"] == 75000.0 and c["severity"] == "major" for c in flagged)
    # every claim has at least one row
    claim_ids = {c["claim"]["id"] for c in checks}
    extracted = runner.invoke(main, ["extract", str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt")])
    assert claim_ids == {json.loads(x)["id"] for x in extracted.output.splitlines() if x.strip()}


def test_factcheck_with_publication_time_uses_market_data(runner: CliRunner, tmp_path: Path) -> None:
    art = tmp_path / "a.txt"
    art.write_text("Bitcoin is trading at $250,000 today, up 40% in the past 24 hours.", encoding="utf-8")
    res = runner.invoke(main, ["factcheck", str(art), "--published-at", "2025-05-19T15:00:00Z", "--format", "json"])
    assert res.exit_code == 1, res.output
    checks = json.loads(res.output)
    price = next(c for c in checks if c["check"] == "market_price")
    assert price["verdict"] == "inconsistent" and price["expected"] is not None
    assert 100_000 < price["expected"] < 110_000  # BTC traded near $103-106K that day


def test_factcheck_fail_on_gates_by_confidence(runner: CliRunner, tmp_path: Path) -> None:
    # a price 140% off the market: flagged; from the numbers alone it is far likelier a
    # misreading than a real error (confidence near 0); read with its plain words ("is
    # trading at ... today") it is likelier real, but still below an even chance
    art = tmp_path / "a.txt"
    art.write_text("Bitcoin is trading at $250,000 today.", encoding="utf-8")
    args = ["factcheck", str(art), "--published-at", "2025-05-19T15:00:00Z", "--format", "json"]
    numbers_only = ["--set", "check.flag_text_model=none"]
    res = runner.invoke(main, [*numbers_only, *args])
    assert res.exit_code == 1, res.output
    price = next(c for c in json.loads(res.output) if c["check"] == "market_price")
    assert price["verdict"] == "inconsistent" and price["confidence"] < 0.05
    assert runner.invoke(main, [*numbers_only, *args, "--fail-on", "0.25"]).exit_code == 0
    res = runner.invoke(main, args)
    worded = next(c for c in json.loads(res.output) if c["check"] == "market_price")
    assert res.exit_code == 1 and price["confidence"] < worded["confidence"] < 0.5
    assert runner.invoke(main, [*args, "--fail-on", "0.5"]).exit_code == 0
    # the seeds' $75K support above the article's own $67,460 is flagged, listed first
    seed = str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt")
    res = runner.invoke(main, ["factcheck", seed, "--format", "json"])
    assert res.exit_code == 1, res.output
    checks = json.loads(res.output)
    assert checks[0]["verdict"] == "inconsistent" and checks[0]["claim"]["value"] == 75000.0  # most confident first
    conf = checks[0]["confidence"]
    assert runner.invoke(main, ["factcheck", seed, "--fail-on", str(round(conf - 0.005, 4))]).exit_code == 1
    assert runner.invoke(main, ["factcheck", seed, "--fail-on", str(round(conf + 0.005, 4))]).exit_code == 0
    assert runner.invoke(main, ["factcheck", seed, "--fail-on", "1.5"]).exit_code == 2


def test_factcheck_bad_time_exits_2(runner: CliRunner) -> None:
    res = runner.invoke(main, ["factcheck", str(CORPUS / "seeds" / "001_1e56fe40bd3ef231.txt"), "--published-at", "yesterday-ish"])
    assert res.exit_code == 2 and "not a time" in res.output


def test_run_summary_numbers_equal_the_database(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    res = runner.invoke(main, ["run", str(CORPUS / "seeds"), str(CORPUS / "gold" / "dev.articles.jsonl"), "--db", str(db), "--workers", "1"])
    assert res.exit_code == 0, res.output
    conn = sqlite3.connect(db)

    def line(label: str) -> str:
        return next(ln for ln in res.output.splitlines() if ln.strip().startswith(label))

    n_claims = conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
    assert line("claims").split()[1] == f"{n_claims:,}"
    for type_, n in conn.execute("SELECT type, COUNT(*) FROM claims GROUP BY type"):
        assert f"{type_} {n:,}" in line("claims")
    for verdict, n in conn.execute("SELECT verdict, COUNT(*) FROM checks GROUP BY verdict"):
        assert f"{verdict} {n:,}" in line("checks")
    n_stories = conn.execute("SELECT COUNT(*) FROM stories").fetchone()[0]
    assert line("stories").split()[1] == f"{n_stories:,}"
    assert line("articles stored").split()[2] == str(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])


# --------------------------------------------------------------------------- issue 13: options and exits


def test_global_options_work_after_the_command(runner: CliRunner, tmp_path: Path) -> None:
    res = runner.invoke(main, ["config", "--set", "dedup.threshold=0.9", "-v"])
    assert res.exit_code == 0, res.output
    assert "threshold = 0.9" in res.output
    f = tmp_path / "s.toml"
    f.write_text("[dedup]\nthreshold = 0.75\n", encoding="utf-8")
    res = runner.invoke(main, ["config", "--config", str(f)])
    assert res.exit_code == 0 and "threshold = 0.75" in res.output
    db = tmp_path / "x.db"
    res = runner.invoke(main, ["ingest", str(CORPUS / "seeds"), "--db", str(db), "--workers", "1", "--set", "run.batch_size=2", "-v"])
    assert res.exit_code == 0, res.output
    settings = json.loads(sqlite3.connect(db).execute("SELECT settings FROM runs").fetchone()[0])
    assert settings["run"]["batch_size"] == 2


def test_unknown_setting_names_the_valid_keys_and_the_nearest(runner: CliRunner) -> None:
    res = runner.invoke(main, ["config", "--set", "dedup.treshold=0.9"])
    assert res.exit_code == 2
    assert "did you mean dedup.threshold?" in res.output
    assert "keys of [dedup]:" in res.output and "num_perm" in res.output
    assert "Extra inputs" not in res.output


def test_workers_0_is_accepted_as_in_the_settings(runner: CliRunner, tmp_path: Path) -> None:
    assert "workers = 0" in runner.invoke(main, ["config"]).output
    res = runner.invoke(main, ["ingest", str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt"), "--db", str(tmp_path / "x.db"), "--workers", "0"])
    assert res.exit_code == 0, res.output


def test_every_database_command_defaults_to_newsclaims_db(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(main, ["ingest", str(CORPUS / "seeds"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "newsclaims.db").exists()
    res = runner.invoke(main, ["export", "--table", "articles", "--format", "jsonl"])
    assert res.exit_code == 0, res.output
    assert len([x for x in res.output.splitlines() if x.startswith("{")]) == 4
    res = runner.invoke(main, ["report", "-o", "site"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "site" / "index.html").exists()


def test_run_on_unreadable_input_exits_2_and_leaves_a_small_database(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 8)
    db = tmp_path / "x.db"
    res = runner.invoke(main, ["run", str(tmp_path / "empty.txt"), str(tmp_path / "binary.bin"), "--db", str(db), "--workers", "1"])
    assert res.exit_code == 2
    assert "no article could be read" in res.output and "Next:" not in res.output
    assert db.stat().st_size < 1_000_000  # the bundled candles are not copied into it


def test_run_reads_the_shared_market_cache_and_market_adds_to_it(runner: CliRunner, tmp_path: Path) -> None:
    # DOGE is not bundled: a file of DOGE candles named with --market adds it, while
    # BTC still comes from the bundled data, which is not copied into the database
    doge = tmp_path / "DOGEUSDT_1h.csv"
    rows = ["timestamp,open,high,low,close,volume"] + [f"2025-05-19 {h:02d}:00:00,0.22,0.23,0.21,0.22,1000" for h in range(24)]
    doge.write_text("\n".join(rows) + "\n", encoding="utf-8")
    art = tmp_path / "a.jsonl"
    art.write_text(json.dumps({"id": "a1", "title": "Prices", "published_at": "2025-05-19T15:00:00Z", "body": "Bitcoin is trading at $103,500. Dogecoin is trading at $0.90."}) + "\n", encoding="utf-8")
    db = tmp_path / "x.db"
    res = runner.invoke(main, ["run", str(art), "--db", str(db), "--market", str(doge), "--workers", "1"])
    assert res.exit_code == 0, res.output
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT DISTINCT asset FROM market_candles").fetchall() == [("DOGE",)]
    verdicts = dict(conn.execute("SELECT c.asset, k.verdict FROM checks k JOIN claims c ON c.id = k.claim_id WHERE k.[check] = 'market_price'").fetchall())
    assert verdicts == {"BTC": "consistent", "DOGE": "inconsistent"}


def test_market_import_prints_a_table(runner: CliRunner, tmp_path: Path) -> None:
    src = Path(__file__).parent / "fixtures" / "market" / "canonical"
    res = runner.invoke(main, ["market", "import", str(src / "ETHUSDT_4h.csv"), str(src / "BTCUSDT_1d.csv"), "--db", str(tmp_path / "m.db")])
    assert res.exit_code == 0, res.output
    assert "FileImport" not in res.output and "summary" not in res.output.lower().split("\n")[0]
    lines = res.output.splitlines()
    assert lines[0].split() == ["file", "format", "series", "candles", "status"]
    assert any("ETHUSDT_4h.csv" in ln and "ETH/4h" in ln and "imported" in ln for ln in lines)
    assert lines[-1].startswith("2 files imported")
    again = runner.invoke(main, ["market", "import", str(src / "ETHUSDT_4h.csv"), "--db", str(tmp_path / "m.db")])
    assert "skipped (unchanged)" in again.output


def test_factcheck_reads_standard_input(runner: CliRunner) -> None:
    text = (CORPUS / "seeds" / "000_8e8d785f63898a59.txt").read_text(encoding="utf-8")
    res = runner.invoke(main, ["factcheck", "-", "--format", "json"], input=text)
    assert res.exit_code == 1, res.output
    checks = json.loads(res.output)
    assert any(c["claim"]["value"] == 75000.0 and c["verdict"] == "inconsistent" for c in checks)


def test_factcheck_crash_exits_3_not_1(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsclaims.storage import open_db

    # a market cache whose candle table lost its columns: the tool fails, the article is fine
    db = open_db(tmp_path / "market.db")
    db.execute("DROP TABLE market_candles")
    db.execute("CREATE TABLE market_candles (asset TEXT, quote TEXT, interval TEXT, open_time TEXT, PRIMARY KEY (asset, quote, interval, open_time))")
    db.conn.commit()
    monkeypatch.setenv("NEWSCLAIMS_CACHE", str(tmp_path))
    res = runner.invoke(main, ["factcheck", str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt")])
    assert res.exit_code == 3
    assert "internal error" in res.output and res.output.count("\n") == 1


def test_timezone_accepts_a_fixed_offset_and_the_summary_names_it(runner: CliRunner, tmp_path: Path) -> None:
    art = tmp_path / "a.jsonl"
    art.write_text(json.dumps({"id": "a1", "title": "T", "published_at": "2025-05-19 12:00:00", "body": "Bitcoin is trading at $103,500 today."}) + "\n", encoding="utf-8")
    db = tmp_path / "x.db"
    res = runner.invoke(main, ["ingest", str(art), "--db", str(db), "--timezone", "+02:00", "--workers", "1"])
    assert res.exit_code == 0, res.output
    row = sqlite3.connect(db).execute("SELECT published_at, time_zone_assumed FROM articles").fetchone()
    assert row == ("2025-05-19T10:00:00+00:00", 1)
    assert "+02:00 assumed for 1 of 1 articles" in res.output
    bad = runner.invoke(main, ["ingest", str(art), "--db", str(db), "--timezone", "+25:00"])
    assert bad.exit_code == 2 and "+25:00" in bad.output


def test_next_steps_name_the_script_when_newsclaims_is_not_on_path(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # as after `make demo` without activating the venv
    res = runner.invoke(main, ["run", str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt"), "--db", str(tmp_path / "x.db"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    nxt = res.output[res.output.index("Next:"):]
    assert "bin/newsclaims export" in nxt and "bin/newsclaims report" in nxt
    assert "activate" in nxt
    assert "Next: newsclaims " not in nxt


def test_counts_are_pluralized_and_table_numbers_are_plain(runner: CliRunner, tmp_path: Path) -> None:
    art = tmp_path / "a.txt"
    art.write_text("Bitcoin ETF inflows reached $1.7 billion this week.\n", encoding="utf-8")
    res = runner.invoke(main, ["factcheck", str(art)])
    assert "1 claim, 1 check:" in res.output
    res = runner.invoke(main, ["extract", str(art), "--format", "table"])
    assert res.exit_code == 0, res.output
    assert "e+" not in res.output and "1,700,000,000" in res.output


# --------------------------------------------------------------------------- issue 13: progress and summaries

DUMP = Path(__file__).parent / "fixtures" / "pipeline" / "dump.jsonl.gz"


def test_progress_text_has_percent_rate_and_eta() -> None:
    from newsclaims.cli import progress_text
    from newsclaims.pipeline import RunStats

    stats = RunStats(read=500, stored=480, phase="articles", fraction=0.25, phase_elapsed=10.0)
    stats.checks["inconsistent"] = 7
    text = progress_text(stats)
    assert "25%" in text and "ETA 0:30" in text and "50 records/s" in text
    assert "7 inconsistent" in text  # the summary's word, not "flags"
    scan = progress_text(RunStats(phase="boilerplate", fraction=0.5, phase_elapsed=4.0))
    assert "50%" in scan and "ETA 0:04" in scan


def test_progress_is_shown_from_the_start_when_not_a_terminal(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(main, ["run", str(DUMP), "--db", str(tmp_path / "x.db"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    lines = res.stderr.splitlines()
    # plain lines, one per phase at least, the first before any article is processed
    assert lines[0].startswith("preparing market data")
    assert lines[1].startswith("1/3 learning boilerplate")
    assert any(ln.startswith("2/3 articles") and "%" in ln for ln in lines)
    assert any(ln.startswith("3/3 grouping stories") for ln in lines)
    assert "\r" not in res.stderr
    # one vocabulary: the summary's inconsistent checks are the batches' plus the cross-copy ones
    conn = sqlite3.connect(tmp_path / "x.db")
    total = conn.execute("SELECT COUNT(*) FROM checks WHERE verdict = 'inconsistent'").fetchone()[0]
    cross = conn.execute("SELECT COUNT(*) FROM checks WHERE verdict = 'inconsistent' AND [check] = 'cross_copy'").fetchone()[0]
    assert f"inconsistent {total:,}" in res.stdout
    if cross:
        assert "of which cross-copy" in res.stdout and f"inconsistent {cross:,}" in res.stdout


def test_ctrl_c_suggests_running_again_not_exporting(tmp_path: Path) -> None:
    import gzip
    import os
    import signal
    import subprocess

    # enough small batches that the run is still going when the signal arrives
    with gzip.open(DUMP, "rt", encoding="utf-8") as fh:
        records = [json.loads(x) for x in fh]
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as f:
        for i in range(6):
            for r in records:
                f.write(json.dumps({**r, "id": f"{r.get('id')}-{i}"}) + "\n")
    exe = Path(sys.executable).with_name("newsclaims")
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.Popen(
        [str(exe), "run", str(big), "--db", str(tmp_path / "x.db"), "--workers", "1", "--set", "run.batch_size=4"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("2/3 articles"):
            break
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 130, out
    assert "run the same command again" in out and f"run {big}" in out
    assert "export" not in out and "report" not in out


def test_no_color_is_honoured_on_a_terminal(tmp_path: Path) -> None:
    import os
    import pty
    import subprocess

    exe = Path(sys.executable).with_name("newsclaims")
    seed = str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt")

    def on_a_terminal(extra_env: dict[str, str]) -> str:
        leader, follower = pty.openpty()
        env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | extra_env
        proc = subprocess.Popen([str(exe), "factcheck", seed], stdout=follower, stderr=subprocess.DEVNULL, env=env)
        os.close(follower)
        chunks = []
        while True:
            try:
                data = os.read(leader, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=120)
        os.close(leader)
        return b"".join(chunks).decode("utf-8", "replace")

    assert "\x1b[" in on_a_terminal({})
    plain = on_a_terminal({"NO_COLOR": "1"})
    assert "INCONSISTENT" in plain and "\x1b[" not in plain


# --------------------------------------------------------------------------- issue 13: factcheck output


def test_factcheck_header_names_title_time_and_market_range(runner: CliRunner) -> None:
    seed = str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt")
    res = runner.invoke(main, ["factcheck", seed])
    head = res.output.splitlines()[:3]
    assert head[0].startswith("Why Is Crypto Crashing Today")
    assert "published: unknown" in head[1]
    assert head[2].strip().startswith("market data:") and "Bitcoin 2017-08-17 to 2026-01-0" in head[2]
    # how to give a time is said once, not on every claim
    assert res.output.count("--published-at ") == 1
    dated = runner.invoke(main, ["factcheck", seed, "--published-at", "2025-05-19T12:00"])
    assert "published: 2025-05-19 12:00 UTC (no zone in the input: UTC assumed)" not in dated.output
    assert "published: 2025-05-19 12:00 UTC" in dated.output and "--published-at" not in dated.output


def test_factcheck_quote_keeps_the_judged_number_in_its_context(runner: CliRunner, tmp_path: Path) -> None:
    art = tmp_path / "a.txt"
    lead = "Traders across several large venues rushed to reduce exposure on Tuesday as funding flipped negative, "
    art.write_text(lead + "dragging Ethereum down 0.12% over the past 24 hours while volumes stayed thin.\n", encoding="utf-8")
    res = runner.invoke(main, ["factcheck", str(art), "--published-at", "2025-05-19T15:00Z"])
    quote = next(ln for ln in res.output.splitlines() if ln.strip().startswith("“"))
    assert "0.12%" in quote
    assert len(quote.strip()) < 140


def test_factcheck_groups_a_dump_by_article(runner: CliRunner, tmp_path: Path) -> None:
    dump = tmp_path / "d.jsonl"
    dump.write_text(
        json.dumps({"id": "a", "title": "First story", "published_at": "2025-05-19T15:00:00Z", "body": "Bitcoin is trading at $103,500 today."}) + "\n"
        + json.dumps({"id": "b", "title": "Second story", "body": "Ethereum is trading at $2,500 today."}) + "\n",
        encoding="utf-8",
    )
    res = runner.invoke(main, ["factcheck", str(dump)])
    out = res.output
    assert out.index("First story") < out.index("Bitcoin is trading") < out.index("Second story") < out.index("Ethereum is trading")
    assert "All articles: 2 articles;" in out
    assert "1 article of 2 have no publication time" in out or "1 article of 2 has no publication time" in out


def test_factcheck_json_stays_an_array_and_json_report_adds_the_article(runner: CliRunner) -> None:
    seed = str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt")
    arr = json.loads(runner.invoke(main, ["factcheck", seed, "--format", "json"]).output)
    assert isinstance(arr, list)
    rep = json.loads(runner.invoke(main, ["factcheck", seed, "--format", "json-report", "--published-at", "2025-05-19T15:00Z"]).output)
    art = rep["articles"][0]
    assert art["article"]["title"].startswith("Why Is Crypto Crashing Today")
    assert art["article"]["published_at"] == "2025-05-19T15:00:00+00:00"
    assert art["market"]["BTC"]["from"].startswith("2017-08-17")
    assert art["summary"]["checks"] == len(art["checks"]) == len(arr)
    assert rep["summary"]["articles"] == 1 and rep["summary"]["inconsistent"] >= 1


def test_html_outputs_create_their_folder_like_the_report(runner: CliRunner, tmp_path: Path) -> None:
    seed = str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt")
    target = tmp_path / "new" / "deeper" / "x.html"
    res = runner.invoke(main, ["factcheck", seed, "--format", "html", "-o", str(target)])
    assert res.exit_code == 1, res.output  # the 75K support is flagged; the page is written
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>") or "<html" in target.read_text(encoding="utf-8")
    db = tmp_path / "r.db"
    assert runner.invoke(main, ["run", seed, "--db", str(db), "--workers", "1"]).exit_code == 0
    res = runner.invoke(main, ["report", "--db", str(db), "-o", str(tmp_path / "new2" / "deeper" / "site")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "new2" / "deeper" / "site" / "index.html").exists()
    # where neither can create the folder, both refuse with a clear message (exit 2)
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    res = runner.invoke(main, ["factcheck", seed, "--format", "html", "-o", str(blocker / "x.html")])
    assert res.exit_code == 2 and "cannot write" in res.output
    res = runner.invoke(main, ["report", "--db", str(db), "-o", str(blocker / "site")])
    assert res.exit_code == 2 and "Traceback" not in res.output


# --------------------------------------------------------------------------- issue 13: exports


def test_export_warns_on_a_filter_value_that_matches_nothing(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    assert runner.invoke(main, ["ingest", str(CORPUS / "seeds"), "--db", str(db), "--workers", "1"]).exit_code == 0
    res = runner.invoke(main, ["export", "--db", str(db), "--table", "claims", "--format", "csv", "--asset", "DOGEEE"])
    assert res.exit_code == 0
    assert "warning: --asset DOGEEE matches no claim" in res.stderr and "BTC" in res.stderr
    fine = runner.invoke(main, ["export", "--db", str(db), "--table", "claims", "--format", "csv", "--asset", "btc"])
    assert "warning" not in fine.stderr


def test_spellings_of_one_key_from_two_sites_stay_two_publishers(runner: CliRunner, tmp_path: Path) -> None:
    """crypto.news ("crypto_news") and cryptonews.com ("cryptonews") share a key but are
    two outlets; a spelling whose articles carry no URL joins the larger of them."""
    dump = tmp_path / "d.jsonl"
    recs = [("crypto_news", "https://crypto.news/a-{n}/", 3), ("cryptonews", "https://cryptonews.com/news/b-{n}/", 2),
            ("CryptoNews", None, 1), ("Cointelegraph", "https://cointelegraph.com/news/c-{n}", 1),
            ("cointelegraph", "https://www.cointelegraph.com/news/d-{n}", 1)]
    with dump.open("w", encoding="utf-8") as f:
        n = 0
        for source, url, times in recs:
            for _ in range(times):
                n += 1
                rec = {"id": f"a{n}", "title": f"Story {n}", "source": source,
                       "body": f"Bitcoin is trading at ${100_000 + n * 37:,} in story {n} about unrelated things number {n}."}
                if url:
                    rec["url"] = url.format(n=n)
                f.write(json.dumps(rec) + "\n")
    db = tmp_path / "x.db"
    res = runner.invoke(main, ["ingest", str(dump), "--db", str(db), "--workers", "1"])
    assert res.exit_code == 0, res.output
    rows = sqlite3.connect(db).execute("SELECT source_raw, source FROM articles").fetchall()
    assert dict(rows) == {"crypto_news": "crypto_news", "CryptoNews": "crypto_news", "cryptonews": "cryptonews",
                          "Cointelegraph": "Cointelegraph", "cointelegraph": "Cointelegraph"}


def test_publisher_names_are_joined_and_the_raw_one_kept(runner: CliRunner, tmp_path: Path) -> None:
    dump = tmp_path / "d.jsonl"
    recs = [("Cointelegraph", 2), ("cointelegraph", 1), ("www.CoinDesk.com", 1), ("CoinDesk", 1)]
    with dump.open("w", encoding="utf-8") as f:
        n = 0
        for source, times in recs:
            for _ in range(times):
                n += 1
                f.write(json.dumps({"id": f"a{n}", "title": f"Story {n}", "source": source, "body": f"Bitcoin is trading at ${100_000 + n * 37:,} in story {n} about unrelated things number {n}."}) + "\n")
    db = tmp_path / "x.db"
    res = runner.invoke(main, ["ingest", str(dump), "--db", str(db), "--workers", "1"])
    assert res.exit_code == 0, res.output
    rows = sqlite3.connect(db).execute("SELECT source_raw, source FROM articles ORDER BY id").fetchall()
    assert {raw: name for raw, name in rows} == {
        "Cointelegraph": "Cointelegraph", "cointelegraph": "Cointelegraph",
        "www.CoinDesk.com": "CoinDesk", "CoinDesk": "CoinDesk",
    }
    res = runner.invoke(main, ["export", "--db", str(db), "--table", "articles", "--format", "jsonl", "--source", "Cointelegraph"])
    assert len(res.stdout.splitlines()) == 3
