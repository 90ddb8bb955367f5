"""The committed map must be drawable as it is: complete, clean borders, insets out of the way."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

import geodata
from geodata import build_geojson

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPARTEMENTS_CSV = REPO_ROOT / "data_access" / "reference" / "departements.csv"

OVERSEAS = ("971", "972", "973", "974", "976")
PARIS_AND_INNER_SUBURBS = ("75", "92", "93", "94")
# Square degrees; about 0.8 hectare in metropolitan France, far below what a map can show.
NEGLIGIBLE_AREA = 1e-6
# Two steps of the output grid: land left uncovered this close to two départements is a gap.
NARROW_GAP_WIDTH = 0.002
# Llívia is a Spanish town surrounded by Pyrénées-Orientales: the map must leave it blank.
LLIVIA = shapely.Point(1.98, 42.455)


def _reference_departements() -> dict[str, dict[str, str]]:
    with DEPARTEMENTS_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def features() -> list[dict[str, Any]]:
    return geodata.load_departements_geojson()["features"]


@pytest.fixture(scope="module")
def insets() -> list[dict[str, Any]]:
    return geodata.load_insets()


@pytest.fixture(scope="module")
def shapes(features: list[dict[str, Any]]) -> dict[str, BaseGeometry]:
    return {f["properties"]["feature_id"]: shape(f["geometry"]) for f in features}


@pytest.fixture(scope="module")
def mainland(
    features: list[dict[str, Any]], shapes: dict[str, BaseGeometry]
) -> dict[str, BaseGeometry]:
    """Départements drawn at their true place: the mainland and Corsica."""
    return {
        f["properties"]["code"]: shapes[f["properties"]["feature_id"]]
        for f in features
        if f["properties"]["inset"] is None
    }


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    return list(shapely.get_parts(geom))


# --------------------------------------------------------------------------- contents


def test_every_reference_departement_has_exactly_one_map_feature(
    features: list[dict[str, Any]],
) -> None:
    codes = [f["properties"]["code"] for f in features if f["properties"]["inset"] != "paris"]
    assert len(codes) == len(set(codes)) == 101
    assert set(codes) == set(_reference_departements())


def test_names_and_regions_agree_with_the_reference_files(features: list[dict[str, Any]]) -> None:
    reference = _reference_departements()
    for f in features:
        props = f["properties"]
        assert props["name"] == reference[props["code"]]["name"]
        assert props["region_code"] == reference[props["code"]]["region_code"]
    names = {f["properties"]["code"]: f["properties"]["name"] for f in features}
    assert names["07"] == "Ardèche"
    assert names["974"] == "La Réunion"


def test_paris_zoom_repeats_exactly_paris_and_its_inner_suburbs(
    features: list[dict[str, Any]],
) -> None:
    zoom = [f["properties"] for f in features if f["properties"]["inset"] == "paris"]
    assert sorted(p["code"] for p in zoom) == list(PARIS_AND_INNER_SUBURBS)
    assert sorted(p["feature_id"] for p in zoom) == [f"{c}-zoom" for c in PARIS_AND_INNER_SUBURBS]


def test_feature_ids_are_unique_and_match_the_geojson_id(features: list[dict[str, Any]]) -> None:
    ids = [f["properties"]["feature_id"] for f in features]
    assert len(ids) == len(set(ids)) == 105
    for f in features:
        props = f["properties"]
        assert f["id"] == props["feature_id"]
        if props["inset"] != "paris":
            assert props["feature_id"] == props["code"]


def test_only_overseas_departements_are_marked_as_moved(features: list[dict[str, Any]]) -> None:
    moved = sorted(
        f["properties"]["code"] for f in features if f["properties"]["inset"] == "overseas"
    )
    assert moved == list(OVERSEAS)
    assert {f["properties"]["inset"] for f in features} == {None, "overseas", "paris"}


# --------------------------------------------------------------------------- geometry


def test_every_geometry_is_a_valid_polygon_or_multipolygon(
    shapes: dict[str, BaseGeometry],
) -> None:
    for feature_id, geom in shapes.items():
        assert geom.geom_type in ("Polygon", "MultiPolygon"), feature_id
        assert geom.is_valid, (feature_id, shapely.is_valid_reason(geom))
        assert not geom.is_empty, feature_id


def test_exterior_rings_run_clockwise_as_plotly_geo_expects(
    shapes: dict[str, BaseGeometry],
) -> None:
    # d3-geo, under Plotly's geo traces, fills the outside of a counter-clockwise exterior.
    for feature_id, geom in shapes.items():
        for polygon in _polygons(geom):
            assert not polygon.exterior.is_ccw, feature_id
            assert all(ring.is_ccw for ring in polygon.interiors), feature_id


def test_mainland_departements_do_not_overlap(mainland: dict[str, BaseGeometry]) -> None:
    codes = list(mainland)
    geoms = [mainland[c] for c in codes]
    assert len(geoms) == 96
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right, strict=True) if i < j]
    # Neighbours do touch: a build that moved them apart would pass the overlap test vacuously.
    assert len(pairs) > 200
    overlaps = {
        (codes[i], codes[j]): shapely.intersection(geoms[i], geoms[j]).area for i, j in pairs
    }
    assert sum(overlaps.values()) < NEGLIGIBLE_AREA, max(overlaps.items(), key=lambda kv: kv[1])


def test_shared_borders_match_vertex_for_vertex(shapes: dict[str, BaseGeometry]) -> None:
    # Simplified once for both neighbours, a border has the same vertices on either side; a
    # shape simplified or moved on its own breaks this even when no overlap is visible.
    assert shapely.coverage_is_valid(np.array(list(shapes.values()), dtype=object))


def test_no_enclosed_gap_between_departements(mainland: dict[str, BaseGeometry]) -> None:
    codes = list(mainland)
    geoms = [mainland[c] for c in codes]
    union = shapely.union_all(geoms)
    assert union.area == pytest.approx(sum(g.area for g in geoms), abs=NEGLIGIBLE_AREA)
    tree = shapely.STRtree(geoms)
    for polygon in _polygons(union):
        for ring in polygon.interiors:
            hole = Polygon(ring)
            # A hole inside one département (a lake, a closed estuary, Llívia) is no gap; a hole
            # that several départements border is a gap between them.
            borders = [
                codes[i]
                for i in tree.query(hole, predicate="intersects")
                if geoms[i].boundary.intersection(hole.boundary).length > 0
            ]
            if hole.area > NEGLIGIBLE_AREA:
                assert len(borders) == 1, (borders, hole.representative_point().wkt)


def test_no_narrow_gap_along_shared_borders(mainland: dict[str, BaseGeometry]) -> None:
    # A gap open to the sea or to a foreign border is no hole; look instead for uncovered land
    # lying within a couple of grid steps of two départements at once. Only the mouths of the
    # estuaries where two départements meet (the largest: Baie des Veys, Calvados/Manche,
    # under 1e-4) leave some.
    codes = list(mainland)
    geoms = np.array([mainland[c] for c in codes], dtype=object)
    near = shapely.buffer(geoms, NARROW_GAP_WIDTH)
    left, right = shapely.STRtree(geoms).query(near, predicate="intersects")
    uncovered = {
        (codes[i], codes[j]): shapely.difference(
            shapely.intersection(near[i], near[j]), shapely.union(geoms[i], geoms[j])
        ).area
        for i, j in zip(left, right, strict=True)
        if i < j
    }
    worst = max(uncovered.items(), key=lambda kv: kv[1])
    assert worst[1] < 1.5e-4, worst


def test_continental_departements_form_one_piece(mainland: dict[str, BaseGeometry]) -> None:
    # A département pulled away from its neighbours would become an island of its own.
    continent = max(_polygons(shapely.union_all(list(mainland.values()))), key=lambda p: p.area)
    for code, geom in mainland.items():
        if code in ("2A", "2B"):
            continue
        largest = max(_polygons(geom), key=lambda p: p.area)
        assert continent.contains(largest.point_on_surface()), code


def test_the_enclave_of_llivia_stays_blank(mainland: dict[str, BaseGeometry]) -> None:
    assert not any(geom.contains(LLIVIA) for geom in mainland.values())
    assert mainland["66"].distance(LLIVIA) < 0.05


def test_paris_zoom_is_an_enlarged_copy(shapes: dict[str, BaseGeometry]) -> None:
    for code in PARIS_AND_INNER_SUBURBS:
        ratio = shapes[f"{code}-zoom"].area / shapes[code].area
        # Scale ×4 to ×6 on each axis; the real-place shapes are coarser, hence the margin.
        assert 16 < ratio < 36, (code, ratio)


# --------------------------------------------------------------------------- insets


def test_inset_metadata_lists_each_inset_once_with_labels(insets: list[dict[str, Any]]) -> None:
    assert [i["id"] for i in insets] == [*OVERSEAS, "paris"]
    for inset in insets:
        assert set(inset) == {"id", "label_fr", "label_en", "bbox"}
        assert inset["label_fr"].strip()
        assert inset["label_en"].strip()
        lon_min, lat_min, lon_max, lat_max = inset["bbox"]
        assert lon_min < lon_max
        assert lat_min < lat_max
    labels = {i["id"]: i["label_fr"] for i in insets}
    assert labels["974"] == "La Réunion"


def test_inset_frames_contain_their_features(
    features: list[dict[str, Any]], shapes: dict[str, BaseGeometry], insets: list[dict[str, Any]]
) -> None:
    frames = {i["id"]: shapely.box(*i["bbox"]) for i in insets}
    for f in features:
        props = f["properties"]
        if props["inset"] == "overseas":
            assert frames[props["code"]].contains(shapes[props["feature_id"]]), props["code"]
        elif props["inset"] == "paris":
            assert frames["paris"].contains(shapes[props["feature_id"]]), props["feature_id"]


def test_overseas_departements_are_not_drawn_at_their_true_place(
    shapes: dict[str, BaseGeometry],
) -> None:
    europe = shapely.box(-12.0, 40.0, 12.0, 53.0)
    for geom in shapes.values():
        assert europe.contains(geom)


def test_insets_overlap_neither_the_mainland_nor_each_other(
    mainland: dict[str, BaseGeometry], insets: list[dict[str, Any]]
) -> None:
    frames = [shapely.box(*i["bbox"]) for i in insets]
    land = shapely.union_all(list(mainland.values()))
    for k, frame in enumerate(frames):
        assert not frame.intersects(land), insets[k]["id"]
        for other in frames[k + 1 :]:
            assert not frame.intersects(other)


def test_inset_transform_keeps_proportions_in_mercator_space() -> None:
    # A square in Mercator space near Guadeloupe must land as a square, whatever the scale.
    lon, lat, side = -61.5, 16.2, 0.5
    y = float(build_geojson.mercator_y(lat))
    lat_top = float(build_geojson.inverse_mercator_y(y + side))
    square = shapely.box(lon, lat, lon + side, lat_top)
    layout = next(i for i in build_geojson.inset_layouts() if i.inset_id == "971")
    transform, frame = build_geojson.inset_transform(layout, [square])
    moved = shapely.transform(square, transform)
    x_min, y_min, x_max, y_max = build_geojson.mercator_bounds([moved])
    assert (x_max - x_min) == pytest.approx(y_max - y_min, rel=1e-9)
    assert x_max - x_min > 3 * side  # enlarged to fill its frame
    assert shapely.box(*frame).contains(moved)


# --------------------------------------------------------------------------- files and loader


def test_geojson_file_is_compact_utf8_and_under_600_kb() -> None:
    data = geodata.GEOJSON_PATH.read_bytes()
    assert len(data) < 600 * 1024
    text = data.decode("utf-8")
    assert text.endswith("}\n")
    assert text.count("\n") == 1
    assert '"name":"Ardèche"' in text


def test_loaders_return_fresh_plain_data() -> None:
    first = geodata.load_departements_geojson()
    assert first["type"] == "FeatureCollection"
    first["features"].clear()
    assert len(geodata.load_departements_geojson()["features"]) == 105

    insets = geodata.load_insets()
    assert isinstance(insets, list)
    assert all(isinstance(i, dict) for i in insets)
    assert insets == json.loads(geodata.INSETS_PATH.read_text(encoding="utf-8"))


def test_geodata_pulls_in_no_web_framework() -> None:
    code = (
        "import sys, geodata, geodata.build_geojson\n"
        "geodata.load_departements_geojson()\n"
        "banned = ('dash', 'plotly', 'flask', 'dashboard')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in banned))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_reference_populations_cover_every_departement() -> None:
    populations = {code: int(r["population"]) for code, r in _reference_departements().items()}
    assert min(populations.values()) > 50_000  # Lozère, the smallest, has about 76,000
    assert populations["976"] == 256_518  # INSEE 2017 fallback: no commune figures for Mayotte
    assert 65_000_000 < sum(populations.values()) < 70_000_000
