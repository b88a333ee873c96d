"""Judged flags as an evaluation: draw flags from a run, judge them by hand, score them.

Three modes (see ``docs/judging.md`` for how to judge):

``draw``: N random flags (``inconsistent`` checks; ``--all-verdicts`` for every
verdict) from a run database, drawn with a seed from the ids in sorted order, so the
same database, seed and N give the same sample. ``--exclude`` leaves out flags
already judged (a fresh sample after each change: never tune on the sample you
report). Writes a judging sheet as JSONL (one flag a line: the claim, its sentence and
the article around it, the check's expected/observed/reason/evidence, the model's
features, the market ±48 hours at the claim's asset, and an empty ``judgement``) and
the same as readable Markdown for the judge.

``score``: reads judged sheets (``judgement.label`` set to ``real``, ``misread`` or
``check_wrong``) and prints flag precision (real / judged) per check, per finding and
per confidence band, each with a Wilson 95% interval, and the kinds of error.

``agree``: a second reader. Runs the sheets' articles (taken from ``--dump``) through
both extractors (rules, and the learned model), and splits the judged flags by whether
the other extractor reads the flagged claim the same way (type, asset, value within
0.5%, window, past or current, level status, and the same place): flag precision of
each side. Evidence for a gate or a confidence feature, not a change to the checks.

``replay``: the judged flags against the code as it is now. Runs the sheets' articles
(taken from ``--dump``) through the current extraction and checks with the given
``--set`` overrides, and says which judged flags are still raised (an ``inconsistent``
row of the same check on a claim of the same type, asset and value at the same place):
real ones kept, misreads kept, and the precision of what is kept, with the count of
new, unjudged flags on those articles. A development aid: the sheets it replays have
been studied, so a change is reported on a fresh sample, never on these.

``calibrate``: fits the verdict-confidence coefficients to judged sheets
(``newsclaims.check.confidence.calibrate``) and writes them as JSON; point
``check.confidence_model`` at the file, or copy it over
``src/newsclaims/data/verdict_confidence.json``.

Usage:
    python benchmarks/flags.py draw run.db -n 100 --seed 10 -o corpus/judged/flags-s10
    python benchmarks/flags.py score corpus/judged/flags-s10.jsonl
    python benchmarks/flags.py calibrate corpus/judged/*.jsonl -o coef.json
    python benchmarks/flags.py agree corpus/judged/*.jsonl.gz --dump DUMP.jsonl.gz
    python benchmarks/flags.py replay corpus/judged/flags-cascade-s303.jsonl.gz --dump DUMP.jsonl.gz \
        --set extract.model=bundled --set extract.cascade=true
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import math
import random
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from newsclaims.check.confidence import (
    TEXT_L2,
    TEXT_MAX_TOKENS,
    calibrate,
    claim_text,
    features,
    load_model,
)
from newsclaims.encoder import SentenceEncoder, encoder_dir, encoder_fingerprint
from newsclaims.market import MarketData, open_market
from newsclaims.models import Check
from newsclaims.pipeline import claim_from_row
from newsclaims.storage import open_db

#: characters of article text shown either side of the claim.
CONTEXT_CHARS = 600
#: hours of market shown either side of the time the claim was checked at.
MARKET_HOURS = 48
#: the most candles shown per flag in the Markdown sheet (a coarser interval is used beyond).
MAX_CANDLE_ROWS = 30
LABELS = ("real", "misread", "check_wrong")


# --------------------------------------------------------------------------- statistics


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for k successes out of n (95% by default).

    >>> [round(x, 3) for x in wilson(9, 80)]
    [0.06, 0.2]
    """
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (max(0.0, centre - half), min(1.0, centre + half))


# --------------------------------------------------------------------------- draw


def _check_from_row(row: dict[str, Any], claim_row: dict[str, Any]) -> Check:
    evidence = json.loads(row["evidence"]) if row.get("evidence") else {}
    return Check(
        claim=claim_from_row(claim_row), check=row["check"], verdict=row["verdict"],
        severity=row.get("severity"), expected=row.get("expected"), observed=row.get("observed"),
        deviation=row.get("deviation"), tolerance=row.get("tolerance"), reason=row.get("reason") or "",
        evidence=evidence if isinstance(evidence, dict) else {"value": evidence},
        as_of=datetime.fromisoformat(row["as_of"]) if row.get("as_of") else None,
        confidence=row.get("confidence"), finding=row.get("finding"),
    )


def _market_rows(market: MarketData | None, asset: str | None, at: datetime | None) -> dict[str, Any]:
    if market is None or asset is None or at is None or asset not in market.assets():
        return {"asset": asset, "candles": [], "note": "no market data for this asset or time"}
    start, end = at - timedelta(hours=MARKET_HOURS), at + timedelta(hours=MARKET_HOURS)
    candles = []
    for interval in market.intervals(asset):
        candles = market.candles(asset, start, end, interval)
        if candles and len(candles) <= MAX_CANDLE_ROWS * 4:
            break
    return {
        "asset": asset,
        "interval": candles[0].interval if candles else None,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "candles": [
            [c.open_time.astimezone(UTC).isoformat(), c.open, c.high, c.low, c.close] for c in candles
        ],
    }


def draw(args: argparse.Namespace) -> int:
    db = open_db(args.db)
    verdict_sql = "" if args.all_verdicts else "WHERE verdict = 'inconsistent'"
    if args.check:
        verdict_sql += (" AND " if verdict_sql else "WHERE ") + '"check" = :check'
    if args.min_confidence is not None:
        verdict_sql += (" AND " if verdict_sql else "WHERE ") + "confidence >= :conf"
    params = {"check": args.check, "conf": args.min_confidence}
    ids = [r[0] for r in db.execute(f'SELECT id FROM checks {verdict_sql} ORDER BY id', params)]
    excluded: set[str] = set()
    for path in args.exclude or []:
        excluded |= {json.loads(line)["id"] for line in _lines(path) if line.strip()}
    population = [i for i in ids if i not in excluded]
    rng = random.Random(args.seed)
    chosen = rng.sample(population, min(args.n, len(population)))
    has_candles = "market_candles" in db.table_names() and db.execute("SELECT 1 FROM market_candles LIMIT 1").fetchone()
    market: MarketData | None = MarketData.from_db(db) if has_candles else open_market(args.market)
    drawn_at = datetime.now(UTC).isoformat(timespec="seconds")
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet: list[dict[str, Any]] = []
    for k, cid in enumerate(chosen, 1):
        row = next(db.query("SELECT * FROM checks WHERE id = ?", [cid]))
        claim_row = next(db.query("SELECT * FROM claims WHERE id = ?", [row["claim_id"]]))
        art = next(db.query("SELECT id, source_id, title, text, published_at, url, source FROM articles WHERE id = ?", [row["article_id"]]))
        check = _check_from_row(row, claim_row)
        text = art["text"] or ""
        lo, hi = max(0, check.claim.start - CONTEXT_CHARS), min(len(text), check.claim.end + CONTEXT_CHARS)
        sheet.append({
            "n": k,
            "id": cid,
            "check": check.check,
            "verdict": check.verdict,
            "severity": check.severity,
            "confidence": check.confidence,
            "finding": check.finding,
            "expected": check.expected,
            "observed": check.observed,
            "deviation": check.deviation,
            "tolerance": check.tolerance,
            "reason": check.reason,
            "evidence": check.evidence,
            "as_of": row["as_of"],
            "claim": {f: claim_row.get(f) for f in (
                "id", "type", "asset", "subject", "value", "value_max", "unit", "direction", "window",
                "side", "qualifier", "status", "when", "text", "start", "end", "sentence", "confidence", "extractor",
            )},
            "article": {
                "id": art["id"], "source_id": art["source_id"], "title": art["title"], "source": art["source"],
                "url": art["url"], "published_at": art["published_at"],
                "context": text[lo:hi], "context_start": lo,
            },
            "market": _market_rows(market, check.claim.asset, check.as_of),
            "features": features(check),
            "draw": {"db": str(args.db), "seed": args.seed, "n": args.n, "population": len(population),
                     "excluded": len(excluded), "all_verdicts": bool(args.all_verdicts), "check": args.check,
                     "min_confidence": args.min_confidence, "drawn_at": drawn_at},
            "judgement": {"label": None, "kind": None, "note": ""},
        })
    jsonl = out.with_suffix(".jsonl")
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sheet), encoding="utf-8")
    out.with_suffix(".md").write_text(sheet_markdown(sheet, show_confidence=not args.hide_confidence), encoding="utf-8")
    print(f"drew {len(sheet)} of {len(population)} flags (seed {args.seed}); wrote {jsonl} and {out.with_suffix('.md')}")
    return 0


def _mark(context: str, start: int, end: int) -> str:
    return (context[:start] + "**" + context[start:end] + "**" + context[end:]).replace("\n", " ")


def sheet_markdown(sheet: list[dict[str, Any]], *, show_confidence: bool = True) -> str:
    """The judging sheet for a reader: one section per flag."""
    lines = [
        "# Judging sheet",
        "",
        "Judge each flag by `docs/judging.md`: `real`, `misread` (which kind) or `check_wrong` (which kind).",
        "Write the judgement into the JSONL sheet (`judgement.label`, `judgement.kind`, `judgement.note`).",
        "",
    ]
    for r in sheet:
        c, a, m = r["claim"], r["article"], r["market"]
        rel = c["start"] - a["context_start"], c["end"] - a["context_start"]
        conf = "" if r["confidence"] is None or not show_confidence else f", confidence {r['confidence']:.2f}"
        lines += [
            f"## {r['n']}. {r['check']}: {r['verdict']}" + (f" ({r['severity']}{', ' + r['finding'] if r['finding'] else ''}{conf})" if r["severity"] else ""),
            "",
            f"- check id `{r['id']}`; article `{a['source_id']}` ({a['source'] or '?'}), published {a['published_at'] or 'unknown'}",
            f"- title: {a['title']}",
            f"- claim: {c['type']} {c['asset']} {c['value']}{' to ' + str(c['value_max']) if c['value_max'] is not None else ''} {c['unit']}"
            f" window={c['window']} when={c['when']} status={c['status']} qualifier={c['qualifier']}"
            + (f" (extractor {c['extractor']}, confidence {c['confidence']})" if show_confidence else ""),
            f"- text: “{c['text']}”",
            f"- sentence: {c['sentence']}",
            f"- expected {r['expected']}, observed {r['observed']}, deviation {r['deviation']}, tolerance {r['tolerance']}",
            f"- reason: {r['reason']}",
            "",
            f"> …{_mark(a['context'], *rel)}…",
            "",
        ]
        candles = m.get("candles") or []
        if candles:
            step = max(1, math.ceil(len(candles) / MAX_CANDLE_ROWS))
            lows = [x[3] for x in candles]
            highs = [x[2] for x in candles]
            lines += [
                f"Market {m['asset']} {m['interval']} from {m['from'][:16]} to {m['to'][:16]} UTC: "
                f"low {min(lows):,.2f}, high {max(highs):,.2f} (every {step} candle{'s' if step > 1 else ''} shown)",
                "",
                "| open (UTC) | open | high | low | close |",
                "|---|---|---|---|---|",
            ]
            for x in candles[::step]:
                marker = " ◀ checked at" if r["as_of"] and x[0] <= r["as_of"] < _next(x[0], m["interval"]) else ""
                lines.append(f"| {x[0][:16]}{marker} | {x[1]:,.2f} | {x[2]:,.2f} | {x[3]:,.2f} | {x[4]:,.2f} |")
            lines.append("")
        else:
            lines += [f"Market: {m.get('note', 'none')}", ""]
        lines += ["**Judgement:** label ____ kind ____ note ____", ""]
    return "\n".join(lines)


def _next(open_time: str, interval: str | None) -> str:
    from newsclaims.market.names import interval_seconds

    seconds = interval_seconds(interval) if interval else 0
    return (datetime.fromisoformat(open_time) + timedelta(seconds=seconds)).isoformat()


# --------------------------------------------------------------------------- score


def _lines(path: str) -> list[str]:
    """The lines of a sheet, gzipped (``.jsonl.gz``, as kept in ``corpus/judged/``) or not."""
    data = Path(path).read_bytes()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    return data.decode("utf-8").splitlines()


def _judged(paths: list[str]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for path in paths:
        for line in _lines(path):
            if not line.strip():
                continue
            r = json.loads(line)
            label = (r.get("judgement") or {}).get("label")
            if label is None:
                continue
            if label not in LABELS:
                raise SystemExit(f"{path}: flag {r['id']}: label {label!r} is not one of {', '.join(LABELS)}")
            rows[r["id"]] = r  # a flag judged twice counts once (the last judgement)
    return list(rows.values())


def _line(name: str, rows: list[dict[str, Any]]) -> str:
    k = sum(r["judgement"]["label"] == "real" for r in rows)
    n = len(rows)
    lo, hi = wilson(k, n)
    return f"{name:<28} {k:>4}/{n:<4} {k / n if n else 0:6.1%}   [{lo:5.1%}, {hi:5.1%}]"


def score(args: argparse.Namespace) -> int:
    rows = _judged(args.sheets)
    if not rows:
        print("no judged flags in the sheets (judgement.label is empty everywhere)")
        return 1
    print(f"flag precision (real / judged), Wilson 95% interval; {len(rows)} judged flags")
    print(f"{'':<28} {'real/judged':>9}  precision  interval")
    print(_line("all", rows))
    for title, key in (("by check", lambda r: r["check"]), ("by finding", lambda r: r.get("finding") or "-"),
                       ("by confidence", lambda r: _band(r.get("confidence"))),
                       ("by severity", lambda r: r.get("severity") or "-")):
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            groups[key(r)].append(r)
        print(f"\n{title}")
        for name in sorted(groups):
            print(_line(f"  {name}", groups[name]))
    kinds = Counter(f"{r['judgement']['label']}: {r['judgement'].get('kind') or '?'}" for r in rows if r["judgement"]["label"] != "real")
    print("\nwhy the others are not real")
    for kind, n in kinds.most_common():
        print(f"  {n:>4}  {kind}")
    if args.threshold is not None:
        kept = [r for r in rows if (r.get("confidence") or 0.0) >= args.threshold]
        print()
        print(_line(f"confidence >= {args.threshold:g}", kept) if kept else f"no flag at confidence >= {args.threshold:g}")
    return 0


def _band(conf: float | None) -> str:
    if conf is None:
        return "unscored"
    for edge in (0.8, 0.5, 0.2):
        if conf >= edge:
            return f">= {edge:.1f}"
    return "< 0.2"


# --------------------------------------------------------------------------- calibrate


def calibrate_cmd(args: argparse.Namespace) -> int:
    rows = _judged(args.sheets)
    if not rows:
        print("no judged flags in the sheets")
        return 1
    prior = load_model(args.prior)
    vectors, fingerprint = None, None
    text_dir = encoder_dir(args.text_model, "--text-model")
    if text_dir is not None:
        # one claim per call, as the checker embeds an article's few flags (the int8
        # activations are quantized per call)
        encoder = SentenceEncoder(text_dir, threads=2, max_tokens=TEXT_MAX_TOKENS)
        vectors = [encoder.embed([claim_text(r["claim"])])[0] for r in rows]
        fingerprint = encoder_fingerprint(text_dir, TEXT_MAX_TOKENS)
    model = calibrate(((r["features"], r["judgement"]["label"] == "real") for r in rows), prior, l2=args.l2,
                      vectors=vectors, encoder=fingerprint, text_l2=args.text_l2)
    if args.cv:
        _cross_validate(args, rows, prior, vectors, fingerprint)
    sheets = sorted(Path(s).name for s in args.sheets)
    model = dataclasses.replace(model, meta={**model.meta, "sheets": sheets, "prior": args.prior or "packaged"})
    Path(args.output).write_text(model.to_json(), encoding="utf-8")
    print(f"fitted on {model.meta['fitted_on']} judged flags ({model.meta['real']} real), log loss {model.meta['log_loss']}")
    for name, value in model.coef.items():
        print(f"  {name:<22} {prior.coef.get(name, 0.0):+7.3f} -> {value:+7.3f}")
    print(f"wrote {args.output}")
    return 0


def _cross_validate(args: argparse.Namespace, rows: list[dict[str, Any]], prior: Any, vectors: Any, fingerprint: str | None) -> None:
    """Leave one sheet out: each sheet's flags rated by a model fitted on the others."""
    sheet_of = {json.loads(line)["id"]: Path(path).name for path in args.sheets for line in _lines(path) if line.strip()}
    names = sorted({sheet_of[r["id"]] for r in rows})
    if len(names) < 2:
        print("leave-one-sheet-out needs judged flags from at least two sheets")
        return
    rated: list[tuple[float, bool]] = []
    for name in names:
        train = [i for i, r in enumerate(rows) if sheet_of[r["id"]] != name]
        held = [i for i, r in enumerate(rows) if sheet_of[r["id"]] == name]
        m = calibrate(((rows[i]["features"], rows[i]["judgement"]["label"] == "real") for i in train), prior,
                      l2=args.l2, vectors=None if vectors is None else [vectors[i] for i in train],
                      encoder=fingerprint, text_l2=args.text_l2)
        for i in held:
            p = m.text.predict(rows[i]["features"], vectors[i]) if m.text is not None and vectors is not None else m.predict(rows[i]["features"])
            rated.append((p, rows[i]["judgement"]["label"] == "real"))
    real = sum(y for _, y in rated)
    print(f"leave-one-sheet-out over {len(names)} sheets ({len(rated)} flags, {real} real): "
          f"AUC {auc(rated):.3f}; flags raised at a threshold")
    print("  threshold  raised  real  precision  interval          real flags kept")
    for t in (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5):
        kept = [y for p, y in rated if p >= t]
        k = sum(kept)
        lo, hi = wilson(k, len(kept))
        print(f"  {t:9.2f}  {len(kept):6d}  {k:4d}  {k / max(1, len(kept)):9.1%}  [{lo:5.1%}, {hi:5.1%}]  {k / max(1, real):6.1%}")


def auc(rated: list[tuple[float, bool]]) -> float:
    """The area under the ROC curve of (score, is real) pairs: the chance that a real
    flag scores above a flag that is not (ties count half).

    >>> auc([(0.9, True), (0.2, False), (0.5, False)]), auc([(0.5, True), (0.5, False)])
    (1.0, 0.5)
    """
    pos = [p for p, y in rated if y]
    neg = [p for p, y in rated if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return wins / (len(pos) * len(neg))


def same_reading(flagged: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether ``other`` (a claims row of the other extractor) reads the flagged claim
    (a sheet's ``claim``) the same way, at the same place.

    >>> c = {"type": "price", "asset": "BTC", "value": 105000.0, "window": None, "when": None,
    ...      "status": None, "text": "BTC at $105,000", "sentence": "BTC at $105,000 today."}
    >>> same_reading(c, {**c, "value": 105200.0}), same_reading(c, {**c, "when": "2025-05"})
    (True, False)
    """
    if other["type"] != flagged["type"] or (other.get("asset") or None) != (flagged.get("asset") or None):
        return False
    v, w = float(flagged["value"]), float(other["value"])
    if abs(v - w) > 0.005 * max(abs(v), abs(w), 1e-9):
        return False
    for key in ("window", "status"):
        if (other.get(key) or None) != (flagged.get(key) or None):
            return False
    if bool(other.get("when")) != bool(flagged.get("when")):
        return False
    sentence = flagged.get("sentence") or ""
    return other["text"] in sentence or flagged["text"] in (other.get("sentence") or "")


def agree(args: argparse.Namespace) -> int:
    import tempfile

    from newsclaims.pipeline import run_pipeline
    from newsclaims.settings import load_settings
    from newsclaims.storage import open_db

    rows = _judged(args.sheets)
    wanted = {r["article"]["source_id"] for r in rows}
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp) / "articles.jsonl"
        _dump_subset(args.dump, wanted, sub)
        claims: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for extractor, model in (("rules", "none"), ("model", "bundled")):
            db_path = Path(tmp) / f"{extractor}.db"
            settings = load_settings(overrides={"extract.model": model, "ingest.default_timezone": args.timezone})
            run_pipeline([str(sub)], db_path, settings, workers=args.workers)
            by_article: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for c in open_db(db_path).query("SELECT * FROM claims"):
                by_article[c["source_id"]].append(c)
            claims[extractor] = by_article
    sides: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        other = "rules" if r["claim"].get("extractor") == "model" else "model"
        same = any(same_reading(r["claim"], c) for c in claims[other].get(r["article"]["source_id"], []))
        sides["the other extractor reads it alike" if same else "the other extractor does not"].append(r)
    print(f"{len(rows)} judged flags, {len(wanted)} articles; flag precision by second reading")
    print(_line("all", rows))
    for name in sorted(sides):
        print(_line(f"  {name}"[:28], sides[name]))
        for check, group in sorted(_by(sides[name], "check").items()):
            print(_line(f"    {check}", group))
    return 0


def _dump_subset(dump: str, wanted: set[str], dest: Path) -> None:
    """Copy the records of ``dump`` whose id is in ``wanted`` to ``dest`` (JSONL)."""
    opener = gzip.open if dump.endswith(".gz") else open
    with opener(dump, "rt", encoding="utf-8") as src, dest.open("w", encoding="utf-8") as dst:
        for line in src:
            if line.strip() and str(json.loads(line).get("id")) in wanted:
                dst.write(line)


def still_raised(flag: dict[str, Any], check: dict[str, Any], claim: dict[str, Any]) -> bool:
    """Whether ``check`` (a checks row, ``inconsistent``) on ``claim`` (its claims row) is the
    judged ``flag`` raised again: same check, type, asset and value at the same place
    (window, time and status may have changed: the flag is the same finding on the figure).

    >>> c = {"type": "price", "asset": "BTC", "value": 105000.0, "text": "BTC at $105,000",
    ...      "sentence": "BTC at $105,000 today."}
    >>> f = {"check": "market_price", "claim": c}
    >>> still_raised(f, {"check": "market_price"}, c), still_raised(f, {"check": "internal"}, c)
    (True, False)
    """
    if check["check"] != flag["check"]:
        return False
    fc = flag["claim"]
    if claim["type"] != fc["type"] or (claim.get("asset") or None) != (fc.get("asset") or None):
        return False
    v, w = float(fc["value"]), float(claim["value"])
    if abs(v - w) > 0.005 * max(abs(v), abs(w), 1e-9):
        return False
    return claim["text"] in (fc.get("sentence") or "") or fc["text"] in (claim.get("sentence") or "")


def replay(args: argparse.Namespace) -> int:
    import tempfile

    from newsclaims.pipeline import run_pipeline
    from newsclaims.settings import load_settings

    rows = _judged(args.sheets)
    wanted = {r["article"]["source_id"] for r in rows}
    overrides = dict(kv.split("=", 1) for kv in args.set or [])
    overrides.setdefault("ingest.default_timezone", args.timezone)
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp) / "articles.jsonl"
        _dump_subset(args.dump, wanted, sub)
        db_path = Path(tmp) / "replay.db"
        run_pipeline([str(sub)], db_path, load_settings(overrides=overrides), workers=args.workers)
        db = open_db(db_path)
        claims = {c["id"]: c for c in db.query("SELECT * FROM claims")}
        flags: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
        for ch in db.query("SELECT * FROM checks WHERE verdict = 'inconsistent'"):
            c = claims.get(ch["claim_id"])
            if c is not None:
                flags[c["source_id"]].append((ch, c))
    kept: list[dict[str, Any]] = []
    matched: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}
    for r in rows:
        hits = [(ch, c) for ch, c in flags.get(r["article"]["source_id"], []) if still_raised(r, ch, c)]
        if hits:
            kept.append(r)
            matched[id(r)] = hits[0]
    seen = {id(ch) for ch, _ in matched.values()}
    new = sum(1 for fl in flags.values() for ch, _ in fl if id(ch) not in seen)
    real = [r for r in rows if r["judgement"]["label"] == "real"]
    print(f"{len(rows)} judged flags, {len(wanted)} articles, replayed with {overrides}")
    print(f"real flags still raised:     {sum(r in kept for r in real)}/{len(real)}")
    print(f"other flags still raised:    {len(kept) - sum(r in kept for r in real)}/{len(rows) - len(real)}")
    print(_line("precision of those kept", kept) if kept else "no judged flag is raised any more")
    print(f"flags on these articles not in the sheets (unjudged): {new}")
    gone = Counter(f"{r['judgement']['label']}: {r['judgement'].get('kind') or '-'}" for r in rows if r not in kept)
    print("no longer raised, by judgement:")
    for kind, n in gone.most_common():
        print(f"  {n:>4}  {kind}")
    if args.show:
        print("still raised, not real:")
        for r in kept:
            if r["judgement"]["label"] != "real":
                ch, c = matched[id(r)]
                print(f"  {r['check']:<15} {r['judgement'].get('kind') or '-':<28} {c['type']} {c.get('asset')} "
                      f"{c['value']:g} w={c.get('window')} when={c.get('when')} | {c['text'][:70]!r}\n"
                      f"      {ch['reason'][:220]}")
    return 0


def _by(rows: list[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        out[str(r.get(key))].append(r)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    d = sub.add_parser("draw", help="draw flags from a run database into a judging sheet")
    d.add_argument("db")
    d.add_argument("-n", type=int, default=100, help="flags to draw")
    d.add_argument("--seed", type=int, required=True)
    d.add_argument("-o", "--output", required=True, help="sheet path without suffix (.jsonl and .md are written)")
    d.add_argument("--all-verdicts", action="store_true", help="draw from every check, not only flags")
    d.add_argument("--check", default=None, help="only this check (market_price, level_vs_price, ...)")
    d.add_argument("--exclude", nargs="*", help="sheets whose flags are left out (already judged)")
    d.add_argument("--market", default=None, help="market data when the database holds none")
    d.add_argument("--min-confidence", type=float, default=None,
                   help="only flags at or above this confidence (a band sample: its precision, not the run's)")
    d.add_argument("--hide-confidence", action="store_true",
                   help="leave the confidence out of the markdown sheet, so judging cannot lean on it")
    s = sub.add_parser("score", help="flag precision per check from judged sheets")
    s.add_argument("sheets", nargs="+")
    s.add_argument("--threshold", type=float, default=0.5, help="also the precision of flags at this confidence")
    c = sub.add_parser("calibrate", help="fit the verdict-confidence coefficients to judged sheets")
    c.add_argument("sheets", nargs="+")
    c.add_argument("-o", "--output", required=True)
    c.add_argument("--prior", default=None, help="coefficients to start from (default: the packaged ones)")
    c.add_argument("--l2", type=float, default=1.0, help="pull toward the prior (larger: stay closer)")
    c.add_argument("--text-model", default="default",
                   help="encoder for the text part: default (the bundled one), none, or a model folder")
    c.add_argument("--text-l2", type=float, default=TEXT_L2, help="pull of the text weights toward 0")
    c.add_argument("--cv", action="store_true",
                   help="also leave-one-sheet-out: fit on the other sheets, rate each sheet's flags, print precision by threshold")
    g = sub.add_parser("agree", help="flag precision split by whether the other extractor reads the claim alike")
    g.add_argument("sheets", nargs="+")
    g.add_argument("--dump", required=True, help="the dump the sheets were drawn from (JSONL, gzipped or not)")
    g.add_argument("--timezone", default="Etc/GMT-2", help="zone for zone-less times, as the sheets' run used")
    g.add_argument("--workers", type=int, default=2)
    r = sub.add_parser("replay", help="which judged flags the current code still raises (a development aid)")
    r.add_argument("sheets", nargs="+")
    r.add_argument("--dump", required=True, help="the dump the sheets were drawn from (JSONL, gzipped or not)")
    r.add_argument("--set", action="append", metavar="KEY=VALUE", help="settings the sheets' run used")
    r.add_argument("--timezone", default="Etc/GMT-2", help="zone for zone-less times, as the sheets' run used")
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--show", action="store_true", help="list the judged flags still raised that are not real")
    args = ap.parse_args(argv)
    modes = {"draw": draw, "score": score, "calibrate": calibrate_cmd, "agree": agree, "replay": replay}
    return modes[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
