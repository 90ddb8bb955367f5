"""Pure shaping: key figures, quarters, top 30 ranking, geometry index."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.shaping.transforms import (
    key_figures,
    map_geometry,
    previous_quarter,
    quarter_months,
    quarter_of,
    rank_change_text,
    top_postes,
)
from data_access.readmodel import Figures
from data_access.reference import load_job_map
from geodata import load_departements_geojson, load_insets
from tests.dashboard.figures_of import figures

series = figures


def test_key_figures_compare_with_previous_month_and_year() -> None:
    data = series(
        [
            ("2023-01", 100, 50, 0.5, "ok"),
            ("2023-12", 200, 80, 0.9, "ok"),
            ("2024-01", 220, 40, 1.2, "ok"),
        ]
    )
    offers, trainings, index = key_figures(data, "2024-01")
    assert (offers.value, offers.change_month, offers.change_year) == (220, 0.1, 1.2)
    assert trainings.change_month == pytest.approx(-0.5)
    assert trainings.change_year == pytest.approx(-0.2)
    assert index.change_month == pytest.approx(0.3)
    assert index.change_year == pytest.approx(0.7)


def test_key_figures_without_comparison_months_leave_changes_empty() -> None:
    offers, _, index = key_figures(series([("2022-10", 10, 0, None, "no_trainings")]), "2022-10")
    assert offers.change_month is None
    assert offers.change_year is None
    assert index.value is None
    assert index.status == "no_trainings"


def test_quarters_follow_the_calendar() -> None:
    available = ("2023-11", "2023-12", "2024-01", "2024-02", "2024-04")
    assert quarter_of("2024-02") == (2024, 1)
    assert quarter_months(2024, 1, available) == ("2024-01", "2024-02")
    assert previous_quarter(2024, 1) == (2023, 4)
    assert quarter_months(2023, 4, available) == ("2023-11", "2023-12")


def _scores(values: dict[str, tuple[int, int]]) -> Figures:
    return figures(
        [
            (code, offers, trainings, math.log(max(offers, 1) / max(trainings, 1)), "ok")
            for code, (offers, trainings) in values.items()
        ]
    )


def test_top_postes_rank_by_offers_with_rank_changes_and_new_entries() -> None:
    codes = list(load_job_map()["poste_code"])
    current = _scores({codes[i]: (100 - i, 10) for i in range(40)})
    previous = _scores({codes[i]: (200 - (i if i != 3 else 150), 10) for i in range(35)})
    top = top_postes(current, previous, n=30)
    assert len(top) == 30
    assert [p.rank for p in top] == list(range(1, 31))
    assert [p.code for p in top[:3]] == codes[:3]
    # codes[3] was 34th of the previous quarter: outside its top 30, so "new".
    assert top[3].is_new
    # codes[4] was 4th (codes[3] dropped behind it) and is 5th now: down one place.
    assert top[4].rank_change == -1


def test_top_postes_without_previous_quarter_mark_no_trend() -> None:
    codes = list(load_job_map()["poste_code"])
    top = top_postes(_scores({codes[i]: (10 + i, 1) for i in range(5)}), None)
    assert all(p.rank_change is None for p in top)
    assert not any(p.is_new for p in top)


def test_postes_without_offers_are_not_ranked() -> None:
    codes = list(load_job_map()["poste_code"])
    current = _scores({codes[0]: (0, 5), codes[1]: (3, 1)})
    assert [p.code for p in top_postes(current, None)] == [codes[1]]


def test_fragile_postes_are_left_out_of_both_rankings_when_asked() -> None:
    codes = list(load_job_map()["poste_code"])
    current = _scores({codes[0]: (5, 1), codes[1]: (50, 10), codes[2]: (40, 10)})
    previous = _scores({codes[0]: (9, 1), codes[1]: (50, 10), codes[2]: (60, 10)})
    top = top_postes(current, previous, threshold=20, exclude_fragile=True)
    assert [(p.code, p.rank, p.rank_change) for p in top] == [(codes[1], 1, 1), (codes[2], 2, -1)]
    kept = top_postes(current, previous, threshold=20)
    assert [p.fragile for p in kept] == [False, False, True]


@pytest.mark.parametrize(
    ("change", "is_new", "text"),
    [
        (3, False, "▲ 3"),
        (-2, False, "▼ 2"),
        (0, False, "="),
        (None, True, "new"),
        (pd.NA, False, ""),
    ],
)
def test_rank_change_text(change, is_new, text) -> None:
    assert rank_change_text(change, is_new, "new") == text


def test_geometry_index_covers_every_departement_and_region() -> None:
    geometry = map_geometry(load_departements_geojson(), load_insets(), "/x.geojson")
    assert len(geometry.feature_ids) == 101
    assert geometry.feature_ids["75"] == ("75", "75-zoom")
    assert len(geometry.region_bounds) == 18
    lon0, lat0, lon1, lat1 = geometry.region_bounds["53"]
    assert -5.5 < lon0 < lon1 < -0.9
    assert 47.0 < lat0 < lat1 < 49.0
    full = geometry.bounds
    assert full[0] <= lon0
    assert full[2] >= lon1
