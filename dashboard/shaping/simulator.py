"""The training-place simulator: what opening trainings would do to a territory's index and rank.

Pure functions over the indicator rows of one month, one territory level and one poste. Nothing
is written anywhere: the scenario only exists in the returned values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.shaping.changes import fragile_mask
from data_access.tension import TensionStatus, tension_index, tension_status

RANK_KEYS = {
    TensionStatus.NO_TRAININGS.value: math.inf,
    TensionStatus.NO_OFFERS.value: -math.inf,
}


@dataclass(frozen=True)
class Position:
    """One territory's figures in one scenario."""

    job_offers: int | None
    trainings: int | None
    index: float | None
    status: str
    fragile: bool
    rank: int | None  # 1 = highest tension; None when not ranked
    ranked: int  # how many territories the ranking holds


@dataclass(frozen=True)
class Simulation:
    """Today and the scenario, for the territory and for France."""

    code: str
    name: str
    plan: int
    before: Position
    after: Position
    national_before: float | None
    national_after: float | None
    national_status_before: str
    national_status_after: str
    field: pd.DataFrame  # code, name, tension_index, tension_status, fragile, rank (scenario)


def rank_keys(frame: pd.DataFrame) -> pd.Series:
    """Sort key of each row: the index, ±inf for the infinite statuses, NaN when undefined."""
    index = pd.to_numeric(frame["tension_index"]).astype("float64")
    infinite = frame["tension_status"].map(RANK_KEYS).astype("float64")
    return index.where(index.notna(), infinite)


def competition_ranks(keys: pd.Series, eligible: pd.Series) -> pd.Series:
    """1 + how many eligible rows have a strictly higher key; NaN for rows not ranked."""
    ranked = keys.where(eligible & keys.notna())
    return ranked.rank(method="min", ascending=False)


def _with_plan(frame: pd.DataFrame, code: str, plan: int, i0: float) -> pd.DataFrame:
    out = frame.copy()
    target = out["code"] == code
    trainings = pd.to_numeric(out["trainings"]).astype("Float64")
    out["trainings"] = trainings.where(~target, trainings.fillna(0) + plan)
    offers = out.loc[target, "job_offers"].iloc[0]
    new_trainings = out.loc[target, "trainings"].iloc[0]
    offers_v = None if pd.isna(offers) else int(offers)
    trainings_v = None if pd.isna(new_trainings) else int(new_trainings)
    index = tension_index(offers_v, trainings_v, i0)
    out["tension_index"] = pd.to_numeric(out["tension_index"]).astype("float64")
    out.loc[target, "tension_index"] = np.nan if index is None else index
    out.loc[target, "tension_status"] = tension_status(offers_v, trainings_v).value
    return out


def _ranked(frame: pd.DataFrame, threshold: int, exclude_fragile: bool) -> pd.DataFrame:
    """A copy of the rows with their ``fragile`` flag and ``rank`` (NaN when not ranked)."""
    out = frame.copy()
    out["fragile"] = fragile_mask(out["job_offers"], out["trainings"], threshold)
    eligible = ~out["fragile"] if exclude_fragile else pd.Series(True, index=out.index)
    out["rank"] = competition_ranks(rank_keys(out), eligible)
    return out


def _position(ranked: pd.DataFrame, code: str) -> Position:
    row = ranked.loc[ranked["code"] == code].iloc[0]
    return Position(
        job_offers=None if pd.isna(row["job_offers"]) else int(row["job_offers"]),
        trainings=None if pd.isna(row["trainings"]) else int(row["trainings"]),
        index=None if pd.isna(row["tension_index"]) else float(row["tension_index"]),
        status=str(row["tension_status"]),
        fragile=bool(row["fragile"]),
        rank=None if pd.isna(row["rank"]) else int(row["rank"]),
        ranked=int(ranked["rank"].notna().sum()),
    )


def simulate(
    rows: pd.DataFrame,
    code: str,
    plan: int,
    i0: float,
    national: tuple[int | None, int | None],
    threshold: int,
    exclude_fragile: bool,
) -> Simulation:
    """Open ``plan`` trainings in territory ``code``; every other territory stays as it is.

    ``rows`` are the indicator rows of every territory of the level for one poste and month;
    ``national`` is France's (offers, trainings) for that poste, which the new trainings join.
    """
    if code not in set(rows["code"]):
        raise KeyError(code)
    today = _ranked(rows, threshold, exclude_fragile)
    scenario = _ranked(_with_plan(rows, code, plan, i0), threshold, exclude_fragile)
    offers, trainings = national
    national_after_trainings = None if trainings is None else trainings + plan
    return Simulation(
        code=code,
        name=str(rows.loc[rows["code"] == code, "name"].iloc[0]),
        plan=plan,
        before=_position(today, code),
        after=_position(scenario, code),
        national_before=tension_index(offers, trainings, i0),
        national_after=tension_index(offers, national_after_trainings, i0),
        national_status_before=tension_status(offers, trainings).value,
        national_status_after=tension_status(offers, national_after_trainings).value,
        field=scenario[["code", "name", "tension_index", "tension_status", "fragile", "rank"]],
    )
