"""The read model: ``documents`` (kind, id) → the detail and list-summary JSON the api serves.

Rows are derived from the facts by :mod:`openpolicy.documents` (written by every import in its own transaction).
A database upgraded to this revision holds facts without documents until ``openpolicy documents rebuild`` runs;
meanwhile the api builds each missing document from the facts per request (right, slower). ``stale_after``: the
first day a date-dependent fact of the document changes (a person's current seat), NULL when none does.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("detail", sa.LargeBinary(), nullable=False),
        sa.Column("summary", sa.LargeBinary(), nullable=False),
        sa.Column("stale_after", sa.Date(), nullable=True),
        sa.Column("built_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "id", name=op.f("pk_documents")),
        sa.CheckConstraint("kind IN ('person', 'bill', 'vote')", name=op.f("ck_documents_kind")),
    )
    # Documents are written in bulk by imports (a vote's is tens of KB): lz4 compresses them several times faster
    # than the default pglz; servers built without lz4 keep pglz.
    op.execute(
        """
        DO $$
        BEGIN
            ALTER TABLE documents ALTER COLUMN detail SET COMPRESSION lz4, ALTER COLUMN summary SET COMPRESSION lz4;
        EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
            RAISE NOTICE 'documents keep the default compression: lz4 not supported by this server';
        END
        $$
        """
    )
    op.create_index(
        op.f("ix_documents_stale_after"),
        "documents",
        ["stale_after"],
        postgresql_where=sa.text("stale_after IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_documents_stale_after"), table_name="documents")
    op.drop_table("documents")
