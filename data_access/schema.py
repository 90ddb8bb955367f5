"""Database schema (SQLAlchemy Core). Alembic migrations create it; this module describes it.

Three layers:
- the truth as it stands: ``fact`` (month × département × poste) and ``online_training``
  (month × poste, trainings with no département), plus ``month_measure`` saying which measure
  of which month has been imported;
- its history: ``import_log``, one row per vintage (each import or revert), and what each
  vintage replaced, so that the figures as they stood after any vintage can be rebuilt:
  ``cell_undo`` (the earlier value of each cell it changed in a month and measure that were
  already imported) and ``coverage_undo`` (whether each month and measure it wrote had been
  imported before). Storage grows with what changed, not with the number of vintages;
  beside it, ``import_run``: every run of the import command, rejected and failed ones too;
- the totals: ``rollup``, one row per month × territory (national, region, département)
  × scope (all jobs, family, métier, poste), rebuilt for a month whenever that month is imported,
  for SQL readers of the database. The app itself reads the same totals from memory
  (``readmodel``), computed by the same function (``rollup.totals``).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

MONTH = String(7)  # "YYYY-MM": sorts chronologically as text on every backend.

family = Table(
    "family",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("label", Text, nullable=False),
    Column("position", Integer, nullable=False),
)

metier = Table(
    "metier",
    metadata,
    Column("code", String(80), primary_key=True),
    Column("family_code", String(16), ForeignKey("family.code"), nullable=False),
    Column("label", Text, nullable=False),
    Column("position", Integer, nullable=False),
)

poste = Table(
    "poste",
    metadata,
    Column("code", String(80), primary_key=True),
    Column("metier_code", String(80), ForeignKey("metier.code"), nullable=False),
    Column("label", Text, nullable=False),
    Column("position", Integer, nullable=False),
)

region = Table(
    "region",
    metadata,
    Column("code", String(3), primary_key=True),
    Column("name", Text, nullable=False),
)

department = Table(
    "department",
    metadata,
    Column("code", String(3), primary_key=True),
    Column("name", Text, nullable=False),
    Column("region_code", String(3), ForeignKey("region.code"), nullable=False),
    Column("population", BigInteger, nullable=False),
)

fact = Table(
    "fact",
    metadata,
    Column("month", MONTH, primary_key=True),
    Column("department_code", String(3), ForeignKey("department.code"), primary_key=True),
    Column("poste_code", String(80), ForeignKey("poste.code"), primary_key=True),
    Column("job_offers", Integer, nullable=True),
    Column("trainings", Integer, nullable=True),
    CheckConstraint("job_offers >= 0", name="job_offers_non_negative"),
    CheckConstraint("trainings >= 0", name="trainings_non_negative"),
)

online_training = Table(
    "online_training",
    metadata,
    Column("month", MONTH, primary_key=True),
    Column("poste_code", String(80), ForeignKey("poste.code"), primary_key=True),
    Column("trainings", Integer, nullable=False),
    CheckConstraint("trainings >= 0", name="trainings_non_negative"),
)

month_measure = Table(
    "month_measure",
    metadata,
    Column("month", MONTH, primary_key=True),
    Column("measure", String(16), primary_key=True),
    CheckConstraint("measure IN ('job_offers', 'trainings')", name="known_measure"),
)

import_log = Table(
    "import_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("months", Text, nullable=False),
    Column("measures", Text, nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("kind", String(8), nullable=False, server_default="import"),
    # NULL for vintages imported before their history was kept: they cannot be rebuilt.
    Column("changed_cells", Integer, nullable=True),
    Column("reverts", Integer, ForeignKey("import_log.id"), nullable=True),
    CheckConstraint("kind IN ('import', 'revert')", name="known_kind"),
)

# ``department_code`` is a département's code or ``online`` (trainings with no département).
cell_undo = Table(
    "cell_undo",
    metadata,
    Column("vintage_id", Integer, ForeignKey("import_log.id"), primary_key=True),
    Column("month", MONTH, primary_key=True),
    Column("measure", String(16), primary_key=True),
    Column("department_code", String(8), primary_key=True),
    Column("poste_code", String(80), primary_key=True),
    Column("value", BigInteger, nullable=True),  # NULL: the cell had no value before
)

coverage_undo = Table(
    "coverage_undo",
    metadata,
    Column("vintage_id", Integer, ForeignKey("import_log.id"), primary_key=True),
    Column("month", MONTH, primary_key=True),
    Column("measure", String(16), primary_key=True),
    Column("covered", Boolean, nullable=False),  # whether it had been imported before
)

# Each run of the import command, whatever came of it: what /metrics reports of imports. A
# rejected or failed run changes no figure; only this operations record says it happened.
import_run = Table(
    "import_run",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", Text, nullable=False),
    Column("outcome", String(10), nullable=False),
    Column("row_count", Integer, nullable=True),  # NULL: the file was not read to the end
    Column("duration_seconds", Float, nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "outcome IN ('imported', 'unchanged', 'rejected', 'failed')", name="known_outcome"
    ),
)

rollup = Table(
    "rollup",
    metadata,
    Column("month", MONTH, primary_key=True),
    Column("territory_level", String(12), primary_key=True),
    Column("scope_level", String(8), primary_key=True),
    Column("scope_code", String(80), primary_key=True),
    Column("territory_code", String(3), primary_key=True),
    Column("job_offers", BigInteger, nullable=True),
    Column("trainings", BigInteger, nullable=True),
    Index(
        "ix_rollup_series",
        "territory_level",
        "territory_code",
        "scope_level",
        "scope_code",
        "month",
    ),
    Index(
        "ix_rollup_breakdown",
        "month",
        "territory_level",
        "territory_code",
        "scope_level",
    ),
)

MEASURES = ("job_offers", "trainings")
TERRITORY_LEVELS = ("national", "region", "department")
SCOPE_LEVELS = ("all", "family", "metier", "poste")
NATIONAL_CODE = "FR"
ALL_SCOPE_CODE = "all"
