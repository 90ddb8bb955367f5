"""The response cache keeps a panel as JSON written by orjson; what the browser then receives
must be exactly what Dash's own writer would have sent for the drawn panel."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from dash import html
from dash._utils import to_json

from dashboard import create_app
from dashboard.core.state import ViewState
from dashboard.page import panels
from dashboard.web.callbacks import props_json, props_of_json
from data_access.settings import Settings

OWN = {"map_table": (None, 1), "top_jobs": (None,)}


def _as_dash_sends(props: panels.Props) -> Any:
    return json.loads(to_json([[c, p, v] for (c, p), v in props.items()]))


@pytest.mark.parametrize(
    "name", [name for name, panel in panels.STATE_PANELS.items() if panel.cacheable]
)
def test_a_cached_panel_reads_back_as_dash_would_have_sent_it(sqlite_url: str, name: str) -> None:
    deps = create_app(Settings(database_url=sqlite_url, seed_demo_if_empty=False)).genscan_deps
    catalog = deps.service.catalog()
    views = [
        ViewState(catalog.months[-1]),
        ViewState(catalog.months[0], "trainings", region="53", family="DATA", lang="en"),
        ViewState(catalog.months[-1], region="94", change="12", compare="FR,35", plan="40"),
    ]
    for state in views:
        props = panels.STATE_PANELS[name].render(deps, state, *OWN.get(name, ()))
        body = props_json(props)
        assert json.loads(body) == _as_dash_sends(props)
        assert json.loads(to_json(list(props_of_json(body).items()))) == json.loads(
            to_json(list(props.items()))
        )


def test_numbers_dash_would_write_as_null_are_written_as_null() -> None:
    props: panels.Props = {
        ("a", "figure"): {"z": np.array([1.5, math.nan]), "n": np.float64("nan"), "i": np.int64(3)},
        ("b", "children"): [html.Td("x", className="num"), None, math.inf],
    }
    assert json.loads(props_json(props)) == _as_dash_sends(props)


def test_a_value_neither_can_write_is_refused() -> None:
    with pytest.raises(TypeError):
        props_json({("a", "data"): object()})
