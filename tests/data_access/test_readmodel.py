"""The in-memory read model serves exactly the totals the importer wrote to ``rollup``."""

from __future__ import annotations

import math
import platform
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from data_access import schema
from data_access.db import make_engine
from data_access.queries import Repository
from data_access.readmodel import ReadModel, release_freed_memory
from tests.fixtures import FIXTURE_MONTHS, build_fixture_database


def rollup_of(engine) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(select(schema.rollup))
        return pd.DataFrame(list(map(tuple, result)), columns=list(result.keys()))


@pytest.fixture
def stored(sqlite_url: str) -> tuple[ReadModel, pd.DataFrame]:
    engine = make_engine(sqlite_url)
    model = ReadModel.load(engine, Repository(engine, "2022-10").catalog(), "2022-10")
    return model, rollup_of(engine)


def assert_model_holds_rollup(model: ReadModel, rollup: pd.DataFrame) -> None:
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


def test_every_rollup_row_is_the_read_model_total(stored) -> None:
    assert_model_holds_rollup(*stored)


def test_a_history_of_several_years_read_a_year_at_a_time_is_the_rollup(tmp_path) -> None:
    months = (*(f"2022-{month:02d}" for month in range(1, 13)), "2023-01")
    url = f"sqlite:///{tmp_path / 'years.sqlite3'}"
    build_fixture_database(url, tmp_path, months=months)
    engine = make_engine(url)
    model = ReadModel.load(engine, Repository(engine, "2022-10").catalog(), "2022-10")
    assert model.months == months
    assert_model_holds_rollup(model, rollup_of(engine))


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_heap_pages_go_back_to_the_system() -> None:
    # Blocks above pymalloc's 512 bytes come from malloc; keeping one in fifty alive leaves
    # the freed ones scattered, where glibc keeps them resident until trimmed.
    blocks = [bytes(1000 + i % 7) for i in range(80_000)]
    kept = blocks[::50]
    del blocks
    before = resident_kb()
    assert release_freed_memory()
    assert before - resident_kb() > 20_000, "less than 20 MB of the 80 MB freed was given back"
    assert len(kept) == 1_600


def resident_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS in /proc/self/status")


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
