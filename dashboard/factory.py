"""App factory: wires settings, database, cache, API, layout and callbacks together.

Nothing here runs at import time; ``create_app`` opens no connection either (the engine connects
lazily), so gunicorn can import ``app.py`` in its master process and fork workers safely.
"""

from __future__ import annotations

from dash import Dash
from flask import Flask, Response
from flask_caching import Cache
from sqlalchemy import Engine

from dashboard import layout
from dashboard.api import register_api
from dashboard.i18n import DEFAULT_LANG, t
from dashboard.service import Service
from data_access.db import make_engine
from data_access.queries import Repository
from data_access.reference import load_reference
from data_access.settings import REPO_ROOT, Settings
from data_access.store import database_has_facts, ensure_schema

ASSETS_DIR = REPO_ROOT / "assets"


def cache_config(settings: Settings) -> dict[str, object]:
    """Redis when configured (shared by all workers and hosts), else files, else memory."""
    base: dict[str, object] = {"CACHE_DEFAULT_TIMEOUT": settings.cache_timeout}
    if settings.redis_url:
        return {**base, "CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings.redis_url}
    if settings.cache_dir:
        return {**base, "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": str(settings.cache_dir)}
    return {**base, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}


def prepare_database(settings: Settings, engine: Engine | None = None) -> bool:
    """Migrate the schema and, on an empty database, load the demo history.

    Returns whether the demo history was seeded. Called by ``python app.py`` and by the
    gunicorn master before workers start, never per request.
    """
    from data_access.seed import demo_snapshot
    from data_access.store import apply_snapshot

    owned = engine is None
    engine = engine or make_engine(settings.database_url)
    try:
        ref = load_reference()
        ensure_schema(engine, ref)
        if settings.seed_demo_if_empty and not database_has_facts(engine):
            apply_snapshot(engine, demo_snapshot(ref), ref)
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
    from dashboard import callbacks

    engine = engine or make_engine(settings.database_url)
    app = Dash(
        __name__,
        title=t("page_title", DEFAULT_LANG),
        assets_folder=str(ASSETS_DIR),
        serve_locally=True,
        update_title=None,
        suppress_callback_exceptions=False,
    )
    server = app.server
    server.config["GENSCAN_SETTINGS"] = settings
    server.extensions["genscan_engine"] = engine
    cache = Cache(server, config=cache_config(settings))
    service = Service(Repository(engine, settings.reference_month), cache, settings)
    register_api(server, service)
    prefix = app.config.requests_pathname_prefix.rstrip("/")
    deps = layout.load_static(service, prefix, app.get_asset_url("topojson/"))
    _serve_geojson(server, deps)
    app.layout = lambda: layout.build_layout(deps)
    callbacks.register(app, deps)
    _add_security_headers(server, app)
    return app


def content_security_policy(script_hashes: list[str]) -> str:
    """A policy that lets the page run with no inline script except Dash's own, hashed ones.

    Styles stay ``'unsafe-inline'``: Dash components and Plotly set element styles at run time.
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
            "frame-ancestors 'self'",
        ]
    )


def _add_security_headers(server: Flask, app: Dash) -> None:
    policy = content_security_policy(app.csp_hashes())

    @server.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        return response
