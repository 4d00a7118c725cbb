"""Boundaries (who represents me): electoral boundary sets and their shapes.

* ``boundary_sets``: a named, dated set of boundaries of one legislature and division type.
* ``boundaries``: one shape per district of a set, as WKB (WGS84 lon/lat) with its bounding box, GiST-indexed as
  a core ``box`` expression (no PostGIS needed: the embedded PostgreSQL has none), and the platform's districts
  the shape was joined to (``area_ids``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 22:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

BBOX = "box(point(min_lon, min_lat), point(max_lon, max_lat))"


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "boundary_sets",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("jurisdiction_id", sa.String(300), nullable=False),
        sa.Column("division_type", sa.String(40), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.Column("licence", sa.Text(), nullable=True),
        sa.Column("extras", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_boundary_sets_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_boundary_sets_import_run_id_import_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boundary_sets")),
    )  # fmt: skip
    op.create_index(op.f("ix_boundary_sets_jurisdiction_id"), "boundary_sets", ["jurisdiction_id"])
    op.create_index(op.f("ix_boundary_sets_import_run_id"), "boundary_sets", ["import_run_id"])
    op.create_table(
        "boundaries",
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("boundary_set_id", sa.String(100), nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("division_id", sa.String(300), nullable=True),
        sa.Column("geometry", sa.LargeBinary(), nullable=False),
        sa.Column("min_lon", sa.Double(), nullable=False),
        sa.Column("min_lat", sa.Double(), nullable=False),
        sa.Column("max_lon", sa.Double(), nullable=False),
        sa.Column("max_lat", sa.Double(), nullable=False),
        sa.Column("area_ids", ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column("extras", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["boundary_set_id"], ["boundary_sets.id"], name=op.f("fk_boundaries_boundary_set_id_boundary_sets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_boundaries_import_run_id_import_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boundaries")),
        sa.UniqueConstraint("boundary_set_id", "code", name=op.f("uq_boundaries_boundary_set_id_code")),
    )  # fmt: skip
    op.create_index(op.f("ix_boundaries_import_run_id"), "boundaries", ["import_run_id"])
    op.create_index(op.f("ix_boundaries_area_ids"), "boundaries", ["area_ids"], postgresql_using="gin")
    op.execute(f"CREATE INDEX ix_boundaries_bbox ON boundaries USING gist (({BBOX}))")
    for table in ("boundary_sets", "boundaries"):
        op.execute(
            f"CREATE TRIGGER {table}_set_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION openpolicy_set_updated_at()"
        )


def downgrade() -> None:
    op.drop_table("boundaries")
    op.drop_table("boundary_sets")
