"""The training-place simulator: index and rank before and after opening trainings."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.shaping.simulator import simulate
from data_access.tension import add_tension

I0 = math.log(2.0)  # a territory with twice as many offers as trainings has index 1


def rows(data: list[tuple[str, int | None, int | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(data, columns=["code", "job_offers", "trainings"])
    frame["name"] = "Territory " + frame["code"]
    for column in ("job_offers", "trainings"):
        frame[column] = frame[column].astype("Int64")
    return add_tension(frame, I0)


FIELD = rows(
    [
        ("A", 400, 100),  # index 2
        ("B", 200, 100),  # index 1
        ("C", 100, 100),  # index 0
        ("D", 50, 0),  # no training: +inf, ranks first
        ("E", 0, 0),  # no data: not ranked
        ("F", 8, 2),  # index 2, but only 10 offers + trainings: fragile
    ]
)


def test_opening_trainings_lowers_the_index_and_the_rank() -> None:
    result = simulate(FIELD, "A", 100, I0, (758, 302), threshold=20, exclude_fragile=False)
    assert result.before.index == pytest.approx(2.0)
    assert result.after.trainings == 200
    assert result.after.index == pytest.approx(1.0)
    # before: D (+inf) first, A and F tie at 2 → A is 2nd; after: D, F, then A ties with B
    assert (result.before.rank, result.after.rank) == (2, 3)
    assert result.before.ranked == 5  # E has no data
    assert result.national_before == pytest.approx(math.log(758 / 302) / I0)
    assert result.national_after == pytest.approx(math.log(758 / 402) / I0)


def test_the_scenario_changes_no_other_territory() -> None:
    result = simulate(FIELD, "B", 50, I0, (758, 302), threshold=20, exclude_fragile=False)
    field = result.field.set_index("code")
    assert field.loc["A", "tension_index"] == pytest.approx(2.0)
    assert field.loc["C", "tension_index"] == pytest.approx(0.0)
    assert FIELD.set_index("code").loc["B", "trainings"] == 100  # the input is left alone


def test_first_trainings_turn_an_infinite_index_into_a_number() -> None:
    result = simulate(FIELD, "D", 25, I0, (758, 302), threshold=20, exclude_fragile=False)
    assert result.before.status == "no_trainings"
    assert result.before.rank == 1
    assert result.after.status == "ok"
    assert result.after.index == pytest.approx(1.0)


def test_excluding_fragile_values_removes_them_from_the_ranking() -> None:
    kept = simulate(FIELD, "A", 0, I0, (758, 302), threshold=20, exclude_fragile=False)
    excluded = simulate(FIELD, "A", 0, I0, (758, 302), threshold=20, exclude_fragile=True)
    assert kept.before.ranked == 5
    assert excluded.before.ranked == 4
    fragile = simulate(FIELD, "F", 0, I0, (758, 302), threshold=20, exclude_fragile=True)
    assert fragile.before.fragile
    assert fragile.before.rank is None
    # opening 15 trainings brings F over the threshold: it is ranked again
    grown = simulate(FIELD, "F", 15, I0, (758, 302), threshold=20, exclude_fragile=True)
    assert not grown.after.fragile
    assert grown.after.rank is not None


def test_unknown_territory_is_refused() -> None:
    with pytest.raises(KeyError):
        simulate(FIELD, "Z", 10, I0, (758, 302), threshold=20, exclude_fragile=False)
