"""Settings: defaults, user file, overrides, validation, fingerprints."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsclaims.errors import SettingsError
from newsclaims.settings import Settings, load_settings


def test_defaults_are_valid_and_fingerprint_is_stable() -> None:
    a, b = load_settings(), load_settings()
    assert a == b and a.fingerprint() == b.fingerprint() == Settings().fingerprint()
    assert a.dedup.normalize_digits is False


def test_file_then_overrides(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text('[dedup]\nthreshold = 0.7\nseed = 7\n[ingest]\ndefault_timezone = "Europe/Berlin"\n', encoding="utf-8")
    s = load_settings(f, {"dedup.threshold": 0.9, "dedup.seed": None})
    assert s.dedup.threshold == 0.9  # flag beats file
    assert s.dedup.seed == 7  # unset flag leaves the file's value
    assert s.ingest.default_timezone == "Europe/Berlin"
    assert s.fingerprint() != load_settings().fingerprint()
    assert s.dedup.fingerprint() != load_settings().dedup.fingerprint()


def test_round_trip_through_toml(tmp_path: Path) -> None:
    s = load_settings(overrides={"dedup.threshold": 0.85, "run.batch_size": 64})
    f = tmp_path / "s.toml"
    f.write_text(s.to_toml(), encoding="utf-8")
    assert load_settings(f) == s


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"dedup.threshold": 1.5}, "dedup.threshold"),
        ({"dedup.bands": 40}, "bands*rows"),
        ({"ingest.default_timezone": "Mars/Olympus"}, "ingest.default_timezone"),
        ({"run.batch_size": 0}, "run.batch_size"),
        ({"dedup.nonsense": 1}, "dedup.nonsense"),
    ],
)
def test_bad_values_are_named(overrides: dict[str, object], named: str) -> None:
    with pytest.raises(SettingsError, match=named.replace("*", r"\*")):
        load_settings(overrides=overrides)


def test_bad_file(tmp_path: Path) -> None:
    f = tmp_path / "s.toml"
    f.write_text("[dedup\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        load_settings(f)
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings(tmp_path / "missing.toml")


def test_override_key_must_be_dotted() -> None:
    with pytest.raises(SettingsError, match=r"SECTION\.KEY"):
        load_settings(overrides={"threshold": 0.5})


def test_unknown_keys_name_the_nearest_valid_one(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"did you mean dedup\.threshold\?") as info:
        load_settings(overrides={"dedup.treshold": 0.9})
    assert "keys of [dedup]: num_perm, seed" in str(info.value)
    with pytest.raises(SettingsError, match=r"did you mean run\.workers\?"):
        load_settings(overrides={"ingest.workers": 2})  # the right key in the wrong section
    f = tmp_path / "s.toml"
    f.write_text("[check]\nprice_tolerance = 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"did you mean check\.price_tolerance_pct\?"):
        load_settings(f)


@pytest.mark.parametrize(("zone", "hours"), [("+02:00", 2), ("-0530", -5.5), ("UTC+3", 3), ("Europe/Berlin", None)])
def test_time_zones_may_be_fixed_offsets(zone: str, hours: float | None) -> None:
    from datetime import datetime, timedelta

    s = load_settings(overrides={"ingest.default_timezone": zone})
    if hours is not None:
        assert s.ingest.zone().utcoffset(datetime(2025, 1, 1)) == timedelta(hours=hours)
    with pytest.raises(SettingsError, match="offset"):
        load_settings(overrides={"ingest.default_timezone": "+15:00"})
