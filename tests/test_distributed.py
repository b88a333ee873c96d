"""The batch job on Ray: shards, the distributed clustering steps, agreement with the local run, faults.

The Ray tests start a local Ray cluster with 2 CPUs and a small object store for this
module and stop it at the end; they run the real job on a slice of the real dump that
holds syndicated near-duplicates and rewrites (the seeds), and compare every row with
the local engine's.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from newsclaims.distributed import import_output, plan_shards, read_shard
from newsclaims.distributed.graph import bucket_rows, canonical_of, star_roots, verify_buckets
from newsclaims.distributed.tables import SCHEMAS, month_of
from newsclaims.pipeline import run_pipeline
from newsclaims.read import iter_records
from newsclaims.settings import load_settings
from newsclaims.storage import open_db

from .conftest import CORPUS, FIXTURES, zones_dump_with_a_copy

DUMP = FIXTURES / "pipeline" / "dump.jsonl.gz"
INPUTS = [str(DUMP), str(CORPUS / "seeds")]
#: small shards, so that the slice is many units of work (and a kill lands mid-run).
SETTINGS = {"ray.lines_per_shard": 10, "run.batch_size": 16}
RESULT_TABLES = ("articles", "signatures", "clusters", "stories", "claims", "checks", "rejections", "source_zones", "story_embeddings")
#: zone-less times of one source whose current-price claims place its clock at UTC+01:00
#: (tests/fixtures/zones/README.md): the zones step re-times and re-checks 40 articles.
ZONES_DUMP = FIXTURES / "zones" / "dump.jsonl.gz"
#: columns that differ between two runs by design (which run wrote the row).
VOLATILE = {"run_id"}
SHARD_WORKER = "ray::MapWorker(MapBatches(ShardProcessor))"


def snapshot(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(db_path)
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in RESULT_TABLES:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])") if r[1] not in VOLATILE]
        sel = ", ".join(f"[{c}]" for c in cols)
        out[table] = sorted(conn.execute(f"SELECT {sel} FROM [{table}]").fetchall(), key=repr)
    conn.close()
    return out


# --------------------------------------------------------------------------- without Ray


def test_shards_read_the_records_of_a_whole_read() -> None:
    settings = load_settings(overrides={"ray.lines_per_shard": 7})
    plan = plan_shards(INPUTS, settings)
    assert sum(1 for s in plan.shards if s.lines is not None) > 5
    assert plan.shards[-1].lines is None or plan.shards[-1].lines[1] is None
    sharded = [r for s in plan.shards for r in read_shard(s, settings)]
    whole = list(iter_records(INPUTS, settings))
    assert [(r.id, r.origin) for r in sharded] == [(r.id, r.origin) for r in whole]
    assert plan.fingerprint == plan_shards(INPUTS, settings).fingerprint


def test_shards_of_a_truncated_dump_report_the_damage_once(tmp_path: Path) -> None:
    data = DUMP.read_bytes()
    bad = tmp_path / "cut.jsonl.gz"
    bad.write_bytes(data[: len(data) * 2 // 3])
    settings = load_settings(overrides={"ray.lines_per_shard": 5})
    sharded = [r for s in plan_shards([str(bad)], settings).shards for r in read_shard(s, settings)]
    whole = list(iter_records([str(bad)], settings))
    assert [(r.id, r.origin) for r in sharded] == [(r.id, r.origin) for r in whole]


def test_star_steps_find_the_connected_components() -> None:
    rng = random.Random(7)
    for _ in range(300):
        nodes = [f"n{i:02d}" for i in range(rng.randint(2, 40))]
        pairs = [tuple(rng.sample(nodes, 2)) for _ in range(rng.randint(1, 60))]
        parent = {n: n for n in nodes}

        def find(x: str, parent: dict[str, str] = parent) -> str:
            while parent[x] != x:
                x = parent[x]
            return x

        for a, b in pairs:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        groups: dict[str, list[str]] = {}
        for n in nodes:
            groups.setdefault(find(n), []).append(n)
        expected = {n: min(g) for g in groups.values() if len(g) > 1 for n in g}
        assert star_roots(pairs) == expected  # type: ignore[arg-type]


def test_bucket_verification_links_what_the_index_links(settings: Any) -> None:
    from newsclaims.dedup import DedupIndex, signature, signature_to_bytes

    cfg = settings.dedup
    base = " ".join(f"word{i}" for i in range(300))
    texts = {"a": base, "b": base + " The post appeared first on Example News.", "c": "other " * 200, "d": base.replace("word7 ", "")}
    index = DedupIndex(cfg)
    for aid, text in texts.items():
        index.add(aid, signature(text, cfg), None, len(text))
    table = pa.table({"id": list(texts), "minhash": [signature_to_bytes(signature(t, cfg)) for t in texts.values()]})
    edges = verify_buckets(bucket_rows(table, cfg), cfg)
    roots = star_roots(list(zip(edges.column("a").to_pylist(), edges.column("b").to_pylist(), strict=True)))
    assert {a: roots.get(a, a) for a in texts} == {a: index.cluster_of(a) for a in texts}
    assert max(edges.column("jaccard").to_pylist()) == max(c.max_jaccard or 0 for c in index.clusters())


def test_canonical_is_the_earliest_then_longest() -> None:
    assert canonical_of([("b", "2025-05-01T10:00:00+00:00", 10), ("a", None, 99)]) == "b"
    assert canonical_of([("b", "2025-05-01T10:00:00+00:00", 10), ("a", "2025-05-01T10:00:00+00:00", 10)]) == "a"
    assert canonical_of([("b", "2025-05-01T10:00:00+00:00", 20), ("a", "2025-05-01T10:00:00+00:00", 10)]) == "b"
    assert month_of("2025-05-19T15:33:00+00:00") == "2025-05"


def test_output_schemas_are_the_database_columns(tmp_path: Path) -> None:
    db = open_db(tmp_path / "x.db")
    for table, schema in SCHEMAS.items():
        assert schema.names == [c.name for c in db[table].columns]  # type: ignore[union-attr]


def test_import_refuses_an_unfinished_output(tmp_path: Path) -> None:
    from newsclaims.errors import StorageError

    (tmp_path / "out").mkdir()
    with pytest.raises(StorageError, match="no finished run"):
        import_output(tmp_path / "out", tmp_path / "x.db")


# --------------------------------------------------------------------------- on Ray


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """A local Ray cluster for this module: 2 CPUs, a 100 MB object store."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, object_store_memory=100 * 1024 * 1024, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    try:
        yield str(ray.get_runtime_context().gcs_address)
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("local") / "local.db"
    stats = run_pipeline(INPUTS, db, load_settings(overrides=SETTINGS), workers=1)
    assert stats.stored > 0 and not stats.interrupted
    return db


def _ray_rows(out: Path, tmp_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    db = tmp_path / f"import-{time.time_ns()}.db"
    import_output(out, db)
    return snapshot(db)


@pytest.mark.slow
def test_ray_run_agrees_with_the_local_run(ray_cluster: str, local_run: Path, tmp_path: Path) -> None:
    from newsclaims.distributed.job import run_on_ray

    out = tmp_path / "out"
    # the components go through the distributed star steps, not the driver shortcut
    stats = run_on_ray(INPUTS, out, load_settings(overrides={**SETTINGS, "ray.driver_max_edges": 0}))
    assert stats.stored > 0
    expected = snapshot(local_run)
    got = _ray_rows(out, tmp_path)
    for table in RESULT_TABLES:
        assert got[table] == expected[table], table
    assert any(r[2] > 1 for r in expected["clusters"])  # the slice has near-duplicates...
    assert any(r[2] > 1 for r in expected["stories"])  # ...and rewrites of one story
    assert any(r[3] == "cross_copy" for r in expected["checks"])
    months = {p.name for p in (out / "articles").iterdir()}
    assert months and all(m.startswith("month=") for m in months)


@pytest.mark.slow
def test_ray_run_infers_and_applies_the_zones_of_the_local_run(ray_cluster: str, tmp_path: Path) -> None:
    from newsclaims.distributed.job import run_on_ray

    settings = load_settings(overrides=SETTINGS)
    dump = zones_dump_with_a_copy(tmp_path)  # a re-timed article becomes its cluster's canonical
    local = tmp_path / "local.db"
    local_stats = run_pipeline([str(dump)], local, settings, workers=1)
    out = tmp_path / "out"
    stats = run_on_ray([str(dump)], out, settings)
    assert stats.zones == local_stats.zones
    assert stats.zones["sources_inferred"] == 1 and stats.zones["articles_retimed"] == 40
    expected = snapshot(local)
    got = _ray_rows(out, tmp_path)
    for table in RESULT_TABLES:
        assert got[table] == expected[table], table
    assert any(r[1:3] == ("+01:00", 1) for r in expected["source_zones"])
    with sqlite3.connect(local) as conn:
        assert conn.execute("SELECT is_canonical FROM articles WHERE source_id = 'mj006328'").fetchone() == (1,)
    assert (out / "source_zones").is_dir()


def _descendants(pid: int) -> list[int]:
    """Process ids below ``pid`` (the Ray cluster this test process started)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _shard_workers() -> list[int]:
    found = []
    for pid in _descendants(os.getpid()):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if title.startswith(SHARD_WORKER):
            found.append(pid)
    return found


def _shards_done(out: Path) -> int:
    root = out / "_work" / "shards"
    return sum(1 for p in root.iterdir() if not p.name.startswith(".")) if root.is_dir() else 0


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_and_duplicates_no_row(ray_cluster: str, local_run: Path, tmp_path: Path) -> None:
    from newsclaims.distributed.job import run_on_ray

    out = tmp_path / "out"
    settings = load_settings(overrides=SETTINGS)
    total = len(plan_shards(INPUTS, settings).shards)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            run_on_ray(INPUTS, out, settings)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    killed = None
    deadline = time.monotonic() + 600
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.05)
        workers = _shard_workers()
        if workers and 1 <= _shards_done(out) < total - 2:
            killed = workers[0]
            os.kill(killed, signal.SIGKILL)
    thread.join(timeout=900)
    assert not errors, errors
    assert killed is not None, "the run ended before a worker could be killed"
    assert _ray_rows(out, tmp_path) == snapshot(local_run)


@pytest.mark.slow
def test_a_rerun_after_the_driver_is_killed_resumes_to_the_same_rows(ray_cluster: str, local_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [sys.executable, "-m", "newsclaims.cli", *(f"--set={k}={v}" for k, v in SETTINGS.items()), "run", *INPUTS, "--engine", "ray", "--out", str(out)]
    env = {**os.environ, "RAY_ADDRESS": ray_cluster, "PYTHONUNBUFFERED": "1"}
    total = len(plan_shards(INPUTS, load_settings(overrides=SETTINGS)).shards)
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline and _shards_done(out) < 3:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _shards_done(out)
    assert 0 < done < total
    assert not (out / "manifest.json").exists()
    again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=900)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "run done" in again.stdout
    assert _ray_rows(out, tmp_path) == snapshot(local_run)
    # the CLI's import gives the same database
    db = tmp_path / "cli.db"
    res = subprocess.run([sys.executable, "-m", "newsclaims.cli", "import", str(out), "--db", str(db)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert snapshot(db) == snapshot(local_run)
