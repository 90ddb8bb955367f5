"""The figures behind the API and the page, with validation and shared caching.

API views and Dash callbacks both call these functions, and they read the same in-memory read
model (``data_access.readmodel``), so a number on the map and the same number in
``/api/v1/indicators`` can never disagree. The read model, catalog and status are kept per
process; derived values and drawn panels go to the caches (Flask-Caching) under keys that
include the data version (the last import's id): an import makes old entries unreachable at
once, in every worker.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import pandas as pd
from flask import g, has_request_context
from flask_caching import Cache
from sqlalchemy import func, select

from dashboard.core.i18n import LANGS, fmt_decimal, fmt_signed_percent
from data_access import schema
from data_access.queries import (
    LEVELS,
    Catalog,
    InvalidParameter,
    JobFilter,
    Repository,
)
from data_access.readmodel import INDICATOR_COLUMNS, TREND_COLUMNS, Figures, ReadModel
from data_access.seed import DEMO_FILE_PREFIX
from data_access.settings import Settings
from data_access.tension import TensionReference
from data_access.vintages import Vintage
from data_access.vintages import vintages as vintage_list

T = TypeVar("T")
# Asked on every request: built once, since building a statement costs more than running it.
VERSION_QUERY = select(func.max(schema.import_log.c.id))
PINNED_KEPT = 1  # past vintages whose figures a process keeps (see ``Service._pinned_state``)


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

    def __init__(
        self,
        repository: Repository,
        cache: Cache,
        settings: Settings,
        responses: Cache | None = None,
    ) -> None:
        self.repository = repository
        self.cache = cache
        self.responses = cache if responses is None else responses  # see factory
        self.settings = settings
        # The catalog and the status of the current data version, kept in this process: every
        # callback needs them, and unpickling them from the shared cache each time cost more
        # than the rest of a callback. Keyed on the version, so an import replaces them.
        self._latest: dict[str, tuple[int, Any]] = {}
        self._pinned: dict[int, dict[str, tuple[int, Any]]] = {}  # see ``_pinned_state``

    # -- caching -----------------------------------------------------------------------------
    def data_version(self) -> int:
        """Id of the last import: changes whenever figures change.

        Read once per HTTP request (kept on ``flask.g``, which lives only as long as the
        request): a callback asks for it several times and the answer cannot usefully change
        within one request.
        """
        in_request = has_request_context()
        if in_request:
            known = g.get("genscan_data_version")  # asked dozens of times per request
            if known is not None:
                return int(known)
        with self.repository.engine.connect() as conn:
            value = int(conn.execute(VERSION_QUERY).scalar() or 0)
        if in_request:
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

    def cached(self, key: str) -> Any:
        """The response ``keep`` stored under ``key`` for the current data version, or
        ``None``."""
        return self.responses.get(f"genscan:v{self.data_version()}:{key}")

    def keep(self, key: str, value: Any) -> None:
        self.responses.set(f"genscan:v{self.data_version()}:{key}", value)

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

    # -- vintages ----------------------------------------------------------------------------
    def at(self, vintage: int | None) -> Service:
        """This service showing the figures as they stood right after ``vintage`` (a catalog
        id; ``None`` or the latest vintage: the current figures)."""
        if vintage is None or vintage == self.data_version():
            return self
        return PinnedService(self, vintage)

    def showing(self, vintage: Any) -> Service:
        """The service of a vintage named by text (a URL, a store), when the catalog lists it;
        otherwise this one."""
        listed = isinstance(vintage, str) and vintage in self.catalog().vintage_ids
        return self.at(int(vintage)) if listed else self

    def vintages(self) -> list[Vintage]:
        """Every vintage, oldest first, for the current data version."""
        version = self.data_version()

        def read() -> list[Vintage]:
            with self.repository.engine.connect() as conn:
                return vintage_list(conn)

        return self._latest_of("vintages", version, read)

    def _pinned_state(self, vintage: int) -> dict[str, tuple[int, Any]]:
        """What this process keeps of a past vintage (its figures, catalog and status), for
        the last ``PINNED_KEPT`` vintages asked: an old figure cited in a note is looked up
        now and then, and ten years of figures take 35 MB."""
        state = self._pinned.pop(vintage, None) or {}
        self._pinned[vintage] = state
        while len(self._pinned) > PINNED_KEPT:
            self._pinned.pop(next(iter(self._pinned)))
        return state

    # -- catalog -----------------------------------------------------------------------------
    def catalog(self, version: int | None = None) -> Catalog:
        version = self.data_version() if version is None else version
        return self._latest_of("catalog", version, self.repository.catalog)

    def model(self, version: int | None = None) -> ReadModel:
        """The figures of the current data version, loaded in this process once per version.

        Not put in the shared cache: loading it from the database costs about as much as
        unpickling it, and each process needs its own copy in memory anyway.
        """
        version = self.data_version() if version is None else version
        known = self._latest.get("model")
        if known is not None and known[0] == version:
            return known[1]
        catalog = self.catalog(version)
        model = ReadModel.load(self.repository.engine, catalog, self.settings.reference_month)
        self._latest["model"] = (version, model)
        return model

    def warm(self) -> None:
        """Load the current data version's catalog, figures and status in this process, and
        the CLDR number data of each language (Babel reads it from disk on first use: a few
        milliseconds the first visitor of each language would otherwise wait)."""
        self.status(self.data_version())
        for lang in LANGS:
            fmt_decimal(1.5, lang)
            fmt_signed_percent(0.1, lang)

    def status(self, version: int | None = None) -> DataStatus:
        version = self.data_version() if version is None else version
        return self._latest_of("status", version, lambda: self._compute_status(version))

    def _compute_status(self, version: int) -> DataStatus:
        model = self.model(version)
        log = schema.import_log.c
        with self.repository.engine.connect() as conn:
            last = conn.execute(
                select(log.file_name).where(log.id <= version).order_by(log.id.desc()).limit(1)
            ).scalar()
        return DataStatus(
            months=model.complete,
            incomplete_months=model.incomplete_months,
            reference=model.reference if model.complete else None,
            is_demo=bool(last and last.startswith(DEMO_FILE_PREFIX)),
            version=version,
        )

    def i0(self) -> float:
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
    def _figures(self) -> ReadModel:
        """The read model, once the index has a reference (a database without a complete month
        is refused here, with the message the API and the panels show)."""
        self.i0()
        return self.model()

    def indicator_figures(self, query: IndicatorQuery) -> Figures:
        """One month across the territories the query names, from the read model."""
        codes = self.catalog().territory_codes(query.level, query.region)
        return self._figures().indicators(query.month, query.level, codes, query.job_filter.scope())

    def indicators(self, query: IndicatorQuery) -> pd.DataFrame:
        """The rows of ``/api/v1/indicators``: code, name, counts, index and status."""
        figures = self.indicator_figures(query)
        frame = figures.frame()
        frame.insert(1, "name", self.catalog().territory_names(query.level, figures.keys))
        return frame[INDICATOR_COLUMNS]

    def series(self, level: str, code: str, job_filter: JobFilter) -> Figures:
        return self._figures().series(level, code, job_filter.scope())

    def trend(self, level: str, code: str, job_filter: JobFilter) -> pd.DataFrame:
        """The rows of ``/api/v1/trend``: every complete month of one territory."""
        return self.series(level, code, job_filter).frame("month")[TREND_COLUMNS]

    def breakdown_figures(
        self,
        months: tuple[str, ...],
        level: str,
        code: str,
        scope_level: str,
        scope_codes: tuple[str, ...] | None = None,
    ) -> Figures:
        return self._figures().breakdown(months, level, code, scope_level, scope_codes)


class PinnedService(Service):
    """The figures as they stood right after one vintage: the same questions as ``Service``,
    answered from that vintage's figures, which never change (so they share the caches under
    that vintage's id, which was the data version while it was the latest)."""

    def __init__(self, current: Service, vintage: int) -> None:
        super().__init__(current.repository, current.cache, current.settings, current.responses)
        self.current = current
        self.vintage = vintage
        self._latest = current._pinned_state(vintage)

    def data_version(self) -> int:
        return self.vintage

    def model(self, version: int | None = None) -> ReadModel:
        known = self._latest.get("model")
        if known is not None:
            return known[1]
        catalog = self.current.catalog()
        reference = self.settings.reference_month
        model = ReadModel.load(self.repository.engine, catalog, reference, self.vintage)
        self._latest["model"] = (self.vintage, model)
        return model

    def catalog(self, version: int | None = None) -> Catalog:
        """The current catalog with the months of this vintage."""
        return self._latest_of(
            "pinned-catalog",
            self.vintage,
            lambda: replace(self.current.catalog(), months=self.model().complete),
        )

    def vintages(self) -> list[Vintage]:
        return self.current.vintages()

    def at(self, vintage: int | None) -> Service:
        return self.current.at(vintage)


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
