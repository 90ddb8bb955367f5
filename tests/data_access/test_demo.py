"""The demo history: its shape, its determinism, and its fit to GEN_SCAN's published figures."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data_access.demo import (
    DEC_2023_OFFERS_BY_FAMILY,
    DEC_2023_TRAININGS_BY_FAMILY,
    DEMO_SEED,
    FAMILY_CODES,
    JAN_2023_OFFERS_BY_FAMILY,
    JAN_2023_TRAININGS_BY_FAMILY,
    NATIONAL_OFFERS_CURVE,
    NATIONAL_TRAININGS_CURVE,
    DemoHistory,
    generate_demo_history,
)
from data_access.reference import load_departements, load_job_map

REPO_ROOT = Path(__file__).resolve().parents[2]

# GEN_SCAN published figures, written out here rather than imported from the generator, so that
# a change to its calibration constants cannot silently move the target too.
OCT_2022_IDF_OFFERS = 33_171
JAN_2023_NATIONAL_OFFERS = 83_588
JAN_2023_NATIONAL_TRAININGS = 13_999
JAN_2023_DATA_OFFERS = 13_535
JAN_2023_INFRA_TRAININGS = 6_009
JAN_2023_DEV_TRAININGS = 3_614
JAN_2023_PILOT_TRAININGS = 366
JAN_2023_BIG_DATA_TRAININGS = 1_438
JAN_2023_IOT_TRAININGS = 235
SEP_2023_NATIONAL_OFFERS = 57_036
SEP_2023_NATIONAL_TRAININGS = 19_978
DEC_2023_NATIONAL_OFFERS = 59_000
DEC_2023_INFRA_OFFERS = 17_500
DEC_2023_DIGITAL_PROJECT_LEAD_OFFERS = 7_565
# The generator aims within 3 % of every published figure (national ones hold exactly).
PUBLISHED_TOLERANCE = 0.03
MONTHS = [f"{y}-{m:02d}" for y in (2022, 2023, 2024) for m in range(1, 13)][9:]
METROPOLES = ["69", "31", "33", "59", "13", "44", "35", "34", "06", "67", "38"]
PARIS_AND_INNER_SUBURBS = ["75", "92", "93", "94"]


@pytest.fixture(scope="module")
def job_map() -> pd.DataFrame:
    return load_job_map()


@pytest.fixture(scope="module")
def departements() -> pd.DataFrame:
    return load_departements()


@pytest.fixture(scope="module")
def history(job_map: pd.DataFrame, departements: pd.DataFrame) -> DemoHistory:
    return generate_demo_history(job_map, departements)


@pytest.fixture(scope="module")
def other_history(job_map: pd.DataFrame, departements: pd.DataFrame) -> DemoHistory:
    return generate_demo_history(job_map, departements, seed=DEMO_SEED + 1)


def national(history: DemoHistory) -> pd.DataFrame:
    """National totals per month, online trainings included, as GEN_SCAN counts them."""
    totals = history.facts.groupby("month")[["job_offers", "trainings"]].sum()
    totals["trainings"] += history.online.groupby("month")["trainings"].sum()
    return totals


def by_level(history: DemoHistory, job_map: pd.DataFrame, month: str, level: str) -> pd.DataFrame:
    """Offers and trainings (online included) of one month, by family or métier."""
    key = job_map.set_index("poste_code")[level]
    facts = history.facts[history.facts["month"] == month]
    online = history.online[history.online["month"] == month]
    totals = facts.groupby(facts["poste"].map(key))[["job_offers", "trainings"]].sum()
    totals["trainings"] += online.groupby(online["poste"].map(key))["trainings"].sum()
    return totals


def region_offers(history: DemoHistory, departements: pd.DataFrame, month: str, region: str) -> int:
    """Offers of one month summed over the départements of a region."""
    codes = set(departements.loc[departements["region_code"] == region, "code"])
    facts = history.facts
    return int(
        facts.loc[(facts["month"] == month) & facts["department"].isin(codes)].job_offers.sum()
    )


def assert_close(actual: float, published: float, tolerance: float = PUBLISHED_TOLERANCE) -> None:
    assert abs(actual - published) <= tolerance * published, f"{actual} vs published {published}"


# --- Shape and types -----------------------------------------------------------------------------


def test_history_has_one_row_per_month_departement_and_poste(
    history: DemoHistory, job_map: pd.DataFrame, departements: pd.DataFrame
) -> None:
    facts = history.facts
    assert len(facts) == 27 * 101 * 107 == 291_789
    assert not facts.duplicated(["month", "department", "poste"]).any()
    assert sorted(facts["month"].unique()) == MONTHS
    assert set(facts["department"]) == set(departements["code"])
    assert set(facts["poste"]) == set(job_map["poste_code"])


def test_columns_have_the_documented_names_and_types(history: DemoHistory) -> None:
    assert list(history.facts.columns) == [
        "month",
        "department",
        "poste",
        "job_offers",
        "trainings",
    ]
    assert list(history.online.columns) == ["month", "poste", "trainings"]
    for frame, counts in (
        (history.facts, ["job_offers", "trainings"]),
        (history.online, ["trainings"]),
    ):
        for column in counts:
            assert frame[column].dtype == np.int64
        for column in frame.columns.difference(counts):
            assert pd.api.types.is_string_dtype(frame[column])
            assert all(isinstance(value, str) for value in frame[column].unique())


def test_departement_codes_keep_their_text_form(history: DemoHistory) -> None:
    codes = set(history.facts["department"])
    assert {"01", "06", "2A", "2B", "971", "976"} <= codes
    assert not {"1", "6", "971.0"} & codes


def test_counts_are_never_negative(history: DemoHistory) -> None:
    assert (history.facts[["job_offers", "trainings"]] >= 0).all().all()
    assert (history.online["trainings"] >= 0).all()


def test_online_trainings_have_one_row_per_month_and_poste(
    history: DemoHistory, job_map: pd.DataFrame
) -> None:
    online = history.online
    assert len(online) == 27 * 107
    assert not online.duplicated(["month", "poste"]).any()
    assert set(online["poste"]) == set(job_map["poste_code"])
    assert sorted(online["month"].unique()) == MONTHS


# --- Determinism ---------------------------------------------------------------------------------


def test_same_seed_gives_identical_history(
    history: DemoHistory, job_map: pd.DataFrame, departements: pd.DataFrame
) -> None:
    again = generate_demo_history(job_map, departements, seed=DEMO_SEED)
    pd.testing.assert_frame_equal(again.facts, history.facts)
    pd.testing.assert_frame_equal(again.online, history.online)


def test_generation_leaves_global_random_state_alone(
    job_map: pd.DataFrame, departements: pd.DataFrame
) -> None:
    np.random.seed(7)
    random.seed(7)
    expected_numpy, expected_python = np.random.random(), random.random()
    np.random.seed(7)
    random.seed(7)
    generate_demo_history(job_map, departements, last_month="2023-01")
    assert np.random.random() == expected_numpy
    assert random.random() == expected_python


def test_different_seed_gives_a_different_history_with_the_same_calibration(
    history: DemoHistory, other_history: DemoHistory, departements: pd.DataFrame
) -> None:
    assert not history.facts["job_offers"].equals(other_history.facts["job_offers"])
    assert not history.facts["trainings"].equals(other_history.facts["trainings"])
    # Lasting traits differ too, not only the monthly noise: how postes share their family.
    ours_by_poste, theirs_by_poste = (
        h.facts.groupby("poste")["job_offers"].sum() for h in (history, other_history)
    )
    assert (ours_by_poste / theirs_by_poste - 1).abs().median() > 0.1
    ours, theirs = national(history), national(other_history)
    for month in ("2023-01", "2023-09", "2023-12"):
        assert ours.loc[month].tolist() == theirs.loc[month].tolist()
    assert_close(region_offers(other_history, departements, "2022-10", "11"), OCT_2022_IDF_OFFERS)


def test_a_month_does_not_depend_on_the_range_asked_for(
    history: DemoHistory, job_map: pd.DataFrame, departements: pd.DataFrame
) -> None:
    part = generate_demo_history(job_map, departements, first_month="2023-06", last_month="2023-08")
    whole = history.facts[history.facts["month"].isin(["2023-06", "2023-07", "2023-08"])]
    pd.testing.assert_frame_equal(part.facts, whole.reset_index(drop=True))


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_published_national_figures_hold_for_any_seed(seed: int) -> None:
    history = generate_demo_history(
        load_job_map(), load_departements(), seed=seed, last_month="2023-09"
    )
    totals = national(history)
    assert totals.loc["2023-01"].tolist() == [JAN_2023_NATIONAL_OFFERS, JAN_2023_NATIONAL_TRAININGS]
    assert totals.loc["2023-09"].tolist() == [SEP_2023_NATIONAL_OFFERS, SEP_2023_NATIONAL_TRAININGS]


# --- National calibration ------------------------------------------------------------------------


def test_published_family_splits_add_up_to_the_national_figures() -> None:
    for split, curve, month in (
        (JAN_2023_OFFERS_BY_FAMILY, NATIONAL_OFFERS_CURVE, "2023-01"),
        (DEC_2023_OFFERS_BY_FAMILY, NATIONAL_OFFERS_CURVE, "2023-12"),
        (JAN_2023_TRAININGS_BY_FAMILY, NATIONAL_TRAININGS_CURVE, "2023-01"),
        (DEC_2023_TRAININGS_BY_FAMILY, NATIONAL_TRAININGS_CURVE, "2023-12"),
    ):
        assert set(split) == set(FAMILY_CODES)
        assert sum(split.values()) == curve[month]


def test_january_2023_national_offers_match_published_figure(history: DemoHistory) -> None:
    assert_close(national(history).loc["2023-01", "job_offers"], JAN_2023_NATIONAL_OFFERS)


def test_january_2023_national_trainings_match_published_figure(history: DemoHistory) -> None:
    assert_close(national(history).loc["2023-01", "trainings"], JAN_2023_NATIONAL_TRAININGS)


def test_september_2023_national_offers_match_published_figure(history: DemoHistory) -> None:
    totals = national(history)
    assert_close(totals.loc["2023-09", "job_offers"], SEP_2023_NATIONAL_OFFERS)
    # Published as a fall of about a third since January.
    fall = 1 - totals.loc["2023-09", "job_offers"] / totals.loc["2023-01", "job_offers"]
    assert 0.29 <= fall <= 0.35


def test_september_2023_national_trainings_match_published_figure(history: DemoHistory) -> None:
    totals = national(history)
    assert_close(totals.loc["2023-09", "trainings"], SEP_2023_NATIONAL_TRAININGS)
    growth_since_april = totals.loc["2023-09", "trainings"] / totals.loc["2023-04", "trainings"] - 1
    assert growth_since_april == pytest.approx(0.09, abs=0.01)


def test_february_and_march_2023_are_the_peak_above_100000_offers(history: DemoHistory) -> None:
    offers = national(history)["job_offers"]
    peak = offers.loc[["2023-02", "2023-03"]]
    assert (peak > 100_000).all()
    assert offers.drop(peak.index).max() < peak.min()


def test_january_2023_offer_families_follow_published_ranking(
    history: DemoHistory, job_map: pd.DataFrame
) -> None:
    offers = by_level(history, job_map, "2023-01", "family_code")["job_offers"]
    share = offers / offers.sum()
    ranking = offers.sort_values(ascending=False).index.tolist()
    assert set(ranking[:2]) == {"PILOT", "INFRA"}  # tied at the top, about a quarter each
    assert 0.22 <= share["PILOT"] <= 0.27
    assert 0.22 <= share["INFRA"] <= 0.27
    assert abs(offers["PILOT"] - 20_000) <= 0.05 * 20_000
    assert offers["DEV"] > 15_000
    assert 0.18 <= share["DEV"] <= 0.22
    assert ranking[2:4] == ["DEV", "DATA"]
    assert_close(offers["DATA"], JAN_2023_DATA_OFFERS)
    assert 0.13 <= share["COM"] <= 0.17
    assert ranking[-1] == "DESIGN"


def test_january_2023_training_families_match_published_figures(
    history: DemoHistory, job_map: pd.DataFrame
) -> None:
    trainings = by_level(history, job_map, "2023-01", "family_code")["trainings"]
    assert trainings.idxmax() == "INFRA"
    assert_close(trainings["INFRA"], JAN_2023_INFRA_TRAININGS)
    assert_close(trainings["DEV"], JAN_2023_DEV_TRAININGS)
    assert_close(trainings["PILOT"], JAN_2023_PILOT_TRAININGS)
    assert 0.015 <= trainings["PILOT"] / trainings.sum() <= 0.03
    assert trainings["DATA"] == pytest.approx(1_700, rel=0.05)
    metiers = by_level(history, job_map, "2023-01", "metier_code")["trainings"]
    assert_close(metiers["data-big-data"], JAN_2023_BIG_DATA_TRAININGS)
    assert_close(metiers["iot-robotique"], JAN_2023_IOT_TRAININGS)


def test_december_2023_headline_figures_match_published_figures(
    history: DemoHistory, job_map: pd.DataFrame
) -> None:
    offers = by_level(history, job_map, "2023-12", "family_code")["job_offers"]
    assert_close(offers.sum(), DEC_2023_NATIONAL_OFFERS)
    assert_close(offers["INFRA"], DEC_2023_INFRA_OFFERS)
    assert 14_000 <= offers["PILOT"] < 15_000  # "just under 15,000"
    facts = history.facts
    lead = facts[(facts["month"] == "2023-12") & (facts["poste"] == "chef-de-projet-digital")]
    assert_close(lead["job_offers"].sum(), DEC_2023_DIGITAL_PROJECT_LEAD_OFFERS)


def test_december_2023_design_is_the_only_family_not_in_tension(
    history: DemoHistory, job_map: pd.DataFrame
) -> None:
    families = by_level(history, job_map, "2023-12", "family_code")
    not_in_tension = families.index[families["job_offers"] < families["trainings"]].tolist()
    assert not_in_tension == ["DESIGN"]
    assert (families.drop("DESIGN")["job_offers"] > families.drop("DESIGN")["trainings"]).all()


def test_offers_and_trainings_grow_again_in_2024(history: DemoHistory) -> None:
    totals = national(history)
    q4 = {
        year: totals.loc[[f"{year}-{m}" for m in ("10", "11", "12")]].sum() for year in (2023, 2024)
    }
    offers_growth = q4[2024]["job_offers"] / q4[2023]["job_offers"] - 1
    assert 0.02 <= offers_growth <= 0.20  # growing again, slowly
    assert totals.loc["2024-12", "trainings"] > totals.loc["2024-01", "trainings"]
    assert totals.loc["2024-01", "trainings"] > totals.loc["2023-12", "trainings"]
    assert totals.loc["2024-12", "trainings"] / totals.loc["2023-12", "trainings"] < 1.15


def test_every_metier_keeps_growing_over_the_long_run(
    job_map: pd.DataFrame, departements: pd.DataFrame
) -> None:
    facts = generate_demo_history(
        job_map, departements, first_month="2024-01", last_month="2026-12"
    ).facts
    metier = facts["poste"].map(job_map.set_index("poste_code")["metier_code"])
    yearly = facts.groupby([metier, facts["month"].str[:4]])["job_offers"].sum().unstack()
    assert len(yearly) == job_map["metier_code"].nunique()
    shrinking = yearly.index[yearly["2026"] <= yearly["2024"]].tolist()
    assert shrinking == []


# --- Geography -----------------------------------------------------------------------------------


def test_ile_de_france_october_2022_offers_match_published_figure(
    history: DemoHistory, departements: pd.DataFrame
) -> None:
    assert_close(region_offers(history, departements, "2022-10", "11"), OCT_2022_IDF_OFFERS)


def test_ile_de_france_holds_about_a_quarter_of_all_trainings(
    history: DemoHistory, departements: pd.DataFrame
) -> None:
    idf = set(departements.loc[departements["region_code"] == "11", "code"])
    facts = history.facts[history.facts["month"].str.startswith("2023")]
    all_trainings = national(history).filter(like="2023", axis=0)["trainings"].sum()
    share = facts.loc[facts["department"].isin(idf), "trainings"].sum() / all_trainings
    assert 0.22 <= share <= 0.28


def test_offers_are_more_concentrated_in_big_cities_than_trainings(
    history: DemoHistory, departements: pd.DataFrame
) -> None:
    totals = history.facts.groupby("department")[["job_offers", "trainings"]].sum()
    shares = totals / totals.sum()
    population = departements.set_index("code")["population"]
    population_share = population / population.sum()
    paris = shares.loc[PARIS_AND_INNER_SUBURBS].sum()
    assert (
        paris["job_offers"] > paris["trainings"] > population_share[PARIS_AND_INNER_SUBURBS].sum()
    )
    assert paris["job_offers"] >= 0.25
    # Offers are more unequal across départements than trainings (Gini-like top-10 share).
    top10 = shares.apply(lambda column: column.nlargest(10).sum())
    assert top10["job_offers"] > top10["trainings"] + 0.05


def test_metropolitan_departements_attract_more_offers_per_inhabitant(
    history: DemoHistory, departements: pd.DataFrame
) -> None:
    offers = history.facts.groupby("department")["job_offers"].sum()
    per_inhabitant = offers / departements.set_index("code")["population"]
    median = per_inhabitant.median()
    assert (per_inhabitant[METROPOLES] > median).all()
    assert per_inhabitant["75"] > 3 * median
    assert per_inhabitant["92"] > 3 * median
    assert per_inhabitant.nlargest(2).index.tolist() in (["75", "92"], ["92", "75"])


# --- Texture: noise, zeros, tension, online ------------------------------------------------------


def test_online_trainings_are_a_modest_share_of_all_trainings(history: DemoHistory) -> None:
    online = history.online.groupby("month")["trainings"].sum()
    share = online / national(history)["trainings"]
    assert share.between(0.08, 0.12).all()
    by_poste = history.online.groupby("poste")["trainings"].sum()
    local = history.facts.groupby("poste")["trainings"].sum()
    poste_share = by_poste / (by_poste + local)
    assert poste_share.max() < 0.4
    assert poste_share.std() > 0.02  # postes differ


def test_small_departements_have_real_zeros(history: DemoHistory) -> None:
    offers, trainings = history.facts["job_offers"], history.facts["trainings"]
    assert ((offers == 0) & (trainings > 0)).any()
    assert ((offers > 0) & (trainings == 0)).any()
    assert ((offers == 0) & (trainings == 0)).any()
    # Some postes are never taught in some small départements, month after month...
    never = history.facts.groupby(["department", "poste"])["trainings"].sum() == 0
    assert never.any()
    # ...whereas Paris teaches almost everything.
    assert never.loc["75"].mean() < 0.25 < never.loc["48"].mean()


def test_neighbouring_months_differ_realistically(history: DemoHistory) -> None:
    cells = history.facts.set_index(["department", "poste", "month"])
    offers = cells["job_offers"].unstack("month")
    trainings = cells["trainings"].unstack("month")
    offers_changed = (offers.diff(axis=1).iloc[:, 1:] != 0).to_numpy().mean()
    trainings_changed = (trainings.diff(axis=1).iloc[:, 1:] != 0).to_numpy().mean()
    assert offers_changed > 0.4
    # A catalogue moves less than job ads: courses stay listed from one month to the next.
    assert 0.02 < trainings_changed < 0.25
    before, after = trainings.iloc[:, :-1].to_numpy(), trainings.iloc[:, 1:].to_numpy()
    still_taught = ((before > 0) & (after > 0)).sum() / (before > 0).sum()
    assert still_taught > 0.9
    # Big cells move by a few per cent, not by orders of magnitude.
    paris = offers.loc[("75", "developpeur-full-stack")]
    ratios = (paris / paris.shift()).dropna()
    assert ratios.between(0.5, 2.0).all()
    assert ratios.std() > 0.03


def test_postes_differ_in_tension(history: DemoHistory) -> None:
    year = history.facts[history.facts["month"].str.startswith("2023")]
    per_poste = year.groupby("poste")[["job_offers", "trainings"]].sum()
    online = history.online[history.online["month"].str.startswith("2023")]
    per_poste["trainings"] += online.groupby("poste")["trainings"].sum()
    log_ratio = np.log((per_poste["job_offers"] + 1) / (per_poste["trainings"] + 1))
    assert log_ratio.std() > 0.8
    assert (log_ratio < 0).any()
    assert (log_ratio > 2).any()


# --- Contract ------------------------------------------------------------------------------------


def test_generation_takes_less_than_three_seconds(
    job_map: pd.DataFrame, departements: pd.DataFrame
) -> None:
    start = time.perf_counter()
    generate_demo_history(job_map, departements)
    assert time.perf_counter() - start < 3.0


@pytest.mark.parametrize(
    ("first_month", "last_month"),
    [("2023-13", "2024-01"), ("2023-1", "2024-01"), ("2024-02", "2024-01"), ("2023/01", "2023-02")],
)
def test_rejects_malformed_or_inverted_month_ranges(
    job_map: pd.DataFrame, departements: pd.DataFrame, first_month: str, last_month: str
) -> None:
    with pytest.raises(ValueError, match="month"):
        generate_demo_history(job_map, departements, first_month=first_month, last_month=last_month)


def test_rejects_a_negative_seed(job_map: pd.DataFrame, departements: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="seed"):
        generate_demo_history(job_map, departements, seed=-1)


def test_rejects_a_job_family_it_has_no_calibration_for(
    job_map: pd.DataFrame, departements: pd.DataFrame
) -> None:
    edited = job_map.copy()
    edited.loc[0, "family_code"] = "ROBOTS"
    with pytest.raises(ValueError, match="ROBOTS"):
        generate_demo_history(edited, departements)


def test_data_access_demo_does_not_import_dashboard_libraries() -> None:
    probe = (
        "import sys, data_access.demo; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dash', 'plotly', 'dashboard'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
