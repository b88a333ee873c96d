"""benchmarks/flags.py: judging sheets drawn from a real run, scored and calibrated back.

The run is the real batch job over the four seed articles and the fixture dump
(tests/fixtures/pipeline/dump.jsonl.gz) with the bundled market data.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from newsclaims.pipeline import run_pipeline
from newsclaims.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def _flags_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("flags_bench", ROOT / "benchmarks" / "flags.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["flags_bench"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def run_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("flags") / "run.db"
    run_pipeline([str(ROOT / "corpus" / "seeds"), str(ROOT / "tests" / "fixtures" / "pipeline" / "dump.jsonl.gz")],
                 db, load_settings(), workers=1)
    return db


def test_wilson_interval() -> None:
    flags = _flags_module()
    lo, hi = flags.wilson(9, 80)
    assert (round(lo, 2), round(hi, 2)) == (0.06, 0.20)  # issue 10's 9 of 80
    assert flags.wilson(0, 0) == (0.0, 1.0)
    lo, hi = flags.wilson(80, 80)
    assert hi == 1.0 and 0.95 < lo < 0.96


def test_draw_is_seeded_and_sheets_carry_what_a_judge_needs(run_db: Path, tmp_path: Path) -> None:
    flags = _flags_module()
    a, b = tmp_path / "a", tmp_path / "b"
    assert flags.main(["draw", str(run_db), "-n", "5", "--seed", "3", "-o", str(a)]) == 0
    assert flags.main(["draw", str(run_db), "-n", "5", "--seed", "3", "-o", str(b)]) == 0
    rows = [json.loads(x) for x in a.with_suffix(".jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows and [r["id"] for r in rows] == [json.loads(x)["id"] for x in b.with_suffix(".jsonl").read_text().splitlines()]
    for r in rows:
        assert r["verdict"] == "inconsistent" and r["confidence"] is not None
        c, art = r["claim"], r["article"]
        ctx = art["context"]
        assert ctx[c["start"] - art["context_start"]: c["end"] - art["context_start"]] == c["text"]
        assert c["sentence"] and r["reason"] and r["features"]["bias"] == 1.0
        assert r["judgement"] == {"label": None, "kind": None, "note": ""}
        assert r["draw"]["seed"] == 3
    with_market = [r for r in rows if r["market"]["candles"]]
    for r in with_market:  # candles within ±48 h of the time checked at
        times = [x[0] for x in r["market"]["candles"]]
        assert r["market"]["from"] <= times[-1] and times[0] <= r["market"]["to"]
    md = a.with_suffix(".md").read_text(encoding="utf-8")
    assert md.startswith("# Judging sheet") and md.count("**Judgement:**") == len(rows)
    # a fresh sample leaves out what was judged
    c_ = tmp_path / "c"
    flags.main(["draw", str(run_db), "-n", "5", "--seed", "4", "-o", str(c_), "--exclude", str(a.with_suffix(".jsonl"))])
    fresh = {json.loads(x)["id"] for x in c_.with_suffix(".jsonl").read_text().splitlines()}
    assert not fresh & {r["id"] for r in rows}
    # a band sample: only flags at or above a confidence; a blind sheet shows no confidence
    confs = sorted(r["confidence"] for r in rows)
    band = tmp_path / "band"
    assert flags.main(["draw", str(run_db), "-n", "50", "--seed", "5", "-o", str(band),
                       "--min-confidence", str(confs[len(confs) // 2]), "--hide-confidence"]) == 0
    banded = [json.loads(x) for x in band.with_suffix(".jsonl").read_text().splitlines()]
    assert banded and all(r["confidence"] >= confs[len(confs) // 2] for r in banded)
    assert banded[0]["draw"]["min_confidence"] == confs[len(confs) // 2]
    blind = band.with_suffix(".md").read_text(encoding="utf-8")
    assert ", confidence " not in blind and "(extractor " not in blind
    assert ", confidence " in md and "(extractor " in md


def test_score_and_calibrate_read_judged_sheets(run_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flags = _flags_module()
    sheet = tmp_path / "s"
    flags.main(["draw", str(run_db), "-n", "40", "--seed", "1", "-o", str(sheet), "--all-verdicts"])
    rows = [json.loads(x) for x in sheet.with_suffix(".jsonl").read_text(encoding="utf-8").splitlines()]
    assert {r["verdict"] for r in rows} > {"inconsistent"}
    flagged = [r for r in rows if r["verdict"] == "inconsistent"]
    assert len(flagged) >= 4
    # judge: the level flags real, the others misread
    for r in flagged:
        real = r["check"] == "level_vs_price"
        r["judgement"] = {"label": "real" if real else "misread", "kind": None if real else "past figure read as current", "note": ""}
    path = sheet.with_suffix(".jsonl")
    path.write_text("".join(json.dumps(r) + "\n" for r in flagged), encoding="utf-8")
    capsys.readouterr()
    assert flags.main(["score", str(path)]) == 0
    out = capsys.readouterr().out
    real = sum(r["check"] == "level_vs_price" for r in flagged)
    assert f"{real:>4}/{len(flagged):<4}" in out and "by check" in out and "misread: past figure read as current" in out
    coef = tmp_path / "coef.json"
    # leave-one-sheet-out needs two sheets: the flags split in halves
    halves = [tmp_path / "h1.jsonl", tmp_path / "h2.jsonl"]
    for k, h in enumerate(halves):
        h.write_text("".join(json.dumps(r) + "\n" for r in flagged[k::2]), encoding="utf-8")
    assert flags.main(["calibrate", *map(str, halves), "-o", str(coef), "--cv"]) == 0
    data = json.loads(coef.read_text())
    assert data["fitted_on"] == len(flagged) and "check_level_vs_price" in data["coef"]
    # the text part, fitted with the bundled encoder's vectors of each flag's words
    assert len(data["text"]["weights"]) == 384 and len(data["text"]["encoder"]) == 16
    out = capsys.readouterr().out
    assert "leave-one-sheet-out over 2 sheets" in out and "real flags kept" in out
    assert flags.main(["calibrate", str(path), "-o", str(coef), "--text-model", "none"]) == 0
    assert "text" not in json.loads(coef.read_text())
    bad = tmp_path / "bad.jsonl"
    flagged[0]["judgement"]["label"] = "maybe"
    bad.write_text(json.dumps(flagged[0]) + "\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="not one of"):
        flags.main(["score", str(bad)])
