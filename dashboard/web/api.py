"""Open-data API ``/api/v1``: the figures of the dashboard for anyone, in JSON, CSV or Parquet.

flask-smorest validates the query strings against the schemas of ``api_schemas`` (unknown
parameters are refused) and writes the OpenAPI description at ``/api/v1/openapi.json`` from the
same schemas. Every figure route takes ``vintage=<id>`` and shows the figures exactly as they
stood right after that vintage; every answer says which vintage it shows. The HTTP semantics
around the routes (ETag, 304, caching, CORS, rate limit) live in ``http_cache`` and
``rate_limit``, registered by ``register_api_http``.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Flask, Response, jsonify, request, url_for
from flask_smorest import Api, Blueprint
from sqlalchemy.exc import DBAPIError, OperationalError

from dashboard.core.service import Service, frame_to_csv, records_for_json
from dashboard.web import api_docs
from dashboard.web.api_schemas import (
    CartographyResponse,
    DataPackageResponse,
    EmptyQuery,
    IndicatorsQuery,
    IndicatorsResponse,
    MonthsResponse,
    TerritoriesResponse,
    TrendQuery,
    TrendResponse,
    VintageQuery,
    VintagesResponse,
)
from dashboard.web.datapackage import data_package
from dashboard.web.export import export_response
from dashboard.web.http_cache import register_http_cache
from dashboard.web.rate_limit import limit_api
from data_access.queries import InvalidParameter
from data_access.settings import Settings
from data_access.tension import InvalidReferenceError

API_PREFIX = "/api/v1"
BLUEPRINT = "api_v1"
DOCS_BLUEPRINT = "api-docs"  # flask-smorest's, which serves openapi.json
INDICATORS_CSV_COLUMNS = "month,level,region,family,metier,poste,vintage,code,name"
TREND_CSV_COLUMNS = "level,code,family,metier,poste,vintage,month"


def _query_args() -> dict[str, Any]:
    return {"location": "query", "unknown": ma.RAISE, "error_status_code": 400}


def _csv(body: str, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def showing(service: Service, vintage: int | None) -> Service:
    """The service showing ``vintage`` (``None``: the current figures), or a clear refusal of a
    vintage the catalog cannot show."""
    if vintage is None:
        return service
    if vintage in service.catalog().vintages:
        return service.at(vintage)
    if any(v.id == vintage for v in service.vintages()):
        message = (
            f"the figures of vintage {vintage} cannot be rebuilt: a later vintage was imported "
            "before vintages kept their history"
        )
    else:
        message = f"no vintage {vintage}; GET /api/v1/vintages lists them"
    raise InvalidParameter("vintage", message)


def build_blueprint(service: Service) -> Blueprint:
    """The API's routes bound to one ``Service``."""
    blp = Blueprint(
        BLUEPRINT,
        __name__,
        url_prefix=API_PREFIX,
        description="GEN_SCAN figures: job offers, trainings and tension index, by vintage.",
    )
    http_doc = api_docs.http_doc()
    _vintage_routes(blp, service, http_doc)
    _figure_routes(blp, service, http_doc)
    _open_data_routes(blp, service, http_doc)
    return blp


def _vintage_routes(blp: Blueprint, service: Service, http_doc: dict[str, Any]) -> None:
    """The vintages, and what each shows: its months, job map and territories."""

    @blp.route("/vintages", parameters=api_docs.header_parameters())
    @blp.arguments(EmptyQuery, **_query_args())
    @blp.response(200, VintagesResponse, headers=api_docs.SUCCESS_HEADERS)
    @blp.doc(**http_doc)
    def vintages(_args: dict[str, Any]) -> dict[str, Any]:
        """Every import and revert, oldest first: the ids ``vintage=`` takes."""
        shown = set(service.catalog().vintages)
        listed = [v.to_json() | {"reproducible": v.id in shown} for v in service.vintages()]
        current = listed[-1]["id"] if listed else None
        return {"vintage": service.data_version(), "current": current, "vintages": listed}

    @blp.route("/months", parameters=api_docs.header_parameters())
    @blp.arguments(VintageQuery, **_query_args())
    @blp.response(200, MonthsResponse, headers=api_docs.SUCCESS_HEADERS)
    @blp.doc(**http_doc)
    def months(args: dict[str, Any]) -> dict[str, Any]:
        """Months with a complete snapshot, and the reference month of the tension index."""
        shown = showing(service, args["vintage"])
        status = shown.status()
        reference = status.reference
        return {
            "vintage": shown.data_version(),
            "months": list(status.months),
            "reference_month": reference.month if reference else None,
            "requested_reference_month": service.settings.reference_month,
            "i0": reference.i0 if reference else None,
            "incomplete_months": status.incomplete_months,
            "demo": status.is_demo,
        }

    @blp.route("/cartography", parameters=api_docs.header_parameters())
    @blp.arguments(VintageQuery, **_query_args())
    @blp.response(200, CartographyResponse, headers=api_docs.SUCCESS_HEADERS)
    @blp.doc(**http_doc)
    def cartography(args: dict[str, Any]) -> dict[str, Any]:
        """GEN's job map: families, their métiers and the postes of each."""
        shown = showing(service, args["vintage"])
        return {"vintage": shown.data_version(), "families": _families(shown)}

    @blp.route("/territories", parameters=api_docs.header_parameters())
    @blp.arguments(VintageQuery, **_query_args())
    @blp.response(200, TerritoriesResponse, headers=api_docs.SUCCESS_HEADERS)
    @blp.doc(**http_doc)
    def territories(args: dict[str, Any]) -> dict[str, Any]:
        """The 18 regions and their départements, with INSEE codes as text."""
        shown = showing(service, args["vintage"])
        return {"vintage": shown.data_version(), "regions": _regions(shown)}


def _figure_routes(blp: Blueprint, service: Service, http_doc: dict[str, Any]) -> None:
    """The figures of one month across territories, and of one territory over months."""

    @blp.route("/indicators", parameters=api_docs.header_parameters())
    @blp.arguments(IndicatorsQuery, **_query_args())
    @blp.alt_response(200, **api_docs.csv_response(INDICATORS_CSV_COLUMNS))
    @blp.response(200, IndicatorsResponse, headers=api_docs.SUCCESS_HEADERS)
    @blp.doc(**http_doc)
    def indicators(args: dict[str, Any]) -> Any:
        """One month: offers, trainings and tension for every territory of a level."""
        shown = showing(service, args["vintage"])
        query = shown.validate_indicators(
            args["month"],
            args["level"],
            args["region"],
            args["family"],
            args["metier"],
            args["poste"],
        )
        frame = shown.indicators(query)
        context = {
            "month": query.month,
            "level": query.level,
            "region": query.region,
            "family": args["family"],
            "metier": args["metier"],
            "poste": args["poste"],
        }
        vintage = shown.data_version()
        if args["format"] == "csv":
            body = frame_to_csv(frame, {**context, "vintage": str(vintage)})
            return _csv(body, f"genscan-indicators-{query.month}.csv")
        return {**context, "vintage": vintage, "rows": records_for_json(frame)}

    @blp.route("/trend", parameters=api_docs.header_parameters())
    @blp.arguments(TrendQuery, **_query_args())
    @blp.alt_response(200, **api_docs.csv_response(TREND_CSV_COLUMNS))
    @blp.response(200, TrendResponse, headers=api_docs.SUCCESS_HEADERS)
    @blp.doc(**http_doc)
    def trend(args: dict[str, Any]) -> Any:
        """Every month for one territory (France by default) and job selection."""
        shown = showing(service, args["vintage"])
        catalog = shown.catalog()
        level = args["level"]
        code = catalog.validate_territory(level, args["code"])
        job_filter = catalog.validate_job_filter(args["family"], args["metier"], args["poste"])
        frame = shown.trend(level, code, job_filter)
        name = catalog.territory_name(level, code)
        context = {
            "level": level,
            "code": code,
            "family": args["family"],
            "metier": args["metier"],
            "poste": args["poste"],
        }
        vintage = shown.data_version()
        if args["format"] == "csv":
            body = frame_to_csv(frame, {**context, "vintage": str(vintage)})
            return _csv(body, f"genscan-trend-{level}-{code}.csv")
        return {**context, "vintage": vintage, "name": name, "rows": records_for_json(frame)}


def _open_data_routes(blp: Blueprint, service: Service, http_doc: dict[str, Any]) -> None:
    """Every figure of a vintage as files, and their description."""
    for kind, media_type in api_docs.MEDIA_TYPES.items():
        _export_route(blp, service, kind, media_type, http_doc)

    @blp.route("/datapackage.json", parameters=api_docs.header_parameters())
    @blp.arguments(VintageQuery, **_query_args())
    @blp.response(200, DataPackageResponse, headers=api_docs.SUCCESS_HEADERS)
    @blp.doc(**http_doc)
    def datapackage(args: dict[str, Any]) -> dict[str, Any]:
        """The export as a Frictionless Data Package: files, types, licence and sources."""
        shown = showing(service, args["vintage"])
        vintage_id = shown.data_version()
        vintage = next((v for v in service.vintages() if v.id == vintage_id), None)
        status = shown.status()
        return data_package(vintage, status.months, status.is_demo, _package_urls(vintage_id))


def _export_route(
    blp: Blueprint, service: Service, kind: str, media_type: str, http_doc: dict[str, Any]
) -> None:
    """``/export.<kind>``: every figure of a vintage, streamed."""

    def export(args: dict[str, Any]) -> Response:
        vintage = showing(service, args["vintage"]).data_version()
        return export_response(service.repository.engine, vintage, kind)

    export.__name__ = f"export_{kind}"
    export.__doc__ = (
        f"Every month shown × département × poste as {kind.upper()}, for the current vintage "
        "or the one vintage= names; department codes are text, online-only trainings have "
        "department online."
    )
    view = blp.arguments(VintageQuery, **_query_args())(
        blp.response(200, **api_docs.export_response(media_type))(blp.doc(**http_doc)(export))
    )
    blp.route(f"/export.{kind}", parameters=api_docs.header_parameters())(view)


def _package_urls(vintage: int) -> dict[str, str]:
    pinned = vintage or None  # nothing imported yet: nothing to pin
    return {
        "self": url_for(f"{BLUEPRINT}.datapackage", vintage=pinned, _external=True),
        "homepage": request.host_url,
        "csv": url_for(f"{BLUEPRINT}.export_csv", vintage=pinned, _external=True),
        "parquet": url_for(f"{BLUEPRINT}.export_parquet", vintage=pinned, _external=True),
    }


def _families(service: Service) -> list[dict[str, Any]]:
    jm = service.catalog().job_map
    families = []
    for family_code, fam in jm.groupby("family_code", sort=False):
        metiers = [
            {
                "code": metier_code,
                "label": met["metier_label"].iloc[0],
                "postes": [
                    {"code": r.poste_code, "label": r.poste_label} for r in met.itertuples()
                ],
            }
            for metier_code, met in fam.groupby("metier_code", sort=False)
        ]
        families.append(
            {"code": family_code, "label": fam["family_label"].iloc[0], "metiers": metiers}
        )
    return families


def _regions(service: Service) -> list[dict[str, Any]]:
    catalog = service.catalog()
    regions = []
    for region in catalog.regions.itertuples():
        deps = catalog.departements[catalog.departements["region_code"] == region.code]
        regions.append(
            {
                "code": region.code,
                "name": region.name,
                "departements": [{"code": d.code, "name": d.name} for d in deps.itertuples()],
            }
        )
    return regions


def _json_error(status: int, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify(
        {"code": status, "status": _STATUS_NAMES.get(status, ""), "message": message, **extra}
    ), status


_STATUS_NAMES = {
    400: "Bad Request",
    404: "Not Found",
    503: "Service Unavailable",
    500: "Internal Server Error",
}


def register_api(server: Flask, service: Service) -> Api:
    """Mount the API and its OpenAPI description on the Flask server behind Dash."""
    server.config.update(
        API_TITLE="GEN_SCAN open data API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = Api(server)
    api.register_blueprint(build_blueprint(service))

    def unknown_api_path(unknown: str) -> tuple[Response, int]:
        del unknown
        return _json_error(404, "no such API route; see /api/v1/openapi.json")

    # Dash answers every other path with the page; under the API prefix, an unknown path is an
    # error the client must see as such.
    server.add_url_rule(
        f"{API_PREFIX}/<path:unknown>",
        "api_unknown_path",
        unknown_api_path,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    )

    @server.errorhandler(InvalidParameter)
    def _invalid(exc: InvalidParameter) -> tuple[Response, int]:
        return _json_error(400, exc.message, errors={"query": {exc.parameter: [exc.message]}})

    @server.errorhandler(InvalidReferenceError)
    def _bad_reference(exc: InvalidReferenceError) -> tuple[Response, int]:
        return _json_error(503, f"tension index unavailable: {exc}")

    @server.errorhandler(OperationalError)
    @server.errorhandler(DBAPIError)
    def _database_down(_exc: Exception) -> tuple[Response, int]:
        return _json_error(503, "the database is unreachable; please retry in a moment")

    return api


def register_api_http(server: Flask, service: Service, settings: Settings) -> None:
    """The API's rate limit, then its HTTP semantics (see ``http_cache``): call it after
    compression is enabled, so that the ETag is set before Flask-Compress marks it."""
    limit_api(server, settings, API_PREFIX)
    register_http_cache(server, service, API_PREFIX, {BLUEPRINT: True, DOCS_BLUEPRINT: False})
