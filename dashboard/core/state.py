"""The view's state: what the URL says, what the controls say, and how they stay consistent.

The whole state of a view lives in the URL query string, so a view can be shared and restored
exactly. These functions are pure: the callbacks only pass values in and out.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import asdict, dataclass, fields, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from dashboard.core.i18n import LANGS
from data_access.queries import JOB_LEVELS, Catalog, JobFilter

METRICS = ("job_offers", "trainings", "tension")
DEFAULT_METRIC = "tension"
CHANGE_PERIODS = ("1", "12")
FRAGILE_CHOICES = ("exclude",)
MAIN_KEYS = (
    "month",
    "metric",
    "change",
    "fragile",
    "region",
    "department",
    "family",
    "metier",
    "poste",
    "lang",
    "vintage",
)
TOOL_KEYS = ("plan", "compare")
QUERY_KEYS = MAIN_KEYS + TOOL_KEYS
MAX_VALUE_LENGTH = 100
MAX_PLAN = 10_000
MAX_COMPARED = 4
FRANCE_TOKEN = "FR"
REGION_TOKEN_PREFIX = "R"


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
    change: str | None = None  # "1" or "12": the map shows changes over that many months
    fragile: str | None = None  # "exclude": rankings leave fragile values out
    plan: str | None = None  # trainings the simulator adds (a whole number as text)
    compare: str | None = None  # up to four territory tokens, comma-separated
    vintage: str | None = None  # the id of the vintage whose figures are shown; None: current

    def _fields(self) -> dict[str, Any]:
        # ``asdict`` would deep-copy every field: a cost on every request for plain texts.
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_query(self) -> str:
        """Query string (with ``?``) of this view; defaults of optional fields are left out."""
        data = self._fields()
        params = {k: data[k] for k in QUERY_KEYS if data[k] is not None}
        if params.get("lang") == "fr":
            del params["lang"]
        return "?" + urlencode(params, safe=",")

    def to_store(self) -> dict[str, Any]:
        """The fields every part of the page depends on (the ``state`` store)."""
        data = self._fields()
        return {k: data[k] for k in MAIN_KEYS}

    def tools_store(self) -> dict[str, Any]:
        """The fields only the simulator and the comparison read (the ``tools`` store), kept
        apart so that typing a number does not redraw the map."""
        data = self._fields()
        return {k: data[k] for k in TOOL_KEYS}

    @classmethod
    def from_store(cls, data: dict[str, Any], tools: dict[str, Any] | None = None) -> ViewState:
        merged = {**data, **(tools or {})}
        return cls(**{k: merged[k] for k in QUERY_KEYS if k in merged})

    @property
    def compared(self) -> tuple[str, ...]:
        return tuple(self.compare.split(",")) if self.compare else ()

    @property
    def planned(self) -> int:
        return int(self.plan) if self.plan else 0

    @property
    def job(self) -> JobFilter:
        """The family → métier → poste part, the shape the catalog's nesting rule reads."""
        return JobFilter(self.family, self.metier, self.poste)

    @property
    def territory(self) -> tuple[str, str]:
        """Level and code of the territory the figures are about."""
        if self.department:
            return "department", self.department
        if self.region:
            return "region", self.region
        return "national", "FR"


def store_state(data: Any, catalog: Catalog | None, tools: Any = None) -> ViewState | None:
    """The view the ``state`` (and ``tools``) stores hold, or ``None`` unless this app could
    have written them.

    The stores come back from the browser, so anything may arrive: only dicts with the
    stores' keys, short text values, a known metric and language are taken, and with a
    catalog, only a state the URL would restore exactly (known codes, consistent nesting).
    """
    if not isinstance(data, dict) or not set(data) <= set(MAIN_KEYS):
        return None
    if tools is not None and (not isinstance(tools, dict) or not set(tools) <= set(TOOL_KEYS)):
        return None
    merged = {**data, **(tools or {})}
    # ``Any``: what the browser sent, checked value by value just below.
    values: dict[str, Any] = {key: merged.get(key) for key in QUERY_KEYS}
    if not all(
        v is None or (isinstance(v, str) and 0 < len(v) <= MAX_VALUE_LENGTH)
        for v in values.values()
    ):
        return None
    if values["month"] is None or values["metric"] not in METRICS or values["lang"] not in LANGS:
        return None
    if values["change"] not in (None, *CHANGE_PERIODS) or values["fragile"] not in (
        None,
        *FRAGILE_CHOICES,
    ):
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

    def take(key: str, allowed: Set[str]) -> str | None:
        value = _first(params, key)
        if value is None:
            return None
        if len(value) > MAX_VALUE_LENGTH or value not in allowed:
            ignored.append(f"{key}={value[:MAX_VALUE_LENGTH]}")
            return None
        return value

    month = take("month", catalog.month_set) or (catalog.months[-1] if catalog.months else "")
    metric = take("metric", set(METRICS)) or DEFAULT_METRIC
    lang = take("lang", set(LANGS)) or "fr"
    region = take("region", catalog.region_codes)
    department = take("department", catalog.department_codes)
    family = take("family", catalog.family_codes)
    metier = take("metier", catalog.metier_codes)
    poste = take("poste", catalog.poste_codes)
    change = take("change", set(CHANGE_PERIODS))
    fragile = take("fragile", set(FRAGILE_CHOICES))
    vintage = take("vintage", catalog.vintage_ids)
    plan_text = _first(params, "plan")
    plan = normalise_plan(plan_text)
    if plan_text is not None and plan is None:
        ignored.append(f"plan={plan_text[:MAX_VALUE_LENGTH]}")
    compare_text = _first(params, "compare")
    compare, rejected = normalise_compare(compare_text, catalog)
    ignored += [f"compare={token[:MAX_VALUE_LENGTH]}" for token in rejected]

    job, dropped = catalog.drop_faults(JobFilter(family, metier, poste))
    ignored += [f"{level}={code}" for level, code in dropped]
    region, kept = catalog.nest_territory("region", region, department)
    if kept != department:
        ignored.append(f"department={department}")
    department = kept
    state = ViewState(
        month,
        metric,
        region,
        department,
        job.family,
        job.metier,
        job.poste,
        lang,
        change,
        fragile,
        plan,
        compare,
        vintage,
    )
    return complete_hierarchy(state, catalog), ignored


def normalise_plan(value: Any) -> str | None:
    """A planned number of trainings as text (``None`` for none), or ``None`` if not valid.

    Accepts what a number input or a URL may send: an int, a whole float, or digits.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdigit() or len(text) > 6:
            return None
        value = int(text)
    if not isinstance(value, int) or not 0 < value <= MAX_PLAN:
        return None
    return str(value)


def plan_refused(value: Any) -> bool:
    """Whether a typed plan is something other than a valid number or an emptied box."""
    return value not in (None, "", 0) and normalise_plan(value) is None


def territory_tokens(catalog: Catalog) -> set[str]:
    """Every territory the comparison accepts: ``FR``, ``R<region>``, a département code."""
    regions = {REGION_TOKEN_PREFIX + code for code in catalog.region_codes}
    return {FRANCE_TOKEN, *regions, *catalog.department_codes}


def normalise_compare(value: Any, catalog: Catalog) -> tuple[str | None, list[str]]:
    """Known territory tokens, first four, without repeats; and the tokens refused.

    ``value`` is the comma-separated text of the URL or the list a multi-select sends.
    """
    if value is None:
        return None, []
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        return None, ["compare"]
    allowed = territory_tokens(catalog)
    kept: list[str] = []
    rejected: list[str] = []
    for item in items[:50]:
        token = item.strip() if isinstance(item, str) else ""
        if not token:
            continue
        if token not in allowed or len(kept) >= MAX_COMPARED:
            rejected.append(token)
        elif token not in kept:
            kept.append(token)
    return (",".join(kept) or None), rejected


def compare_options(catalog: Catalog, france: str, region_prefix: str) -> list[dict[str, str]]:
    """France, then regions, then départements, as options of the comparison's selector."""
    options = [{"label": france, "value": FRANCE_TOKEN}]
    for row in catalog.regions.sort_values("name").itertuples():
        options.append(
            {"label": f"{region_prefix} · {row.name}", "value": REGION_TOKEN_PREFIX + row.code}
        )
    for row in catalog.departements.itertuples():
        options.append({"label": f"{row.code} – {row.name}", "value": row.code})
    return options


def token_territory(token: str) -> tuple[str, str]:
    """Level and code a comparison token stands for."""
    if token == FRANCE_TOKEN:
        return "national", "FR"
    if token.startswith(REGION_TOKEN_PREFIX):
        return "region", token[len(REGION_TOKEN_PREFIX) :]
    return "department", token


def complete_hierarchy(state: ViewState, catalog: Catalog) -> ViewState:
    """Fill the parents of a chosen poste or métier, so the cascade shows where it sits."""
    return replace(state, **asdict(catalog.with_parents(state.job)))


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
    change: Any = None
    fragile: Any = None
    plan: Any = None
    compare: Any = None


def _valid(value: Any, allowed: Set[str]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def resolve_controls(
    trigger: str, controls: Controls, previous: ViewState, catalog: Catalog
) -> ViewState:
    """New state after one control changed, keeping the family → métier → poste cascade and
    the region → département nesting consistent. ``trigger`` names the control that changed.
    """
    month = _valid(controls.month, catalog.month_set) or previous.month
    metric = _valid(controls.metric, set(METRICS)) or previous.metric
    region = _valid(controls.region, catalog.region_codes)
    department = _valid(controls.department, catalog.department_codes)
    family = _valid(controls.family, catalog.family_codes)
    metier = _valid(controls.metier, catalog.metier_codes)
    poste = _valid(controls.poste, catalog.poste_codes)

    job = JobFilter(family, metier, poste)
    if trigger in JOB_LEVELS:
        # Parents follow from the final completion; here only stray children go.
        job = catalog.keep_nested_below(trigger, job)

    region, department = catalog.nest_territory(
        "department" if trigger == "department" else "region", region, department
    )

    change = _valid(controls.change, set(CHANGE_PERIODS))
    fragile = (
        "exclude" if isinstance(controls.fragile, list) and "exclude" in controls.fragile else None
    )
    if trigger == "plan":
        # Not a valid number: keep the last good one (the page says why).
        plan = previous.plan if plan_refused(controls.plan) else normalise_plan(controls.plan)
    else:
        plan = previous.plan
    compare = (
        normalise_compare(controls.compare, catalog)[0]
        if trigger == "compare"
        else previous.compare
    )
    state = ViewState(
        month,
        metric,
        region,
        department,
        job.family,
        job.metier,
        job.poste,
        previous.lang,
        change,
        fragile,
        plan,
        compare,
        previous.vintage,
    )
    return complete_hierarchy(state, catalog)


def toggle_department(state: ViewState, clicked: str | None, catalog: Catalog) -> ViewState:
    """A click on the map selects a département, and a second click on it clears it."""
    if clicked is None or clicked not in catalog.department_codes:
        return state
    if state.department == clicked:
        return replace(state, department=None)
    region, _ = catalog.nest_territory("department", state.region, clicked)
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
    if trigger == "compare-add":
        return StateSync(add_compared(before, catalog))
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
        "filter-change": "change",
        "filter-fragile": "fragile",
        "sim-plan": "plan",
        "compare-select": "compare",
    }.get(trigger or "", "")
    return StateSync(resolve_controls(name, controls, before, catalog))


def requested_vintage(trigger: str | None, search: str | None, previous: Any) -> str | None:
    """The vintage (as text, unchecked) the next view asks for, under ``sync_state``'s rule: an
    opened address names it, otherwise the view stays on the one the page shows."""
    if trigger in URL_TRIGGERS - {"data-version"} or not isinstance(previous, dict):
        try:
            params = parse_qs((search or "").lstrip("?"), max_num_fields=50)
        except ValueError:
            return None
        return _first(params, "vintage")
    value = previous.get("vintage")
    return value if isinstance(value, str) else None


def current_token(state: ViewState) -> str:
    """The comparison token of the territory the view is about."""
    level, code = state.territory
    if level == "department":
        return code
    if level == "region":
        return REGION_TOKEN_PREFIX + code
    return FRANCE_TOKEN


def add_compared(state: ViewState, catalog: Catalog) -> ViewState:
    """Add the selected territory (France when none) to the comparison, if there is room."""
    token = current_token(state)
    if token in state.compared or len(state.compared) >= MAX_COMPARED:
        return state
    compare, _ = normalise_compare([*state.compared, token], catalog)
    return replace(state, compare=compare)


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
