"""Log records as one JSON object per line on stderr (or plain text), for every process.

The web app (``create_app``), its gunicorn server (``logconfig_dict`` in ``gunicorn.conf.py``)
and the data command line all route the standard ``logging`` records to one handler set up
here, so a log collector reads a single format. Every message passes through
``mask_secrets``: a password of DATABASE_URL or REDIS_URL never reaches the log.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from data_access.settings import Settings, mask_secrets

# Attributes every LogRecord has: anything else on a record came from ``extra=``.
_STANDARD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)
Context = Callable[[], Mapping[str, object]]


def _no_context() -> Mapping[str, object]:
    return {}


def _fields(record: logging.LogRecord, context: Context) -> dict[str, Any]:
    """What a line says: time, level, logger, message, then the context and extra fields."""
    fields: dict[str, Any] = {
        "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
        "level": record.levelname,
        "logger": record.name,
        "message": mask_secrets(record.getMessage()),
        "pid": record.process,
    }
    fields.update(context())
    for key, value in vars(record).items():
        if key not in _STANDARD_ATTRIBUTES and not key.startswith("_"):
            fields[key] = mask_secrets(value) if isinstance(value, str) else value
    if record.exc_info:
        fields["exception"] = mask_secrets("".join(traceback.format_exception(*record.exc_info)))
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line."""

    def __init__(self, context: Context = _no_context) -> None:
        super().__init__()
        self.context = context

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(record, self.context), ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger message key=value…``, for a developer's terminal."""

    def __init__(self, context: Context = _no_context) -> None:
        super().__init__()
        self.context = context

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record, self.context)
        head = [fields.pop(k) for k in ("time", "level", "logger", "message")]
        exception = fields.pop("exception", None)
        line = " ".join([*map(str, head), *(f"{k}={v}" for k, v in fields.items())])
        return line if exception is None else f"{line}\n{exception}"


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to the ``sys.stderr`` of the moment, so a stream swapped later (a test's capture,
    gunicorn's redirection) still receives the lines."""

    def __init__(self, log_format: str = "json", context: Context = _no_context) -> None:
        super().__init__()
        formatter = JsonFormatter if log_format == "json" else TextFormatter
        self.setFormatter(formatter(context))

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        """The stream is always the current ``sys.stderr``."""


def configure_logging(settings: Settings, context: Context = _no_context) -> None:
    """Send every logger's records to one stderr handler, replacing the one a previous call
    installed and leaving other handlers (a test's capture) in place.

    ``context`` returns fields added to each line, such as the current request's id.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, StderrHandler)]:
        root.removeHandler(handler)
    root.addHandler(StderrHandler(settings.log_format, context))
    root.setLevel(settings.log_level)


def gunicorn_log_config(settings: Settings) -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: its own messages go to the same handler, in the same
    format, as the app's. Its access log is off: the app logs each request itself."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "root": {"level": settings.log_level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": settings.log_level, "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
            # Alembic announces each of its plugins when the app is imported.
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
        "handlers": {"stderr": {"()": StderrHandler, "log_format": settings.log_format}},
        "formatters": {},
    }
