"""The read model: every (territory, job scope) total of a month, computed in one place.

A month's 10,807 département × poste cells become 18,000 rollup rows (120 territories × 150 job
scopes). Reading a map, a breakdown or a 10-year series is then an index lookup, never a scan of
the fact table, whatever the length of the history.
"""

from __future__ import annotations

from collections.abc import Mapping

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


def _territory_codes(departements: pd.DataFrame) -> dict[str, pd.Series]:
    return {
        "national": pd.Series([NATIONAL_CODE] * len(departements), index=departements["code"]),
        "region": pd.Series(departements["region_code"].to_numpy(), index=departements["code"]),
        "department": pd.Series(departements["code"].to_numpy(), index=departements["code"]),
    }


def _scope_codes(job_map: pd.DataFrame) -> dict[str, pd.Series]:
    index = job_map["poste_code"]
    return {
        "all": pd.Series([ALL_SCOPE_CODE] * len(job_map), index=index),
        "family": pd.Series(job_map["family_code"].to_numpy(), index=index),
        "metier": pd.Series(job_map["metier_code"].to_numpy(), index=index),
        "poste": pd.Series(job_map["poste_code"].to_numpy(), index=index),
    }


def _grid(months: list[str], departements: pd.DataFrame, job_map: pd.DataFrame) -> pd.DataFrame:
    territories = pd.concat(
        [
            pd.DataFrame({"territory_level": "national", "territory_code": [NATIONAL_CODE]}),
            pd.DataFrame(
                {
                    "territory_level": "region",
                    "territory_code": sorted(departements["region_code"].unique()),
                }
            ),
            pd.DataFrame({"territory_level": "department", "territory_code": departements["code"]}),
        ]
    )
    scopes = pd.concat(
        [
            pd.DataFrame({"scope_level": "all", "scope_code": [ALL_SCOPE_CODE]}),
            pd.DataFrame({"scope_level": "family", "scope_code": job_map["family_code"].unique()}),
            pd.DataFrame({"scope_level": "metier", "scope_code": job_map["metier_code"].unique()}),
            pd.DataFrame({"scope_level": "poste", "scope_code": job_map["poste_code"]}),
        ]
    )
    month_frame = pd.DataFrame({"month": months})
    return month_frame.merge(territories, how="cross").merge(scopes, how="cross")


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
    """
    months = sorted(coverage)
    facts = facts[facts["month"].isin(months)]
    online = online[online["month"].isin(months)]
    territory_codes = _territory_codes(departements)
    scope_codes = _scope_codes(job_map)
    values = facts[["job_offers", "trainings"]].astype("float64").fillna(0.0)
    parts: list[pd.DataFrame] = []
    for territory_level, by_department in territory_codes.items():
        territory = by_department.reindex(facts["department"]).to_numpy()
        for scope_level, by_poste in scope_codes.items():
            scope = by_poste.reindex(facts["poste"]).to_numpy()
            keyed = values.assign(
                month=facts["month"].to_numpy(),
                territory_level=territory_level,
                territory_code=territory,
                scope_level=scope_level,
                scope_code=scope,
            )
            parts.append(
                keyed.groupby(
                    ["month", "territory_level", "territory_code", "scope_level", "scope_code"],
                    as_index=False,
                )[["job_offers", "trainings"]].sum()
            )
    for scope_level, by_poste in scope_codes.items():
        keyed = pd.DataFrame(
            {
                "month": online["month"].to_numpy(),
                "territory_level": "national",
                "territory_code": NATIONAL_CODE,
                "scope_level": scope_level,
                "scope_code": by_poste.reindex(online["poste"]).to_numpy(),
                "job_offers": 0.0,
                "trainings": online["trainings"].astype("float64").fillna(0.0).to_numpy(),
            }
        )
        parts.append(keyed)
    keys = ["month", "territory_level", "territory_code", "scope_level", "scope_code"]
    summed = pd.concat(parts, ignore_index=True).groupby(keys, as_index=False).sum()
    result = _grid(months, departements, job_map).merge(summed, on=keys, how="left")
    for measure in MEASURES:
        result[measure] = result[measure].fillna(0.0).round().astype("Int64")
        uncovered = ~result["month"].map(lambda m, ms=measure: ms in coverage[m])
        result.loc[uncovered, measure] = pd.NA
    # In primary-key order, so that the index grows at its right edge while rows are written.
    pk = ["month", "territory_level", "scope_level", "scope_code", "territory_code"]
    return result.sort_values(pk, ignore_index=True)[ROLLUP_COLUMNS]
