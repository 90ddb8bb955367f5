"""Initial schema: job map, territories, facts, online trainings, imports, rollups.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MONTH = sa.String(7)


def upgrade() -> None:
    op.create_table(
        "family",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_family"),
    )
    op.create_table(
        "metier",
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("family_code", sa.String(16), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["family_code"], ["family.code"], name="fk_metier_family_code_family"
        ),
        sa.PrimaryKeyConstraint("code", name="pk_metier"),
    )
    op.create_table(
        "poste",
        sa.Column("code", sa.String(80), nullable=False),
        sa.Column("metier_code", sa.String(80), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["metier_code"], ["metier.code"], name="fk_poste_metier_code_metier"
        ),
        sa.PrimaryKeyConstraint("code", name="pk_poste"),
    )
    op.create_table(
        "region",
        sa.Column("code", sa.String(3), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_region"),
    )
    op.create_table(
        "department",
        sa.Column("code", sa.String(3), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("region_code", sa.String(3), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["region.code"], name="fk_department_region_code_region"
        ),
        sa.PrimaryKeyConstraint("code", name="pk_department"),
    )
    op.create_table(
        "fact",
        sa.Column("month", MONTH, nullable=False),
        sa.Column("department_code", sa.String(3), nullable=False),
        sa.Column("poste_code", sa.String(80), nullable=False),
        sa.Column("job_offers", sa.Integer(), nullable=True),
        sa.Column("trainings", sa.Integer(), nullable=True),
        sa.CheckConstraint("job_offers >= 0", name="ck_fact_job_offers_non_negative"),
        sa.CheckConstraint("trainings >= 0", name="ck_fact_trainings_non_negative"),
        sa.ForeignKeyConstraint(
            ["department_code"], ["department.code"], name="fk_fact_department_code_department"
        ),
        sa.ForeignKeyConstraint(["poste_code"], ["poste.code"], name="fk_fact_poste_code_poste"),
        sa.PrimaryKeyConstraint("month", "department_code", "poste_code", name="pk_fact"),
    )
    op.create_table(
        "online_training",
        sa.Column("month", MONTH, nullable=False),
        sa.Column("poste_code", sa.String(80), nullable=False),
        sa.Column("trainings", sa.Integer(), nullable=False),
        sa.CheckConstraint("trainings >= 0", name="ck_online_training_trainings_non_negative"),
        sa.ForeignKeyConstraint(
            ["poste_code"], ["poste.code"], name="fk_online_training_poste_code_poste"
        ),
        sa.PrimaryKeyConstraint("month", "poste_code", name="pk_online_training"),
    )
    op.create_table(
        "month_measure",
        sa.Column("month", MONTH, nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.CheckConstraint(
            "measure IN ('job_offers', 'trainings')", name="ck_month_measure_known_measure"
        ),
        sa.PrimaryKeyConstraint("month", "measure", name="pk_month_measure"),
    )
    op.create_table(
        "import_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("months", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_import_log"),
    )
    op.create_table(
        "rollup",
        sa.Column("month", MONTH, nullable=False),
        sa.Column("territory_level", sa.String(12), nullable=False),
        sa.Column("scope_level", sa.String(8), nullable=False),
        sa.Column("scope_code", sa.String(80), nullable=False),
        sa.Column("territory_code", sa.String(3), nullable=False),
        sa.Column("job_offers", sa.BigInteger(), nullable=True),
        sa.Column("trainings", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint(
            "month",
            "territory_level",
            "scope_level",
            "scope_code",
            "territory_code",
            name="pk_rollup",
        ),
    )
    op.create_index(
        "ix_rollup_series",
        "rollup",
        ["territory_level", "territory_code", "scope_level", "scope_code", "month"],
    )
    op.create_index(
        "ix_rollup_breakdown",
        "rollup",
        ["month", "territory_level", "territory_code", "scope_level"],
    )


def downgrade() -> None:
    op.drop_index("ix_rollup_breakdown", table_name="rollup")
    op.drop_index("ix_rollup_series", table_name="rollup")
    for table in (
        "rollup",
        "import_log",
        "month_measure",
        "online_training",
        "fact",
        "department",
        "region",
        "poste",
        "metier",
        "family",
    ):
        op.drop_table(table)
