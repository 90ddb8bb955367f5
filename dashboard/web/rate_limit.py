"""A request budget per client address on ``/api/v1`` (Flask-Limiter), answered by a JSON 429.

One budget (``GENSCAN_API_RATE_LIMIT``, 600 a minute by default) covers every API route
together: a client scripting the API cannot starve the others, whatever route it loops on.
The page itself is never limited: its callbacks, static files, ``/health`` and ``/metrics``
stay outside, as does a CORS preflight (a browser sends one before reading, and a refused
preflight would look like a CORS fault).

The counts live in Redis when ``REDIS_URL`` is set, so every worker and host draws on one budget;
otherwise in each process's memory (a client then gets up to that budget per worker). When Redis
cannot be reached, requests are served unlimited rather than refused.

The client is ``request.remote_addr``: the address of whoever opened the connection. Behind a
reverse proxy that is the proxy, and every client would share one budget: wrap the WSGI app in
``werkzeug.middleware.proxy_fix.ProxyFix`` with the number of proxies in front. An
``X-Forwarded-For`` header is not trusted by default, since any client can write one.
"""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, Response, jsonify, request
from flask_limiter import Limiter, RateLimitExceeded

from dashboard.web.http_cache import is_api_path
from data_access.settings import Settings

logger = logging.getLogger(__name__)

# A Redis outage must not hold every API request for long: fail fast, then serve unlimited.
REDIS_OPTIONS: dict[str, str | int] = {"socket_connect_timeout": 1, "socket_timeout": 1}


def client_address() -> str:
    """Whose budget a request draws on (see the module's note on proxies)."""
    return request.remote_addr or "unknown"


def limit_api(server: Flask, settings: Settings, prefix: str) -> Limiter:
    """Count every request under ``prefix`` against its client's budget."""
    limiter = Limiter(
        client_address,
        app=server,
        application_limits=[settings.api_rate_limit],
        storage_uri=settings.redis_url or "memory://",
        storage_options=dict(REDIS_OPTIONS) if settings.redis_url else {},
        strategy="fixed-window",
        key_prefix="genscan-api",
        swallow_errors=True,
    )

    @limiter.request_filter
    def not_limited() -> bool:
        return request.method == "OPTIONS" or not is_api_path(request.path, prefix)

    @server.errorhandler(RateLimitExceeded)
    def too_many_requests(exc: RateLimitExceeded) -> tuple[Response, int]:
        retry = retry_after(limiter)
        message = f"more than {exc.limit.limit} from this address; retry in {retry} s"
        logger.warning(
            "API request refused by the rate limit", extra={"cause": message, "path": request.path}
        )
        response = jsonify({"code": 429, "status": "Too Many Requests", "message": message})
        response.headers["Retry-After"] = str(retry)
        return response, 429

    return limiter


def retry_after(limiter: Limiter) -> int:
    """Whole seconds until the client's budget is renewed (at least one)."""
    current = limiter.current_limit
    if current is None:
        return 1
    reset_time, _remaining = current.window
    return max(1, math.ceil(reset_time - time.time()))
