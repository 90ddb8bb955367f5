"""Every (territory, job scope) total of a month, computed in one place.

A month's 10,807 département × poste cells become 18,000 totals (120 territories × 150 job
scopes). ``totals`` computes them for the in-memory read model every page reads
(``readmodel``) and for the ``rollup`` table written at each import, so the two cannot differ.

The totals are matrix products: the facts of the months form a month × département × poste cube,
and each territory (nation, region, département) and each scope (all jobs, family, métier,
poste) is a 0/1 membership vector over départements or postes. Ten years (2.2 M rollup rows) take
well under a second, with no grouping of text keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_access.schema import ALL_SCOPE_CODE, MEASURES, NATIONAL_CODE

ROLLUP_COLUMNS = [
    "month",
    "territory_level",
    "territory_code",
    "scope_level",
    "scope_code",
    "job_offers",
    "trainings",
]
# The rollup's primary key after the month: rows are produced in this order, so that the index
# grows at its right edge while they are written.
_KEY_ORDER = ["territory_level", "scope_level", "scope_code", "territory_code"]


@dataclass(frozen=True)
class _Axis:
    """One side of the grid: its members (level and code) and which base items each one sums.

    ``membership[b, k]`` is 1 when base item ``b`` (a département, a poste) counts in member
    ``k`` (a territory, a scope).
    """

    levels: np.ndarray
    codes: np.ndarray
    base: pd.Index
    membership: np.ndarray

    @classmethod
    def build(cls, base: pd.Series, groups: list[tuple[str, pd.Series]]) -> _Axis:
        """Members level by level; each level maps every base item to one member code."""
        levels: list[str] = []
        codes: list[str] = []
        columns: list[np.ndarray] = []
        for level, member_of in groups:
            member_codes = pd.unique(member_of.to_numpy())
            position = pd.Index(member_codes).get_indexer(member_of.to_numpy())
            block = np.zeros((len(base), len(member_codes)))
            block[np.arange(len(base)), position] = 1.0
            levels.extend([level] * len(member_codes))
            codes.extend(member_codes)
            columns.append(block)
        return cls(
            np.array(levels, dtype=object),
            np.array(codes, dtype=object),
            pd.Index(base.to_numpy()),
            np.hstack(columns),
        )


def _territories(departements: pd.DataFrame) -> _Axis:
    """The nation, each region and each département, over the départements."""
    codes = departements["code"]
    return _Axis.build(
        codes,
        [
            ("national", pd.Series([NATIONAL_CODE] * len(codes))),
            ("region", departements["region_code"]),
            ("department", codes),
        ],
    )


def _scopes(job_map: pd.DataFrame) -> _Axis:
    """All jobs, each family, each métier and each poste, over the postes."""
    postes = job_map["poste_code"]
    return _Axis.build(
        postes,
        [
            ("all", pd.Series([ALL_SCOPE_CODE] * len(postes))),
            ("family", job_map["family_code"]),
            ("metier", job_map["metier_code"]),
            ("poste", postes),
        ],
    )


@dataclass(frozen=True)
class _Cells:
    """Where the rows of a frame fall in a dense month × axes array, located once for all
    measures; rows whose codes are on no axis (a retired code still in the facts) are left out."""

    shape: tuple[int, ...]
    flat: np.ndarray
    known: np.ndarray

    @classmethod
    def locate(
        cls, months: pd.Index, rows: pd.DataFrame, axes: list[tuple[str, pd.Index]]
    ) -> _Cells:
        positions = [months.get_indexer(rows["month"])]
        positions += [index.get_indexer(rows[column]) for column, index in axes]
        known = np.logical_and.reduce([p >= 0 for p in positions])
        shape = (len(months), *(len(index) for _, index in axes))
        return cls(shape, np.ravel_multi_index([p[known] for p in positions], shape), known)

    def cube(self, rows: pd.DataFrame, measure: str) -> np.ndarray:
        """One measure summed into the array, 0 where no row falls."""
        weights = rows[measure].to_numpy(dtype="float64", na_value=0.0)[self.known]
        size = int(np.prod(self.shape))
        return np.bincount(self.flat, weights=weights, minlength=size).reshape(self.shape)


def _key_order(territories: _Axis, scopes: _Axis) -> tuple[np.ndarray, np.ndarray]:
    """Territory and scope member of each row of one month, in primary-key order."""
    grid = pd.DataFrame(
        {
            "territory": np.repeat(np.arange(len(territories.codes)), len(scopes.codes)),
            "scope": np.tile(np.arange(len(scopes.codes)), len(territories.codes)),
        }
    )
    grid["territory_level"] = territories.levels[grid["territory"]]
    grid["territory_code"] = territories.codes[grid["territory"]]
    grid["scope_level"] = scopes.levels[grid["scope"]]
    grid["scope_code"] = scopes.codes[grid["scope"]]
    ordered = grid.sort_values(_KEY_ORDER, kind="stable")
    return ordered["territory"].to_numpy(), ordered["scope"].to_numpy()


@dataclass(frozen=True)
class Totals:
    """Every (territory, scope) total of some months: one ``month × territory × scope`` array
    per measure, and which months cover each measure (the others' totals mean nothing)."""

    months: pd.Index
    territories: _Axis
    scopes: _Axis
    values: dict[str, np.ndarray]
    covered: dict[str, np.ndarray]


def totals(
    facts: pd.DataFrame,
    online: pd.DataFrame,
    coverage: Mapping[str, set[str]],
    job_map: pd.DataFrame,
    departements: pd.DataFrame,
) -> Totals:
    """The totals of the months in ``coverage`` (see ``compute_rollup`` for the inputs).

    The rollup table and the dashboard's in-memory read model both come from here, so the
    figures stored and the figures served are computed by the same products.
    """
    months = pd.Index(sorted(coverage))
    territories, scopes = _territories(departements), _scopes(job_map)
    national = int(np.flatnonzero(territories.levels == "national")[0])
    axes = [("department", territories.base), ("poste", scopes.base)]
    cells = _Cells.locate(months, facts, axes)
    online_cells = _Cells.locate(months, online, axes[1:])
    values: dict[str, np.ndarray] = {}
    covered: dict[str, np.ndarray] = {}
    for measure in MEASURES:
        # (month, département, poste) → (month, territory, scope), by two matrix products.
        summed = territories.membership.T @ (cells.cube(facts, measure) @ scopes.membership)
        if measure == "trainings":  # online-only trainings count nationally
            summed[:, national, :] += online_cells.cube(online, measure) @ scopes.membership
        values[measure] = np.rint(summed)
        covered[measure] = np.array([measure in coverage[m] for m in months], dtype=bool)
    return Totals(months, territories, scopes, values, covered)


def rollup_columns(
    facts: pd.DataFrame,
    online: pd.DataFrame,
    coverage: Mapping[str, set[str]],
    job_map: pd.DataFrame,
    departements: pd.DataFrame,
) -> dict[str, np.ndarray | pd.arrays.IntegerArray]:
    """The rollup rows of the months in ``coverage``, column by column (see ``compute_rollup``).

    Text columns are object arrays and counts nullable integer arrays: the writers take them as
    they are, without the cost of a data frame of two million rows.
    """
    grid = totals(facts, online, coverage, job_map, departements)
    territories, scopes, months = grid.territories, grid.scopes, grid.months
    territory_of, scope_of = _key_order(territories, scopes)
    columns: dict[str, np.ndarray | pd.arrays.IntegerArray] = {
        "month": np.repeat(months.to_numpy(dtype=object), len(territory_of)),
        "territory_level": np.tile(territories.levels[territory_of], len(months)),
        "territory_code": np.tile(territories.codes[territory_of], len(months)),
        "scope_level": np.tile(scopes.levels[scope_of], len(months)),
        "scope_code": np.tile(scopes.codes[scope_of], len(months)),
    }
    for measure in MEASURES:
        values = grid.values[measure][:, territory_of, scope_of].astype(np.int64)
        missing = np.repeat(~grid.covered[measure], len(territory_of))
        columns[measure] = pd.arrays.IntegerArray(values.reshape(-1), missing)
    return columns


def compute_rollup(
    facts: pd.DataFrame,
    online: pd.DataFrame,
    coverage: Mapping[str, set[str]],
    job_map: pd.DataFrame,
    departements: pd.DataFrame,
) -> pd.DataFrame:
    """Totals for every territory × job scope of the months in ``coverage``.

    ``facts`` holds département rows (month, department, poste, job_offers, trainings), absent
    cells counting as 0 for a measure the month covers; ``online`` holds online-only trainings,
    which count in national totals only. A measure a month does not cover is left missing.
    Rows come in primary-key order.
    """
    columns = rollup_columns(facts, online, coverage, job_map, departements)
    return pd.DataFrame(columns, columns=ROLLUP_COLUMNS)
