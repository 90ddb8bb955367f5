"""Schema, rollups and reference sync: the stored read model agrees with the facts."""

from __future__ import annotations

import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, select

from data_access import schema
from data_access.db import make_engine, migrate, schema_is_current
from data_access.reference import load_reference
from data_access.rollup import compute_rollup
from data_access.store import ensure_schema, sync_reference
from tests.fixtures import FIXTURE_MONTHS


def test_migrations_build_exactly_the_declared_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    assert schema_is_current(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
    engine.dispose()


@pytest.mark.postgres
def test_init_db_on_an_empty_postgres_creates_and_fills_reference(empty_postgres_url: str) -> None:
    engine = make_engine(empty_postgres_url)
    assert not schema_is_current(engine)
    ensure_schema(engine, load_reference())
    ensure_schema(engine, load_reference())  # a second run changes nothing and does not fail
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.poste)).scalar() == 107
        assert conn.execute(select(func.count()).select_from(schema.department)).scalar() == 101
    engine.dispose()


def _rollup(engine: Engine, month: str, level: str, code: str, scope: str, scope_code: str):
    r = schema.rollup.c
    with engine.connect() as conn:
        return conn.execute(
            select(r.job_offers, r.trainings).where(
                r.month == month,
                r.territory_level == level,
                r.territory_code == code,
                r.scope_level == scope,
                r.scope_code == scope_code,
            )
        ).one()


def test_rollup_of_each_level_equals_the_sum_of_its_facts(engine: Engine) -> None:
    month = FIXTURE_MONTHS[1]
    f = schema.fact.c
    d = schema.department.c
    with engine.connect() as conn:
        facts = pd.DataFrame(
            [
                tuple(r)
                for r in conn.execute(
                    select(
                        f.department_code, f.poste_code, f.job_offers, f.trainings, d.region_code
                    )
                    .join(schema.department, d.code == f.department_code)
                    .where(f.month == month)
                )
            ],
            columns=["department", "poste", "job_offers", "trainings", "region"],
        )
        online = conn.execute(
            select(func.sum(schema.online_training.c.trainings)).where(
                schema.online_training.c.month == month
            )
        ).scalar()
        row_count = conn.execute(
            select(func.count()).select_from(schema.rollup).where(schema.rollup.c.month == month)
        ).scalar()
    assert row_count == (1 + 18 + 101) * (1 + 6 + 36 + 107)
    bretagne = facts[facts["region"] == "53"]
    assert tuple(_rollup(engine, month, "region", "53", "all", "all")) == (
        bretagne["job_offers"].sum(),
        bretagne["trainings"].sum(),
    )
    assert tuple(_rollup(engine, month, "national", "FR", "all", "all")) == (
        facts["job_offers"].sum(),
        facts["trainings"].sum() + online,
    )
    one = facts[(facts["department"] == "2B") & (facts["poste"] == "data-analyst")].iloc[0]
    assert tuple(_rollup(engine, month, "department", "2B", "poste", "data-analyst")) == (
        one["job_offers"],
        one["trainings"],
    )


def test_rollup_leaves_a_measure_missing_when_the_month_lacks_it() -> None:
    ref = load_reference()
    facts = pd.DataFrame(
        {
            "month": ["2023-05"],
            "department": ["35"],
            "poste": ["data-analyst"],
            "job_offers": pd.array([12], dtype="Int64"),
            "trainings": pd.array([None], dtype="Int64"),
        }
    )
    online = pd.DataFrame({"month": [], "poste": [], "trainings": []})
    rollup = compute_rollup(
        facts, online, {"2023-05": {"job_offers"}}, ref.job_map, ref.departements
    )
    national = rollup[
        (rollup["territory_level"] == "national") & (rollup["scope_level"] == "all")
    ].iloc[0]
    assert national["job_offers"] == 12
    assert pd.isna(national["trainings"])
    empty_dep = rollup[(rollup["territory_code"] == "01") & (rollup["scope_level"] == "all")].iloc[
        0
    ]
    assert empty_dep["job_offers"] == 0


def test_a_retired_poste_without_figures_is_removed_from_the_job_map(engine: Engine) -> None:
    ref = load_reference()
    extra = ref.job_map.iloc[[0]].assign(poste_code="poste-temporaire", poste_label="Temporaire")
    bigger = type(ref)(pd.concat([ref.job_map, extra]), ref.regions, ref.departements)
    with engine.begin() as conn:
        sync_reference(conn, bigger)
    with engine.begin() as conn:
        sync_reference(conn, ref)
        codes = set(conn.execute(select(schema.poste.c.code)).scalars())
    assert "poste-temporaire" not in codes
    assert len(codes) == 107


def test_migrate_is_idempotent(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    migrate(engine)
    migrate(engine)
    assert schema_is_current(engine)
    engine.dispose()
