"""newsclaims: extract numeric market claims from crypto news and check them.

The library, stage by stage (each a pure function over frozen models)::

    from newsclaims import (load_settings, iter_records, clean_article, build_pipeline,
                            extract_claims, open_market, check_claims, parse_quantities)

    settings = load_settings()
    nlp = build_pipeline(settings)
    market = open_market()                      # the bundled Binance candles
    for record in iter_records(["corpus/seeds"], settings):
        article = clean_article(record, settings)
        claims = extract_claims(article, nlp, settings)
        checks = check_claims(claims, published_at=article.published_at, market=market, settings=settings)

Heavy modules (spaCy, numpy, the market store) load on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import NewsclaimsError
from .models import Article, Candle, Check, Claim, CleanArticle, Quantity, Rejection, RejectReason
from .settings import Settings, load_settings

__version__ = "0.1.0"

_LAZY = {
    "parse_quantities": "newsclaims.quantities",
    "iter_records": "newsclaims.read",
    "clean_article": "newsclaims.clean",
    "BoilerplateModel": "newsclaims.clean",
    "DedupIndex": "newsclaims.dedup",
    "signature": "newsclaims.dedup",
    "build_pipeline": "newsclaims.nlp",
    "extract_claims": "newsclaims.extract",
    "evaluate": "newsclaims.evaluate",
    "load_gold": "newsclaims.evaluate",
    "open_market": "newsclaims.market",
    "MarketData": "newsclaims.market",
    "check_claims": "newsclaims.check",
    "group_stories": "newsclaims.check",
    "check_cross_copy": "newsclaims.check",
    "run_pipeline": "newsclaims.pipeline",
    "export_table": "newsclaims.export",
    "write_report": "newsclaims.report",
}

if TYPE_CHECKING:
    from .check import check_claims, check_cross_copy, group_stories
    from .clean import BoilerplateModel, clean_article
    from .dedup import DedupIndex, signature
    from .evaluate import evaluate, load_gold
    from .export import export_table
    from .extract import extract_claims
    from .market import MarketData, open_market
    from .nlp import build_pipeline
    from .pipeline import run_pipeline
    from .quantities import parse_quantities
    from .read import iter_records
    from .report import write_report


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'newsclaims' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "Article",
    "BoilerplateModel",
    "Candle",
    "Check",
    "Claim",
    "CleanArticle",
    "DedupIndex",
    "MarketData",
    "NewsclaimsError",
    "Quantity",
    "RejectReason",
    "Rejection",
    "Settings",
    "__version__",
    "build_pipeline",
    "check_claims",
    "check_cross_copy",
    "clean_article",
    "evaluate",
    "export_table",
    "extract_claims",
    "group_stories",
    "iter_records",
    "load_gold",
    "load_settings",
    "open_market",
    "parse_quantities",
    "run_pipeline",
    "signature",
    "write_report",
]
