"""Read side: what parameters may be (the catalog of codes and months), and how to check them.

The figures themselves are read from ``readmodel.ReadModel``, loaded once per data version;
this module says which months exist, which codes are valid and how the job filter nests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from typing import Any, TypeVar

import pandas as pd
from sqlalchemy import Engine, func, select

from data_access import schema
from data_access.schema import ALL_SCOPE_CODE, NATIONAL_CODE

LEVELS = ("national", "region", "department")
JOB_LEVELS = ("family", "metier", "poste")  # from the widest to the most specific
_JOB_WORDS = {"family": "family", "metier": "métier", "poste": "poste"}  # as the API says them
T = TypeVar("T")


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
    vintages: tuple[int, ...] = ()  # the vintages whose figures can be shown, oldest first

    # Code sets and parent maps, built on first use: every request validates its parameters
    # against them, so they are worth a dict lookup rather than a scan of a DataFrame.
    @cached_property
    def month_set(self) -> frozenset[str]:
        return frozenset(self.months)

    @cached_property
    def vintage_ids(self) -> frozenset[str]:
        """The vintages as a URL names them."""
        return frozenset(map(str, self.vintages))

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

    @cached_property
    def _derived(self) -> dict[Any, Any]:
        return {}

    def derived(self, key: Any, compute: Callable[[], T]) -> T:
        """A value computed from the catalog alone (the options of a dropdown), kept with it:
        a catalog lives as long as its data version, so the value can never go stale."""
        if key not in self._derived:
            self._derived[key] = compute()
        return self._derived[key]

    @property
    def metier_codes(self) -> set[str]:
        return set(self._family_by_metier)

    @property
    def poste_codes(self) -> set[str]:
        return set(self._metier_by_poste)

    @cached_property
    def _names(self) -> dict[str, dict[str, str]]:
        """Territory names by level and code, in code order."""
        return {
            "national": {NATIONAL_CODE: "France"},
            "region": dict(zip(self.regions["code"], self.regions["name"], strict=True)),
            "department": dict(
                zip(self.departements["code"], self.departements["name"], strict=True)
            ),
        }

    @cached_property
    def _departments_by_region(self) -> dict[str, tuple[str, ...]]:
        grouped: dict[str, list[str]] = {}
        for code, region in self.region_of_department_map.items():
            grouped.setdefault(region, []).append(code)
        return {region: tuple(codes) for region, codes in grouped.items()}

    def territory_codes(self, level: str, region: str | None = None) -> tuple[str, ...]:
        """The territories of ``level`` in code order; within ``region`` when one is given."""
        if region is None or level == "national":
            return tuple(self._names[level])
        if level == "region":
            return (region,)
        return self._departments_by_region.get(region, ())

    def territory_name(self, level: str, code: str) -> str:
        """Name of a validated territory; France for the national level."""
        return self._names[level][code]

    @cached_property
    def _scope_labels(self) -> dict[str, dict[str, str]]:
        jm = self.job_map
        return {
            level: dict(zip(jm[f"{level}_code"], jm[f"{level}_label"], strict=True))
            for level in ("family", "metier", "poste")
        }

    @cached_property
    def _within(self) -> dict[tuple[str, str, str], tuple[str, ...]]:
        """(parent level, parent code, child level) → the child codes, in the job map's order."""
        found: dict[tuple[str, str, str], list[str]] = {}
        jm = self.job_map
        for family, metier, poste in zip(
            jm["family_code"], jm["metier_code"], jm["poste_code"], strict=True
        ):
            for key, child in (
                (("family", family, "metier"), metier),
                (("family", family, "poste"), poste),
                (("metier", metier, "poste"), poste),
            ):
                codes = found.setdefault(key, [])
                if child not in codes:
                    codes.append(child)
        return {key: tuple(codes) for key, codes in found.items()}

    def within(self, level: str, code: str, child: str) -> tuple[str, ...]:
        """The métiers or postes (``child``) inside a family or métier."""
        return self._within.get((level, code, child), ())

    def scope_labels(self, level: str, codes: tuple[str, ...]) -> list[str]:
        """The job map's labels of family, métier or poste codes."""
        labels = self._scope_labels[level]
        return [labels[code] for code in codes]

    def territory_names(self, level: str, codes: tuple[str, ...]) -> list[str]:
        names = self._names[level]
        return [names[code] for code in codes]

    def family_of_metier(self, metier: str) -> str:
        return self._family_by_metier[metier]

    def metier_of_poste(self, poste: str) -> str:
        return self._metier_by_poste[poste]

    def region_of_department(self, code: str) -> str:
        return self.region_of_department_map[code]

    def nest_territory(
        self, chosen: str, region: str | None, department: str | None
    ) -> tuple[str | None, str | None]:
        """The region and département filters once ``chosen`` (``"region"`` or
        ``"department"``) was set: when both are set and the département lies outside the
        region, a chosen département brings its own region, otherwise the département goes."""
        if region is None or department is None:
            return region, department
        home = self.region_of_department(department)
        if home == region:
            return region, department
        return (home, department) if chosen == "department" else (region, None)

    @cached_property
    def _job_codes(self) -> dict[str, Any]:
        return {
            "family": self.family_codes,
            "metier": self._family_by_metier.keys(),
            "poste": self._metier_by_poste.keys(),
        }

    def job_parents(self, level: str, code: str) -> dict[str, str]:
        """The parents of a known métier or poste code, nearest first (none for a family).

        A poste belongs to one métier and a métier to one family, so a code alone says where
        it sits: every nesting check and every completion of a selection reads it here.
        """
        if level == "poste":
            metier = self.metier_of_poste(code)
            return {"metier": metier, "family": self.family_of_metier(metier)}
        if level == "metier":
            return {"family": self.family_of_metier(code)}
        return {}

    def job_fault(self, job: JobFilter) -> InvalidParameter | None:
        """The first code of ``job``, from the family down, that is unknown or outside a
        parent chosen with it; ``None`` when the selection nests.

        Returned rather than raised: the API refuses the request with it, while a shared link
        drops just that code and keeps the rest (``drop_faults``).
        """
        for level in JOB_LEVELS:
            code = getattr(job, level)
            if code is None:
                continue
            word = _JOB_WORDS[level]
            if code not in self._job_codes[level]:
                return InvalidParameter(level, f"unknown {word} code")
            for parent, actual in self.job_parents(level, code).items():
                if getattr(job, parent) not in (None, actual):
                    return InvalidParameter(
                        level, f"this {word} is not in the chosen {_JOB_WORDS[parent]}"
                    )
        return None

    def drop_faults(self, job: JobFilter) -> tuple[JobFilter, list[tuple[str, str]]]:
        """``job`` without each code that is unknown or outside a parent kept before it, and
        the ``(level, code)`` pairs dropped: a link with a stale code still opens on the
        nearest selection, and the page can say what it left out."""
        dropped: list[tuple[str, str]] = []
        while fault := self.job_fault(job):
            dropped.append((fault.parameter, getattr(job, fault.parameter)))
            job = replace(job, **{fault.parameter: None})
        return job, dropped

    def with_parents(self, job: JobFilter) -> JobFilter:
        """``job`` with the parents of its most specific code, which win over any other
        parent given: a chosen poste implies its métier and family, and the cascade shows
        where it sits."""
        level, code = job.scope()
        return replace(job, **self.job_parents(level, code))

    def keep_nested_below(self, changed: str, job: JobFilter) -> JobFilter:
        """``job`` after its ``changed`` level was chosen anew: each code below it stays only
        if it sits in the code just above it, so a changed or emptied parent clears the
        children that no longer nest (a poste needs its métier, not just its family)."""
        codes = asdict(job)
        for level in JOB_LEVELS[JOB_LEVELS.index(changed) + 1 :]:
            above = JOB_LEVELS[JOB_LEVELS.index(level) - 1]
            code = codes[level]
            if code is not None and self.job_parents(level, code)[above] != codes[above]:
                codes[level] = None
        return JobFilter(**codes)

    def validate_job_filter(
        self, family: str | None, metier: str | None, poste: str | None
    ) -> JobFilter:
        """Check codes exist and nest (a poste inside its métier inside its family)."""
        job = JobFilter(family, metier, poste)
        if fault := self.job_fault(job):
            raise fault
        return job

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
        return Catalog(
            self.job_map(), self.regions(), self.departements(), self.months(), self.vintages()
        )

    def vintages(self) -> tuple[int, ...]:
        """The vintages whose figures can be rebuilt: all since the last one imported before
        vintages kept their history (that one included, as nothing before it is known)."""
        log = schema.import_log.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(log.id, log.changed_cells).order_by(log.id)).all()
        first = max((vintage for vintage, changed in rows if changed is None), default=0)
        return tuple(vintage for vintage, _ in rows if vintage >= first)

    # -- helpers -----------------------------------------------------------------------------
    def _frame(self, query: Any) -> pd.DataFrame:
        with self.engine.connect() as conn:
            result = conn.execute(query)
            return pd.DataFrame([tuple(row) for row in result], columns=list(result.keys()))
