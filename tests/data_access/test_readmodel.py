"""The in-memory read model serves exactly the totals the importer wrote to ``rollup``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from data_access import schema
from data_access.db import make_engine
from data_access.queries import Repository
from data_access.readmodel import ReadModel
from tests.fixtures import FIXTURE_MONTHS


@pytest.fixture
def stored(sqlite_url: str) -> tuple[ReadModel, pd.DataFrame]:
    engine = make_engine(sqlite_url)
    model = ReadModel.load(engine, Repository(engine, "2022-10").catalog(), "2022-10")
    with engine.connect() as conn:
        result = conn.execute(select(schema.rollup))
        rollup = pd.DataFrame(list(map(tuple, result)), columns=list(result.keys()))
    return model, rollup


def test_every_rollup_row_is_the_read_model_total(stored) -> None:
    model, rollup = stored
    assert len(rollup) == len(model.months) * len(model.territories) * len(model.scopes)
    for measure_position, measure in enumerate(schema.MEASURES):
        values = model.counts[
            measure_position,
            [model.month_position[m] for m in rollup["month"]],
            [
                model.territories[k]
                for k in zip(rollup.territory_level, rollup.territory_code, strict=True)
            ],
            [model.scopes[k] for k in zip(rollup.scope_level, rollup.scope_code, strict=True)],
        ]
        expected = rollup[measure].astype("float64").to_numpy()
        assert np.array_equal(values, expected, equal_nan=True), measure


def test_series_holds_complete_months_and_index_one_at_the_reference(stored) -> None:
    model, _ = stored
    series = model.series("national", "FR", ("all", "all"))
    assert series.keys == FIXTURE_MONTHS
    assert series.at("2022-10").tension_index == pytest.approx(1.0)
    assert series.at("1999-01") is None


def test_unknown_codes_read_as_missing_not_as_another_territory(stored) -> None:
    model, _ = stored
    figures = model.indicators(FIXTURE_MONTHS[0], "department", ["35", "ZZ"], ("all", "all"))
    assert not math.isnan(figures.job_offers[0])
    assert math.isnan(figures.job_offers[1])
    assert figures.tension_status[1] == "no_data"


def test_breakdown_sums_months_and_keeps_codes_sorted(stored) -> None:
    model, _ = stored
    months = FIXTURE_MONTHS[:2]
    both = model.breakdown(months, "region", "53", "family")
    assert list(both.keys) == sorted(both.keys)
    each = [model.breakdown([m], "region", "53", "family") for m in months]
    assert np.array_equal(both.job_offers, each[0].job_offers + each[1].job_offers)
