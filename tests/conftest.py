"""Shared fixtures: a temporary database file, settings, project paths."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsclaims.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def seeds_dir() -> Path:
    return CORPUS / "seeds"


@pytest.fixture(autouse=True, scope="session")
def _own_market_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The tests' own shared market cache, built once per session from the bundled data,
    so that no cache left on the machine by another version can leak into them."""
    import os

    if "NEWSCLAIMS_TEST_KEEP_CACHE" not in os.environ:
        os.environ["NEWSCLAIMS_CACHE"] = str(tmp_path_factory.mktemp("market-cache"))


def zones_dump_with_a_copy(folder: Path) -> Path:
    """``fixtures/zones/dump.jsonl.gz`` plus a copy of crypto_news's mj006328 (written
    11:39 in its source's +01:00, so 10:39 UTC) that another outlet published at 11:00
    UTC: the copy is the earliest until the zones step re-times the original."""
    with gzip.open(FIXTURES / "zones" / "dump.jsonl.gz", "rt", encoding="utf-8") as f:
        lines = f.readlines()
    original = next(json.loads(line) for line in lines if json.loads(line)["id"] == "mj006328")
    assert original["published_utc"] == "2025-06-01T11:39:33"
    copy = {**original, "id": "copy-of-mj006328", "source": "reposter", "published_utc": "2025-06-01T11:00:00Z"}
    dump = folder / "zones-and-a-copy.jsonl"
    dump.write_text("".join(lines) + json.dumps(copy) + "\n", encoding="utf-8")
    return dump
