"""Shared fixtures: a temporary database file, settings, project paths."""

from __future__ import annotations

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
