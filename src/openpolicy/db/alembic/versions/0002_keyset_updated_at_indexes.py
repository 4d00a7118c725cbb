"""Keyset indexes for ``sort=updated_at`` / ``-updated_at``: ``(updated_at, id)`` on every sortable resource.

The api pages lists by ``(sort key, id)`` row comparison; with only ``(updated_at)`` indexed, a page after the
first filtered every earlier row (bulk loads give thousands of rows one ``updated_at``). Added by the api
routers; additive only.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("jurisdictions", "organizations", "people", "areas", "bills", "vote_events")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_updated_at_id", table, ["updated_at", "id"])


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_updated_at_id", table_name=table)
