"""``change_log.data`` as ``json`` instead of ``jsonb`` (by the ingest area; measured by ``bench/bench_import.py``).

The change log is written once and read back whole (the feed serves each image as it is; nothing queries inside
it with jsonb operators or indexes). A 1,000,000-ballot import writes ~85 MB of images in its transaction:
``jsonb`` input builds a binary tree of every one of their ~3,000,000 scalars, ``json`` input only checks the
syntax and stores the text, about three times cheaper. The loader writes each image in the key order ``jsonb``
gives (``openpolicy.ingest.loader``), so the feed's answers are unchanged. The column keeps its lz4 compression
(revision 0003).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 14:00:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def _retype(kind: str) -> None:
    # ALTER TYPE rewrites the column with the type's default compression: keep what 0003 chose.
    op.execute(
        f"""
        DO $$
        DECLARE method "char" := (SELECT attcompression FROM pg_attribute
                                  WHERE attrelid = 'change_log'::regclass AND attname = 'data');
        BEGIN
            ALTER TABLE change_log ALTER COLUMN data TYPE {kind} USING data::{kind};
            IF method = 'l' THEN
                ALTER TABLE change_log ALTER COLUMN data SET COMPRESSION lz4;
            END IF;
        END
        $$
        """  # noqa: S608 - kind is json or jsonb, from this module
    )


def upgrade() -> None:
    _retype("json")


def downgrade() -> None:
    _retype("jsonb")
