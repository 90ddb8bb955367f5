"""Bytes sent to the browser when the map is recoloured (month, indicator or job filter).

Compares, for the same change, the response of the map callback as the app sends it (a Patch
of values) with the response a full-figure callback would send: the app's own full figure
(geometry referenced by URL) and a naive full figure with the GeoJSON inline.

    python -m bench.recolour_payload --url http://127.0.0.1:8050
"""

from __future__ import annotations

import argparse
import copy
import json
from typing import Any

from bench.common import post_callback
from bench.interaction_time import load_payloads, vary
from geodata import GEOJSON_PATH


def map_request(payloads: list[dict[str, Any]], month: str, family: str | None, full: bool):
    request = next(r for r in vary(payloads, month, family) if r["output"].startswith("..map.fig"))
    request = copy.deepcopy(request)
    if full:
        for item in request["state"]:
            if item["id"] == "map-signature":
                item["value"] = None
    return request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8050/")
    args = parser.parse_args()
    payloads = load_payloads()
    geojson = json.loads(GEOJSON_PATH.read_text(encoding="utf-8"))
    rows = []
    for month, family in (("2024-11", None), ("2024-06", "DATA"), ("2023-02", "DESIGN")):
        patch = post_callback(args.url, map_request(payloads, month, family, full=False))
        full = post_callback(args.url, map_request(payloads, month, family, full=True))
        figure = json.loads(full)["response"]["map"]["figure"]
        figure["data"][0]["geojson"] = geojson
        inline = len(json.dumps({"response": {"map": {"figure": figure}}}, separators=(",", ":")))
        rows.append((month, family or "all", len(patch), len(full), inline))
    print("month    family  patch B  full (geometry by URL) B  full (geometry inline) B  ratio")
    for month, family, patch, full, inline in rows:
        print(
            f"{month}  {family:6}  {patch:7d}  {full:24d}  {inline:24d}  "
            f"{patch / full:6.1%} / {patch / inline:5.2%}"
        )
    print("target: recolour response ≤ 5 KB and ≤ 2 % of a full-figure response")


if __name__ == "__main__":
    main()
