"""Open-data API ``/api/v1``: the figures of the dashboard for anyone, in JSON or CSV.

flask-smorest validates the query strings against marshmallow schemas (unknown parameters are
refused) and writes the OpenAPI description at ``/api/v1/openapi.json`` from the same schemas.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Flask, Response, jsonify
from flask_smorest import Api, Blueprint
from marshmallow import fields, validate
from sqlalchemy.exc import DBAPIError, OperationalError

from dashboard.core.service import Service, frame_to_csv, records_for_json
from data_access.queries import LEVELS, InvalidParameter
from data_access.tension import InvalidReferenceError

API_PREFIX = "/api/v1"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
CODE_PATTERN = r"^[A-Za-z0-9-]{1,80}$"
STATUSES = ("ok", "no_trainings", "no_offers", "no_data")


class StrictQuery(ma.Schema):
    """Query strings refuse unknown parameters instead of silently ignoring them."""

    class Meta:
        unknown = ma.RAISE


def _code(description: str) -> fields.String:
    return fields.String(
        load_default=None,
        validate=validate.Regexp(CODE_PATTERN),
        metadata={"description": description},
    )


class FormatMixin(StrictQuery):
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "csv"]),
        metadata={"description": "json (default) or csv"},
    )


class JobFilterMixin(StrictQuery):
    family = _code("family code (cartography), e.g. DATA")
    metier = _code("métier code (cartography)")
    poste = _code("poste code (cartography)")


class IndicatorsQuery(FormatMixin, JobFilterMixin):
    month = fields.String(
        load_default=None,
        validate=validate.Regexp(MONTH_PATTERN),
        metadata={"description": "YYYY-MM; the latest month by default"},
    )
    level = fields.String(
        load_default="department",
        validate=validate.OneOf(LEVELS),
        metadata={"description": "territorial level of the rows"},
    )
    region = _code("INSEE region code: keep only this region's rows")


class TrendQuery(FormatMixin, JobFilterMixin):
    level = fields.String(load_default="national", validate=validate.OneOf(LEVELS))
    code = _code("INSEE code of the region or département (none for national)")


class EmptyQuery(StrictQuery):
    pass


class IndicatorRow(ma.Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    job_offers = fields.Integer(allow_none=True)
    trainings = fields.Integer(allow_none=True)
    tension_index = fields.Float(
        allow_none=True, metadata={"description": "null unless tension_status is ok"}
    )
    tension_status = fields.String(validate=validate.OneOf(STATUSES))


class TrendRow(ma.Schema):
    month = fields.String(required=True)
    job_offers = fields.Integer(allow_none=True)
    trainings = fields.Integer(allow_none=True)
    tension_index = fields.Float(allow_none=True)
    tension_status = fields.String(validate=validate.OneOf(STATUSES))


class IndicatorsResponse(ma.Schema):
    month = fields.String()
    level = fields.String()
    region = fields.String(allow_none=True)
    family = fields.String(allow_none=True)
    metier = fields.String(allow_none=True)
    poste = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(IndicatorRow))


class TrendResponse(ma.Schema):
    level = fields.String()
    code = fields.String()
    name = fields.String()
    family = fields.String(allow_none=True)
    metier = fields.String(allow_none=True)
    poste = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(TrendRow))


class MonthsResponse(ma.Schema):
    months = fields.List(fields.String())
    reference_month = fields.String(allow_none=True)
    requested_reference_month = fields.String()
    i0 = fields.Float(allow_none=True)
    incomplete_months = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    demo = fields.Boolean()


class PosteSchema(ma.Schema):
    code = fields.String()
    label = fields.String()


class MetierSchema(PosteSchema):
    postes = fields.List(fields.Nested(PosteSchema))


class FamilySchema(PosteSchema):
    metiers = fields.List(fields.Nested(MetierSchema))


class CartographyResponse(ma.Schema):
    families = fields.List(fields.Nested(FamilySchema))


class DepartementSchema(ma.Schema):
    code = fields.String()
    name = fields.String()


class RegionSchema(DepartementSchema):
    departements = fields.List(fields.Nested(DepartementSchema))


class TerritoriesResponse(ma.Schema):
    regions = fields.List(fields.Nested(RegionSchema))


def _query_args() -> dict[str, Any]:
    return {"location": "query", "unknown": ma.RAISE, "error_status_code": 400}


# With ``format=csv`` the same routes answer ``text/csv``: the description must say so.
_CSV_RESPONSE: dict[str, Any] = {
    "content_type": "text/csv",
    "description": "the same rows as CSV, with the request context as leading columns",
    "example": "level,code,family,metier,poste,month,job_offers,trainings,tension_index,...\n",
    "success": True,
}


def _csv(body: str, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def build_blueprint(service: Service) -> Blueprint:
    """The API's routes bound to one ``Service``."""
    blp = Blueprint(
        "api_v1",
        __name__,
        url_prefix=API_PREFIX,
        description="GEN_SCAN figures: job offers, trainings and tension index.",
    )

    @blp.route("/months")
    @blp.arguments(EmptyQuery, **_query_args())
    @blp.response(200, MonthsResponse)
    def months(_args: dict[str, Any]) -> dict[str, Any]:
        """Months with a complete snapshot, and the reference month of the tension index."""
        status = service.status()
        reference = status.reference
        return {
            "months": list(status.months),
            "reference_month": reference.month if reference else None,
            "requested_reference_month": service.settings.reference_month,
            "i0": reference.i0 if reference else None,
            "incomplete_months": status.incomplete_months,
            "demo": status.is_demo,
        }

    @blp.route("/cartography")
    @blp.arguments(EmptyQuery, **_query_args())
    @blp.response(200, CartographyResponse)
    def cartography(_args: dict[str, Any]) -> dict[str, Any]:
        """GEN's job map: families, their métiers and the postes of each."""
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
        return {"families": families}

    @blp.route("/territories")
    @blp.arguments(EmptyQuery, **_query_args())
    @blp.response(200, TerritoriesResponse)
    def territories(_args: dict[str, Any]) -> dict[str, Any]:
        """The 18 regions and their départements, with INSEE codes as text."""
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
        return {"regions": regions}

    @blp.route("/indicators")
    @blp.arguments(IndicatorsQuery, **_query_args())
    @blp.alt_response(200, **_CSV_RESPONSE)
    @blp.response(200, IndicatorsResponse)
    def indicators(args: dict[str, Any]) -> Any:
        """One month: offers, trainings and tension for every territory of a level."""
        query = service.validate_indicators(
            args["month"],
            args["level"],
            args["region"],
            args["family"],
            args["metier"],
            args["poste"],
        )
        frame = service.indicators(query)
        context = {
            "month": query.month,
            "level": query.level,
            "region": query.region,
            "family": args["family"],
            "metier": args["metier"],
            "poste": args["poste"],
        }
        if args["format"] == "csv":
            return _csv(frame_to_csv(frame, context), f"genscan-indicators-{query.month}.csv")
        return {**context, "rows": records_for_json(frame)}

    @blp.route("/trend")
    @blp.arguments(TrendQuery, **_query_args())
    @blp.alt_response(200, **_CSV_RESPONSE)
    @blp.response(200, TrendResponse)
    def trend(args: dict[str, Any]) -> Any:
        """Every month for one territory (France by default) and job selection."""
        catalog = service.catalog()
        level = args["level"]
        code = catalog.validate_territory(level, args["code"])
        job_filter = catalog.validate_job_filter(args["family"], args["metier"], args["poste"])
        frame = service.trend(level, code, job_filter)
        name = catalog.territory_name(level, code)
        context = {
            "level": level,
            "code": code,
            "family": args["family"],
            "metier": args["metier"],
            "poste": args["poste"],
        }
        if args["format"] == "csv":
            return _csv(frame_to_csv(frame, context), f"genscan-trend-{level}-{code}.csv")
        return {**context, "name": name, "rows": records_for_json(frame)}

    return blp


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
