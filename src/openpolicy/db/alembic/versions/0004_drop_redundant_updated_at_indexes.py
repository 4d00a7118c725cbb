"""Drop the single-column ``(updated_at)`` indexes that ``(updated_at, id)`` (revision 0002) makes redundant.

Every ``updated_since`` filter and ``updated_at`` sort is served by the two-column index's leading column; the
single-column copies only cost index maintenance on every write (imports, demo data).

Revision ID: 0004
Revises: 0003_change_log_lz4
Create Date: 2026-11-26 10:40:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003_change_log_lz4"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("jurisdictions", "organizations", "people", "areas", "bills", "vote_events")


def upgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_updated_at", table_name=table)


def downgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_updated_at", table, ["updated_at"])
