"""Ballots keys for bulk loads: ``COLLATE "C"`` on ``ballots.vote_event_id`` and ``ballots.person_id`` (by the
ingest area; measured by ``bench/bench_import.py``).

A large import drops the ballots keys, COPYs the rows and rebuilds the keys (``openpolicy.db.bulk``): two
sorts of 1,000,000+ text keys. With the database's ``C.UTF-8`` collation every comparison of two different
strings goes through ``strcoll``; with ``"C"`` it is a ``memcmp``, and rows COPY-ed in an index's key order
are recognised as presorted (the loader COPYs new ballots in primary-key order). The effect on the import is in
``make bench-import``'s output (docs/performance.md).

The ids are ASCII (``ocd-vote/<uuid>``, ``ocd-person/<uuid>``): equality and joins with ``vote_events.id`` /
``people.id`` are unchanged, and "C" orders them as ``C.UTF-8`` does (code points). Changing a column's
collation rebuilds the two indexes, not the table.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 11:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def _collate(collation: str | None) -> None:
    for column in ("vote_event_id", "person_id"):
        op.alter_column(
            "ballots", column, type_=sa.String(300, collation=collation), existing_nullable=column == "person_id"
        )


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate(None)
