"""Verdict confidence: the probability that a flag is a real misstatement by the article.

``severity`` says how wrong a claim is *if* the flag is real; ``confidence`` says how
likely it is real at all. Most flags on real news are misreadings of the text (a
past figure read as current, the wrong asset, a target read as a price), and what
gives them away is measurable: the extractor's own confidence, which check fired, and
how plausible the deviation is (a price 40% off the market is far more likely a
misread than a publisher's error; a figure the market matched hours before
publication is a stale figure, the commonest real error).

The model is a logistic regression over a few named features (:func:`features`),
with coefficients in a JSON file: the packaged ``data/verdict_confidence.json`` (set
by hand from the judged sample of issue 10, to be refitted), or the file named by
``settings.check.confidence_model``. :func:`calibrate` fits them from judged flag
sheets (``benchmarks/flags.py``), shrinking toward the current values so a small
sample cannot swing them far.

Example:
    >>> model = load_model()
    >>> 0.0 < model.predict({"bias": 1.0, "stale": 1.0}) < 1.0
    True
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..models import Check
from ..settings import Settings

log = logging.getLogger(__name__)

#: extraction confidence is clipped to this range before its logit is taken.
CONF_CLIP = (0.02, 0.98)
#: ``excess`` (log of deviation over tolerance) is clipped to [0, EXCESS_CAP]: far beyond
#: the tolerance, ``implausible`` takes over.
EXCESS_CAP = 3.0
#: relative deviation (0.10 = 10%; points / 100 for percent claims) beyond which a flag's
#: size is implausible for a publisher's error, per check; ``implausible`` counts tenths
#: beyond it. The judged dump sample had no real price flag more than 10% off the market.
IMPLAUSIBLE_FROM = {
    "market_price": 0.10,
    "market_change": 0.10,
    "level_vs_price": 0.25,
    "internal": 0.25,
    "cross_copy": 0.10,
}
#: ``implausible`` is clipped to this (30% beyond the start): a price 100 times off the
#: market is no less a misread than one 40% off, and an unbounded feature let one such
#: flag dominate the fit (Newton's method overflowed on the 320 judged flags).
IMPLAUSIBLE_CAP = 3.0
#: precision of the text weights' prior (centred on 0): chosen by leave-one-sheet-out
#: cross-validation on the judged flags (README, "Flag precision").
TEXT_L2 = 0.3
#: hours of staleness within which a stale figure is a publisher's typical error.
STALE_USUAL_HOURS = 36.0
CHECKS = ("market_price", "market_change", "level_vs_price", "internal", "cross_copy")
#: the features, in the order of the coefficient vector.
FEATURES = (
    "bias",
    "extraction",
    *(f"check_{c}" for c in CHECKS),
    "excess",
    "implausible",
    "stale",
    "stale_late",
    "never_true",
    "wrong_direction",
    "window_assumed",
    "dated",
    "price_from_article",
)


#: the text part reads the claim's own words: up to this many characters of its sentence
#: before the claim's span, the span in brackets, and this many after (see :func:`verifier_text`).
TEXT_BEFORE, TEXT_AFTER = 120, 40
#: tokens the text part reads per claim (its texts run 40-70 tokens).
TEXT_MAX_TOKENS = 128


def verifier_text(type_: str, asset: str | None, text: str, sentence: str) -> str:
    """What the text part of the model embeds for one claim: its type and asset, then its
    span marked inside the words around it ("price BTC || Bitcoin traded at [ $104,500 ] on").

    Example:
        >>> verifier_text("price", "BTC", "$104,500", "Bitcoin traded at $104,500 on Friday.")
        'price BTC || Bitcoin traded at [ $104,500 ]  on Friday.'
    """
    i = sentence.find(text) if text else -1
    if i < 0:
        return f"{type_} {asset} || {sentence}"
    e = i + len(text)
    return f"{type_} {asset} || {sentence[max(0, i - TEXT_BEFORE):i]}[ {text} ] {sentence[e:e + TEXT_AFTER]}"


def claim_text(claim: Any) -> str:
    """:func:`verifier_text` of a :class:`~newsclaims.models.Claim` or a sheet's claim dict."""
    get = claim.get if isinstance(claim, Mapping) else (lambda k: getattr(claim, k))
    return verifier_text(str(get("type")), get("asset"), get("text") or "", get("sentence") or "")


def _logit(p: float) -> float:
    p = min(max(p, CONF_CLIP[0]), CONF_CLIP[1])
    return math.log(p / (1 - p))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def features(check: Check) -> dict[str, float]:
    """The model's inputs for one check row (all numbers; absent features are 0)."""
    c = check.claim
    ev = check.evidence
    out = dict.fromkeys(FEATURES, 0.0)
    out["bias"] = 1.0
    out["extraction"] = _logit(c.confidence)
    if check.check in CHECKS:
        out[f"check_{check.check}"] = 1.0
    dev, tol = check.deviation, check.tolerance
    if dev is not None:
        if tol and tol > 0:
            out["excess"] = min(max(math.log(max(abs(dev), 1e-12) / tol), 0.0), EXCESS_CAP)
        rel = abs(dev) / 100 if c.unit == "percent" and check.check != "level_vs_price" else abs(dev)
        start = IMPLAUSIBLE_FROM.get(check.check)
        if start is not None:
            out["implausible"] = min(max(0.0, rel - start) * 10, IMPLAUSIBLE_CAP)
    finding = check.finding or ev.get("finding")
    out["stale"] = float(finding == "stale")
    # the real stale figures judged for issue 10 were 8-36 hours old; older "matches" are
    # likelier a past figure read as current: days beyond STALE_USUAL_HOURS
    stale_by = ev.get("stale_by")
    if out["stale"] and isinstance(stale_by, (int, float)):
        out["stale_late"] = max(0.0, float(stale_by) - STALE_USUAL_HOURS) / 24
    out["never_true"] = float(finding == "never_true")
    out["wrong_direction"] = float(finding == "wrong_direction" or bool(ev.get("wrong_direction")))
    out["window_assumed"] = float(bool(ev.get("window_assumed")))
    out["dated"] = float(bool(c.when) or ev.get("time_reference") not in (None, "current"))
    out["price_from_article"] = float(ev.get("price_from") == "article")
    return out


def _linear(coef: Mapping[str, float], x: Mapping[str, float]) -> float:
    return sum(coef.get(k, 0.0) * v for k, v in _bounded(x).items())


@dataclass(frozen=True)
class TextPart:
    """The model read with the claim's words: feature coefficients fitted jointly with
    ``weights`` over the encoder's embedding of :func:`claim_text`. ``encoder`` is the
    fingerprint (:func:`newsclaims.encoder.encoder_fingerprint`) of the encoder the
    weights belong to: another encoder's vectors mean nothing to them."""

    coef: dict[str, float]
    weights: tuple[float, ...]
    encoder: str

    def predict(self, x: Mapping[str, float], vector: Sequence[float]) -> float:
        z = _linear(self.coef, x) + math.fsum(w * float(v) for w, v in zip(self.weights, vector, strict=True))
        return _sigmoid(z)


@dataclass(frozen=True)
class ConfidenceModel:
    """Logistic coefficients over :data:`FEATURES` (missing ones count 0), and optionally
    a :class:`TextPart` used when its encoder is at hand."""

    coef: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)
    text: TextPart | None = None

    def predict(self, x: Mapping[str, float]) -> float:
        """The probability for one feature vector (the features alone)."""
        return _sigmoid(_linear(self.coef, x))

    def score(self, check: Check, vector: Sequence[float] | None = None) -> float:
        """The probability that ``check``'s flag is real: with the text part when
        ``vector`` (the embedding of :func:`claim_text`) is given, else from the features."""
        x = features(check)
        if vector is not None and self.text is not None:
            return round(self.text.predict(x, vector), 4)
        return round(self.predict(x), 4)

    def to_json(self) -> str:
        data: dict[str, Any] = {"features": list(FEATURES), "coef": self.coef, **self.meta}
        if self.text is not None:
            data["text"] = {
                "encoder": self.text.encoder,
                "coef": self.text.coef,
                "weights": [round(w, 5) for w in self.text.weights],
            }
        return json.dumps(data, indent=2) + "\n"


def _coef(data: Mapping[str, Any], where: str) -> dict[str, float]:
    coef = data.get("coef")
    if not isinstance(coef, dict) or not all(isinstance(v, (int, float)) for v in coef.values()):
        raise ValueError(f"{where}: expected a 'coef' object of numbers")
    unknown = set(coef) - set(FEATURES)
    if unknown:
        raise ValueError(f"{where}: unknown features {sorted(unknown)}; known: {', '.join(FEATURES)}")
    return {k: float(v) for k, v in coef.items()}


def _from_data(data: Mapping[str, Any], where: str) -> ConfidenceModel:
    coef = _coef(data, where)
    text = None
    if data.get("text") is not None:
        t = data["text"]
        weights = t.get("weights") if isinstance(t, dict) else None
        if not isinstance(weights, list) or not all(isinstance(w, (int, float)) for w in weights) or not isinstance(t.get("encoder"), str):
            raise ValueError(f"{where}: 'text' needs 'encoder' (a fingerprint), 'coef' and 'weights' (numbers)")
        text = TextPart(_coef(t, f"{where} (text)"), tuple(float(w) for w in weights), t["encoder"])
    meta = {k: v for k, v in data.items() if k not in ("coef", "features", "text")}
    return ConfidenceModel(coef, meta, text)


def load_model(path: str | None = None) -> ConfidenceModel:
    """The coefficients in ``path``, or the packaged ``data/verdict_confidence.json``.

    Read once per process and file version: a file rewritten since (a new
    ``benchmarks/flags.py calibrate``) is read again.

    Raises:
        ValueError: the file is not a coefficient file (the message names it).
    """
    if path is None:
        return _load(None, 0, 0)
    st = Path(path).stat()
    return _load(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=8)
def _load(path: str | None, _mtime_ns: int, _size: int) -> ConfidenceModel:
    if path is None:
        text = resources.files("newsclaims").joinpath("data/verdict_confidence.json").read_text("utf-8")
        where = "data/verdict_confidence.json"
    else:
        text = Path(path).read_text(encoding="utf-8")
        where = path
    return _from_data(json.loads(text), where)


def _bounded(x: Mapping[str, float]) -> Mapping[str, float]:
    """Features as :func:`features` gives them today (sheets drawn before a cap was set
    hold unbounded values)."""
    if x.get("implausible", 0.0) <= IMPLAUSIBLE_CAP:
        return x
    return {**x, "implausible": IMPLAUSIBLE_CAP}


def score_checks(rows: Sequence[Check], model: ConfidenceModel, encoder: Any = None) -> list[Check]:
    """The rows with ``confidence`` set on every ``inconsistent`` one (others keep None).

    With an ``encoder`` (a :class:`~newsclaims.encoder.SentenceEncoder` of the model's
    text part) the flags' claims are embedded in one batch and read with the text part.
    """
    flagged = [i for i, r in enumerate(rows) if r.verdict == "inconsistent"]
    vectors: dict[int, Any] = {}
    if flagged and encoder is not None and model.text is not None:
        embedded = encoder.embed([claim_text(rows[i].claim) for i in flagged])
        vectors = dict(zip(flagged, embedded, strict=True))
    return [
        r.model_copy(update={"confidence": model.score(r, vectors.get(i))}) if r.verdict == "inconsistent" else r
        for i, r in enumerate(rows)
    ]


def rate_flags(rows: Sequence[Check], settings: Settings) -> list[Check]:
    """Confidence on every flag (:func:`score_checks`, with the claim's words when the
    settings' encoder matches the model's text part), then the doubtful ones held back
    (:func:`hold_doubtful`, ``check.flag_min_confidence``)."""
    model = load_model(settings.check.confidence_model)
    encoder = None
    if model.text is not None and any(r.verdict == "inconsistent" for r in rows):
        encoder = _text_encoder(settings.check.flag_text_model, model.text.encoder)
    return hold_doubtful(score_checks(rows, model, encoder), settings.check.flag_min_confidence)


@lru_cache(maxsize=4)
def _text_encoder(name: str, fingerprint: str) -> Any:
    from ..encoder import SentenceEncoder, encoder_dir, encoder_fingerprint

    d = encoder_dir(name, "check.flag_text_model")
    if d is None:
        return None
    found = encoder_fingerprint(d, TEXT_MAX_TOKENS)
    if found != fingerprint:
        log.warning(
            "check.flag_text_model: the encoder in %s (fingerprint %s) is not the one the confidence "
            "model's text part was fitted with (%s); flags are rated from their features alone",
            d, found, fingerprint,
        )
        return None
    # one thread: the batch job runs one checker per worker process
    return SentenceEncoder(d, threads=1, max_tokens=TEXT_MAX_TOKENS)


def hold_doubtful(rows: Sequence[Check], threshold: float) -> list[Check]:
    """Flags whose confidence is below ``threshold`` are not raised: they become
    ``unverifiable``, their reason says why, and their evidence keeps what they were
    (``doubtful``: the finding, severity and confidence), so nothing is lost.

    Example:
        >>> hold_doubtful([], 0.2)
        []
    """
    out: list[Check] = []
    for r in rows:
        c = r.confidence
        if r.verdict != "inconsistent" or c is None or c >= threshold:
            out.append(r)
            continue
        held = {"finding": r.finding, "severity": r.severity, "confidence": c}
        reason = (
            f"not flagged: the reading is doubtful ({c:.0%} that a flag like this is real, below "
            f"check.flag_min_confidence {threshold:g}); had it been flagged: {r.reason}"
        )
        out.append(r.model_copy(update={
            "verdict": "unverifiable", "severity": None, "confidence": None, "finding": None, "reason": reason,
            "evidence": {**r.evidence, "doubtful": held},
        }))
    return out


def _fit(x: Any, y: Any, w0: Any, l2: Any, iterations: int) -> Any:
    """MAP logistic regression by damped Newton steps, Gaussian prior N(w0, 1/l2) per
    coefficient (``l2`` a vector)."""
    import numpy as np

    w = w0.copy()
    reg = np.diag(l2)

    def objective(v: Any) -> float:
        z = x @ v
        return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(l2 * (v - w0) ** 2))

    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + l2 * (w - w0)
        hess = (x.T * (p * (1 - p))) @ x + reg
        step = np.linalg.solve(hess, grad)
        # damped Newton: halve the step until the objective does not grow
        t, before = 1.0, objective(w)
        while objective(w - t * step) > before and t > 1e-6:
            t /= 2
        w = w - t * step
        if float(np.max(np.abs(t * step))) < 1e-8:
            break
    return w


def calibrate(
    samples: Iterable[tuple[Mapping[str, float], bool]],
    prior: ConfidenceModel | None = None,
    *,
    l2: float = 1.0,
    iterations: int = 50,
    vectors: Any = None,
    encoder: str | None = None,
    text_l2: float = TEXT_L2,
) -> ConfidenceModel:
    """Fit the coefficients to judged flags: (features, the flag was real) pairs.

    Maximum a posteriori logistic regression by Newton's method with a Gaussian prior
    centred on ``prior``'s coefficients (the packaged ones by default): ``l2`` is the
    prior's precision, so with few judged flags the fit stays near the prior and with
    many it follows the data. With ``vectors`` (one embedding of :func:`claim_text`
    per sample, from the encoder whose fingerprint is ``encoder``) a text part is fitted
    too: the features again, jointly with weights over the vectors (prior 0, precision
    ``text_l2``).

    Example:
        >>> data = [({"bias": 1.0, "stale": 1.0}, True)] * 8 + [({"bias": 1.0}, False)] * 8
        >>> m = calibrate(data)
        >>> m.predict({"bias": 1.0, "stale": 1.0}) > m.predict({"bias": 1.0})
        True
    """
    import numpy as np

    prior = prior or load_model()
    rows = list(samples)
    names = list(FEATURES)
    x = np.array([[float(_bounded(f).get(n, 0.0)) for n in names] for f, _ in rows], dtype=np.float64).reshape(len(rows), len(names))
    y = np.array([1.0 if real else 0.0 for _, real in rows])
    w0 = np.array([prior.coef.get(n, 0.0) for n in names])
    w = _fit(x, y, w0, np.full(len(names), l2), iterations)
    z = x @ w
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z)) if len(rows) else 0.0
    meta = {
        "fitted_on": len(rows),
        "real": int(y.sum()),
        "l2": l2,
        "log_loss": round(loss, 4),
        "note": "fitted by newsclaims.check.confidence.calibrate from judged flag sheets",
    }
    text = None
    if vectors is not None:
        if encoder is None:
            raise ValueError("calibrate: vectors need the fingerprint of the encoder that made them")
        v = np.asarray(vectors, dtype=np.float64)
        if v.shape[0] != len(rows):
            raise ValueError(f"calibrate: {v.shape[0]} vectors for {len(rows)} samples")
        xt = np.hstack([x, v])
        w0t = np.concatenate([w, np.zeros(v.shape[1])])
        lt = np.concatenate([np.full(len(names), l2), np.full(v.shape[1], text_l2)])
        wt = _fit(xt, y, w0t, lt, iterations)
        zt = xt @ wt
        meta["text_l2"] = text_l2
        meta["text_log_loss"] = round(float(np.mean(np.logaddexp(0.0, zt) - y * zt)), 4)
        text = TextPart(
            {n: round(float(c), 4) for n, c in zip(names, wt[: len(names)], strict=True)},
            tuple(float(c) for c in wt[len(names):]),
            encoder,
        )
    return ConfidenceModel({n: round(float(c), 4) for n, c in zip(names, w, strict=True)}, meta, text)
