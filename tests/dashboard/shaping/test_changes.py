"""What changed: comparisons between months and the sentences written from them."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.shaping.changes import (
    biggest_mover,
    change_facts,
    compare,
    fragile_mask,
    mover_sentence,
    shift_month,
    summary_sentences,
)
from data_access.readmodel import Figures
from tests.dashboard.figures_of import figures


def frame(rows: list[tuple]) -> Figures:
    """Territory rows (code, name, offers, trainings, index, status); names are dropped."""
    return figures([(code, *rest) for code, _name, *rest in rows])


series = figures


def test_shift_month_crosses_years() -> None:
    assert shift_month("2024-03", 12) == "2023-03"
    assert shift_month("2024-01", 1) == "2023-12"
    assert shift_month("2023-12", 0) == "2023-12"


def test_fragile_when_offers_plus_trainings_below_threshold() -> None:
    offers = pd.Series([10, 5, None, 0])
    trainings = pd.Series([10, 4, 30, 0])
    assert fragile_mask(offers, trainings, 20).tolist() == [False, True, False, True]


def test_compare_gives_relative_count_changes_and_absolute_index_change() -> None:
    now = frame(
        [("29", "Finistère", 120, 40, 1.1, "ok"), ("56", "Morbihan", 5, 0, None, "no_trainings")]
    )
    before = frame(
        [("29", "Finistère", 100, 40, 0.8, "ok"), ("56", "Morbihan", 0, 3, None, "no_offers")]
    )
    names = ["Finistère", "Morbihan"]
    out = compare(now, before, threshold=20).frame(names).set_index("code")
    assert out.loc["29", "offers_change"] == pytest.approx(0.2)
    assert out.loc["29", "trainings_change"] == pytest.approx(0.0)
    assert out.loc["29", "tension_change"] == pytest.approx(0.3)
    assert not out.loc["29", "fragile"]
    # offers from 0: no relative change; index infinite in both months: no index change
    assert math.isnan(out.loc["56", "offers_change"])
    assert math.isnan(out.loc["56", "tension_change"])
    assert out.loc["56", "fragile"]


def test_compare_without_earlier_month_has_no_changes() -> None:
    now = frame([("29", "Finistère", 120, 40, 1.1, "ok")])
    out = compare(now, None, threshold=20).frame(["Finistère"])
    assert math.isnan(out.loc[0, "offers_change"])
    assert math.isnan(out.loc[0, "tension_change"])
    assert out.loc[0, "prev_tension_status"] == "no_data"


def brittany_series() -> pd.DataFrame:
    return series(
        [
            ("2023-09", 100, 40, 0.8, "ok"),
            ("2024-08", 110, 40, 1.0, "ok"),
            ("2024-09", 112, 40, 1.1, "ok"),
        ]
    )


def test_summary_states_the_computed_changes_in_french() -> None:
    facts = change_facts(brittany_series(), "2024-09", 12, threshold=20)
    (sentence,) = summary_sentences(facts, "Bretagne", "Data analyst", "fr")
    assert sentence.startswith(
        "Bretagne, Data analyst, sur un an (septembre 2023 → septembre 2024)"
    )
    assert "les offres ont augmenté de 12\xa0% (100 → 112)" in sentence
    assert "tandis que les formations sont restées stables (40 → 40)" in sentence
    assert "l'indice de tension est passé de 0,8 à 1,1." in sentence


def test_summary_states_the_computed_changes_in_english() -> None:
    facts = change_facts(brittany_series(), "2024-09", 12, threshold=20)
    (sentence,) = summary_sentences(facts, "Bretagne", None, "en")
    assert "all digital jobs, over a year (September 2023 → September 2024)" in sentence
    assert "offers grew 12% (100 → 112), while trainings stayed flat (40 → 40)" in sentence
    assert "the tension index rose from 0.8 to 1.1." in sentence


def test_summary_over_one_month_and_same_directions_join_with_and() -> None:
    data = series([("2024-08", 100, 50, 0.5, "ok"), ("2024-09", 90, 40, 0.6, "ok")])
    facts = change_facts(data, "2024-09", 1, threshold=20)
    (sentence,) = summary_sentences(facts, "France", None, "en")
    assert "over a month (August 2024 → September 2024)" in sentence
    assert "offers fell 10% (100 → 90), and trainings fell 20% (50 → 40)" in sentence


def test_summary_names_infinite_indices_instead_of_numbers() -> None:
    data = series([("2023-09", 12, 0, None, "no_trainings"), ("2024-09", 15, 3, 1.2, "ok")])
    facts = change_facts(data, "2024-09", 12, threshold=20)
    sentences = summary_sentences(facts, "Lozère", None, "fr")
    assert "des formations sont apparues (0 → 3)" in sentences[0]
    assert "l'indice de tension est passé de +∞ (aucune formation) à 1,2" in sentences[0]
    assert sentences[1].startswith("Prudence\u202f: moins de 20 offres et formations")


def test_summary_without_earlier_month_says_no_comparison() -> None:
    data = series([("2024-09", 15, 3, 1.2, "ok")])
    facts = change_facts(data, "2024-09", 12, threshold=20)
    assert summary_sentences(facts, "Lozère", None, "en") == [
        "Lozère: no data for September 2023, so no comparison is possible."
    ]


def test_biggest_mover_leaves_fragile_values_out() -> None:
    now = figures([("29", 125, 40, 1.0, "ok"), ("56", 4, 0, None, "no_trainings")])
    now = figures(
        [
            *zip(
                now.keys,
                now.job_offers,
                now.trainings,
                now.tension_index,
                now.tension_status,
                strict=True,
            ),
            ("35", 110, 30, 1.0, "ok"),
        ]
    )
    before = figures(
        [("29", 100, 40, 0.9, "ok"), ("56", 1, 0, None, "no_trainings"), ("35", 100, 30, 0.9, "ok")]
    )
    compared = compare(now, before, threshold=20)  # Morbihan: +300 %, but fragile
    names = ["Finistère", "Morbihan", "Ille-et-Vilaine"]
    assert biggest_mover(compared, names, "offers_change") == ("Finistère", 0.25)
    assert biggest_mover(compared, names, "offers_change", within={"35"}) == (
        "Ille-et-Vilaine",
        pytest.approx(0.1),
    )
    sentence = mover_sentence(("Finistère", 0.25), "sum_level_departments", "fr")
    assert sentence == (
        "Plus forte hausse des offres parmi les départements\u202f: Finistère (+25\xa0%)."
    )
    assert mover_sentence(("Finistère", 0.01), "sum_level_departments", "fr") is None
