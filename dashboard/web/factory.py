"""App factory: wires settings, database, cache, API, layout and callbacks together.

Nothing here runs at import time; ``create_app`` opens no connection either (the engine connects
lazily), so gunicorn can import ``app.py`` in its master process and fork workers safely.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from dash import Dash
from dash.exceptions import DependencyException
from flask import Flask, Response, jsonify, request
from plotly.io import json as plotly_json
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from werkzeug.exceptions import RequestEntityTooLarge

from dashboard.core.i18n import DEFAULT_LANG, t
from dashboard.core.service import Service
from dashboard.page import layout
from dashboard.web import embed, first_screen
from dashboard.web.api import register_api, register_api_http
from dashboard.web.cache import REDIS_OPTIONS, FailSoftCache
from dashboard.web.compression import enable_compression
from dashboard.web.health import register_health
from dashboard.web.metrics import Metrics, register_metrics
from dashboard.web.request_log import log_requests, request_fields
from data_access.db import make_engine
from data_access.logs import configure_logging
from data_access.queries import Repository
from data_access.reference import load_reference
from data_access.settings import REPO_ROOT, Settings
from data_access.store import database_has_facts, ensure_schema

ASSETS_DIR = REPO_ROOT / "assets"
logger = logging.getLogger(__name__)


def cache_config(settings: Settings) -> dict[str, object]:
    """Redis when configured (shared by all workers and hosts), else files, else memory."""
    base: dict[str, object] = {"CACHE_DEFAULT_TIMEOUT": settings.cache_timeout}
    if settings.redis_url:
        return {**base, **_redis(settings.redis_url)}
    if settings.cache_dir:
        return {**base, "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(settings.cache_dir)}
    return {**base, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}


def response_cache_config(settings: Settings) -> dict[str, object]:
    """Where panels already drawn for a view are kept: Redis when configured (every worker and
    host serves a view once drawn by any), else this process's memory. Never files: a file
    cache scans its whole directory on every write once full, and a crowd fills it in seconds.
    """
    base: dict[str, object] = {"CACHE_DEFAULT_TIMEOUT": settings.cache_timeout}
    if settings.redis_url:
        return {**base, **_redis(settings.redis_url)}
    return {**base, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 5000}


def _redis(url: str) -> dict[str, object]:
    return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url, "CACHE_OPTIONS": REDIS_OPTIONS}


def prepare_database(settings: Settings, engine: Engine | None = None) -> bool:
    """Migrate the schema and, on an empty database, load the demo history.

    Returns whether the demo history was seeded. Called by ``python app.py`` and by the
    gunicorn master before workers start, never per request.
    """
    from data_access.seed import seed_demo

    owned = engine is None
    engine = engine or make_engine(settings.database_url)
    try:
        ref = load_reference()
        ensure_schema(engine, ref)
        if settings.seed_demo_if_empty and not database_has_facts(engine):
            seed_demo(engine, ref)
            return True
        return False
    finally:
        if owned:
            engine.dispose()


def _serve_geojson(server: Flask, deps: layout.StaticDeps) -> None:
    body = deps.geojson_bytes

    @server.get(deps.geojson_route)
    def departements_geojson() -> Response:
        response = Response(body, mimetype="application/geo+json")
        # The URL carries the content hash: the file never changes under it.
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def create_app(settings: Settings, engine: Engine | None = None) -> Dash:
    """Build the Dash app and its Flask server for the given settings."""
    from dashboard.web import callbacks

    # Dash writes every response through plotly's JSON writer. Its orjson engine first walks
    # the whole answer in Python to clean it; the standard library's C encoder writes our plain
    # dicts and lists 2.4 times faster (4.2 against 1.7 ms for one click's panels).
    plotly_json.config.default_engine = "json"
    configure_logging(settings, request_fields)  # first: Flask adds no handler of its own then
    engine = engine or make_engine(settings.database_url)
    app = first_screen.FirstScreenDash(
        __name__,
        title=t("page_title", DEFAULT_LANG),
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        update_title=None,
        suppress_callback_exceptions=False,
        assets_path_ignore=[f"^{embed.ASSETS_SUBDIR}$"],  # for /embed only, not the page
    )
    server = app.server
    server.config["GENSCAN_SETTINGS"] = settings
    server.extensions["genscan_engine"] = engine
    metrics = Metrics(engine, settings.metrics_dir)
    callback_path = app.config.routes_pathname_prefix + "_dash-update-component"
    log_requests(server, callback_path, app.callback_map, metrics.observe_request)
    _limit_request_bodies(server, settings.max_body_bytes)
    errors = metrics.count_cache_error
    cache = FailSoftCache(server, cache_config(settings), "data", on_error=errors)
    responses = FailSoftCache(
        server, response_cache_config(settings), "response", metrics.count_lookup, errors
    )
    service = Service(Repository(engine, settings.reference_month), cache, settings, responses)
    server.extensions["genscan_service"] = service
    register_health(server, service)
    register_metrics(server, metrics)
    register_api(server, service)
    prefix = app.config.requests_pathname_prefix.rstrip("/")
    deps = layout.load_static(service, prefix, app.get_asset_url("topojson/"))
    _serve_geojson(server, deps)
    embed_path = embed.register_embed(app, deps)
    app.genscan_deps = deps
    app.layout = lambda: first_screen.request_layout(deps)
    callbacks.register(app, deps)
    _refuse_malformed_callbacks(server, app)
    _refuse_unknown_component_files(server)
    if not settings.debug:
        _disable_reload_hash(server, app)
    _add_security_headers(server, app, {embed_path: embed.frame_ancestors(settings.embed_origins)})
    _cache_versioned_assets(server)
    enable_compression(server)
    register_api_http(server, service, settings)  # after compression: see its docstring
    _register_every_resource(app)
    _log_start(settings)
    return app


def _log_start(settings: Settings) -> None:
    """What this process serves from, so a log says which database and cache were meant."""
    database = make_url(settings.database_url).render_as_string(hide_password=True)
    logger.info(
        "app ready",
        extra={
            "database": database,
            "cache": response_cache_config(settings)["CACHE_TYPE"],
            "metrics": "multiprocess" if settings.metrics_dir else "process",
            "max_body_bytes": settings.max_body_bytes,
        },
    )


def _limit_request_bodies(server: Flask, limit: int) -> None:
    """Refuse a body above ``limit`` bytes with a JSON 413 before anything reads it.

    Flask's ``MAX_CONTENT_LENGTH`` stops a body sent without a length as soon as reading it
    passes the limit; a declared length is refused here, unread.
    """
    server.config["MAX_CONTENT_LENGTH"] = limit

    @server.before_request
    def refuse_large_body() -> None:
        if (request.content_length or 0) > limit:
            raise RequestEntityTooLarge

    @server.errorhandler(RequestEntityTooLarge)
    def too_large(_exc: RequestEntityTooLarge) -> tuple[Response, int]:
        message = f"the request body is larger than the limit of {limit} bytes"
        logger.warning(
            "request body refused",
            extra={"cause": message, "content_length": request.content_length},
        )
        return jsonify({"code": 413, "status": "Payload Too Large", "message": message}), 413


def _register_every_resource(app: Dash) -> None:
    """Let this process serve every script and stylesheet from its first request.

    Dash learns which component-suite files it may serve while it writes its first index
    page; until then a worker answers 404 for a script the page of another worker asked for.
    Doing that set-up now, when the app is created, holds under any server. It reads no
    database: outside a request the layout is the empty skeleton.
    """
    with app.server.app_context():  # not a request: the layout stays the skeleton
        app._setup_server()  # Dash's own first-request set-up (the index's resource list)


def _cache_versioned_assets(server: Flask) -> None:
    """``/assets/…?m=<version>`` (Dash's) or ``?v=<hash>`` never changes under its URL: cache it
    for a year."""

    @server.after_request
    def versioned_assets(response: Response) -> Response:
        if (
            request.path.startswith("/assets/")
            and (request.args.get("m") or request.args.get("v"))
            and response.status_code == 200
        ):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def callback_body_problem(body: Any, callback_map: dict[str, Any]) -> str | None:
    """Why a ``/_dash-update-component`` body is not one the page could send, or ``None``.

    Dash indexes into the body without checking it, so a forged body would end in a 500; this
    checks its envelope against the registered callbacks first. The values stay unchecked:
    the callbacks validate those themselves.
    """
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    spec = callback_map.get(output) if isinstance(output, str) else None
    if spec is None or "callback" not in spec:
        return "no server callback has this output"
    for key, expected in (("inputs", spec["inputs"]), ("state", spec["state"])):
        items = body.get(key, [])
        if not isinstance(items, list) or len(items) != len(expected):
            return f"{key} do not match the callback"
        for item, want in zip(items, expected, strict=True):
            if not isinstance(item, dict) or (item.get("id"), item.get("property")) != (
                want["id"],
                want["property"],
            ):
                return f"{key} do not match the callback"
    outputs = body.get("outputs")
    listed = outputs if isinstance(outputs, list) else [outputs]
    described = [o for o in listed if isinstance(o, dict) and isinstance(o.get("id"), str)]
    if len(described) != len(listed):
        return "outputs do not match the callback"
    names = [f"{o['id']}.{o.get('property')}" for o in described]
    joined = f"..{'...'.join(names)}.." if isinstance(outputs, list) else names[0]
    if joined != output:
        return "outputs do not match the callback"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of strings"
    return None


def _refuse_malformed_callbacks(server: Flask, app: Dash) -> None:
    path = app.config.routes_pathname_prefix + "_dash-update-component"

    @server.before_request
    def check_callback_body() -> tuple[Response, int] | None:
        if request.path != path or request.method != "POST" or not request.is_json:
            return None  # Flask and Dash answer the other cases (415 for a wrong type)
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # absurdly nested JSON
            body = None
        problem = callback_body_problem(body, app.callback_map)
        if problem is None:
            return None
        logger.warning("callback body refused", extra={"cause": problem})
        return jsonify({"code": 400, "status": "Bad Request", "message": problem}), 400


def _refuse_unknown_component_files(server: Flask) -> None:
    """Dash raises on a component-suite path it does not serve; that is a 404, not a 500."""

    @server.errorhandler(DependencyException)
    def unknown_file(_exc: DependencyException) -> tuple[Response, int]:
        return jsonify({"code": 404, "status": "Not Found"}), 404


def _disable_reload_hash(server: Flask, app: Dash) -> None:
    """Hot reload is a development tool: outside debug mode its route answers 404."""
    endpoint = app.config.routes_pathname_prefix + "_reload-hash"

    def no_hot_reload() -> tuple[Response, int]:
        return jsonify({"code": 404, "status": "Not Found"}), 404

    server.view_functions[endpoint] = no_hot_reload


def content_security_policy(script_hashes: Sequence[str], frame_ancestors: str = "'self'") -> str:
    """A policy that lets the page run with no inline script except Dash's own, hashed ones.

    Styles stay ``'unsafe-inline'``: Dash components and Plotly set element styles at run time.
    ``frame_ancestors``: who may show the response in a frame (only ``/embed`` widens it).
    """
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def _add_security_headers(server: Flask, app: Dash, framed: dict[str, str]) -> None:
    """The same headers on every response; the paths of ``framed`` (path → ``frame-ancestors``
    sources) may be framed by those sources, so they carry no ``X-Frame-Options``, which knows
    no list of origins and would forbid them."""
    policy = content_security_policy(app.csp_hashes())
    # Those pages run no inline script: Dash's hashes are not needed there.
    framed_policies = {path: content_security_policy([], a) for path, a in framed.items()}

    @server.after_request
    def security_headers(response: Response) -> Response:
        framed_policy = framed_policies.get(request.path)
        response.headers.setdefault("Content-Security-Policy", framed_policy or policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if framed_policy is None:
            response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response
