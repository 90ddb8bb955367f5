"""HTTP semantics of ``/api/v1``: validators, caching and reading from other sites.

Every figure belongs to a vintage, and the figures of a vintage never change. An answer is
therefore named by its vintage and its query: a strong ``ETag`` over the vintage, the URL
(path and sorted query) and what else shapes the answer (the API's revision, the reference
month, the job map and territories). A client or proxy that holds it gets an empty ``304`` from
the data version alone, before any figure is computed. An answer pinned by ``vintage=`` never
changes, so it may be kept for a year (``immutable``); a current one for five minutes, since the
next import changes it. Errors are never stored.

Any site may read the API from a browser (``Access-Control-Allow-Origin: *``): the figures are
public and no request carries credentials, so there is nothing for another origin to abuse.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import Flask, Response, g, request
from marshmallow import ValidationError

from dashboard.core.service import Service
from dashboard.web.api_schemas import vintage_field

API_REVISION = "2"  # raise it when an answer's shape changes: ETags given before stop matching
CURRENT_CACHE = "public, max-age=300"
PINNED_CACHE = "public, max-age=31536000, immutable"
ERROR_CACHE = "no-store"
VINTAGE_HEADER = "X-GENSCAN-Vintage"
EXPOSED_HEADERS = "ETag, X-GENSCAN-Vintage, Retry-After, X-Request-ID, Content-Disposition"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
ALLOWED_HEADERS = "If-None-Match, X-Request-ID"
PREFLIGHT_MAX_AGE = "86400"
# Flask-Compress appends ":<coding>" to the ETag of what it compresses; a client sends it back.
CODINGS = ("br", "gzip")


@dataclass(frozen=True)
class Shown:
    """What an API request shows: a vintage, whether ``vintage=`` pinned it, and its tag."""

    vintage: int
    pinned: bool
    etag: str


def is_api_path(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


def register_http_cache(
    server: Flask, service: Service, prefix: str, blueprints: dict[str, bool]
) -> None:
    """ETag, ``304``, ``Cache-Control``, CORS and ``X-GENSCAN-Vintage`` on ``prefix``.

    Register it after the rate limit, so that a ``304`` is counted too, and after compression:
    Flask runs ``after_request`` hooks last-registered first, and Flask-Compress must see the
    ETag to mark it with the coding it applies. ``blueprints`` maps the blueprints whose routes
    get validators to whether ``vintage=`` pins their answers (the description of the API does
    not change with the vintage); every other path under ``prefix`` gets CORS and ``no-store``.
    """

    @server.before_request
    def answer_early() -> Response | None:
        if not is_api_path(request.path, prefix):
            return None
        if _is_preflight():
            return preflight()
        pinnable = blueprints.get(request.blueprint or "")
        if request.method not in ("GET", "HEAD") or pinnable is None:
            return None
        shown = resolve(service, pinnable)
        if shown is None:
            return None  # a ``vintage=`` the route refuses with a 400
        g.api_shown = shown
        return not_modified(shown.etag)

    @server.after_request
    def api_headers(response: Response) -> Response:
        if is_api_path(request.path, prefix):
            add_headers(response, g.get("api_shown"))
        return response


def add_headers(response: Response, shown: Shown | None) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    if shown is not None:
        response.headers[VINTAGE_HEADER] = str(shown.vintage)
    if request.method == "OPTIONS":
        return
    if shown is None or response.status_code not in (200, 304):
        response.headers["Cache-Control"] = ERROR_CACHE
        return
    response.headers["Cache-Control"] = PINNED_CACHE if shown.pinned else CURRENT_CACHE
    if response.status_code == 200:
        response.set_etag(shown.etag)


def resolve(service: Service, pinnable: bool = True) -> Shown | None:
    """The vintage the current request shows and its tag; ``None`` when ``vintage=`` names none
    that can be shown."""
    raw = request.args.getlist("vintage")
    if not raw or not pinnable:
        current = service.data_version()
        return Shown(current, False, etag(service, current))
    pinned = _pinnable(service, raw)
    return None if pinned is None else Shown(pinned, True, etag(service, pinned))


def _pinnable(service: Service, raw: list[str]) -> int | None:
    if len(raw) != 1:
        return None
    try:
        wanted = vintage_field().deserialize(raw[0])
    except ValidationError:
        return None
    return wanted if wanted in service.catalog().vintages else None


def etag(service: Service, vintage: int) -> str:
    """The strong tag of the answer to the current request when it shows ``vintage``."""
    catalog = service.catalog()
    shape = catalog.derived("etag-catalog", lambda: _fingerprint(service))
    key = [
        API_REVISION,
        service.settings.reference_month,
        shape,
        vintage,
        request.host_url,
        request.path,
        sorted(request.args.items(multi=True)),
    ]
    digest = hashlib.sha256(json.dumps(key).encode()).hexdigest()[:32]
    return f"v{vintage}-{digest}"


def _fingerprint(service: Service) -> str:
    """The job map and territories, which every answer is shaped by, in a few characters."""
    catalog = service.catalog()
    tables = (catalog.job_map, catalog.regions, catalog.departements)
    text = "\n".join(table.to_csv(index=False) for table in tables)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def not_modified(tag: str) -> Response | None:
    """An empty ``304`` when the client already holds this answer, whatever its coding.

    ``If-None-Match: *`` (any answer) is left to the route: whether an answer exists at all,
    rather than an error, is only known once the query is checked.
    """
    held = request.if_none_match
    if held.star_tag:
        return None
    for candidate in (tag, *(f"{tag}:{coding}" for coding in CODINGS)):
        if held.contains_weak(candidate):
            response = Response(status=304)
            response.set_etag(candidate)
            del response.headers["Content-Type"]
            return response
    return None


def _is_preflight() -> bool:
    headers = request.headers
    return (
        request.method == "OPTIONS"
        and "Origin" in headers
        and "Access-Control-Request-Method" in headers
    )


def preflight() -> Response:
    """The answer to a browser asking whether another site's page may read the API."""
    response = Response(status=204)
    del response.headers["Content-Type"]
    response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
    response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response
