"""The figures behind the API and the page, with validation and shared caching.

API views and Dash callbacks both call these functions, so a number on the map and the same
number in ``/api/v1/indicators`` can never disagree. Results are cached (Flask-Caching) under a
key that includes the data version (the last import's id): an import makes old entries
unreachable at once, in every worker.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd
from flask import g, has_request_context
from flask_caching import Cache
from sqlalchemy import func, select

from data_access import schema
from data_access.queries import (
    LEVELS,
    Catalog,
    InvalidParameter,
    JobFilter,
    Repository,
)
from data_access.seed import DEMO_FILE_PREFIX
from data_access.settings import Settings
from data_access.tension import TensionReference

T = TypeVar("T")


@dataclass(frozen=True)
class IndicatorQuery:
    """A validated request for one month across territories."""

    month: str
    level: str
    region: str | None
    job_filter: JobFilter


@dataclass(frozen=True)
class DataStatus:
    """What the page says about the data: months, reference, demo or real."""

    months: tuple[str, ...]
    incomplete_months: dict[str, list[str]]
    reference: TensionReference | None
    is_demo: bool
    version: int


class Service:
    """Per-process entry point to the figures; holds only the engine and the shared cache."""

    def __init__(self, repository: Repository, cache: Cache, settings: Settings) -> None:
        self.repository = repository
        self.cache = cache
        self.settings = settings
        # The catalog and the status of the current data version, kept in this process: every
        # callback needs them, and unpickling them from the shared cache each time cost more
        # than the rest of a callback. Keyed on the version, so an import replaces them.
        self._latest: dict[str, tuple[int, Any]] = {}

    # -- caching -----------------------------------------------------------------------------
    def data_version(self) -> int:
        """Id of the last import: changes whenever figures change.

        Read once per HTTP request (kept on ``flask.g``, which lives only as long as the
        request): a callback asks for it several times and the answer cannot usefully change
        within one request.
        """
        if has_request_context() and "genscan_data_version" in g:
            return int(g.genscan_data_version)
        with self.repository.engine.connect() as conn:
            value = int(conn.execute(select(func.max(schema.import_log.c.id))).scalar() or 0)
        if has_request_context():
            g.genscan_data_version = value
        return value

    def _cached(self, key: str, compute: Callable[[], T], version: int | None = None) -> T:
        version = self.data_version() if version is None else version
        full_key = f"genscan:v{version}:{key}"
        value = self.cache.get(full_key)
        if value is None:
            value = compute()
            self.cache.set(full_key, value)
        return value

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """A value derived from the figures, cached for the current data version."""
        return self._cached(key, compute)

    def _latest_of(self, key: str, version: int, compute: Callable[[], T]) -> T:
        known = self._latest.get(key)
        if known is not None and known[0] == version:
            return known[1]
        value = self._cached(key, compute, version)
        self._latest[key] = (version, value)
        return value

    # -- catalog -----------------------------------------------------------------------------
    def catalog(self, version: int | None = None) -> Catalog:
        version = self.data_version() if version is None else version
        return self._latest_of("catalog", version, self.repository.catalog)

    def status(self) -> DataStatus:
        version = self.data_version()
        return self._latest_of("status", version, lambda: self._compute_status(version))

    def _compute_status(self, version: int) -> DataStatus:
        months = self.repository.months()
        reference = self.repository.reference(months) if months else None
        with self.repository.engine.connect() as conn:
            last = conn.execute(
                select(schema.import_log.c.file_name)
                .order_by(schema.import_log.c.id.desc())
                .limit(1)
            ).scalar()
        return DataStatus(
            months=months,
            incomplete_months=self.repository.incomplete_months(),
            reference=reference,
            is_demo=bool(last and last.startswith(DEMO_FILE_PREFIX)),
            version=version,
        )

    def i0(self, version: int | None = None) -> float:
        status = self.status()
        if status.reference is None:
            raise InvalidParameter("month", "no month has been imported yet")
        return status.reference.i0

    # -- validation --------------------------------------------------------------------------
    def validate_indicators(
        self,
        month: str | None,
        level: str,
        region: str | None,
        family: str | None,
        metier: str | None,
        poste: str | None,
    ) -> IndicatorQuery:
        catalog = self.catalog()
        if level not in LEVELS:
            raise InvalidParameter("level", f"must be one of {', '.join(LEVELS)}")
        if region is not None and level == "national":
            raise InvalidParameter("region", "applies to the region and department levels only")
        return IndicatorQuery(
            month=catalog.validate_month(month),
            level=level,
            region=catalog.validate_region(region),
            job_filter=catalog.validate_job_filter(family, metier, poste),
        )

    # -- figures -----------------------------------------------------------------------------
    def indicators(self, query: IndicatorQuery) -> pd.DataFrame:
        version = self.data_version()
        key = f"indicators:{query.month}:{query.level}:{query.region}:{query.job_filter.scope()}"
        return self._cached(
            key,
            lambda: self.repository.indicators(
                query.month,
                query.level,
                query.job_filter,
                self.i0(version),
                region=query.region,
                catalog=self.catalog(version),
            ),
            version,
        )

    def trend(self, level: str, code: str, job_filter: JobFilter) -> pd.DataFrame:
        version = self.data_version()
        key = f"trend:{level}:{code}:{job_filter.scope()}"
        return self._cached(
            key, lambda: self.repository.trend(level, code, job_filter, self.i0(version)), version
        )

    def breakdown(
        self,
        months: tuple[str, ...],
        level: str,
        code: str,
        scope_level: str,
        scope_codes: tuple[str, ...] | None = None,
    ) -> pd.DataFrame:
        version = self.data_version()
        key = f"breakdown:{','.join(months)}:{level}:{code}:{scope_level}:{scope_codes}"
        return self._cached(
            key,
            lambda: self.repository.breakdown(
                list(months),
                level,
                code,
                scope_level,
                self.i0(version),
                list(scope_codes) if scope_codes is not None else None,
            ),
            version,
        )


def records_for_json(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts: missing counts and non-finite indices become ``None``."""
    clean = frame.astype(object).where(frame.notna(), None)
    return clean.to_dict("records")


def frame_to_csv(frame: pd.DataFrame, context: dict[str, str | None]) -> str:
    """CSV of rows with the request context (month, level, filters) as leading columns.

    The context lives in columns rather than comment lines so that any CSV reader keeps it.
    """
    out = frame.copy()
    for position, (name, value) in enumerate(context.items()):
        out.insert(position, name, value if value is not None else "")
    if "tension_index" in out.columns:
        out["tension_index"] = out["tension_index"].map(lambda v: "" if pd.isna(v) else f"{v:.4f}")
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()
