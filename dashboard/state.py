"""The view's state: what the URL says, what the controls say, and how they stay consistent.

The whole state of a view lives in the URL query string, so a view can be shared and restored
exactly. These functions are pure: the callbacks only pass values in and out.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from dashboard.i18n import LANGS
from data_access.queries import Catalog

METRICS = ("job_offers", "trainings", "tension")
DEFAULT_METRIC = "tension"
QUERY_KEYS = ("month", "metric", "region", "department", "family", "metier", "poste", "lang")
MAX_VALUE_LENGTH = 100


@dataclass(frozen=True)
class ViewState:
    """One view of the dashboard; every field is a validated code or ``None``."""

    month: str
    metric: str = DEFAULT_METRIC
    region: str | None = None
    department: str | None = None
    family: str | None = None
    metier: str | None = None
    poste: str | None = None
    lang: str = "fr"

    def to_query(self) -> str:
        """Query string (with ``?``) of this view; defaults of optional fields are left out."""
        params = {k: v for k, v in asdict(self).items() if v is not None}
        if params.get("lang") == "fr":
            del params["lang"]
        return "?" + urlencode(params)

    def to_store(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_store(cls, data: dict[str, Any]) -> ViewState:
        return cls(**{k: data.get(k) for k in QUERY_KEYS if k in data})

    @property
    def territory(self) -> tuple[str, str]:
        """Level and code of the territory the figures are about."""
        if self.department:
            return "department", self.department
        if self.region:
            return "region", self.region
        return "national", "FR"


def store_state(data: Any, catalog: Catalog | None) -> ViewState | None:
    """The view a ``state`` store holds, or ``None`` unless this app could have written it.

    The store comes back from the browser, so anything may arrive: only a dict with the
    store's keys, short text values, a known metric and language is taken, and with a
    catalog, only a state the URL would restore exactly (known codes, consistent nesting).
    """
    if not isinstance(data, dict) or not set(data) <= set(QUERY_KEYS):
        return None
    values = {key: data.get(key) for key in QUERY_KEYS}
    if not all(
        v is None or (isinstance(v, str) and 0 < len(v) <= MAX_VALUE_LENGTH)
        for v in values.values()
    ):
        return None
    if values["month"] is None or values["metric"] not in METRICS or values["lang"] not in LANGS:
        return None
    state = ViewState(**values)
    if catalog is None:
        return state
    restored, ignored = parse_query(state.to_query(), catalog)
    return state if not ignored and restored == state else None


def _first(params: dict[str, list[str]], key: str) -> str | None:
    values = params.get(key)
    if not values:
        return None
    value = values[0].strip()
    return value or None


def parse_query(search: str | None, catalog: Catalog) -> tuple[ViewState, list[str]]:
    """State from a query string; every value that is not allowed is dropped and reported.

    Never raises: a shared link with a typo still opens, on the nearest valid view.
    """
    ignored: list[str] = []
    try:
        params = parse_qs((search or "").lstrip("?"), keep_blank_values=False, max_num_fields=50)
    except ValueError:
        params = {}
        ignored.append("query")
    for key in sorted(set(params) - set(QUERY_KEYS)):
        ignored.append(key[:MAX_VALUE_LENGTH])

    def take(key: str, allowed: set[str]) -> str | None:
        value = _first(params, key)
        if value is None:
            return None
        if len(value) > MAX_VALUE_LENGTH or value not in allowed:
            ignored.append(f"{key}={value[:MAX_VALUE_LENGTH]}")
            return None
        return value

    jm = catalog.job_map
    month = take("month", set(catalog.months)) or (catalog.months[-1] if catalog.months else "")
    metric = take("metric", set(METRICS)) or DEFAULT_METRIC
    lang = take("lang", set(LANGS)) or "fr"
    region = take("region", set(catalog.regions["code"]))
    department = take("department", set(catalog.departements["code"]))
    family = take("family", set(jm["family_code"]))
    metier = take("metier", set(jm["metier_code"]))
    poste = take("poste", set(jm["poste_code"]))

    if metier and family and catalog.family_of_metier(metier) != family:
        ignored.append(f"metier={metier}")
        metier = None
    if poste:
        poste_metier = catalog.metier_of_poste(poste)
        if (metier and poste_metier != metier) or (
            family and catalog.family_of_metier(poste_metier) != family
        ):
            ignored.append(f"poste={poste}")
            poste = None
    if department and region and catalog.region_of_department(department) != region:
        ignored.append(f"department={department}")
        department = None
    state = ViewState(month, metric, region, department, family, metier, poste, lang)
    return complete_hierarchy(state, catalog), ignored


def complete_hierarchy(state: ViewState, catalog: Catalog) -> ViewState:
    """Fill the parents of a chosen poste or métier, so the cascade shows where it sits."""
    metier, family = state.metier, state.family
    if state.poste:
        metier = catalog.metier_of_poste(state.poste)
    if metier:
        family = catalog.family_of_metier(metier)
    return replace(state, metier=metier, family=family)


@dataclass(frozen=True)
class Controls:
    """Values of the filter controls as the browser sent them (anything may arrive)."""

    month: Any = None
    metric: Any = None
    region: Any = None
    department: Any = None
    family: Any = None
    metier: Any = None
    poste: Any = None


def _valid(value: Any, allowed: set[str]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def resolve_controls(
    trigger: str, controls: Controls, previous: ViewState, catalog: Catalog
) -> ViewState:
    """New state after one control changed, keeping the family → métier → poste cascade and
    the region → département nesting consistent. ``trigger`` names the control that changed.
    """
    jm = catalog.job_map
    month = _valid(controls.month, set(catalog.months)) or previous.month
    metric = _valid(controls.metric, set(METRICS)) or previous.metric
    region = _valid(controls.region, set(catalog.regions["code"]))
    department = _valid(controls.department, set(catalog.departements["code"]))
    family = _valid(controls.family, set(jm["family_code"]))
    metier = _valid(controls.metier, set(jm["metier_code"]))
    poste = _valid(controls.poste, set(jm["poste_code"]))

    if trigger == "family":
        if metier and catalog.family_of_metier(metier) != family:
            metier = None
        if poste and (metier is None or catalog.metier_of_poste(poste) != metier):
            poste = None
    elif trigger == "metier":
        if metier:
            family = catalog.family_of_metier(metier)
        if poste and catalog.metier_of_poste(poste) != metier:
            poste = None
    elif trigger == "poste" and poste:
        metier = catalog.metier_of_poste(poste)
        family = catalog.family_of_metier(metier)

    if trigger == "region":
        if department and catalog.region_of_department(department) != region:
            department = None
    elif trigger == "department" and department:
        dep_region = catalog.region_of_department(department)
        if region and region != dep_region:
            region = dep_region

    state = ViewState(month, metric, region, department, family, metier, poste, previous.lang)
    return complete_hierarchy(state, catalog)


def toggle_department(state: ViewState, clicked: str | None, catalog: Catalog) -> ViewState:
    """A click on the map selects a département, and a second click on it clears it."""
    if clicked is None or clicked not in set(catalog.departements["code"]):
        return state
    if state.department == clicked:
        return replace(state, department=None)
    region = state.region
    if region and catalog.region_of_department(clicked) != region:
        region = catalog.region_of_department(clicked)
    return replace(state, department=clicked, region=region)


def metier_options(catalog: Catalog, family: str | None) -> list[dict[str, str]]:
    jm = catalog.job_map
    if family:
        jm = jm[jm["family_code"] == family]
    metiers = jm.drop_duplicates("metier_code")
    return [{"label": r.metier_label, "value": r.metier_code} for r in metiers.itertuples()]


def poste_options(catalog: Catalog, family: str | None, metier: str | None) -> list[dict[str, str]]:
    jm = catalog.job_map
    if metier:
        jm = jm[jm["metier_code"] == metier]
    elif family:
        jm = jm[jm["family_code"] == family]
    return [{"label": r.poste_label, "value": r.poste_code} for r in jm.itertuples()]


def family_options(catalog: Catalog) -> list[dict[str, str]]:
    families = catalog.job_map.drop_duplicates("family_code")
    return [{"label": r.family_label, "value": r.family_code} for r in families.itertuples()]


def region_options(catalog: Catalog) -> list[dict[str, str]]:
    regions = catalog.regions.sort_values("name")
    return [{"label": r.name, "value": r.code} for r in regions.itertuples()]


def department_options(catalog: Catalog, region: str | None) -> list[dict[str, str]]:
    deps = catalog.departements
    if region:
        deps = deps[deps["region_code"] == region]
    return [{"label": f"{r.code} – {r.name}", "value": r.code} for r in deps.itertuples()]


@dataclass(frozen=True)
class StateSync:
    """Outcome of one state synchronisation: the new state and what the URL carried in vain."""

    state: ViewState
    ignored: tuple[str, ...] = ()


URL_TRIGGERS = {None, "url", "data-version"}


def sync_state(
    trigger: str | None,
    search: str | None,
    controls: Controls,
    clicked: str | None,
    previous: dict[str, Any] | None,
    catalog: Catalog,
    lang_request: str | None = None,
) -> StateSync:
    """One place for every way the view can change: URL, a control, a map click, reset,
    language. ``trigger`` is the id of what changed (``None`` on first load)."""
    if trigger in URL_TRIGGERS or previous is None:
        if trigger == "data-version" and previous is not None:
            search = ViewState.from_store(previous).to_query()
        state, ignored = parse_query(search, catalog)
        return StateSync(state, tuple(ignored))
    before = ViewState.from_store(previous)
    if trigger == "map":
        return StateSync(toggle_department(before, clicked, catalog))
    if trigger == "reset-selection":
        return StateSync(replace(before, department=None))
    if lang_request is not None:
        return StateSync(replace(before, lang=lang_request))
    name = {
        "filter-month": "month",
        "filter-metric": "metric",
        "filter-region": "region",
        "filter-department": "department",
        "filter-family": "family",
        "filter-metier": "metier",
        "filter-poste": "poste",
    }.get(trigger or "", "")
    return StateSync(resolve_controls(name, controls, before, catalog))


def clicked_department(click: Any) -> str | None:
    """The département code a map click points at, if the click data is well formed.

    The clicked feature's id is the INSEE code, or ``<code>-zoom`` for the enlarged copies of
    Paris and its inner suburbs.
    """
    try:
        location = click["points"][0]["location"]
    except (KeyError, IndexError, TypeError):
        return None
    if not isinstance(location, str) or len(location) > 12:
        return None
    code = location.removesuffix("-zoom")
    return code if len(code) <= 3 else None
