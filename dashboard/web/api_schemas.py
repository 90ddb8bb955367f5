"""The query strings and answers of ``/api/v1``, as marshmallow schemas.

flask-smorest validates every query string against them (unknown parameters are refused) and
writes the OpenAPI description from the same classes, so the description cannot drift from
what the routes accept and answer.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from data_access.queries import LEVELS
from data_access.vintages import KINDS

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
CODE_PATTERN = r"^[A-Za-z0-9-]{1,80}$"
STATUSES = ("ok", "no_trainings", "no_offers", "no_data")


def vintage_field() -> fields.Integer:
    """``vintage=<id>``: the same parsing for the routes and for the ETag computed before them."""
    return fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={
            "description": "show the figures exactly as they stood right after this vintage "
            "(an id of GET /api/v1/vintages); the current figures by default"
        },
    )


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


class EmptyQuery(StrictQuery):
    pass


class VintageQuery(StrictQuery):
    vintage = vintage_field()


class FormatMixin(VintageQuery):
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


def _vintage_shown() -> fields.Integer:
    return fields.Integer(
        required=True, metadata={"description": "the vintage whose figures this answer shows"}
    )


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
    vintage = _vintage_shown()
    month = fields.String()
    level = fields.String()
    region = fields.String(allow_none=True)
    family = fields.String(allow_none=True)
    metier = fields.String(allow_none=True)
    poste = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(IndicatorRow))


class TrendResponse(ma.Schema):
    vintage = _vintage_shown()
    level = fields.String()
    code = fields.String()
    name = fields.String()
    family = fields.String(allow_none=True)
    metier = fields.String(allow_none=True)
    poste = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(TrendRow))


class MonthsResponse(ma.Schema):
    vintage = _vintage_shown()
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
    vintage = _vintage_shown()
    families = fields.List(fields.Nested(FamilySchema))


class DepartementSchema(ma.Schema):
    code = fields.String()
    name = fields.String()


class RegionSchema(DepartementSchema):
    departements = fields.List(fields.Nested(DepartementSchema))


class TerritoriesResponse(ma.Schema):
    vintage = _vintage_shown()
    regions = fields.List(fields.Nested(RegionSchema))


class VintageSchema(ma.Schema):
    id = fields.Integer(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    file_name = fields.String(required=True)
    sha256 = fields.String(required=True)
    months = fields.List(fields.String(), required=True)
    measures = fields.List(fields.String(), required=True)
    rows = fields.Integer(required=True)
    changed_cells = fields.Integer(
        allow_none=True, metadata={"description": "null: imported before vintages kept history"}
    )
    reverts = fields.Integer(
        allow_none=True, metadata={"description": "for a revert, the vintage it undid"}
    )
    reproducible = fields.Boolean(
        required=True, metadata={"description": "whether vintage=<id> can show its figures"}
    )


class VintagesResponse(ma.Schema):
    vintage = _vintage_shown()
    current = fields.Integer(allow_none=True, metadata={"description": "the latest vintage"})
    vintages = fields.List(fields.Nested(VintageSchema), metadata={"description": "oldest first"})


class VintageStamp(ma.Schema):
    id = fields.Integer(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class DataPackageResponse(ma.Schema):
    """A Frictionless Data Package (https://specs.frictionlessdata.io/data-package/)."""

    profile = fields.String(required=True)
    name = fields.String(required=True)
    id = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    homepage = fields.String(required=True)
    created = fields.String(allow_none=True, metadata={"format": "date-time"})
    keywords = fields.List(fields.String())
    licenses = fields.List(fields.Dict(), required=True)
    sources = fields.List(fields.Dict(), required=True)
    vintage = fields.Nested(VintageStamp, allow_none=True, required=True)
    demo = fields.Boolean(required=True)
    months = fields.List(fields.String(), required=True)
    resources = fields.List(fields.Dict(), required=True)
