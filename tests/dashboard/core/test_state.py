"""URL state and filter cascade: what a shared link restores and how controls stay consistent."""

from __future__ import annotations

from urllib.parse import parse_qs

from dashboard.core.state import (
    Controls,
    ViewState,
    clicked_department,
    complete_hierarchy,
    metier_options,
    normalise_compare,
    normalise_plan,
    parse_query,
    poste_options,
    resolve_controls,
    store_state,
    sync_state,
    toggle_department,
)
from data_access.queries import Catalog, JobFilter


def test_query_round_trips_through_state(catalog: Catalog) -> None:
    state = ViewState("2022-11", "job_offers", "84", "69", "DEV", "developpement", None, "en")
    parsed, ignored = parse_query(state.to_query(), catalog)
    assert parsed == state
    assert ignored == []


def test_empty_query_opens_latest_month_on_tension(catalog: Catalog) -> None:
    state, ignored = parse_query("", catalog)
    assert (state.month, state.metric, state.lang) == (catalog.months[-1], "tension", "fr")
    assert parse_qs(state.to_query()[1:]) == {"month": [catalog.months[-1]], "metric": ["tension"]}
    assert ignored == []


def test_invalid_values_are_dropped_and_reported(catalog: Catalog) -> None:
    query = "?month=1999-01&metric=gdp&region=zz&department=20&family=DATA&metier=cloud&x=1"
    state, ignored = parse_query(query, catalog)
    assert state.month == catalog.months[-1]
    assert state.metric == "tension"
    assert state.region is None
    assert state.department is None
    assert state.family == "DATA"
    assert state.metier is None
    assert set(ignored) == {
        "x",
        "month=1999-01",
        "metric=gdp",
        "region=zz",
        "department=20",
        "metier=cloud",
    }


def test_a_poste_alone_in_the_url_brings_its_metier_and_family(catalog: Catalog) -> None:
    state, _ = parse_query("?poste=data-analyst", catalog)
    assert (state.family, state.metier, state.poste) == ("DATA", "data-big-data", "data-analyst")


def test_huge_or_hostile_values_never_raise(catalog: Catalog) -> None:
    state, ignored = parse_query("?region=" + "1" * 5000 + "&poste=%27%20OR%201%3D1", catalog)
    assert state.region is None
    assert state.poste is None
    assert len(ignored) == 2
    assert all(len(i) < 120 for i in ignored)


def test_choosing_a_family_clears_a_metier_of_another_family(catalog: Catalog) -> None:
    previous = ViewState("2022-10", family="INFRA", metier="cloud", poste="architecte-cloud")
    controls = Controls("2022-10", "tension", None, None, "DATA", "cloud", "architecte-cloud")
    state = resolve_controls("family", controls, previous, catalog)
    assert (state.family, state.metier, state.poste) == ("DATA", None, None)


def test_choosing_a_metier_sets_its_family(catalog: Catalog) -> None:
    previous = ViewState("2022-10")
    controls = Controls("2022-10", "tension", None, None, None, "cloud", None)
    state = resolve_controls("metier", controls, previous, catalog)
    assert (state.family, state.metier) == ("INFRA", "cloud")


def test_choosing_a_department_outside_the_region_moves_the_region(catalog: Catalog) -> None:
    previous = ViewState("2022-10", region="53")
    controls = Controls("2022-10", "tension", "53", "69", None, None, None)
    state = resolve_controls("department", controls, previous, catalog)
    assert (state.region, state.department) == ("84", "69")


def test_changing_region_drops_a_department_outside_it(catalog: Catalog) -> None:
    previous = ViewState("2022-10", region="84", department="69")
    controls = Controls("2022-10", "tension", "53", "69", None, None, None)
    state = resolve_controls("region", controls, previous, catalog)
    assert (state.region, state.department) == ("53", None)


def test_forged_control_values_fall_back_to_valid_state(catalog: Catalog) -> None:
    previous = ViewState("2022-10")
    controls = Controls({"$gt": ""}, ["x"], "'; DROP TABLE fact; --", 12, None, None, "x" * 9999)
    state = resolve_controls("region", controls, previous, catalog)
    assert state == ViewState("2022-10")


def test_map_click_selects_then_clears_a_department(catalog: Catalog) -> None:
    state = ViewState("2022-10")
    selected = toggle_department(state, "35", catalog)
    assert selected.department == "35"
    assert toggle_department(selected, "35", catalog).department is None
    assert toggle_department(state, "99", catalog) == state


def test_click_data_is_read_defensively() -> None:
    assert clicked_department({"points": [{"location": "35", "customdata": [1, 2]}]}) == "35"
    assert clicked_department({"points": [{"location": "92-zoom"}]}) == "92"
    assert clicked_department({"points": []}) is None
    assert clicked_department("garbage") is None
    assert clicked_department({"points": [{"location": {"a": 1}}]}) is None
    assert clicked_department({"points": [{"location": "x" * 500}]}) is None


def test_language_buttons_and_reset_change_only_their_part(catalog: Catalog) -> None:
    previous = ViewState("2022-10", region="84", department="69", family="DEV").to_store()
    english = sync_state("lang-en", None, Controls(), None, previous, catalog, "en").state
    assert english.lang == "en"
    assert english.department == "69"
    reset = sync_state("reset-selection", None, Controls(), None, previous, catalog).state
    assert (reset.department, reset.region, reset.family) == (None, "84", "DEV")


def test_cascade_options_follow_the_parent_choice(catalog: Catalog) -> None:
    metiers = {o["value"] for o in metier_options(catalog, "DATA")}
    assert metiers == {"iot-robotique", "data-big-data", "ia-machine-learning", "blockchain", "crm"}
    postes = {o["value"] for o in poste_options(catalog, "DATA", "blockchain")}
    assert postes == {"developpeur-blockchain", "technicien-blockchain"}
    assert len(poste_options(catalog, None, None)) == 107


def test_decision_tool_parameters_round_trip_through_the_url(catalog: Catalog) -> None:
    state = ViewState(
        "2022-11",
        region="84",
        poste="developpeur-blockchain",
        change="12",
        fragile="exclude",
        plan="25",
        compare="FR,R84,69",
    )
    query = state.to_query()
    assert "compare=FR,R84,69" in query  # commas stay readable in a shared link
    parsed, ignored = parse_query(query, catalog)
    assert parsed == complete_hierarchy(state, catalog)
    assert ignored == []


def test_invalid_tool_parameters_are_dropped_and_reported(catalog: Catalog) -> None:
    query = "?change=6&fragile=hide&plan=-3&compare=FR,R99,69,69,XX"
    state, ignored = parse_query(query, catalog)
    assert (state.change, state.fragile, state.plan) == (None, None, None)
    assert state.compare == "FR,69"
    assert set(ignored) == {"change=6", "fragile=hide", "plan=-3", "compare=R99", "compare=XX"}


def test_comparison_keeps_at_most_four_territories(catalog: Catalog) -> None:
    compare, rejected = normalise_compare("FR,R84,69,35,01", catalog)
    assert compare == "FR,R84,69,35"
    assert rejected == ["01"]
    assert normalise_compare(["69", 12, None], catalog) == ("69", [])
    assert normalise_compare({"a": 1}, catalog) == (None, ["compare"])


def test_planned_trainings_accept_only_whole_numbers_in_range() -> None:
    assert normalise_plan(12) == "12"
    assert normalise_plan(12.0) == "12"
    assert normalise_plan("007") == "7"
    for bad in (0, -1, 1.5, "1e3", "", True, 10_001, "x" * 50, [3]):
        assert normalise_plan(bad) is None


def test_typing_a_bad_plan_keeps_the_last_good_one(catalog: Catalog) -> None:
    previous = ViewState("2022-10", plan="10")
    kept = resolve_controls("plan", Controls(plan=-5), previous, catalog)
    assert kept.plan == "10"
    cleared = resolve_controls("plan", Controls(plan=None), previous, catalog)
    assert cleared.plan is None
    other = resolve_controls("month", Controls(month="2022-11", plan=99), previous, catalog)
    assert other.plan == "10"  # only the plan input changes the plan


def test_add_the_selection_to_the_comparison(catalog: Catalog) -> None:
    previous = {**ViewState("2022-10", region="84").to_store(), "compare": "FR"}
    added = sync_state("compare-add", None, Controls(), None, previous, catalog).state
    assert added.compare == "FR,R84"
    again = sync_state(
        "compare-add", None, Controls(), None, {**previous, "compare": "FR,R84"}, catalog
    )
    assert again.state.compare == "FR,R84"


def test_stores_split_main_view_and_tools(catalog: Catalog) -> None:
    state = ViewState("2022-10", region="84", plan="5", compare="FR,R84")
    assert "plan" not in state.to_store()
    assert state.tools_store() == {"plan": "5", "compare": "FR,R84"}
    restored = store_state(state.to_store(), catalog, state.tools_store())
    assert restored == state
    assert store_state(state.to_store(), catalog, {"plan": "5", "evil": 1}) is None
    assert store_state({**state.to_store(), "change": "7"}, catalog) is None


def test_a_code_knows_its_parents_nearest_first(catalog: Catalog) -> None:
    assert list(catalog.job_parents("poste", "data-analyst").items()) == [
        ("metier", "data-big-data"),
        ("family", "DATA"),
    ]
    assert catalog.job_parents("metier", "cloud") == {"family": "INFRA"}
    assert catalog.job_parents("family", "DATA") == {}


def test_the_first_code_outside_a_chosen_parent_is_the_fault(catalog: Catalog) -> None:
    def fault(family: str | None, metier: str | None, poste: str | None) -> tuple[str, str]:
        found = catalog.job_fault(JobFilter(family, metier, poste))
        assert found is not None
        return found.parameter, found.message

    assert catalog.job_fault(JobFilter("DATA", "data-big-data", "data-analyst")) is None
    assert catalog.job_fault(JobFilter(None, None, "data-analyst")) is None
    assert fault("DATA", "cloud", "nope") == ("metier", "this métier is not in the chosen family")
    assert fault("DATA", None, "architecte-cloud") == (
        "poste",
        "this poste is not in the chosen family",
    )
    assert fault(None, "blockchain", "data-analyst") == (
        "poste",
        "this poste is not in the chosen métier",
    )
    assert fault("DATA", "data-big-data", "nope") == ("poste", "unknown poste code")


def test_a_link_loses_only_the_codes_that_do_not_nest(catalog: Catalog) -> None:
    kept, dropped = catalog.drop_faults(JobFilter("DATA", "cloud", "data-analyst"))
    assert (kept, dropped) == (JobFilter("DATA", None, "data-analyst"), [("metier", "cloud")])
    kept, dropped = catalog.drop_faults(JobFilter("DATA", "cloud", "architecte-cloud"))
    assert kept == JobFilter("DATA")
    assert dropped == [("metier", "cloud"), ("poste", "architecte-cloud")]
    nested = JobFilter("INFRA", "cloud")
    assert catalog.drop_faults(nested) == (nested, [])


def test_the_most_specific_code_brings_its_own_parents(catalog: Catalog) -> None:
    assert catalog.with_parents(JobFilter(poste="data-analyst")) == JobFilter(
        "DATA", "data-big-data", "data-analyst"
    )
    assert catalog.with_parents(JobFilter("DEV", "cloud")) == JobFilter("INFRA", "cloud")
    assert catalog.with_parents(JobFilter("DATA")) == JobFilter("DATA")
    assert catalog.with_parents(JobFilter()) == JobFilter()


def test_a_changed_parent_clears_the_children_outside_it(catalog: Catalog) -> None:
    moved = JobFilter("DATA", "cloud", "architecte-cloud")
    assert catalog.keep_nested_below("family", moved) == JobFilter("DATA")
    assert catalog.keep_nested_below("family", JobFilter(None, "cloud")) == JobFilter()
    other = JobFilter("DATA", "blockchain", "data-analyst")
    assert catalog.keep_nested_below("metier", other) == JobFilter("DATA", "blockchain")
    nested = JobFilter("INFRA", "cloud", "architecte-cloud")
    assert catalog.keep_nested_below("family", nested) == nested
    assert catalog.keep_nested_below("poste", other) == other  # nothing sits below a poste


def test_a_family_change_keeps_no_poste_without_its_metier(catalog: Catalog) -> None:
    orphan = JobFilter("DATA", None, "data-analyst")
    assert catalog.keep_nested_below("family", orphan) == JobFilter("DATA")


def test_a_department_outside_the_region_goes_unless_it_was_chosen(catalog: Catalog) -> None:
    # 69 (Rhône) lies in 84 (Auvergne-Rhône-Alpes), not in 53 (Bretagne).
    assert catalog.nest_territory("region", "53", "69") == ("53", None)
    assert catalog.nest_territory("department", "53", "69") == ("84", "69")
    assert catalog.nest_territory("region", "84", "69") == ("84", "69")
    assert catalog.nest_territory("department", None, "69") == (None, "69")
    assert catalog.nest_territory("region", "53", None) == ("53", None)


def test_a_link_with_a_department_outside_its_region_keeps_the_region(catalog: Catalog) -> None:
    state, ignored = parse_query("?month=2022-10&region=53&department=69", catalog)
    assert (state.region, state.department) == ("53", None)
    assert "department=69" in ignored
