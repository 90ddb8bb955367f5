"""Read side: every figure the API and the dashboard show comes from these functions.

They read the ``rollup`` read model by index ranges (one month across territories, one territory
across months) and return tidy DataFrames with canonical snake_case columns and the tension index
computed by ``data_access.tension``. Parameters are assumed validated by ``Catalog.validate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select

from data_access import schema
from data_access.schema import ALL_SCOPE_CODE, NATIONAL_CODE
from data_access.tension import InvalidReferenceError, TensionReference, add_tension, compute_i0

LEVELS = ("national", "region", "department")
INDICATOR_COLUMNS = ["code", "name", "job_offers", "trainings", "tension_index", "tension_status"]
TREND_COLUMNS = ["month", "job_offers", "trainings", "tension_index", "tension_status"]


class InvalidParameter(ValueError):  # noqa: N818 - reads as the condition, like KeyError
    """A request parameter is not one of the allowed values."""

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        self.message = message
        super().__init__(f"{parameter}: {message}")


@dataclass(frozen=True)
class JobFilter:
    """Family → métier → poste selection; the most specific code given sets the scope."""

    family: str | None = None
    metier: str | None = None
    poste: str | None = None

    def scope(self) -> tuple[str, str]:
        if self.poste:
            return "poste", self.poste
        if self.metier:
            return "metier", self.metier
        if self.family:
            return "family", self.family
        return "all", ALL_SCOPE_CODE


@dataclass(frozen=True)
class Catalog:
    """Codes and names of the job map and territories, as stored: what parameters may be."""

    job_map: pd.DataFrame  # family_code, family_label, metier_code, metier_label, poste_code, ...
    regions: pd.DataFrame  # code, name
    departements: pd.DataFrame  # code, name, region_code
    months: tuple[str, ...]

    # Code sets and parent maps, built on first use: every request validates its parameters
    # against them, so they are worth a dict lookup rather than a scan of a DataFrame.
    @cached_property
    def month_set(self) -> frozenset[str]:
        return frozenset(self.months)

    @cached_property
    def region_codes(self) -> frozenset[str]:
        return frozenset(self.regions["code"])

    @cached_property
    def department_codes(self) -> frozenset[str]:
        return frozenset(self.departements["code"])

    @cached_property
    def family_codes(self) -> frozenset[str]:
        return frozenset(self.job_map["family_code"])

    @cached_property
    def _family_by_metier(self) -> dict[str, str]:
        return dict(zip(self.job_map["metier_code"], self.job_map["family_code"], strict=True))

    @cached_property
    def _metier_by_poste(self) -> dict[str, str]:
        return dict(zip(self.job_map["poste_code"], self.job_map["metier_code"], strict=True))

    @cached_property
    def region_of_department_map(self) -> dict[str, str]:
        deps = self.departements
        return dict(zip(deps["code"], deps["region_code"], strict=True))

    @property
    def metier_codes(self) -> set[str]:
        return set(self._family_by_metier)

    @property
    def poste_codes(self) -> set[str]:
        return set(self._metier_by_poste)

    def territory_name(self, level: str, code: str) -> str:
        """Name of a validated territory; France for the national level."""
        if level == "national":
            return "France"
        table = self.regions if level == "region" else self.departements
        return str(table.loc[table["code"] == code, "name"].iloc[0])

    def family_of_metier(self, metier: str) -> str:
        return self._family_by_metier[metier]

    def metier_of_poste(self, poste: str) -> str:
        return self._metier_by_poste[poste]

    def region_of_department(self, code: str) -> str:
        return self.region_of_department_map[code]

    def validate_job_filter(
        self, family: str | None, metier: str | None, poste: str | None
    ) -> JobFilter:
        """Check codes exist and nest (a poste inside its métier inside its family)."""
        if family is not None and family not in self.family_codes:
            raise InvalidParameter("family", "unknown family code")
        if metier is not None:
            if metier not in self._family_by_metier:
                raise InvalidParameter("metier", "unknown métier code")
            if family is not None and self.family_of_metier(metier) != family:
                raise InvalidParameter("metier", "this métier is not in the chosen family")
        if poste is not None:
            if poste not in self._metier_by_poste:
                raise InvalidParameter("poste", "unknown poste code")
            poste_metier = self.metier_of_poste(poste)
            if metier is not None and poste_metier != metier:
                raise InvalidParameter("poste", "this poste is not in the chosen métier")
            if family is not None and self.family_of_metier(poste_metier) != family:
                raise InvalidParameter("poste", "this poste is not in the chosen family")
        return JobFilter(family, metier, poste)

    def validate_month(self, month: str | None) -> str:
        """A month with both measures imported; the latest when none is given."""
        if not self.months:
            raise InvalidParameter("month", "no month has been imported yet")
        if month is None:
            return self.months[-1]
        if month not in self.months:
            raise InvalidParameter("month", "no complete snapshot for this month")
        return month

    def validate_region(self, region: str | None) -> str | None:
        if region is not None and region not in self.region_codes:
            raise InvalidParameter("region", "unknown region code")
        return region

    def validate_department(self, department: str | None) -> str | None:
        if department is not None and department not in self.department_codes:
            raise InvalidParameter("department", "unknown département code")
        return department

    def validate_territory(self, level: str, code: str | None) -> str:
        """The code of one territory at ``level``; France itself for the national level."""
        if level not in LEVELS:
            raise InvalidParameter("level", f"must be one of {', '.join(LEVELS)}")
        if level == "national":
            if code not in (None, NATIONAL_CODE):
                raise InvalidParameter("code", "the national level has no code (or FR)")
            return NATIONAL_CODE
        if code is None:
            raise InvalidParameter("code", f"a {level} code is required")
        if level == "region":
            return str(self.validate_region(code))
        return str(self.validate_department(code))


class Repository:
    """Queries over one database; cheap to build, holds no per-user state."""

    def __init__(self, engine: Engine, reference_month: str) -> None:
        self.engine = engine
        self.requested_reference_month = reference_month

    # -- catalog -----------------------------------------------------------------------------
    def months(self) -> tuple[str, ...]:
        """Months where both offers and trainings have been imported, oldest first."""
        mm = schema.month_measure.c
        query = (
            select(mm.month)
            .group_by(mm.month)
            .having(func.count(func.distinct(mm.measure)) == len(schema.MEASURES))
            .order_by(mm.month)
        )
        with self.engine.connect() as conn:
            return tuple(conn.execute(query).scalars())

    def incomplete_months(self) -> dict[str, list[str]]:
        """Months where only one measure has arrived so far, with the measures present."""
        mm = schema.month_measure.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(mm.month, mm.measure).order_by(mm.month, mm.measure))
            present: dict[str, list[str]] = {}
            for month, measure in rows:
                present.setdefault(month, []).append(measure)
        return {m: v for m, v in present.items() if len(v) < len(schema.MEASURES)}

    def job_map(self) -> pd.DataFrame:
        f, m, p = schema.family.c, schema.metier.c, schema.poste.c
        query = (
            select(
                f.code.label("family_code"),
                f.label.label("family_label"),
                m.code.label("metier_code"),
                m.label.label("metier_label"),
                p.code.label("poste_code"),
                p.label.label("poste_label"),
            )
            .join_from(schema.poste, schema.metier, p.metier_code == m.code)
            .join(schema.family, m.family_code == f.code)
            .order_by(f.position, m.position, p.position)
        )
        return self._frame(query)

    def regions(self) -> pd.DataFrame:
        r = schema.region.c
        return self._frame(select(r.code, r.name).order_by(r.code))

    def departements(self) -> pd.DataFrame:
        d = schema.department.c
        return self._frame(select(d.code, d.name, d.region_code).order_by(d.code))

    def catalog(self) -> Catalog:
        return Catalog(self.job_map(), self.regions(), self.departements(), self.months())

    def reference(self, months: tuple[str, ...] | None = None) -> TensionReference:
        """The month anchoring the index: the configured one, else the earliest available."""
        available = self.months() if months is None else months
        if not available:
            raise InvalidReferenceError("no month has been imported yet")
        requested = self.requested_reference_month
        month = requested if requested in available else available[0]
        r = schema.rollup.c
        query = select(r.job_offers, r.trainings).where(
            r.month == month,
            r.territory_level == "national",
            r.territory_code == NATIONAL_CODE,
            r.scope_level == "all",
            r.scope_code == ALL_SCOPE_CODE,
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one()
        offers, trainings = int(row.job_offers), int(row.trainings)
        return TensionReference(
            month=month,
            requested_month=requested,
            i0=compute_i0(offers, trainings, month),
            job_offers=offers,
            trainings=trainings,
        )

    # -- figures -----------------------------------------------------------------------------
    def indicators(
        self,
        month: str,
        level: str,
        job_filter: JobFilter,
        i0: float,
        region: str | None = None,
        catalog: Catalog | None = None,
    ) -> pd.DataFrame:
        """One month, every territory of ``level`` (within ``region`` if given)."""
        catalog = catalog or self.catalog()
        scope_level, scope_code = job_filter.scope()
        r = schema.rollup.c
        query = select(r.territory_code.label("code"), r.job_offers, r.trainings).where(
            r.month == month,
            r.territory_level == level,
            r.scope_level == scope_level,
            r.scope_code == scope_code,
        )
        names = self._territory_names(level, catalog)
        if region is not None and level == "department":
            codes = catalog.departements.loc[catalog.departements["region_code"] == region, "code"]
            query = query.where(r.territory_code.in_(list(codes)))
            names = names[names["code"].isin(codes)]
        elif region is not None and level == "region":
            query = query.where(r.territory_code == region)
            names = names[names["code"] == region]
        with self.engine.connect() as conn:
            found = {code: (offers, trainings) for code, offers, trainings in conn.execute(query)}
        frame = names.reset_index(drop=True)
        missing = (None, None)
        pairs = [found.get(code, missing) for code in frame["code"]]
        frame["job_offers"] = pd.array([p[0] for p in pairs], dtype="Int64")
        frame["trainings"] = pd.array([p[1] for p in pairs], dtype="Int64")
        return add_tension(frame, i0)[INDICATOR_COLUMNS]

    def trend(self, level: str, code: str, job_filter: JobFilter, i0: float) -> pd.DataFrame:
        """Every complete month for one territory and job scope, oldest first."""
        scope_level, scope_code = job_filter.scope()
        r = schema.rollup.c
        query = (
            select(r.month, r.job_offers, r.trainings)
            .where(
                r.territory_level == level,
                r.territory_code == code,
                r.scope_level == scope_level,
                r.scope_code == scope_code,
            )
            .order_by(r.month)
        )
        frame = self._frame(query)
        complete = set(self.months())
        frame = frame[frame["month"].isin(complete)]
        return add_tension(self._as_counts(frame), i0)[TREND_COLUMNS].reset_index(drop=True)

    def breakdown(
        self,
        months: list[str],
        level: str,
        code: str,
        scope_level: str,
        i0: float,
        scope_codes: list[str] | None = None,
    ) -> pd.DataFrame:
        """Job scopes of one level (families, métiers or postes) in one territory.

        Several months are summed (a quarter for the top 30) and the result keeps one row per
        scope code with ``month`` dropped.
        """
        r = schema.rollup.c
        query = select(r.month, r.scope_code.label("code"), r.job_offers, r.trainings).where(
            r.month.in_(months),
            r.territory_level == level,
            r.territory_code == code,
            r.scope_level == scope_level,
        )
        if scope_codes is not None:
            query = query.where(r.scope_code.in_(scope_codes))
        frame = self._as_counts(self._frame(query))
        summed = frame.groupby("code", as_index=False)[["job_offers", "trainings"]].sum(min_count=1)
        return add_tension(self._as_counts(summed), i0)

    # -- helpers -----------------------------------------------------------------------------
    def _frame(self, query: Any) -> pd.DataFrame:
        with self.engine.connect() as conn:
            result = conn.execute(query)
            return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))

    @staticmethod
    def _as_counts(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        for measure in schema.MEASURES:
            out[measure] = pd.to_numeric(out[measure]).astype("Int64")
        return out

    @staticmethod
    def _territory_names(level: str, catalog: Catalog) -> pd.DataFrame:
        if level == "national":
            return pd.DataFrame({"code": [NATIONAL_CODE], "name": ["France"]})
        if level == "region":
            return catalog.regions[["code", "name"]].copy()
        return catalog.departements[["code", "name"]].copy()
