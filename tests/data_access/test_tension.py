"""The tension index: definition, edge cases, and aggregation by sums."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from data_access.tension import (
    InvalidReferenceError,
    TensionStatus,
    add_tension,
    compute_i0,
    tension_index,
    tension_status,
)

counts = st.integers(min_value=0, max_value=10_000_000)
positive = st.integers(min_value=1, max_value=10_000_000)


def test_reference_ratio_itself_scores_exactly_one() -> None:
    i0 = compute_i0(83_588, 13_999, "2023-01")
    assert tension_index(83_588, 13_999, i0) == pytest.approx(1.0)


def test_equal_offers_and_trainings_score_zero() -> None:
    assert tension_index(500, 500, compute_i0(2, 1, "x")) == 0.0


def test_index_is_natural_log_ratio_over_i0() -> None:
    i0 = math.log(6)
    assert tension_index(100, 10, i0) == pytest.approx(math.log(10) / math.log(6))


@pytest.mark.parametrize(
    ("offers", "trainings", "status"),
    [
        (10, 0, TensionStatus.NO_TRAININGS),
        (0, 10, TensionStatus.NO_OFFERS),
        (0, 0, TensionStatus.NO_DATA),
        (None, 5, TensionStatus.NO_DATA),
        (5, None, TensionStatus.NO_DATA),
        (3, 4, TensionStatus.OK),
    ],
)
def test_status_names_each_edge_case(offers, trainings, status) -> None:
    assert tension_status(offers, trainings) is status
    value = tension_index(offers, trainings, 1.0)
    assert (value is None) == (status is not TensionStatus.OK)


@pytest.mark.parametrize(("offers", "trainings"), [(10, 10), (5, 10), (0, 10), (10, 0)])
def test_reference_month_without_positive_log_ratio_is_refused(offers, trainings) -> None:
    with pytest.raises(InvalidReferenceError, match="reference month 2022-10"):
        compute_i0(offers, trainings, "2022-10")


def test_non_positive_i0_is_refused_by_every_entry_point() -> None:
    with pytest.raises(InvalidReferenceError):
        tension_index(1, 1, 0.0)
    with pytest.raises(InvalidReferenceError):
        add_tension(pd.DataFrame({"job_offers": [1], "trainings": [1]}), -1.0)


def test_vectorised_index_matches_scalar_definition_on_every_status() -> None:
    frame = pd.DataFrame(
        {
            "job_offers": pd.array([100, 0, 7, 0, None, 3], dtype="Int64"),
            "trainings": pd.array([10, 4, 0, 0, 2, 3], dtype="Int64"),
        }
    )
    out = add_tension(frame, 2.0)
    assert list(out["tension_status"]) == [
        "ok",
        "no_offers",
        "no_trainings",
        "no_data",
        "no_data",
        "ok",
    ]
    assert out["tension_index"].iloc[0] == pytest.approx(math.log(10) / 2)
    assert out["tension_index"].iloc[1:5].isna().all()
    assert out["tension_index"].iloc[5] == 0.0


@given(offers=positive, trainings=positive, i0=st.floats(min_value=0.01, max_value=20))
def test_index_is_finite_and_antisymmetric_for_positive_counts(offers, trainings, i0) -> None:
    forward = tension_index(offers, trainings, i0)
    backward = tension_index(trainings, offers, i0)
    assert forward is not None
    assert backward is not None
    assert math.isfinite(forward)
    assert forward == pytest.approx(-backward, abs=1e-12)
    assert (forward > 0) == (offers > trainings)


@given(offers=counts, trainings=counts)
def test_index_is_null_exactly_when_status_is_not_ok(offers, trainings) -> None:
    status = tension_status(offers, trainings)
    value = tension_index(offers, trainings, 1.5)
    assert (value is None) == (status is not TensionStatus.OK)


@given(
    parts=st.lists(st.tuples(positive, positive), min_size=2, max_size=20),
)
def test_aggregate_uses_summed_counts_not_mean_of_indices(parts) -> None:
    frame = pd.DataFrame(parts, columns=["job_offers", "trainings"])
    total = add_tension(frame[["job_offers", "trainings"]].sum().to_frame().T, 1.0)
    expected = math.log(frame["job_offers"].sum() / frame["trainings"].sum())
    assert total["tension_index"].iloc[0] == pytest.approx(expected)
