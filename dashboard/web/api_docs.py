"""What the OpenAPI description adds to every route of ``/api/v1``: its HTTP semantics.

The routes' own decorators describe their parameters and bodies; this module writes, once for
all of them, what ``http_cache`` and ``rate_limit`` do around them (validators, ``304``,
caching and CORS headers, ``429``), so that a client generated from the description knows it.
"""

from __future__ import annotations

from typing import Any

from dashboard.web.export import CSV_MEDIA_TYPE, PARQUET_MEDIA_TYPE
from dashboard.web.http_cache import VINTAGE_HEADER


def _header(description: str, kind: str = "string") -> dict[str, Any]:
    return {"description": description, "schema": {"type": kind}}


CORS_HEADER = _header("always *: any site may read the API")
NO_STORE_HEADER = _header("no-store: an error is never kept")
SUCCESS_HEADERS: dict[str, Any] = {
    "ETag": _header(
        "strong tag of this answer (its vintage and full query); send it back in If-None-Match"
    ),
    VINTAGE_HEADER: _header("the vintage whose figures this answer shows", "integer"),
    "Cache-Control": _header(
        "public, max-age=300 for the current figures; public, max-age=31536000, immutable "
        "when vintage= pins them"
    ),
    "Access-Control-Allow-Origin": CORS_HEADER,
    "Access-Control-Expose-Headers": _header("ETag, X-GENSCAN-Vintage and the other headers"),
}
ERROR_HEADERS: dict[str, Any] = {
    "Cache-Control": NO_STORE_HEADER,
    "Access-Control-Allow-Origin": CORS_HEADER,
}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "the ETag of an answer already held: an empty 304 when it is still current",
    "schema": {"type": "string"},
}
ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
FILE_SCHEMA = {"type": "string", "format": "binary"}
EXPORT_DESCRIPTION = (
    "every month shown × département × poste: vintage, month, department (text; online for "
    "online-only trainings), poste, job_offers, trainings; streamed a month at a time"
)


def header_parameters() -> list[dict[str, Any]]:
    """The request headers every route reads (given to ``Blueprint.route``: the path's own
    parameters, which do not replace the query's)."""
    return [dict(IF_NONE_MATCH)]


def http_doc() -> dict[str, Any]:
    """``Blueprint.doc`` arguments for a route under the API's HTTP semantics."""
    return {
        "responses": {
            "304": {
                "description": "Not Modified: the ETag sent is still this answer's (no body)",
                "headers": {key: SUCCESS_HEADERS[key] for key in ("ETag", "Cache-Control")},
            },
            "400": {
                "description": "Bad Request: an unknown parameter or value",
                "headers": ERROR_HEADERS,
                "content": ERROR_CONTENT,
            },
            "429": {
                "description": "Too Many Requests: this address used its budget (JSON)",
                "headers": {
                    **ERROR_HEADERS,
                    "Retry-After": _header("seconds until the budget is renewed", "integer"),
                },
                "content": ERROR_CONTENT,
            },
            "503": {
                "description": "Service Unavailable: the database cannot be reached (JSON)",
                "headers": ERROR_HEADERS,
                "content": ERROR_CONTENT,
            },
        },
    }


def csv_response(columns: str) -> dict[str, Any]:
    """``alt_response`` arguments for ``format=csv``, whose first columns are ``columns``."""
    return {
        "content_type": CSV_MEDIA_TYPE,
        "schema": FILE_SCHEMA,
        "description": "the same rows as CSV, with the request context (vintage, month, level, "
        "filters) as leading columns",
        "example": f"{columns},job_offers,trainings,tension_index,tension_status\n",
        "headers": SUCCESS_HEADERS,
        "success": True,
    }


def export_response(media_type: str) -> dict[str, Any]:
    """``Blueprint.response`` arguments of an export route."""
    kind = "CSV (UTF-8)" if media_type == CSV_MEDIA_TYPE else "Parquet, one row group per month"
    return {
        "schema": FILE_SCHEMA,
        "content_type": media_type,
        "description": f"{kind}: {EXPORT_DESCRIPTION}",
        "headers": SUCCESS_HEADERS,
    }


MEDIA_TYPES = {"csv": CSV_MEDIA_TYPE, "parquet": PARQUET_MEDIA_TYPE}
