"""Ballots keys for bulk loads: ``COLLATE "C"`` on ``ballots.vote_event_id`` / ``person_id``, and the person
index narrowed to ``(person_id)`` (by the ingest area; measured by ``bench/bench_import.py``).

A large import drops the ballots keys, COPYs the rows and rebuilds the keys (``openpolicy.db.bulk``): two
sorts of 1,000,000+ text keys. With the database's ``C.UTF-8`` collation every comparison goes through
``strcoll``; with ``"C"`` it is a ``memcmp``, and rows the loader COPYs in key order are recognised as
presorted (the primary key build: 1.4 s → 0.45 s of CPU per million ballots here). The ids are ASCII
(``ocd-vote/<uuid>``, ``ocd-person/<uuid>``), so only the order of the index changes, never equality; the
api orders ballots by ``ordinal`` and votes by ``vote_events.id``, never by these two columns.

``(person_id, vote_event_id)`` becomes ``(person_id)``: the api looks ballots up by person (voting record;
"votes of a voter" with the vote event from the outer query) and by vote event (the primary key's
prefix); the second column made the index 119 MB instead of 7 MB (B-tree deduplication of the ~thousands of
ballots per person) and its build 2.5× slower, and no query needs the pair ordered.

Changing the columns' collation rebuilds the two indexes (not the table); at 1,000,000 ballots a few seconds.

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
    op.drop_index("ix_ballots_person_id_vote_event_id", table_name="ballots")
    _collate("C")
    op.create_index("ix_ballots_person_id", "ballots", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_ballots_person_id", table_name="ballots")
    _collate(None)
    op.create_index("ix_ballots_person_id_vote_event_id", "ballots", ["person_id", "vote_event_id"])
