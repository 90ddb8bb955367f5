"""GEN's tension index, defined once for the whole product.

    i = ln(O / T) / i0,   i0 = ln(O_ref / T_ref)

where O_ref and T_ref are the national totals, all postes together (online trainings included),
of the reference month. Aggregates always take the log of summed offers over summed trainings:
indices are never averaged. Infinite or undefined values are carried as a status with a null
index, because JSON has no infinity and a fake number would mislead a reader.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd


class TensionStatus(StrEnum):
    """Why an index has (or has no) finite value."""

    OK = "ok"
    NO_TRAININGS = "no_trainings"  # offers > 0, trainings = 0: i = +inf
    NO_OFFERS = "no_offers"  # offers = 0, trainings > 0: i = -inf
    NO_DATA = "no_data"  # both 0, or a measure not imported: undefined


class InvalidReferenceError(ValueError):
    """The reference month cannot anchor the index (i0 would not be positive)."""


@dataclass(frozen=True)
class TensionReference:
    """The month whose national ratio defines 1 on the index scale, and its log ratio."""

    month: str
    requested_month: str
    i0: float
    job_offers: int
    trainings: int


def tension_status(job_offers: int | None, trainings: int | None) -> TensionStatus:
    """Classify a pair of counts; a missing measure is treated as no data."""
    if job_offers is None or trainings is None:
        return TensionStatus.NO_DATA
    if job_offers > 0 and trainings > 0:
        return TensionStatus.OK
    if job_offers > 0:
        return TensionStatus.NO_TRAININGS
    if trainings > 0:
        return TensionStatus.NO_OFFERS
    return TensionStatus.NO_DATA


def tension_index(job_offers: int | None, trainings: int | None, i0: float) -> float | None:
    """Finite index for an ``ok`` pair, ``None`` otherwise (see ``tension_status``)."""
    if i0 <= 0 or not math.isfinite(i0):
        raise InvalidReferenceError(f"i0 must be a positive finite number, got {i0}")
    if job_offers is None or trainings is None or job_offers <= 0 or trainings <= 0:
        return None
    return math.log(job_offers / trainings) / i0


def compute_i0(job_offers: int, trainings: int, month: str) -> float:
    """Log ratio of the reference month; refused unless strictly positive and finite."""
    if job_offers <= 0 or trainings <= 0:
        raise InvalidReferenceError(
            f"reference month {month}: the index needs offers and trainings above zero "
            f"(offers={job_offers}, trainings={trainings})"
        )
    i0 = math.log(job_offers / trainings)
    if i0 <= 0:
        raise InvalidReferenceError(
            f"reference month {month}: offers ({job_offers}) do not exceed trainings "
            f"({trainings}), so ln(offers/trainings) = {i0:.4f} cannot serve as i0"
        )
    return i0


def tension_arrays(
    job_offers: np.ndarray, trainings: np.ndarray, i0: float
) -> tuple[np.ndarray, np.ndarray]:
    """Index (NaN when not ok) and status of aligned float arrays of counts (NaN = missing).

    Works on whole columns so that a map of 101 départements or a 10-year series costs one
    vectorised pass.
    """
    if i0 <= 0 or not math.isfinite(i0):
        raise InvalidReferenceError(f"i0 must be a positive finite number, got {i0}")
    known = ~(np.isnan(job_offers) | np.isnan(trainings))
    has_o = known & (job_offers > 0)
    has_t = known & (trainings > 0)
    ok = has_o & has_t
    status = np.where(
        ok,
        TensionStatus.OK.value,
        np.where(
            has_o,
            TensionStatus.NO_TRAININGS.value,
            np.where(has_t, TensionStatus.NO_OFFERS.value, TensionStatus.NO_DATA.value),
        ),
    ).astype(object)
    index = np.full(len(job_offers), np.nan)
    index[ok] = np.log(job_offers[ok] / trainings[ok]) / i0
    return index, status


def add_tension(frame: pd.DataFrame, i0: float) -> pd.DataFrame:
    """Return a copy with ``tension_index`` (float, NaN when not ok) and ``tension_status``;
    ``job_offers``/``trainings`` may hold missing values for measures not imported yet."""
    out = frame.copy()
    offers = pd.to_numeric(out["job_offers"], errors="coerce").astype("float64").to_numpy()
    trainings = pd.to_numeric(out["trainings"], errors="coerce").astype("float64").to_numpy()
    index, status = tension_arrays(offers, trainings, i0)
    out["tension_index"] = index
    out["tension_status"] = pd.Series(status, index=out.index, dtype="object")
    return out
