"""``change_log.data`` compressed with lz4 instead of pglz (by the ingest area; storage only).

A vote's change image carries all its ballots: a 1,000,000-ballot import writes ~100 MB of JSON into the
change log in its transaction, and pglz compression of it cost more than the COPY of the ballots themselves
(measured by bench/bench_import.py: lz4 is ~3× faster). Servers built without lz4 keep pglz (the statement
is skipped), so the revision applies everywhere. No column changes: the schema module is unaffected.

Revision ID: 0003_change_log_lz4
Revises: 0002
Create Date: 2026-11-26 09:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0003_change_log_lz4"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _set(method: str) -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
            ALTER TABLE change_log ALTER COLUMN data SET COMPRESSION {method};
        EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
            RAISE NOTICE 'change_log.data keeps its compression: % not supported by this server', '{method}';
        END
        $$
        """
    )


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("pglz")
