"""The figures of one data version, held in memory: what every page, API answer and report reads.

A process loads it once per data version (the id of the last import), from the facts, with the
same products that write the ``rollup`` table (``rollup.totals``). Reading a map, a series or a
breakdown is then array indexing: no query, no data frame, whatever the click. Ten years of
history are 120 months × 120 territories × 150 job scopes × 2 measures, about 35 MB.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from data_access.queries import Catalog
from data_access.rollup import Totals, totals
from data_access.schema import ALL_SCOPE_CODE, MEASURES, NATIONAL_CODE
from data_access.tension import (
    InvalidReferenceError,
    TensionReference,
    compute_i0,
    tension_arrays,
)
from data_access.vintages import as_of, current_coverage, current_facts, current_online


def release_freed_memory() -> bool:
    """Give the heap pages freed since the last call back to the system (glibc's
    ``malloc_trim``); False where the C library has no such call.

    Reading ten years of facts a year at a time leaves about 50 MB of freed rows in each worker's
    heap, which glibc keeps resident for reuse that never comes: the next load is a data
    version away.
    """
    try:
        # The symbols the process already has: the C library's, with no search for its file.
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    trim(0)
    return True


INDICATOR_COLUMNS = ["code", "name", "job_offers", "trainings", "tension_index", "tension_status"]
TREND_COLUMNS = ["month", "job_offers", "trainings", "tension_index", "tension_status"]


@dataclass(frozen=True)
class Figures:
    """Counts and tension of aligned keys (territory or scope codes, or months).

    Counts are floats with NaN where a measure has not been imported: arrays of a hundred
    values are read by the figure builders as they are, and turned into API rows at the edge.
    """

    keys: tuple[str, ...]
    job_offers: np.ndarray
    trainings: np.ndarray
    tension_index: np.ndarray
    tension_status: np.ndarray

    @classmethod
    def of(
        cls, keys: Sequence[str], offers: np.ndarray, trainings: np.ndarray, i0: float
    ) -> Figures:
        index, status = tension_arrays(offers, trainings, i0)
        return cls(tuple(keys), offers, trainings, index, status)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def empty(self) -> bool:
        return not self.keys

    def __getitem__(self, column: str) -> Any:
        """A column by its API name, as a figure builder reads a frame's: the keys answer to
        ``code`` and ``month``."""
        if column in ("code", "month"):
            return self.keys
        return getattr(self, column)

    @cached_property
    def position(self) -> dict[str, int]:
        return {key: i for i, key in enumerate(self.keys)}

    def at(self, key: str) -> Point | None:
        """The figures of one key (a month of a series), ``None`` when it is not there."""
        i = self.position.get(key)
        return None if i is None else self.point(i)

    def point(self, i: int) -> Point:
        """The figures at position ``i``."""
        return Point(
            _count(self.job_offers[i]),
            _count(self.trainings[i]),
            None if np.isnan(self.tension_index[i]) else float(self.tension_index[i]),
            str(self.tension_status[i]),
        )

    def frame(self, key_column: str = "code") -> pd.DataFrame:
        """The figures as API rows: nullable integer counts, NaN index, status text."""
        return pd.DataFrame(
            {
                key_column: list(self.keys),
                "job_offers": _counts(self.job_offers),
                "trainings": _counts(self.trainings),
                "tension_index": self.tension_index,
                "tension_status": self.tension_status,
            }
        )


@dataclass(frozen=True)
class Point:
    """One key's counts (``None`` when not imported), index (``None`` unless ok) and status."""

    job_offers: int | None
    trainings: int | None
    tension_index: float | None
    tension_status: str


def _count(value: float) -> int | None:
    return None if np.isnan(value) else int(value)


def _counts(values: np.ndarray) -> pd.arrays.IntegerArray:
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


@dataclass(frozen=True)
class ReadModel:
    """Every total of every imported month, by (measure, month, territory, scope)."""

    months: tuple[str, ...]  # every month with a measure imported, oldest first
    complete: tuple[str, ...]  # those with both measures: the months the product shows
    counts: np.ndarray  # float64 (measure, month, territory, scope), NaN where not imported
    territories: dict[tuple[str, str], int]
    scopes: dict[tuple[str, str], int]
    scope_codes: dict[str, tuple[str, ...]]  # scope level → its codes in the job map's order
    requested_reference: str
    measures: dict[str, tuple[str, ...]]  # month → the measures imported for it

    # -- loading -----------------------------------------------------------------------------
    @classmethod
    def load(
        cls, engine: Engine, catalog: Catalog, reference_month: str, vintage: int | None = None
    ) -> ReadModel:
        """Read the current facts a year at a time (ten years at once would need a gigabyte of
        rows for a moment, when the arrays they become take 35 MB), or the figures as they
        stood right after ``vintage``."""
        with engine.connect() as conn:
            if vintage is not None:
                past = as_of(conn, vintage)
                return cls._build(past.coverage, catalog, reference_month, past.of_months)
            return cls._build(
                current_coverage(conn),
                catalog,
                reference_month,
                lambda months: (current_facts(conn, months), current_online(conn, months)),
            )

    @classmethod
    def _build(
        cls,
        coverage: dict[str, set[str]],
        catalog: Catalog,
        reference_month: str,
        read: Callable[[list[str]], tuple[pd.DataFrame, pd.DataFrame]],
    ) -> ReadModel:
        """The model of the months in ``coverage``, whose facts and online trainings ``read``
        gives for a list of months."""
        months = sorted(coverage)
        starts = range(0, max(len(months), 1), 12)
        years = (
            _year_totals({m: coverage[m] for m in months[start : start + 12]}, read, catalog)
            for start in starts
        )
        first, grid = next(years)
        # Filled a year at a time: no second copy of the whole history while it is built.
        counts = np.empty((first.shape[0], len(months), *first.shape[2:]))
        counts[:, :12] = first
        release_freed_memory()
        for start, (part, _) in zip(starts[1:], years, strict=True):
            counts[:, start : start + 12] = part
            release_freed_memory()
        complete = tuple(m for m in months if len(coverage[m]) == len(MEASURES))
        scope_codes: dict[str, list[str]] = {}
        for level, code in zip(grid.scopes.levels, grid.scopes.codes, strict=True):
            scope_codes.setdefault(str(level), []).append(str(code))
        return cls(
            months=tuple(months),
            complete=complete,
            counts=counts,
            territories=_positions(grid.territories.levels, grid.territories.codes),
            scopes=_positions(grid.scopes.levels, grid.scopes.codes),
            scope_codes={level: tuple(codes) for level, codes in scope_codes.items()},
            requested_reference=reference_month,
            measures={m: tuple(x for x in MEASURES if x in coverage[m]) for m in months},
        )

    @property
    def incomplete_months(self) -> dict[str, list[str]]:
        """Months where only one measure has arrived, with the measures present."""
        return {m: list(x) for m, x in self.measures.items() if len(x) < len(MEASURES)}

    @cached_property
    def month_position(self) -> dict[str, int]:
        return {m: i for i, m in enumerate(self.months)}

    # -- the index's anchor ------------------------------------------------------------------
    @cached_property
    def reference(self) -> TensionReference:
        """The configured reference month, else the earliest complete one."""
        if not self.complete:
            raise InvalidReferenceError("no month has been imported yet")
        requested = self.requested_reference
        month = requested if requested in self.complete else self.complete[0]
        national = self._values([month], ("national", NATIONAL_CODE), ("all", ALL_SCOPE_CODE))[
            :, 0, 0
        ]
        offers, trainings = int(national[0]), int(national[1])
        return TensionReference(
            month=month,
            requested_month=requested,
            i0=compute_i0(offers, trainings, month),
            job_offers=offers,
            trainings=trainings,
        )

    @property
    def i0(self) -> float:
        return self.reference.i0

    # -- reading -----------------------------------------------------------------------------
    def _values(
        self,
        months: Sequence[str],
        territory: tuple[str, str] | Sequence[tuple[str, str]],
        scope: tuple[str, str] | Sequence[tuple[str, str]],
    ) -> np.ndarray:
        """``counts[:, months, territory(ies), scope(s)]``: absent keys give NaN."""
        m = np.array([self.month_position[x] for x in months], dtype=np.int64)
        t, s = np.broadcast_arrays(
            self._where(self.territories, territory), self._where(self.scopes, scope)
        )
        t, s = np.atleast_1d(t), np.atleast_1d(s)
        known = (t >= 0) & (s >= 0)
        # One gather of (measure, month, key) cells: slicing months first would copy whole
        # month slabs of 18,000 cells.
        out = self.counts[
            np.arange(len(MEASURES))[:, None, None],
            m[None, :, None],
            np.maximum(t, 0)[None, None, :],
            np.maximum(s, 0)[None, None, :],
        ]
        out[:, :, ~known] = np.nan
        return out

    @staticmethod
    def _where(
        index: dict[tuple[str, str], int], keys: tuple[str, str] | Sequence[tuple[str, str]]
    ) -> np.ndarray:
        # A pattern rather than ``isinstance`` tests: it tells one key from a sequence of keys
        # in a way the type checker follows too.
        match keys:
            case (str() as level, str() as code):
                return np.array(index.get((level, code), -1))
            case _:
                return np.array([index.get(key, -1) for key in keys], dtype=np.int64)

    def indicators(
        self, month: str, level: str, codes: Sequence[str], scope: tuple[str, str]
    ) -> Figures:
        """One month, the given territories of ``level``, one job scope."""
        values = self._values([month], [(level, c) for c in codes], scope)[:, 0]
        return Figures.of(codes, values[0], values[1], self.i0)

    def series(self, level: str, code: str, scope: tuple[str, str]) -> Figures:
        """Every complete month of one territory and job scope, oldest first."""
        values = self._values(self.complete, (level, code), scope)[:, :, 0]
        return Figures.of(self.complete, values[0], values[1], self.i0)

    def breakdown(
        self,
        months: Sequence[str],
        level: str,
        code: str,
        scope_level: str,
        scope_codes: Sequence[str] | None = None,
    ) -> Figures:
        """The job scopes of one level in one territory, summed over ``months`` (a quarter for
        the top 30); a scope with no month imported stays missing."""
        codes = tuple(self.scope_codes.get(scope_level, ()) if scope_codes is None else scope_codes)
        codes = tuple(sorted(codes))
        values = self._values(list(months), (level, code), [(scope_level, c) for c in codes])
        summed = (
            np.where(np.isnan(values).all(axis=1), np.nan, np.nansum(values, axis=1))
            if len(months)
            else np.full((len(MEASURES), len(codes)), np.nan)
        )
        return Figures.of(codes, summed[0], summed[1], self.i0)


def _year_totals(
    coverage: dict[str, set[str]],
    read: Callable[[list[str]], tuple[pd.DataFrame, pd.DataFrame]],
    catalog: Catalog,
) -> tuple[np.ndarray, Totals]:
    """The (measure, month, territory, scope) counts of some months, NaN where not imported."""
    facts, online = read(list(coverage))
    grid = totals(facts, online, coverage, catalog.job_map, catalog.departements)
    counts = np.stack([grid.values[m] for m in MEASURES]).astype(np.float64)
    for i, measure in enumerate(MEASURES):
        counts[i, ~grid.covered[measure]] = np.nan
    return counts, grid


def _positions(levels: np.ndarray, codes: np.ndarray) -> dict[tuple[str, str], int]:
    return {
        (str(level), str(code)): i
        for i, (level, code) in enumerate(zip(levels, codes, strict=True))
    }
