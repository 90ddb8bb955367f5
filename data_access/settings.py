"""The one place that reads the process environment.

Everything configurable is gathered in a frozen ``Settings`` value built once by the entry points
(``app.py`` and ``python -m data_access``) and passed down explicitly, so that no other module
depends on ``os.environ`` and tests can build any configuration they need.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE_PATH = REPO_ROOT / "instance" / "genscan.sqlite3"
DEFAULT_REFERENCE_MONTH = "2022-10"
DEFAULT_FRAGILE_THRESHOLD = 20

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class SettingsError(ValueError):
    """A configuration value from the environment is unusable."""


def default_database_url() -> str:
    """SQLite file under the repository's git-ignored ``instance/`` folder."""
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def _parse_int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of the web app and the data command line."""

    database_url: str = field(default_factory=default_database_url)
    reference_month: str = DEFAULT_REFERENCE_MONTH
    host: str = "127.0.0.1"
    port: int = 8050
    debug: bool = False
    redis_url: str | None = None
    cache_dir: Path | None = None
    cache_timeout: int = 300
    fragile_threshold: int = DEFAULT_FRAGILE_THRESHOLD
    seed_demo_if_empty: bool = True
    migrate_on_start: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables, refusing malformed values early."""
        env = os.environ if environ is None else environ
        reference_month = env.get("GENSCAN_REFERENCE_MONTH", DEFAULT_REFERENCE_MONTH).strip()
        if not _MONTH_RE.match(reference_month):
            raise SettingsError(
                f"GENSCAN_REFERENCE_MONTH must look like YYYY-MM, got {reference_month!r}"
            )
        cache_dir = env.get("GENSCAN_CACHE_DIR", "").strip()
        return cls(
            database_url=env.get("DATABASE_URL", "").strip() or default_database_url(),
            reference_month=reference_month,
            host=env.get("HOST", "127.0.0.1").strip() or "127.0.0.1",
            port=_parse_int("PORT", env.get("PORT", "8050"), 1, 65535),
            debug=_parse_bool("GENSCAN_DEBUG", env.get("GENSCAN_DEBUG", "0")),
            redis_url=env.get("REDIS_URL", "").strip() or None,
            cache_dir=Path(cache_dir) if cache_dir else None,
            cache_timeout=_parse_int(
                "GENSCAN_CACHE_TIMEOUT", env.get("GENSCAN_CACHE_TIMEOUT", "300"), 0, 86400
            ),
            fragile_threshold=_parse_int(
                "GENSCAN_FRAGILE_THRESHOLD",
                env.get("GENSCAN_FRAGILE_THRESHOLD", str(DEFAULT_FRAGILE_THRESHOLD)),
                0,
                1_000_000,
            ),
            seed_demo_if_empty=_parse_bool("GENSCAN_SEED_DEMO", env.get("GENSCAN_SEED_DEMO", "1")),
            migrate_on_start=_parse_bool(
                "GENSCAN_MIGRATE_ON_START", env.get("GENSCAN_MIGRATE_ON_START", "1")
            ),
        )
