"""Vintages: the kind of each import, what it changed, and what it replaced.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MONTH = sa.String(7)


def upgrade() -> None:
    with op.batch_alter_table("import_log") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), nullable=False, server_default="import"))
        batch.add_column(sa.Column("changed_cells", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reverts", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_import_log_reverts_import_log", "import_log", ["reverts"], ["id"]
        )
        batch.create_check_constraint("ck_import_log_known_kind", "kind IN ('import', 'revert')")
    op.create_table(
        "cell_undo",
        sa.Column("vintage_id", sa.Integer(), nullable=False),
        sa.Column("month", MONTH, nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("department_code", sa.String(8), nullable=False),
        sa.Column("poste_code", sa.String(80), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["vintage_id"], ["import_log.id"], name="fk_cell_undo_vintage_id_import_log"
        ),
        sa.PrimaryKeyConstraint(
            "vintage_id", "month", "measure", "department_code", "poste_code", name="pk_cell_undo"
        ),
    )
    op.create_table(
        "coverage_undo",
        sa.Column("vintage_id", sa.Integer(), nullable=False),
        sa.Column("month", MONTH, nullable=False),
        sa.Column("measure", sa.String(16), nullable=False),
        sa.Column("covered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vintage_id"], ["import_log.id"], name="fk_coverage_undo_vintage_id_import_log"
        ),
        sa.PrimaryKeyConstraint("vintage_id", "month", "measure", name="pk_coverage_undo"),
    )


def downgrade() -> None:
    op.drop_table("coverage_undo")
    op.drop_table("cell_undo")
    with op.batch_alter_table("import_log") as batch:
        batch.drop_constraint("ck_import_log_known_kind", type_="check")
        batch.drop_constraint("fk_import_log_reverts_import_log", type_="foreignkey")
        batch.drop_column("reverts")
        batch.drop_column("changed_cells")
        batch.drop_column("kind")
