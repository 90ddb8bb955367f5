"""Reference data shipped with the repository: GEN's job map and French territories.

Both live as plain CSV files under ``data_access/reference/`` so that a new version of the job map
(or a territorial reform) is a data change, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

REFERENCE_DIR = Path(str(resources.files("data_access") / "reference"))

JOB_MAP_FILE = REFERENCE_DIR / "job_map.csv"
REGIONS_FILE = REFERENCE_DIR / "regions.csv"
DEPARTEMENTS_FILE = REFERENCE_DIR / "departements.csv"

JOB_MAP_COLUMNS = [
    "family_code",
    "family_label",
    "metier_code",
    "metier_label",
    "poste_code",
    "poste_label",
]


@dataclass(frozen=True)
class ReferenceData:
    """The job map and the territories, as read from their CSV files."""

    job_map: pd.DataFrame
    regions: pd.DataFrame
    departements: pd.DataFrame


def _read_text_csv(path: Path) -> pd.DataFrame:
    # Every column is read as text: codes such as "01" or "2A" must keep their form.
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def load_job_map(path: Path = JOB_MAP_FILE) -> pd.DataFrame:
    """Read the job map (one row per poste), checking the codes a database will key on."""
    frame = _read_text_csv(path)
    missing = [c for c in JOB_MAP_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}")
    frame = frame[JOB_MAP_COLUMNS]
    if frame["poste_code"].duplicated().any():
        dups = sorted(frame.loc[frame["poste_code"].duplicated(), "poste_code"])
        raise ValueError(f"{path}: duplicate poste codes {dups}")
    for level in ("family", "metier"):
        labels = frame.groupby(f"{level}_code")[f"{level}_label"].nunique()
        if (labels > 1).any():
            raise ValueError(f"{path}: a {level} code carries several labels")
    parents = frame.groupby("metier_code")["family_code"].nunique()
    if (parents > 1).any():
        raise ValueError(f"{path}: a métier belongs to several families")
    return frame.reset_index(drop=True)


def load_regions(path: Path = REGIONS_FILE) -> pd.DataFrame:
    """Read the regions (INSEE code, name)."""
    return _read_text_csv(path)[["code", "name"]]


def load_departements(path: Path = DEPARTEMENTS_FILE) -> pd.DataFrame:
    """Read the départements (INSEE code, name, region code, municipal population)."""
    frame = _read_text_csv(path)[["code", "name", "region_code", "population"]]
    frame["population"] = frame["population"].astype("int64")
    return frame


def load_reference() -> ReferenceData:
    """Read all reference data and check that départements point at known regions."""
    regions = load_regions()
    departements = load_departements()
    unknown = set(departements["region_code"]) - set(regions["code"])
    if unknown:
        raise ValueError(f"départements refer to unknown regions {sorted(unknown)}")
    return ReferenceData(job_map=load_job_map(), regions=regions, departements=departements)
