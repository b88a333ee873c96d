"""The library's own error types. The CLI turns these into messages and exit codes."""

from __future__ import annotations


class NewsclaimsError(Exception):
    """Base of every error the library raises on purpose."""


class SettingsError(NewsclaimsError):
    """A setting has a bad value, or the settings file cannot be read."""


class InputError(NewsclaimsError):
    """The input as a whole cannot be read (a missing path, nothing readable)."""


class StorageError(NewsclaimsError):
    """The database cannot be opened or migrated."""


class MarketDataError(NewsclaimsError):
    """Market data cannot be read or imported."""


class MissingExtraError(NewsclaimsError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs the package {package!r}: pip install 'newsclaims[{extra}]'"
        )


class ExportError(NewsclaimsError):
    """An export or report cannot be written (a bad table name, a filter that does not apply)."""


class OutputPathError(ExportError):
    """An output path lies outside the folder outputs are allowed in."""
