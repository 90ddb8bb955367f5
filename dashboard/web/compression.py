"""Compression of every text response, done by the app so it holds behind any server or proxy.

Flask-Compress chooses brotli or gzip from ``Accept-Encoding`` and sets ``Vary``. Static files
(Dash's bundles, ``assets/``, the geometry) never change under their versioned URL, so each
process compresses each of them once and keeps the result; dynamic responses (the page,
callbacks, the API) are compressed per request. Brotli level 5 is within about 5 % of level 9
on the JavaScript bundles at a quarter of the time. A streamed response (the API's CSV export)
is compressed as it streams, chunk by chunk, so it is never held whole to be compressed.
"""

from __future__ import annotations

from collections import OrderedDict

from flask import Flask, Response, request
from flask_compress import Compress

STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/geodata/")
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/geo+json",
    "image/svg+xml",
]
_NOT_KEPT = "-"


class StaticCompressionCache:
    """Compressed bodies of static files, per process, bounded; other responses pass through.

    Flask-Compress asks this cache for every response it compresses; only keys naming a
    static path are kept (their URL carries a version, so the bytes under it never change).
    """

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._max_entries = max_entries

    def get(self, key: str) -> bytes | None:
        body = self._entries.get(key)
        if body is not None:
            self._entries.move_to_end(key)
        return body

    def set(self, key: str, body: bytes) -> None:
        if key.endswith(";" + _NOT_KEPT):
            return
        self._entries[key] = body
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)


def static_cache_key(req: object = None) -> str:
    """The versioned URL of a static GET, or a key the cache refuses to keep."""
    if request.method == "GET" and request.path.startswith(STATIC_PREFIXES):
        return request.full_path
    return _NOT_KEPT


def enable_compression(server: Flask) -> None:
    """Brotli (else gzip) on every text response of ``server``."""
    cache = StaticCompressionCache()
    server.config.update(
        COMPRESS_ALGORITHM=["br", "gzip"],
        COMPRESS_MIMETYPES=COMPRESSED_TYPES,
        COMPRESS_BR_LEVEL=5,
        COMPRESS_LEVEL=6,
        COMPRESS_MIN_SIZE=500,
        COMPRESS_STREAMS=True,  # only the exports stream: static files are buffered below
        COMPRESS_ALGORITHM_STREAMING=["br", "gzip"],
        COMPRESS_CACHE_BACKEND=lambda: cache,
        COMPRESS_CACHE_KEY=static_cache_key,
    )
    Compress(server)

    # Registered after Flask-Compress, so it runs before it (Flask runs them in reverse).
    @server.after_request
    def buffer_static_file(response: Response) -> Response:
        """Flask streams files from disk, and a stream is not compressed: static files are
        small enough to be held in memory, once per process, compressed."""
        if response.direct_passthrough and request.path.startswith(STATIC_PREFIXES):
            response.direct_passthrough = False
            response.make_sequence()
        return response
