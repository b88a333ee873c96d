"""The command line through click's runner: help, settings, exit codes, outputs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclaims.cli import main

from .conftest import CORPUS

COMMANDS = [
    ["ingest"], ["extract"], ["factcheck"], ["run"], ["export"], ["report"], ["eval"],
    ["market"], ["market", "import"], ["market", "fetch"], ["config"],
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
    # a price 140% off the market is far likelier a misreading than a real error: flagged, low confidence
    art = tmp_path / "a.txt"
    art.write_text("Bitcoin is trading at $250,000 today.", encoding="utf-8")
    args = ["factcheck", str(art), "--published-at", "2025-05-19T15:00:00Z", "--format", "json"]
    res = runner.invoke(main, args)
    assert res.exit_code == 1, res.output
    price = next(c for c in json.loads(res.output) if c["check"] == "market_price")
    assert price["verdict"] == "inconsistent" and price["confidence"] < 0.05
    assert runner.invoke(main, [*args, "--fail-on", "0.5"]).exit_code == 0
    # the seeds' $75K support above the article's own $67,460 is a flag worth a person's time
    seed = str(CORPUS / "seeds" / "000_8e8d785f63898a59.txt")
    res = runner.invoke(main, ["factcheck", seed, "--format", "json", "--fail-on", "0.5"])
    assert res.exit_code == 1, res.output
    checks = json.loads(res.output)
    assert checks[0]["verdict"] == "inconsistent" and checks[0]["claim"]["value"] == 75000.0  # most confident first
    assert checks[0]["confidence"] >= 0.5
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
