"""Bill Status (ingest area): what the congress.gov Bill Status XML states about a bill.

* ``bills``: ``policy_area`` (CRS policy area), ``summaries`` (CRS summaries per text version:
  ``[{version_code, action_date, action_description, update_date, text}]``, text without markup),
  ``related_bills`` (``[{identifier, congress, bill_id, title, relationships: [{type, identified_by}]}]``),
  ``committees`` (``[{name, chamber, code, type, activities: [{name, date}], subcommittees: [...]}]``).
* ``bill_sponsorships``: ``date`` (sponsorship date), ``withdrawn_date`` (a cosponsor who withdrew: kept,
  marked), ``party``/``state``/``district`` as the source states them at sponsorship, ``original`` (an
  original cosponsor).
* ``bill_actions``: ``code`` (the action code), ``type`` (the action type: IntroReferral, Floor, ...),
  ``chamber`` (upper/lower, NULL when neither), ``committees`` (names of the committees acting).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("bills", sa.Column("policy_area", sa.Text(), nullable=True))
    for name in ("summaries", "related_bills", "committees"):
        op.add_column("bills", sa.Column(name, JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")))
    op.add_column("bill_sponsorships", sa.Column("date", sa.Date(), nullable=True))
    op.add_column("bill_sponsorships", sa.Column("withdrawn_date", sa.Date(), nullable=True))
    op.add_column("bill_sponsorships", sa.Column("party", sa.String(60), nullable=True))
    op.add_column("bill_sponsorships", sa.Column("state", sa.String(10), nullable=True))
    op.add_column("bill_sponsorships", sa.Column("district", sa.String(10), nullable=True))
    op.add_column("bill_sponsorships", sa.Column("original", sa.Boolean(), nullable=True))
    op.add_column("bill_actions", sa.Column("code", sa.String(20), nullable=True))
    op.add_column("bill_actions", sa.Column("type", sa.String(60), nullable=True))
    op.add_column("bill_actions", sa.Column("chamber", sa.String(20), nullable=True))
    op.add_column(
        "bill_actions",
        sa.Column("committees", ARRAY(sa.Text()), nullable=False, server_default=sa.text("'{}'::text[]")),
    )


def downgrade() -> None:
    for name in ("committees", "chamber", "type", "code"):
        op.drop_column("bill_actions", name)
    for name in ("original", "district", "state", "party", "withdrawn_date", "date"):
        op.drop_column("bill_sponsorships", name)
    for name in ("committees", "related_bills", "summaries", "policy_area"):
        op.drop_column("bills", name)
