"""newsclaims: extract numeric market claims from crypto news and check them."""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import NewsclaimsError
from .models import Article, Candle, Check, Claim, CleanArticle, Quantity, Rejection, RejectReason
from .settings import Settings, load_settings

__all__ = [
    "Article",
    "Candle",
    "Check",
    "Claim",
    "CleanArticle",
    "NewsclaimsError",
    "Quantity",
    "RejectReason",
    "Rejection",
    "Settings",
    "__version__",
    "load_settings",
]
