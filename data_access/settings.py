"""The one place that reads the process environment (and writes to it the one variable
prometheus-client reads itself, ``export_metrics_dir``).

Everything configurable is one frozen, validated ``Settings`` model (pydantic-settings), built
once by the entry points (``app.py``, ``gunicorn.conf.py`` and ``python -m data_access``) with
``Settings.from_env()`` and passed down explicitly, so that no other module depends on
``os.environ``. ``Settings(...)`` itself never reads the environment: it holds the values it is
given and the defaults, so a test builds exactly the configuration it names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from limits import parse_many
from pydantic import AfterValidator, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SQLITE_PATH = REPO_ROOT / "instance" / "genscan.sqlite3"
DEFAULT_REFERENCE_MONTH = "2022-10"
DEFAULT_FRAGILE_THRESHOLD = 20
DEFAULT_MAX_BODY_BYTES = 1_048_576
DEFAULT_API_RATE_LIMIT = "600/minute"
# prometheus-client's own variable: it reads it itself, in every process of the server.
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_URL_PASSWORD_RE = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s]+@")
_KEYWORD_PASSWORD_RE = re.compile(r"(?i)(?P<head>password\s*=\s*)('[^']*'|\S+)")


class SettingsError(ValueError):
    """A configuration value from the environment is unusable."""


def default_database_url() -> str:
    """SQLite file under the repository's git-ignored ``instance/`` folder."""
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def default_workers() -> int:
    """One gunicorn worker more than cores: a click is CPU work under one GIL per process."""
    return max(2, (os.cpu_count() or 1) + 1)


def mask_secrets(text: str) -> str:
    """``text`` with the password of any URL (``scheme://user:secret@host``) or connection
    string (``password=secret``) replaced by ``***``: DATABASE_URL and REDIS_URL carry one."""
    text = _URL_PASSWORD_RE.sub(r"\g<head>***@", text)
    return _KEYWORD_PASSWORD_RE.sub(r"\g<head>***", text)


def export_metrics_dir(path: Path) -> None:
    """Name the directory where this server's processes share their metrics.

    prometheus-client reads it from the environment of each process (a forked worker inherits
    its master's), so it is written there, before the app is imported.
    """
    os.environ[METRICS_DIR_VARIABLE] = str(path)


def _month(value: str) -> str:
    if not _MONTH_RE.match(value):
        raise ValueError("must look like YYYY-MM")
    return value


def _rate_limit(value: str) -> str:
    """A Flask-Limiter limit such as ``600/minute`` or ``10/second;600/hour``, checked at start
    rather than at the first API request."""
    try:
        parse_many(value)
    except ValueError:
        raise ValueError("must be a rate such as 600/minute or 10/second;600/hour") from None
    return value


def _env(name: str, **constraints: Any) -> Any:
    """A field read from the environment variable ``name``."""
    return Field(validation_alias=name, **constraints)


class Settings(BaseSettings):
    """Runtime configuration of the web app, its gunicorn server and the data command line."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        str_strip_whitespace=True,
    )

    database_url: str = Field(default_factory=default_database_url, validation_alias="DATABASE_URL")
    reference_month: Annotated[str, AfterValidator(_month)] = _env(
        "GENSCAN_REFERENCE_MONTH", default=DEFAULT_REFERENCE_MONTH
    )
    host: str = _env("HOST", default="127.0.0.1", min_length=1)
    port: int = _env("PORT", default=8050, ge=1, le=65535)
    debug: bool = _env("GENSCAN_DEBUG", default=False)
    redis_url: str | None = _env("REDIS_URL", default=None)
    api_rate_limit: Annotated[str, AfterValidator(_rate_limit)] = _env(
        "GENSCAN_API_RATE_LIMIT", default=DEFAULT_API_RATE_LIMIT
    )
    cache_dir: Path | None = _env("GENSCAN_CACHE_DIR", default=None)
    cache_timeout: int = _env("GENSCAN_CACHE_TIMEOUT", default=300, ge=0, le=86400)
    fragile_threshold: int = _env(
        "GENSCAN_FRAGILE_THRESHOLD", default=DEFAULT_FRAGILE_THRESHOLD, ge=0, le=1_000_000
    )
    seed_demo_if_empty: bool = _env("GENSCAN_SEED_DEMO", default=True)
    migrate_on_start: bool = _env("GENSCAN_MIGRATE_ON_START", default=True)
    workers: int = Field(
        default_factory=default_workers, validation_alias="GENSCAN_WORKERS", ge=1, le=256
    )
    threads: int = _env("GENSCAN_THREADS", default=2, ge=1, le=256)
    log_format: Literal["json", "text"] = _env("GENSCAN_LOG_FORMAT", default="json")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = _env(
        "GENSCAN_LOG_LEVEL", default="INFO"
    )
    max_body_bytes: int = _env(
        "GENSCAN_MAX_BODY_BYTES", default=DEFAULT_MAX_BODY_BYTES, ge=1024, le=1_073_741_824
    )
    metrics_dir: Path | None = _env(METRICS_DIR_VARIABLE, default=None)
    # Who may frame /embed: "*" or origins (scheme://host[:port]), space- or comma-separated.
    embed_origins: str = _env("GENSCAN_EMBED_ORIGINS", default="*")

    @field_validator("embed_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        """Origins as ``frame-ancestors`` writes them. Checked here because a browser ignores
        a malformed source silently: a typo would forbid every site the map was meant for."""
        origins = value.replace(",", " ").split()
        label = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
        host = rf"(\[[0-9A-Fa-f:.]+\]|{label}(\.{label})*)"
        origin = rf"[A-Za-z][A-Za-z0-9+.-]*://{host}(:[0-9]{{1,5}})?"
        wrong = [o for o in origins if o != "*" and not re.fullmatch(origin, o)]
        if not origins or wrong:
            raise ValueError(
                "must be * or origins such as https://example.org or http://127.0.0.1:8080 "
                "(scheme://host[:port], no path), separated by spaces or commas"
            )
        return " ".join(origins)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise SettingsError(_describe(exc)) from None

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values given: the environment is read by ``from_env`` alone."""
        return (init_settings,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from environment variables (``os.environ`` unless a mapping is given),
        refusing malformed values at start with the variable's name. A variable set to an
        empty string counts as unset."""
        source = _Environment(cls, os.environ if environ is None else environ)
        return cls(**source())

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        for name, value in super().__repr_args__():
            yield name, mask_secrets(value) if isinstance(value, str) else value


class _Environment(PydanticBaseSettingsSource):
    """Each field's variable, looked up by its exact name in one mapping."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        super().__init__(settings_cls)
        self.environ = environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        name = str(field.validation_alias)
        return self.environ.get(name, "").strip() or None, name, False

    def __call__(self) -> dict[str, Any]:
        values = {}
        for field_name, field in self.settings_cls.model_fields.items():
            value, name, _ = self.get_field_value(field, field_name)
            if value is not None:
                values[name] = value
        return values


def _describe(exc: ValidationError) -> str:
    """One line per unusable value, naming its environment variable."""
    fields = Settings.model_fields
    lines = []
    for error in exc.errors():
        where = str(error["loc"][0]) if error["loc"] else "settings"
        name = str(fields[where].validation_alias) if where in fields else where
        message = error["msg"].removeprefix("Value error, ")
        shown = "" if error["type"] == "extra_forbidden" else f", got {error['input']!r}"
        lines.append(f"{name}: {message}{shown}")
    return mask_secrets("; ".join(lines))
