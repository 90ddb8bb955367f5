"""The two caches (data and drawn panels), whose outage costs time, not answers.

Both are Flask-Caching caches: Redis when ``REDIS_URL`` is set, shared by every worker and
host. Redis can go away while the database is fine; every figure can still be computed, so a
lookup that fails counts as a miss and a write that fails is skipped. The service answers more
slowly, ``genscan_cache_errors_total`` counts the failures, and a warning is logged once a
minute per process while it lasts. Service resumes with Redis, without a restart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_caching import Cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Unreachable Redis must not hold a click for long (redis-py waits forever by default).
REDIS_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
CACHE_ERRORS = (RedisError, OSError)
REPORT_EVERY_S = 60.0


class FailSoftCache(Cache):
    """A cache that serves a miss when its store fails, and says so."""

    def __init__(
        self,
        server: Flask,
        config: dict[str, object],
        name: str,
        on_lookup: Callable[[bool], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(server, config=config)
        self.name = name
        self.on_lookup = on_lookup
        self.on_error = on_error
        self._reported_at = -REPORT_EVERY_S

    def get(self, *args: Any, **kwargs: Any) -> Any:
        try:
            value = super().get(*args, **kwargs)
        except CACHE_ERRORS as exc:
            self._failed("lookup", exc)
            value = None
        if self.on_lookup is not None:
            self.on_lookup(value is not None)
        return value

    def set(self, *args: Any, **kwargs: Any) -> bool | None:
        try:
            return super().set(*args, **kwargs)
        except CACHE_ERRORS as exc:
            self._failed("write", exc)
            return False

    def _failed(self, operation: str, exc: Exception) -> None:
        if self.on_error is not None:
            self.on_error(self.name)
        now = time.monotonic()
        if now - self._reported_at >= REPORT_EVERY_S:
            self._reported_at = now
            logger.warning(
                "%s cache unavailable; serving without it",
                self.name,
                extra={
                    "cache": self.name,
                    "operation": operation,
                    "cause": str(exc) or type(exc).__name__,
                },
            )
