"""One typed settings object: packaged defaults < user TOML file < CLI overrides.

The defaults are the field defaults below (the packaged defaults); ``newsclaims
config`` prints them as TOML to start a user file from. Values are validated when
the object is built, and a bad value is named in the error.

Each stage reads its own section (``settings.dedup``, ``settings.check`` ...).
``Settings.fingerprint()`` is stored with every run in the ``runs`` table so that
results can be traced to the settings that made them.

Example:
    >>> s = load_settings(overrides={"dedup.threshold": 0.85})
    >>> s.dedup.threshold
    0.85
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tomllib
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import SettingsError

#: a fixed UTC offset as a zone name: ``+02:00``, ``-0530``, ``+2``, ``UTC+02:00``.
_OFFSET_RE = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


def zone_of(name: str) -> tzinfo:
    """The zone a setting names: an IANA name (``Europe/Berlin``) or a fixed offset (``+02:00``).

    Example:
        >>> zone_of("+02:00").utcoffset(None)
        datetime.timedelta(seconds=7200)

    Raises:
        ValueError: neither an IANA zone nor an offset within ±14 hours.
    """
    m = _OFFSET_RE.match(name.strip())
    if m:
        sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes >= 60:
            raise ValueError(f"offset {name!r} out of range (-14:00 to +14:00)")
        delta = timedelta(hours=hours, minutes=minutes)
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name such as Europe/Berlin, or an offset such as +02:00)"
        ) from exc


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class IngestSettings(Section):
    """How input records are read."""

    #: zone assumed for times that carry none (recorded per article as ``time_zone_assumed``).
    default_timezone: str = "UTC"
    #: infer each source's zone for its zone-less times from its current-price claims
    #: against the market (``run`` only; see newsclaims.zones); else the default is used.
    infer_zones: bool = True
    #: dump field names; ``None`` means "find it by its common names".
    id_field: str | None = None
    title_field: str | None = None
    body_field: str | None = None
    time_field: str | None = None
    url_field: str | None = None
    source_field: str | None = None
    #: follow symbolic links that lead outside the folder named on the command line.
    follow_symlinks: bool = False
    #: a single record (file, JSON line, CSV row) larger than this is rejected as too_large.
    max_record_bytes: int = Field(default=16 * 1024 * 1024, gt=0)
    #: decompressed bytes allowed per compressed input (gzip/zip bomb guard).
    max_decompressed_bytes: int = Field(default=4 * 1024 * 1024 * 1024, gt=0)
    #: deepest JSON nesting accepted in a record.
    max_json_depth: int = Field(default=64, gt=0)

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        zone_of(v)
        return v

    def zone(self) -> tzinfo:
        """The zone for times without one (``default_timezone`` resolved)."""
        return zone_of(self.default_timezone)


class CleanSettings(Section):
    """Cleaning: HTML extraction, normalization, furniture and boilerplate removal."""

    #: a sentence seen in at least this many articles of one source is boilerplate.
    boilerplate_min_articles: int = Field(default=20, ge=2)
    #: learn boilerplate from the input itself (a counting pass before cleaning).
    learn_boilerplate: bool = True


class DedupSettings(Section):
    """MinHash LSH near-duplicate detection. Every field here is part of the signature config."""

    num_perm: int = Field(default=128, ge=16, le=1024)
    seed: int = 1
    shingle_size: int = Field(default=5, ge=1, le=20)
    #: Jaccard similarity at and above which two articles are near-duplicates.
    threshold: float = Field(default=0.8, gt=0.0, le=1.0)
    #: LSH banding; ``bands * rows`` must not exceed ``num_perm``.
    bands: int = Field(default=16, ge=1)
    rows: int = Field(default=8, ge=1)
    #: replace digits before shingling. Off on purpose: two articles that differ only
    #: in their prices are not duplicates.
    normalize_digits: bool = False

    @model_validator(mode="after")
    def _banding_fits(self) -> DedupSettings:
        if self.bands * self.rows > self.num_perm:
            raise ValueError(
                f"bands*rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}"
            )
        return self

    def fingerprint(self) -> str:
        return _digest(self.model_dump(mode="json"))


class ExtractSettings(Section):
    """Claim extraction."""

    #: the learned claim model: ``none`` (the rules alone decide: the default until the model
    #: beats them on every gold set, see the README), ``bundled`` (the one in
    #: ``models/claims-minilm``), or the path of a model folder (``newsclaims train``).
    model: str = "none"
    #: ONNX Runtime threads per worker process for the model.
    threads: int = Field(default=1, ge=1)
    #: the model reads only the sentences in which the rules found a claim (it still
    #: decides type, asset, window ... of every number there, and may drop the rules'
    #: claims); elsewhere numbers stay non-claims. About half the windows: 1.7x faster;
    #: F1 on the training run's validation articles 0.720 against 0.727, on dev 0.757
    #: against 0.725 (README, "Extraction accuracy"). Off: the model reads every sentence.
    cascade: bool = False

    @property
    def extractor(self) -> str:
        """``model`` or ``rules``: which component decides the claims."""
        return "rules" if self.model.strip().lower() == "none" else "model"


class MarketSettings(Section):
    """Market data."""

    #: file or folder of candle files; ``None`` = the bundled default data.
    path: str | None = None
    #: where imported market data is cached when no database is given.
    cache_dir: str | None = None


class CheckSettings(Section):
    """Checks against the market and between claims."""

    #: half-width of the window around the publication time whose [low, high] a price must fall in.
    price_window_hours: float = Field(default=2.0, gt=0)
    #: relative widening (percent) of that [low, high] for an exact price. Articles quote
    #: other exchanges and aggregators and are written a while before they are published;
    #: calibrated with benchmarks/checker.py (``--dump``) on "Bitcoin is trading at $X"
    #: statements of the real news dump (see the README for the percentiles).
    price_tolerance_pct: float = Field(default=2.5, ge=0)
    #: the same for prices stated as approximate ("around $105K"): authors round to 2-3 digits.
    price_tolerance_approx_pct: float = Field(default=4.0, ge=0)
    #: hours before publication whose range a price the article says was "hit", "touched",
    #: "dipped to" is checked against (such moves are reported within the day).
    recent_price_hours: float = Field(default=24.0, gt=0)
    #: tolerance in percent points on the size of a price change (the article's 24 hours end
    #: at its data snapshot, not at the publication time; calibrated on the dev gold changes).
    change_tolerance_points: float = Field(default=1.5, ge=0)
    #: plus this share of the market's own change: a 30% weekly move is not known to 1.5 points.
    change_tolerance_relative: float = Field(default=0.25, ge=0)
    #: a market change smaller than this (points) has no direction worth contradicting.
    change_flat_points: float = Field(default=0.5, ge=0)
    #: how far back (hours) a price or change that disagrees with the market at publication
    #: is looked up to see when the market last matched it (a stale figure, not a false one).
    stale_lookback_hours: float = Field(default=72.0, ge=0)
    #: the windows a change with no stated window may be meant over: its size is checked only
    #: when it matches one of them, its direction only when all of them agree.
    change_usual_windows: tuple[str, ...] = ("PT24H", "P7D", "P30D")
    #: coefficients of the verdict-confidence model (``None``: the packaged
    #: ``data/verdict_confidence.json``; a path: coefficients fitted by ``calibrate``).
    confidence_model: str | None = None
    #: flags whose confidence is below this are not raised: the row becomes ``unverifiable``
    #: and its evidence keeps what it would have been (``doubtful``). 0 (the default) raises
    #: every flag. A trade measured in the README ("Flag precision"): at 0.25 about 40% of
    #: what is raised is real against 10%, but only half the real flags and a quarter of
    #: the known errors of ``benchmarks/checker.py`` (a price the market never showed reads,
    #: to a model fitted on real news, like a misread) are raised.
    flag_min_confidence: float = Field(default=0.0, ge=0, le=1)
    #: the encoder the confidence model reads the claim's words with: ``default`` (the
    #: bundled claim model's encoder, whose vectors the packaged coefficients were fitted
    #: on), ``none`` (the features alone), or a model folder holding encoder.onnx and
    #: tokenizer.json (its fingerprint must match the coefficients', else the features alone).
    flag_text_model: str = "default"
    #: how far (percent of the price) a support may sit above, or a resistance below, the
    #: current price before it is flagged: a level being tested sits right at the price.
    level_tolerance_pct: float = Field(default=1.0, ge=0)
    #: two current prices of one asset in one article may differ this much (percent): prices
    #: quoted a few paragraphs apart come from minutes apart.
    internal_price_tolerance_pct: float = Field(default=2.0, ge=0)
    #: a total over a shorter window may exceed the one over a longer window by this much
    #: (percent) before the pair is out of order (rounding of "$2.16 billion").
    internal_value_tolerance_pct: float = Field(default=1.0, ge=0)
    #: copies of one story restate one snapshot: percent figures may differ by rounding only.
    cross_copy_tolerance_points: float = Field(default=0.25, ge=0)
    #: ... and USD figures by this much (percent), rounding "$237 million" to "$240 million".
    cross_copy_tolerance_pct: float = Field(default=1.5, ge=0)
    #: stories: permutations of the MinHash over claim fingerprints (sets are small).
    story_num_perm: int = Field(default=64, ge=16, le=512)
    #: stories: articles are joined only when they share at least this many fingerprints...
    story_min_shared: int = Field(default=3, ge=1)
    #: ... and their fingerprint sets have at least this Jaccard similarity.
    story_min_jaccard: float = Field(default=0.3, gt=0, le=1)
    #: ... and they were published within this many hours of each other (when both are dated).
    story_max_hours: float = Field(default=72.0, gt=0)
    #: stories: a fingerprint held by more than this many of the articles grouped together is
    #: generic (round levels such as BTC at $105,000 recur all week) and is not compared.
    story_max_df: int = Field(default=6, ge=2)
    #: stories: the encoder for title-and-lead embeddings: ``default`` (the bundled claim
    #: model's encoder, models/claims-minilm), ``none`` (claim fingerprints only, the older
    #: grouping), or a model folder holding encoder.onnx and tokenizer.json.
    story_model: str = "default"
    #: stories: copies of one event are published within this many hours of each other.
    story_window_hours: float = Field(default=48.0, gt=0, le=24 * 14)
    #: stories: ONNX Runtime threads for the embeddings, shared by the story workers (with
    #: 2 workers, 1 each; with one worker or a small database, all in the main process).
    story_threads: int = Field(default=2, ge=1, le=64)


    @field_validator("flag_text_model")
    @classmethod
    def _text_model(cls, v: str) -> str:
        if v.strip().lower() in ("default", "none"):
            return v.strip().lower()
        d = Path(v).expanduser()
        if not (d / "encoder.onnx").is_file() or not (d / "tokenizer.json").is_file():
            raise ValueError(f"{v!r} is not default, none or a folder holding encoder.onnx and tokenizer.json")
        return str(d)

    @field_validator("confidence_model")
    @classmethod
    def _model_file(cls, v: str | None) -> str | None:
        if v is not None and not Path(v).expanduser().is_file():
            raise ValueError(f"confidence model file {v!r} does not exist")
        return None if v is None else str(Path(v).expanduser())


class RunSettings(Section):
    """The batch job."""

    #: worker processes; 0 = number of cores.
    workers: int = Field(default=0, ge=0)
    #: records per batch (a batch is the unit of commit and of resumption).
    batch_size: int = Field(default=256, ge=1)


class RaySettings(Section):
    """The batch job on a Ray cluster (``run --engine ray``, the ``ray`` extra)."""

    #: the cluster to join (``ray://host:10001`` or ``host:6379``); ``None`` = ``RAY_ADDRESS``
    #: when set, else a local cluster started for the run.
    address: str | None = None
    #: lines of a JSON Lines dump per shard: the unit of work, of retry and of resumption
    #: (about 4 MB of text; a few seconds of work for one actor).
    lines_per_shard: int = Field(default=1000, ge=1)
    #: actors that clean, sign, extract and check; 0 = the cluster's CPUs.
    workers: int = Field(default=0, ge=0)
    #: hash partitions of the shuffles (band keys, components); 0 = twice the workers.
    partitions: int = Field(default=0, ge=0)
    #: up to this many verified near-duplicate pairs, the connected components are found
    #: on the driver (the same star steps, without a shuffle per step: each costs seconds
    #: of scheduling); beyond it, each step is a shuffle on the cluster.
    driver_max_edges: int = Field(default=100_000, ge=0)


class Settings(Section):
    ingest: IngestSettings = IngestSettings()
    clean: CleanSettings = CleanSettings()
    dedup: DedupSettings = DedupSettings()
    extract: ExtractSettings = ExtractSettings()
    market: MarketSettings = MarketSettings()
    check: CheckSettings = CheckSettings()
    run: RunSettings = RunSettings()
    ray: RaySettings = RaySettings()

    def fingerprint(self) -> str:
        """A short hash of every value; equal settings give equal fingerprints."""
        return _digest(self.model_dump(mode="json"))

    def to_toml(self) -> str:
        """The settings as a TOML document (``newsclaims config``)."""
        lines: list[str] = []
        for name, section in self.model_dump(mode="json").items():
            lines.append(f"[{name}]")
            for key, value in section.items():
                if value is None:
                    lines.append(f"# {key} =  (unset)")
                else:
                    lines.append(f"{key} = {json.dumps(value)}")
            lines.append("")
        return "\n".join(lines)


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def setting_keys() -> list[str]:
    """Every ``section.key`` the settings know, in ``newsclaims config`` order."""
    keys: list[str] = []
    for name, field in Settings.model_fields.items():
        section = field.annotation
        assert isinstance(section, type) and issubclass(section, Section)
        keys.extend(f"{name}.{key}" for key in section.model_fields)
    return keys


def _unknown_key(dotted: str) -> SettingsError:
    keys = setting_keys()
    near = difflib.get_close_matches(dotted, keys, n=1, cutoff=0.6)
    if not near:  # a right key in the wrong section, or a section name alone
        tail = dotted.rsplit(".", 1)[-1]
        near = [k for k in keys if k.endswith("." + tail)][:1]
    hint = f"; did you mean {near[0]}?" if near else ""
    sections: dict[str, list[str]] = {}
    for k in keys:
        sec, key = k.split(".", 1)
        sections.setdefault(sec, []).append(key)
    section = dotted.split(".", 1)[0]
    valid = (
        f"keys of [{section}]: {', '.join(sections[section])}"
        if section in sections
        else f"sections: {', '.join(sections)}"
    )
    return SettingsError(f"unknown setting {dotted!r}{hint} ({valid}; `newsclaims config` lists them all)")


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    if len(parts) != 2:
        raise SettingsError(f"setting {dotted!r}: expected SECTION.KEY, e.g. dedup.threshold")
    if dotted not in setting_keys():
        raise _unknown_key(dotted)
    tree.setdefault(parts[0], {})[parts[1]] = value


def load_settings(
    path: str | os.PathLike[str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Build settings from defaults, an optional TOML file and dotted overrides.

    Args:
        path: a user TOML file with ``[section]`` tables; ``None`` for none.
        overrides: ``{"section.key": value}``; ``None`` values are ignored so that
            unset CLI options leave the file's or the default value in place.

    Raises:
        SettingsError: the file cannot be read or a value is invalid (named).
    """
    tree: dict[str, Any] = {}
    if path is not None:
        try:
            tree = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise SettingsError(f"cannot read settings file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"settings file {path} is not valid TOML: {exc}") from exc
    known = set(setting_keys())
    for section, values in tree.items():
        for key in values if isinstance(values, dict) else [""]:
            if f"{section}.{key}" not in known:
                raise _unknown_key(f"{section}.{key}".rstrip("."))
    for key, value in (overrides or {}).items():
        if value is not None:
            _set_dotted(tree, key, value)
    try:
        return Settings.model_validate(tree)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            + (f" (got {err['input']!r})" if not isinstance(err.get("input"), dict) else "")
            for err in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from exc
