"""Deterministic demo history: monthly job offers and trainings per département and poste.

The dashboard has to be shown, developed and tested without the job-ad aggregator's feed or the
training search engine. Random numbers alone would mislead anyone reading the demo, so the national
figures are pinned on the figures GEN published while GEN_SCAN ran, and the spread over départements
follows real populations and the known pull of large cities on digital jobs.

The history is built top-down so that the published national figures hold exactly, whatever the
seed: national monthly totals, then job families, then postes (split by largest remainder, so sums
are kept), then départements (a Dirichlet-multinomial draw for offers, so cells carry realistic
noise and real zeros; a catalogue carried over from month to month for trainings). A share of
trainings is online only and belongs to no département.

Randomness comes from generators seeded by (seed, stream, month), never from NumPy's global state:
the same seed always gives the same history, and a month's figures do not depend on the range of
months asked for (as long as it starts in October 2022 or later, where the catalogue is followed
from).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

import numpy as np
import pandas as pd

DEMO_FIRST_MONTH = "2022-10"
DEMO_LAST_MONTH = "2024-12"
DEMO_SEED = 20230101  # GEN_SCAN went live in January 2023.

FAMILY_CODES = ("PILOT", "COM", "INFRA", "DATA", "DEV", "DESIGN")
ILE_DE_FRANCE_REGION_CODE = "11"
OVERSEAS_CODE_PREFIX = "97"

OCT_2022, JAN_2023, SEP_2023, DEC_2023 = "2022-10", "2023-01", "2023-09", "2023-12"

# --- Calibration targets: GEN_SCAN published figures ----------------------------------------------
# Each constant below is a figure GEN published (see the "Published figures" table of the project
# reference); the tables further down only fill the gaps between them.
OCT_2022_IDF_OFFERS = 33_171
JAN_2023_NATIONAL_OFFERS = 83_588
JAN_2023_NATIONAL_TRAININGS = 13_999
JAN_2023_DATA_OFFERS = 13_535
JAN_2023_INFRA_TRAININGS = 6_009
JAN_2023_DEV_TRAININGS = 3_614
JAN_2023_PILOT_TRAININGS = 366
JAN_2023_BIG_DATA_TRAININGS = 1_438
JAN_2023_IOT_TRAININGS = 235
PEAK_MONTHS = ("2023-02", "2023-03")
PEAK_MIN_OFFERS = 100_000
SEP_2023_NATIONAL_OFFERS = 57_036
SEP_2023_NATIONAL_TRAININGS = 19_978
APR_TO_SEP_2023_TRAININGS_GROWTH = 0.09
DEC_2023_NATIONAL_OFFERS = 59_000
DEC_2023_INFRA_OFFERS = 17_500
DEC_2023_PILOT_OFFERS = 14_900  # published as "just under 15,000"
DEC_2023_DIGITAL_PROJECT_LEAD_OFFERS = 7_565
DIGITAL_PROJECT_LEAD_POSTE = "chef-de-projet-digital"
BIG_DATA_METIER = "data-big-data"
IOT_METIER = "iot-robotique"
IDF_SHARE_OF_TRAININGS = 0.25  # "Île-de-France holds about a quarter of all trainings" (2023)

# National totals month by month over the published period (GEN_SCAN published figures where one
# exists; the other months follow the published story: a peak above 100,000 offers in Feb-Mar
# 2023, a fall of a third by September, a summer trough, a plateau around 59,000 at year end).
NATIONAL_OFFERS_CURVE: Mapping[str, int] = MappingProxyType(
    {
        OCT_2022: 79_500,  # chosen so Île-de-France's published 33,171 is a plausible 42 %
        "2022-11": 81_600,
        "2022-12": 77_200,
        JAN_2023: JAN_2023_NATIONAL_OFFERS,
        "2023-02": 106_400,
        "2023-03": 104_700,
        "2023-04": 90_300,
        "2023-05": 78_100,
        "2023-06": 69_400,
        "2023-07": 62_300,
        "2023-08": 55_800,
        SEP_2023: SEP_2023_NATIONAL_OFFERS,
        "2023-10": 58_300,
        "2023-11": 60_200,
        DEC_2023: DEC_2023_NATIONAL_OFFERS,
    }
)
# Trainings: from the published 13,999 in January to the published 19,978 in September, of which
# the last 9 % since April; we place the rest of the rise in February-April, as sources were added.
APR_2023_NATIONAL_TRAININGS = round(
    SEP_2023_NATIONAL_TRAININGS / (1 + APR_TO_SEP_2023_TRAININGS_GROWTH)
)
NATIONAL_TRAININGS_CURVE: Mapping[str, int] = MappingProxyType(
    {
        OCT_2022: 13_300,
        "2022-11": 13_550,
        "2022-12": 13_720,
        JAN_2023: JAN_2023_NATIONAL_TRAININGS,
        "2023-02": 15_400,
        "2023-03": 16_900,
        "2023-04": APR_2023_NATIONAL_TRAININGS,
        "2023-05": 18_650,
        "2023-06": 18_900,
        "2023-07": 19_150,
        "2023-08": 19_400,
        SEP_2023: SEP_2023_NATIONAL_TRAININGS,
        "2023-10": 20_250,
        "2023-11": 20_450,
        DEC_2023: 20_600,
    }
)

# Family splits at both ends of 2023 (GEN_SCAN published figures where given: PILOT ≈ 20,000 tied
# with INFRA, DEV > 15,000 or one offer in five, DATA 13,535 and 4th, COM ≈ 15 %, DESIGN the
# smallest; Dec 2023 INFRA ≈ 17,500 and PILOT just under 15,000). Each split adds up to the
# national figure of its month, so families and nation agree exactly.
JAN_2023_OFFERS_BY_FAMILY: Mapping[str, int] = MappingProxyType(
    {
        "PILOT": 19_800,
        "COM": 12_300,
        "INFRA": 19_700,
        "DATA": JAN_2023_DATA_OFFERS,
        "DEV": 16_500,
        "DESIGN": 1_753,
    }
)
DEC_2023_OFFERS_BY_FAMILY: Mapping[str, int] = MappingProxyType(
    {
        "PILOT": DEC_2023_PILOT_OFFERS,
        "COM": 6_500,
        "INFRA": DEC_2023_INFRA_OFFERS,
        "DATA": 7_900,
        "DEV": 11_000,
        "DESIGN": 1_200,
    }
)
# Trainings: INFRA 6,009 the most, DEV 3,614, PILOT 366, DATA holding big data 1,438 and IoT 235
# (GEN_SCAN published figures); COM and DESIGN share the rest, DESIGN enough to be the one family
# with more trainings than offers by December 2023, as published.
JAN_2023_TRAININGS_BY_FAMILY: Mapping[str, int] = MappingProxyType(
    {
        "PILOT": JAN_2023_PILOT_TRAININGS,
        "COM": 1_090,
        "INFRA": JAN_2023_INFRA_TRAININGS,
        "DATA": 1_720,
        "DEV": JAN_2023_DEV_TRAININGS,
        "DESIGN": 1_200,
    }
)
DEC_2023_TRAININGS_BY_FAMILY: Mapping[str, int] = MappingProxyType(
    {
        "PILOT": 350,
        "COM": 2_000,
        "INFRA": 8_300,
        "DATA": 2_600,
        "DEV": 5_450,
        "DESIGN": 1_900,
    }
)
FAMILY_SPLIT_FIRST_MONTH = JAN_2023
FAMILY_SPLIT_LAST_MONTH = DEC_2023

# After the published period: slow growth (offers grow again in every métier, trainings keep
# growing), with the usual hiring calendar. Before it: the first level, with the same calendar.
OFFERS_MONTHLY_GROWTH_AFTER = 0.007
TRAININGS_MONTHLY_GROWTH_AFTER = 0.004
OFFERS_SEASONALITY = (1.02, 1.06, 1.06, 1.02, 1.00, 0.99, 0.95, 0.91, 1.00, 1.02, 1.01, 0.96)
TRAININGS_SEASONALITY = (1.00, 1.00, 1.00, 1.00, 0.99, 0.99, 0.98, 0.98, 1.03, 1.02, 1.01, 1.00)

# --- Geography -----------------------------------------------------------------------------------
# Digital jobs concentrate in Paris and its inner suburbs, then in the large metropolitan areas,
# more than population alone says; trainings follow population more closely.
OFFER_METRO_FACTORS: Mapping[str, float] = MappingProxyType(
    {
        "75": 6.0,
        "92": 5.0,
        "93": 1.8,
        "94": 1.8,
        "78": 1.4,
        "91": 1.5,
        "69": 2.4,
        "31": 2.4,
        "33": 2.0,
        "59": 1.6,
        "13": 1.6,
        "44": 2.0,
        "35": 2.0,
        "34": 1.8,
        "06": 1.6,
        "67": 1.7,
        "38": 1.9,
    }
)
OFFER_POPULATION_EXPONENT = 1.15  # large départements attract more than their headcount
TRAINING_METRO_EXPONENT = 0.5  # trainings feel the metropolitan pull, but less
OVERSEAS_FACTOR = 0.5
OFFER_CONCENTRATION_RANGE = (0.85, 1.25)  # some postes cluster in big cities more than others
OFFER_LOCAL_SPREAD_SD = 0.3  # lasting local specialisation of a département in a poste
TRAINING_LOCAL_SHAPE = 2.0  # training supply is patchier: a few providers make a département
TRAINING_ABSENCE_SCALE = 0.6  # expected trainings at which a poste is still often absent locally
TRAININGS_IDF_REFERENCE_MONTH = "2023-06"
OFFERS_DIRICHLET_CONCENTRATION = 3_000.0  # month-to-month reshuffling of offers between places
# Trainings are a catalogue, not a flow: a course listed one month is usually listed the next.
TRAINING_MONTHLY_SURVIVAL = 0.9
TRAININGS_CHAIN_ORIGIN = OCT_2022  # the catalogue is followed from here, whatever range is asked

# Online-only trainings: a modest share, higher where courses are taught on screens anyway.
ONLINE_SHARE_BY_FAMILY: Mapping[str, float] = MappingProxyType(
    {"PILOT": 0.10, "COM": 0.11, "INFRA": 0.08, "DATA": 0.13, "DEV": 0.12, "DESIGN": 0.07}
)
ONLINE_SHARE_SPREAD_SD = 0.25
ONLINE_SHARE_BOUNDS = (0.02, 0.30)

# --- Postes --------------------------------------------------------------------------------------
# Plausible emphasis inside each family (not published figures): the demo would look wrong if a
# "startupper" were as demanded as a full-stack developer. Postes not listed weigh 1.
OFFER_DEMAND_HINTS: Mapping[str, float] = MappingProxyType(
    {
        "chef-de-projet-technique": 2.0,
        "product-owner": 2.0,
        "directeur-de-projet": 1.5,
        "entrepreneur-digital": 0.1,
        "startupper": 0.05,
        "createur-d-entreprise": 0.1,
        "charge-de-marketing-digital": 2.5,
        "charge-de-communication-web": 2.0,
        "community-manager": 1.5,
        "journaliste-web": 0.3,
        "veilleur-e-reputation": 0.1,
        "couteau-suisse-du-numerique": 0.05,
        "administrateur-systeme-d-information": 3.0,
        "technicien-helpdesk": 2.5,
        "ingenieur-cloud-computing": 2.0,
        "analyste-cybersecurite": 1.5,
        "delegue-a-la-protection-des-donnees-dpo": 0.5,
        "data-analyst": 3.0,
        "data-engineer": 3.0,
        "data-scientist": 2.0,
        "responsable-crm": 1.5,
        "data-hotesse": 0.05,
        "developpeur-blockchain": 0.15,
        "technicien-blockchain": 0.05,
        "developpeur-full-stack": 3.0,
        "developpeur-back-end": 2.5,
        "ingenieur-devops": 2.0,
        "developpeur-d-applications": 1.8,
        "developpeur-front-end": 1.8,
        "integrateur-web": 0.5,
        "ux-designer": 2.5,
        "ui-designer": 2.0,
        "infographiste": 1.5,
        "fablab-manager": 0.3,
        "forgeur-numerique": 0.2,
        "realisateur-de-jeux-video": 0.2,
    }
)
# Where training catalogues put their weight (certifications that many providers run).
TRAINING_SUPPLY_HINTS: Mapping[str, float] = MappingProxyType(
    {
        "chef-de-projet-web": 1.5,
        "webmaster": 1.5,
        "scrum-master": 1.5,
        "charge-de-communication-web": 2.0,
        "community-manager": 2.0,
        "mediateur-numerique": 2.5,
        "charge-de-marketing-digital": 2.0,
        "technicien-helpdesk": 3.0,
        "administrateur-systeme-d-information": 3.0,
        "technicien-reseau": 2.5,
        "technicien-de-deploiement-de-fibre-optique": 2.0,
        "data-analyst": 3.0,
        "developpeur-web": 5.0,
        "developpeur-web-mobile": 5.0,
        "infographiste": 3.0,
        "webdesigner": 3.0,
    }
)
OFFER_POPULARITY_SD = 0.5
TRAINING_POPULARITY_SD = 0.8
TRAINING_POPULARITY_FROM_OFFERS = 0.4  # providers follow demand, loosely: tension differs by poste
OFFER_DRIFT_RANGE = (0.0, 0.004)  # monthly drift of a poste's share within its family
TRAINING_DRIFT_RANGE = (0.0, 0.003)
# Postes drift within their family over the published period only; afterwards they keep their
# weight, so that every métier rides the market's growth (GEN: offers grow in every métier).
DRIFT_FIRST_MONTH = FAMILY_SPLIT_FIRST_MONTH
DRIFT_LAST_MONTH = FAMILY_SPLIT_LAST_MONTH

# Random streams: one generator per purpose (and per month), so adding a draw somewhere does not
# shift every other figure.
_STATIC_STREAM = 0
_OFFERS_STREAM = 1
_TRAININGS_STREAM = 2
_SPREAD_STREAM = 3

_MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class DemoHistory:
    """A generated history: département facts, plus online trainings counted nationally only."""

    facts: pd.DataFrame
    online: pd.DataFrame


@dataclass(frozen=True)
class ShareAnchor:
    """A published count for a poste or a métier, fixing its share of its family.

    The share holds (with monthly noise) over the whole history, and exactly in the month it was
    published, so the unit keeps a believable weight instead of spiking once.
    """

    level: Literal["poste_code", "metier_code"]
    code: str
    month: str
    value: int


@dataclass(frozen=True)
class MeasureCalibration:
    """How one measure (offers or trainings) is pinned nationally and spread within families."""

    curve: Mapping[str, int]
    first_split: Mapping[str, int]
    last_split: Mapping[str, int]
    anchors: tuple[ShareAnchor, ...]
    monthly_growth_after: float
    seasonality: tuple[float, ...]
    total_noise_sd: float  # outside the published period only
    poste_noise_sd: float  # relative noise of a poste's national count, on top of...
    poste_count_dispersion: float  # ...a sampling noise of variance dispersion × count
    unit_noise_sd: float
    stream: int


OFFERS_CALIBRATION = MeasureCalibration(
    curve=NATIONAL_OFFERS_CURVE,
    first_split=JAN_2023_OFFERS_BY_FAMILY,
    last_split=DEC_2023_OFFERS_BY_FAMILY,
    anchors=(
        ShareAnchor(
            "poste_code",
            DIGITAL_PROJECT_LEAD_POSTE,
            DEC_2023,
            DEC_2023_DIGITAL_PROJECT_LEAD_OFFERS,
        ),
    ),
    monthly_growth_after=OFFERS_MONTHLY_GROWTH_AFTER,
    seasonality=OFFERS_SEASONALITY,
    total_noise_sd=0.015,
    poste_noise_sd=0.05,
    poste_count_dispersion=1.0,  # job ads arrive like a Poisson process
    unit_noise_sd=0.03,
    stream=_OFFERS_STREAM,
)
TRAININGS_CALIBRATION = MeasureCalibration(
    curve=NATIONAL_TRAININGS_CURVE,
    first_split=JAN_2023_TRAININGS_BY_FAMILY,
    last_split=DEC_2023_TRAININGS_BY_FAMILY,
    anchors=(
        ShareAnchor("metier_code", BIG_DATA_METIER, JAN_2023, JAN_2023_BIG_DATA_TRAININGS),
        ShareAnchor("metier_code", IOT_METIER, JAN_2023, JAN_2023_IOT_TRAININGS),
    ),
    monthly_growth_after=TRAININGS_MONTHLY_GROWTH_AFTER,
    seasonality=TRAININGS_SEASONALITY,
    total_noise_sd=0.006,
    poste_noise_sd=0.02,
    poste_count_dispersion=0.3,  # a catalogue changes less than its size alone would suggest
    unit_noise_sd=0.02,
    stream=_TRAININGS_STREAM,
)


def month_index(month: str) -> int:
    """Turn "YYYY-MM" into a month count, so ranges and gaps are plain integer arithmetic."""
    match = _MONTH_PATTERN.match(month)
    if match is None:
        raise ValueError(f"month {month!r} is not of the form YYYY-MM")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_text(index: int) -> str:
    """Inverse of :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass(frozen=True)
class _Layout:
    """The inputs reduced to positional arrays, checked once."""

    postes: np.ndarray  # (P,) poste codes
    metiers: np.ndarray  # (P,) métier codes
    family_of: np.ndarray  # (P,) index into FAMILY_CODES
    codes: np.ndarray  # (D,) département codes
    population: np.ndarray  # (D,) float
    in_idf: np.ndarray  # (D,) bool
    overseas: np.ndarray  # (D,) bool

    @classmethod
    def from_frames(cls, job_map: pd.DataFrame, departements: pd.DataFrame) -> _Layout:
        for frame, columns, name in (
            (job_map, ("family_code", "metier_code", "poste_code"), "job_map"),
            (departements, ("code", "region_code", "population"), "departements"),
        ):
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise ValueError(f"{name}: missing columns {missing}")
            if frame.empty:
                raise ValueError(f"{name} is empty")
        unknown = sorted(set(job_map["family_code"]) - set(FAMILY_CODES))
        if unknown:
            raise ValueError(f"job_map: no demo calibration for families {unknown}")
        absent = [f for f in FAMILY_CODES if f not in set(job_map["family_code"])]
        if absent:
            raise ValueError(f"job_map: families {absent} have no poste")
        if job_map["poste_code"].duplicated().any():
            raise ValueError("job_map: duplicate poste codes")
        if departements["code"].duplicated().any():
            raise ValueError("departements: duplicate codes")
        population = departements["population"].to_numpy(dtype=float)
        if (population <= 0).any():
            raise ValueError("departements: every population must be positive")
        codes = departements["code"].astype(str).to_numpy(dtype=object)
        family_position = {code: i for i, code in enumerate(FAMILY_CODES)}
        return cls(
            postes=job_map["poste_code"].astype(str).to_numpy(dtype=object),
            metiers=job_map["metier_code"].astype(str).to_numpy(dtype=object),
            family_of=job_map["family_code"].map(family_position).to_numpy(dtype=np.int64),
            codes=codes,
            population=population,
            in_idf=(
                departements["region_code"].astype(str) == ILE_DE_FRANCE_REGION_CODE
            ).to_numpy(),
            overseas=np.array([c.startswith(OVERSEAS_CODE_PREFIX) for c in codes], dtype=bool),
        )


@dataclass(frozen=True)
class _Structure:
    """Seeded traits that last over the whole history (a poste's weight, a place's specialities)."""

    offer_popularity: np.ndarray  # (P,)
    training_popularity: np.ndarray  # (P,)
    offer_drift: np.ndarray  # (P,)
    training_drift: np.ndarray  # (P,)
    online_share: np.ndarray  # (P,)
    offer_concentration: np.ndarray  # (P,)
    offer_local: np.ndarray  # (P, D)
    training_local: np.ndarray  # (P, D)
    training_absence_draw: np.ndarray  # (P, D) uniforms


def _draw_structure(layout: _Layout, seed: int) -> _Structure:
    """Draw the lasting traits once, so they persist from month to month as real ones do."""
    rng = np.random.default_rng([seed, _STATIC_STREAM])
    n_postes, n_deps = len(layout.postes), len(layout.codes)
    offer_hint = np.array([OFFER_DEMAND_HINTS.get(p, 1.0) for p in layout.postes])
    training_hint = np.array([TRAINING_SUPPLY_HINTS.get(p, 1.0) for p in layout.postes])
    offer_popularity = offer_hint * rng.lognormal(0.0, OFFER_POPULARITY_SD, n_postes)
    training_popularity = (
        offer_popularity**TRAINING_POPULARITY_FROM_OFFERS
        * training_hint
        * rng.lognormal(0.0, TRAINING_POPULARITY_SD, n_postes)
    )
    online_base = np.array([ONLINE_SHARE_BY_FAMILY[FAMILY_CODES[f]] for f in layout.family_of])
    online_share = np.clip(
        online_base * rng.lognormal(0.0, ONLINE_SHARE_SPREAD_SD, n_postes), *ONLINE_SHARE_BOUNDS
    )
    return _Structure(
        offer_popularity=offer_popularity,
        training_popularity=training_popularity,
        offer_drift=rng.uniform(*OFFER_DRIFT_RANGE, n_postes),
        training_drift=rng.uniform(*TRAINING_DRIFT_RANGE, n_postes),
        online_share=online_share,
        offer_concentration=rng.uniform(*OFFER_CONCENTRATION_RANGE, n_postes),
        offer_local=rng.lognormal(0.0, OFFER_LOCAL_SPREAD_SD, (n_postes, n_deps)),
        training_local=rng.gamma(
            TRAINING_LOCAL_SHAPE, 1.0 / TRAINING_LOCAL_SHAPE, (n_postes, n_deps)
        ),
        training_absence_draw=rng.uniform(size=(n_postes, n_deps)),
    )


def _apportion(totals: np.ndarray, weights: np.ndarray, group_of: np.ndarray) -> np.ndarray:
    """Split integer group totals over members in proportion to weights, keeping sums exact.

    Largest remainder rather than rounding each member: a family rounded poste by poste would
    drift a few units away from the published figure it is calibrated on.
    ``totals`` is (M, G) integers, ``weights`` (M, K) non-negative, ``group_of`` (K,) in [0, G).
    """
    n_groups = totals.shape[1]
    membership = np.zeros((len(group_of), n_groups))
    membership[np.arange(len(group_of)), group_of] = 1.0
    group_weight = weights @ membership
    # A group whose members all weigh nothing shares its total evenly rather than dividing by 0.
    weights = np.where(group_weight[:, group_of] > 0, weights, 1.0)
    group_weight = weights @ membership
    raw = totals[:, group_of] * (weights / group_weight[:, group_of])
    floor = np.floor(raw)
    deficit = totals - np.rint(floor @ membership).astype(np.int64)
    remainder = raw - floor
    # Sort by group, then by decreasing remainder; the first `deficit` members of a group get +1.
    order = np.argsort(group_of[None, :] + (1.0 - remainder) * 0.5, axis=1, kind="stable")
    sorted_group = group_of[order]
    group_start = np.concatenate(([0], np.cumsum(np.bincount(group_of, minlength=n_groups))[:-1]))
    rank = np.arange(len(group_of))[None, :] - group_start[sorted_group]
    bonus_sorted = rank < np.take_along_axis(deficit, sorted_group, axis=1)
    bonus = np.zeros(raw.shape, dtype=np.int64)
    np.put_along_axis(bonus, order, bonus_sorted.astype(np.int64), axis=1)
    return floor.astype(np.int64) + bonus


def _expected_national_totals(cal: MeasureCalibration, months: np.ndarray) -> np.ndarray:
    """National level per month before noise: the curve inside it, a trend and calendar outside."""
    known = np.array([month_index(m) for m in cal.curve])
    values = np.array(list(cal.curve.values()), dtype=float)
    order = np.argsort(known)
    known, values = known[order], values[order]
    season = np.asarray(cal.seasonality)
    inside = np.interp(months, known, values)
    after = (
        values[-1]
        * (1.0 + cal.monthly_growth_after) ** (months - known[-1])
        * season[months % 12]
        / season[known[-1] % 12]
    )
    before = values[0] * season[months % 12] / season[known[0] % 12]
    return np.where(months > known[-1], after, np.where(months < known[0], before, inside))


def _family_shares(cal: MeasureCalibration, months: np.ndarray) -> np.ndarray:
    """(M, F) family shares, moving linearly between the two published splits and held outside."""
    first = np.array([cal.first_split[f] for f in FAMILY_CODES], dtype=float)
    last = np.array([cal.last_split[f] for f in FAMILY_CODES], dtype=float)
    start, end = month_index(FAMILY_SPLIT_FIRST_MONTH), month_index(FAMILY_SPLIT_LAST_MONTH)
    t = np.clip((months - start) / (end - start), 0.0, 1.0)[:, None]
    return (1.0 - t) * (first / first.sum()) + t * (last / last.sum())


@dataclass(frozen=True)
class _Units:
    """Postes grouped for the family → unit → poste split: one unit per anchor, one for the rest.

    Anchored units carry the share of their family that their published count implies; the rest
    of the family shares what is left.
    """

    unit_of: np.ndarray  # (P,) unit index
    unit_family: np.ndarray  # (U,) family index
    base_share: np.ndarray  # (U,) share of the family
    anchor_month: np.ndarray  # (U,) month index where the share is exact, -1 for the rest


def _units(cal: MeasureCalibration, layout: _Layout) -> _Units:
    """Group postes for the split, dropping anchors the (editable) job map no longer has."""
    unit_of = np.full(len(layout.postes), -1, dtype=np.int64)
    unit_family: list[int] = []
    base_share: list[float] = []
    anchor_month: list[int] = []
    for anchor in cal.anchors:
        codes = layout.postes if anchor.level == "poste_code" else layout.metiers
        members = (codes == anchor.code) & (unit_of < 0)
        if not members.any():
            continue  # the job map is editable data: an anchor on a vanished unit is dropped
        families = np.unique(layout.family_of[members])
        if len(families) != 1:
            raise ValueError(f"anchor {anchor.code!r} spans several families")
        month = np.array([month_index(anchor.month)])
        family_total = _expected_national_totals(cal, month)[0] * _family_shares(cal, month)[0]
        unit_of[members] = len(unit_family)
        unit_family.append(int(families[0]))
        base_share.append(anchor.value / family_total[families[0]])
        anchor_month.append(int(month[0]))
    for family in range(len(FAMILY_CODES)):
        pinned = sum(s for s, f in zip(base_share, unit_family, strict=True) if f == family)
        rest = (layout.family_of == family) & (unit_of < 0)
        if pinned >= 1.0 or (pinned > 0 and not rest.any()):
            raise ValueError(f"anchors leave no room in family {FAMILY_CODES[family]}")
        if rest.any():
            unit_of[rest] = len(unit_family)
            unit_family.append(family)
            base_share.append(1.0 - pinned)
            anchor_month.append(-1)
    return _Units(
        unit_of=unit_of,
        unit_family=np.array(unit_family, dtype=np.int64),
        base_share=np.array(base_share),
        anchor_month=np.array(anchor_month, dtype=np.int64),
    )


def _unit_shares(units: _Units, months: np.ndarray, noise: np.ndarray | None) -> np.ndarray:
    """(M, U) share of each unit within its family, exact for a unit in its published month.

    Noise moves every unit a little; the units not fixed in a month are rescaled so the family
    still adds up to one.
    """
    shares = units.base_share[None, :] * (1.0 if noise is None else noise)
    fixed = months[:, None] == units.anchor_month[None, :]
    shares = np.where(fixed, units.base_share[None, :], shares)
    membership = np.zeros((len(units.unit_family), len(FAMILY_CODES)))
    membership[np.arange(len(units.unit_family)), units.unit_family] = 1.0
    fixed_sum = (np.where(fixed, shares, 0.0) @ membership)[:, units.unit_family]
    free_sum = (np.where(fixed, 0.0, shares) @ membership)[:, units.unit_family]
    scale = (1.0 - fixed_sum) / np.where(free_sum > 0, free_sum, 1.0)
    return np.where(fixed, shares, shares * scale)


def _poste_weights(popularity: np.ndarray, drift: np.ndarray, months: np.ndarray) -> np.ndarray:
    """(M, P) relative weights of postes inside their unit: lasting popularity, then drift."""
    first, last = month_index(DRIFT_FIRST_MONTH), month_index(DRIFT_LAST_MONTH)
    elapsed = (np.clip(months, first, last) - first)[:, None]
    return popularity[None, :] * np.exp(drift[None, :] * elapsed)


def _expected_postes(
    cal: MeasureCalibration,
    layout: _Layout,
    popularity: np.ndarray,
    drift: np.ndarray,
    month: str,
) -> np.ndarray:
    """(P,) noise-free national counts of one month, to calibrate the spread over départements."""
    months = np.array([month_index(month)])
    units = _units(cal, layout)
    family_totals = _expected_national_totals(cal, months)[:, None] * _family_shares(cal, months)
    unit_totals = family_totals[:, units.unit_family] * _unit_shares(units, months, None)
    weights = _poste_weights(popularity, drift, months)
    unit_weight = np.bincount(units.unit_of, weights=weights[0], minlength=len(units.unit_family))
    return unit_totals[0, units.unit_of] * weights[0] / unit_weight[units.unit_of]


def _national_postes(
    cal: MeasureCalibration,
    layout: _Layout,
    popularity: np.ndarray,
    drift: np.ndarray,
    months: np.ndarray,
    seed: int,
) -> np.ndarray:
    """(M, P) integer national counts: exact on the published figures, noisy in between."""
    units = _units(cal, layout)
    rngs = [np.random.default_rng([seed, cal.stream, int(month)]) for month in months]
    total_noise = np.array([rng.lognormal(0.0, cal.total_noise_sd) for rng in rngs])
    n_units = len(units.unit_family)
    unit_noise = np.array([rng.lognormal(0.0, cal.unit_noise_sd, n_units) for rng in rngs])
    known = [month_index(m) for m in cal.curve]
    published = (months >= min(known)) & (months <= max(known))
    expected = _expected_national_totals(cal, months)
    national = np.rint(np.where(published, expected, expected * total_noise)).astype(np.int64)
    families = _apportion(
        national[:, None], _family_shares(cal, months), np.zeros(len(FAMILY_CODES), dtype=np.int64)
    )
    unit_totals = _apportion(families, _unit_shares(units, months, unit_noise), units.unit_family)
    # Small postes must wobble like the small counts they are, large ones by a few per cent: a
    # gamma factor whose variance adds the relative noise and the sampling noise of the count.
    weights = _poste_weights(popularity, drift, months)
    unit_weight = np.stack(
        [np.bincount(units.unit_of, weights=w, minlength=n_units) for w in weights]
    )
    counts = unit_totals[:, units.unit_of] * weights / unit_weight[:, units.unit_of]
    shape = 1.0 / (cal.poste_noise_sd**2 + cal.poste_count_dispersion / (counts + 1.0))
    noise = np.array(
        [rng.gamma(row_shape, 1.0 / row_shape) for rng, row_shape in zip(rngs, shape, strict=True)]
    )
    return _apportion(unit_totals, weights * noise, units.unit_of)


def _tilt_towards_idf(
    base: np.ndarray, in_idf: np.ndarray, national: np.ndarray, target_share: float
) -> np.ndarray:
    """Scale Île-de-France's weights so its expected share of the national count hits the target.

    One factor for the whole region (solved by bisection, the share being monotone in it) keeps
    the contrasts between postes and between départements, while the regional total matches GEN's
    published figure.
    """
    row = base.sum(axis=1, keepdims=True)
    idf = base[:, in_idf].sum(axis=1) / row[:, 0]
    rest = 1.0 - idf
    mix = national / national.sum()
    low, high = -12.0, 12.0
    for _ in range(80):
        mid = 0.5 * (low + high)
        factor = np.exp(mid)
        share = float((mix * factor * idf / (factor * idf + rest)).sum())
        low, high = (mid, high) if share < target_share else (low, mid)
    tilted = base.copy()
    tilted[:, in_idf] *= np.exp(0.5 * (low + high))
    return tilted / tilted.sum(axis=1, keepdims=True)


def _offer_spread(layout: _Layout, structure: _Structure) -> np.ndarray:
    """(P, D) expected share of each département in a poste's offers."""
    metro = np.array([OFFER_METRO_FACTORS.get(c, 1.0) for c in layout.codes])
    weight = layout.population**OFFER_POPULATION_EXPONENT * metro
    weight = np.where(layout.overseas, weight * OVERSEAS_FACTOR, weight)
    weight = weight / weight.max()
    base = weight[None, :] ** structure.offer_concentration[:, None] * structure.offer_local
    reference = _expected_postes(
        OFFERS_CALIBRATION,
        layout,
        structure.offer_popularity,
        structure.offer_drift,
        OCT_2022,
    )
    target = OCT_2022_IDF_OFFERS / NATIONAL_OFFERS_CURVE[OCT_2022]
    return _tilt_towards_idf(base, layout.in_idf, reference, target)


def _training_spread(layout: _Layout, structure: _Structure) -> np.ndarray:
    """(P, D) expected share of each département in a poste's local (not online) trainings.

    A poste with few trainings nationally is simply not taught in many small départements, month
    after month: those lasting absences are drawn once, not month by month.
    """
    metro = np.array([OFFER_METRO_FACTORS.get(c, 1.0) for c in layout.codes])
    weight = layout.population * metro**TRAINING_METRO_EXPONENT
    weight = np.where(layout.overseas, weight * OVERSEAS_FACTOR, weight)
    base = weight[None, :] * structure.training_local
    reference = _expected_postes(
        TRAININGS_CALIBRATION,
        layout,
        structure.training_popularity,
        structure.training_drift,
        TRAININGS_IDF_REFERENCE_MONTH,
    )
    local = reference * (1.0 - structure.online_share)
    expected_cells = local[:, None] * base / base.sum(axis=1, keepdims=True)
    absent = structure.training_absence_draw < np.exp(-expected_cells / TRAINING_ABSENCE_SCALE)
    absent[np.arange(len(base)), base.argmax(axis=1)] = False  # every poste is taught somewhere
    base = np.where(absent, 0.0, base)
    # Île-de-France's share of local trainings such that it holds the published share of all.
    target = IDF_SHARE_OF_TRAININGS * reference.sum() / local.sum()
    return _tilt_towards_idf(base, layout.in_idf, local, target)


def _spread_offers(rng: np.random.Generator, counts: np.ndarray, base: np.ndarray) -> np.ndarray:
    """(P, D) offers of one month: each poste's national count spread by Dirichlet-multinomial.

    The Dirichlet step lets a département's share wander from month to month more than pure
    sampling would, as job ads do; small départements often get nothing at all.
    """
    draws = rng.gamma(OFFERS_DIRICHLET_CONCENTRATION * base)
    totals = draws.sum(axis=1, keepdims=True)
    probabilities = np.where(totals > 0, draws / np.where(totals > 0, totals, 1.0), base)
    return rng.multinomial(counts, probabilities)


def _update_catalogue(
    rng: np.random.Generator, previous: np.ndarray | None, counts: np.ndarray, base: np.ndarray
) -> np.ndarray:
    """(P, D) local trainings of one month, carried over from the previous month's catalogue.

    Most courses stay listed; the ones needed to reach this month's national count open where
    providers usually are. A map of trainings that reshuffled every month would look fake.
    """
    if previous is None:
        return rng.multinomial(counts, base)
    kept = rng.binomial(previous, TRAINING_MONTHLY_SURVIVAL)
    for poste in np.flatnonzero(kept.sum(axis=1) > counts):  # rare: the catalogue shrinks
        kept[poste] = rng.multivariate_hypergeometric(kept[poste], int(counts[poste]))
    return kept + rng.multinomial(counts - kept.sum(axis=1), base)


def generate_demo_history(
    job_map: pd.DataFrame,
    departements: pd.DataFrame,
    seed: int = DEMO_SEED,
    first_month: str = DEMO_FIRST_MONTH,
    last_month: str = DEMO_LAST_MONTH,
) -> DemoHistory:
    """Generate a realistic, reproducible monthly history for the job map and the départements.

    National totals on published months equal GEN_SCAN's published figures whatever the seed; the
    seed changes the split between postes and départements and the months GEN did not publish.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    seed = int(seed)
    first, last = month_index(first_month), month_index(last_month)
    if first > last:
        raise ValueError(f"first month {first_month} is after last month {last_month}")
    layout = _Layout.from_frames(job_map, departements)
    structure = _draw_structure(layout, seed)
    # Run from the catalogue's origin so that a month's trainings do not depend on the range.
    start = min(first, month_index(TRAININGS_CHAIN_ORIGIN))
    months = np.arange(start, last + 1)

    offers = _national_postes(
        OFFERS_CALIBRATION, layout, structure.offer_popularity, structure.offer_drift, months, seed
    )
    trainings = _national_postes(
        TRAININGS_CALIBRATION,
        layout,
        structure.training_popularity,
        structure.training_drift,
        months,
        seed,
    )
    offer_base = _offer_spread(layout, structure)
    training_base = _training_spread(layout, structure)

    n_months, n_postes, n_deps = last - first + 1, len(layout.postes), len(layout.codes)
    local_offers = np.empty((n_months, n_postes, n_deps), dtype=np.int64)
    local_trainings = np.empty((n_months, n_postes, n_deps), dtype=np.int64)
    online = np.empty((n_months, n_postes), dtype=np.int64)
    catalogue: np.ndarray | None = None
    for step, month in enumerate(months):  # one vectorised step per month, never per cell
        rng = np.random.default_rng([seed, _SPREAD_STREAM, int(month)])
        month_online = rng.binomial(trainings[step], structure.online_share)
        catalogue = _update_catalogue(rng, catalogue, trainings[step] - month_online, training_base)
        if month < first:
            continue
        row = month - first
        online[row] = month_online
        local_trainings[row] = catalogue
        local_offers[row] = _spread_offers(rng, offers[step], offer_base)

    month_texts = np.array([month_text(m) for m in range(first, last + 1)], dtype=object)
    facts = pd.DataFrame(
        {
            "month": np.repeat(month_texts, n_deps * n_postes),
            "department": np.tile(np.repeat(layout.codes, n_postes), n_months),
            "poste": np.tile(layout.postes, n_months * n_deps),
            # (M, P, D) → rows ordered month, département, poste
            "job_offers": local_offers.transpose(0, 2, 1).reshape(-1),
            "trainings": local_trainings.transpose(0, 2, 1).reshape(-1),
        }
    ).astype({"month": "str", "department": "str", "poste": "str"})
    online_frame = pd.DataFrame(
        {
            "month": np.repeat(month_texts, n_postes),
            "poste": np.tile(layout.postes, n_months),
            "trainings": online.reshape(-1),
        }
    ).astype({"month": "str", "poste": "str"})
    return DemoHistory(facts=facts, online=online_frame)
