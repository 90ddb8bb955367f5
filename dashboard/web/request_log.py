"""One log line and one timing per HTTP request, under a request id the client can quote.

An incoming ``X-Request-ID`` (short, safe characters only) is kept, so a line can be matched
with the proxy's; otherwise one is made. Either way it is sent back in the response and added to
every line logged while the request runs (a database error, a refused body). A callback request
is named by the outputs it asks for, read from the body Dash parses anyway; every other request
by its path.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, g, has_request_context, request

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
MAX_LABEL_CHARS = 200
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# The label of any request no route matched: one series for every unknown path.
UNMATCHED = "unmatched"

Observer = Callable[[str, int, float], None]


def request_id(incoming: str | None) -> str:
    """The client's id when it is short and safe to write in a log, else a new one."""
    if incoming and _SAFE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def request_fields() -> Mapping[str, object]:
    """Fields added to every log line written while a request runs."""
    if has_request_context() and "request_id" in g:
        return {"request_id": g.request_id}
    return {}


def bounded(text: str) -> str:
    return text if len(text) <= MAX_LABEL_CHARS else text[: MAX_LABEL_CHARS - 1] + "…"


def _callback_output(response: Response) -> str | None:
    """The ``output`` field of a callback body, from Flask's cached parse; never a body that
    was refused for its size."""
    if response.status_code == 413 or not request.is_json:
        return None
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly nested JSON, refused before
        return None
    output = body.get("output") if isinstance(body, dict) else None
    return output if isinstance(output, str) else None


def describe(
    response: Response, callback_path: str, callbacks: Mapping[str, Any]
) -> tuple[str, str]:
    """``(endpoint, path)`` of the current request: the metric's label, from a bounded set (a
    route rule, a registered callback's outputs, or one label for the rest), and what the log
    line shows."""
    rule = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    if request.path != callback_path or request.method != "POST":
        return rule, bounded(request.path)
    output = _callback_output(response)
    if output is None:
        return callback_path, callback_path
    return (bounded(output) if output in callbacks else callback_path), bounded(output)


def log_requests(
    server: Flask, callback_path: str, callbacks: Mapping[str, Any], observe: Observer
) -> None:
    """Time, name and log every request of ``server``; ``observe(endpoint, status, seconds)``
    records it in the metrics. Registered before any other hook, so its ``after_request`` runs
    last and sees the final response."""

    @server.before_request
    def start_request() -> None:
        g.request_id = request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.perf_counter()

    @server.after_request
    def finish_request(response: Response) -> Response:
        seconds = time.perf_counter() - g.get("request_started", time.perf_counter())
        endpoint, path = describe(response, callback_path, callbacks)
        observe(endpoint, response.status_code, seconds)
        if "request_id" not in g:  # an earlier hook answered before ``start_request`` ran
            g.request_id = request_id(request.headers.get(REQUEST_ID_HEADER))
        response.headers[REQUEST_ID_HEADER] = g.request_id
        logger.log(
            logging.ERROR if response.status_code >= 500 else logging.INFO,
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "request_id": g.request_id,  # also without ``request_fields`` in the handler
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return response
