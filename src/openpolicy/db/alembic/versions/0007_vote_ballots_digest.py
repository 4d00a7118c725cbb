"""``vote_events.ballots_digest``: a digest of a vote's ballots as the importer last wrote them (ingest area).

A re-import of unchanged data used to stage and compare every ballot of every vote (1,000,000 ballots: ~8 s,
slower than the first import). The loader now stores, per vote, a digest of the ballot rows it wrote
(``openpolicy.ingest.loader.ballots_digest``) and skips the votes whose digest equals the one of the input.
NULL means unknown: the loader then synchronises the vote's ballots in full and stores the digest.

A stale digest must be impossible, so the database itself forgets it whenever ballots change by any path
(the importer's own sync, the demo data, a person's deletion — ``ON DELETE SET NULL`` —, manual SQL):
statement-level triggers on ``ballots`` set ``ballots_digest`` to NULL for the vote events whose ballots an
INSERT, UPDATE or DELETE touched, and for every vote event on TRUNCATE. The loader writes the digests after
its last ballot statement. (``session_replication_role = replica`` disables these triggers as it disables the
foreign-key ones: the loader's bulk path uses it only for ballots of vote events it has just inserted, whose
digest is NULL until it stores it.)

The column is bookkeeping, not data: setting it does not bump ``updated_at`` (the ``vote_events`` trigger of
revision 0001 fires only when the digest is unchanged, i.e. for every other UPDATE), it is left out of the
change feed's images, and the api does not serve it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

FORGET = """
        CREATE FUNCTION openpolicy_forget_ballots_digest() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                UPDATE vote_events SET ballots_digest = NULL WHERE ballots_digest IS NOT NULL;
            ELSIF TG_OP = 'DELETE' THEN
                UPDATE vote_events v SET ballots_digest = NULL
                FROM (SELECT DISTINCT vote_event_id FROM old_ballots) b
                WHERE v.id = b.vote_event_id AND v.ballots_digest IS NOT NULL;
            ELSIF TG_OP = 'INSERT' THEN
                UPDATE vote_events v SET ballots_digest = NULL
                FROM (SELECT DISTINCT vote_event_id FROM new_ballots) b
                WHERE v.id = b.vote_event_id AND v.ballots_digest IS NOT NULL;
            ELSE
                UPDATE vote_events v SET ballots_digest = NULL
                FROM (SELECT vote_event_id FROM old_ballots UNION SELECT vote_event_id FROM new_ballots) b
                WHERE v.id = b.vote_event_id AND v.ballots_digest IS NOT NULL;
            END IF;
            RETURN NULL;
        END
        $$
"""
TRIGGERS = (
    "CREATE TRIGGER ballots_forget_digest_insert AFTER INSERT ON ballots REFERENCING NEW TABLE AS new_ballots "
    "FOR EACH STATEMENT EXECUTE FUNCTION openpolicy_forget_ballots_digest()",
    "CREATE TRIGGER ballots_forget_digest_update AFTER UPDATE ON ballots "
    "REFERENCING OLD TABLE AS old_ballots NEW TABLE AS new_ballots "
    "FOR EACH STATEMENT EXECUTE FUNCTION openpolicy_forget_ballots_digest()",
    "CREATE TRIGGER ballots_forget_digest_delete AFTER DELETE ON ballots REFERENCING OLD TABLE AS old_ballots "
    "FOR EACH STATEMENT EXECUTE FUNCTION openpolicy_forget_ballots_digest()",
    "CREATE TRIGGER ballots_forget_digest_truncate AFTER TRUNCATE ON ballots "
    "FOR EACH STATEMENT EXECUTE FUNCTION openpolicy_forget_ballots_digest()",
)


def upgrade() -> None:
    op.add_column("vote_events", sa.Column("ballots_digest", sa.LargeBinary(), nullable=True))
    op.execute("DROP TRIGGER vote_events_set_updated_at ON vote_events")
    op.execute(
        "CREATE TRIGGER vote_events_set_updated_at BEFORE UPDATE ON vote_events FOR EACH ROW "
        "WHEN (OLD.ballots_digest IS NOT DISTINCT FROM NEW.ballots_digest) "
        "EXECUTE FUNCTION openpolicy_set_updated_at()"
    )
    op.execute(FORGET)
    for trigger in TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    for name in ("insert", "update", "delete", "truncate"):
        op.execute(f"DROP TRIGGER ballots_forget_digest_{name} ON ballots")
    op.execute("DROP FUNCTION openpolicy_forget_ballots_digest()")
    op.execute("DROP TRIGGER vote_events_set_updated_at ON vote_events")
    op.execute(
        "CREATE TRIGGER vote_events_set_updated_at BEFORE UPDATE ON vote_events "
        "FOR EACH ROW EXECUTE FUNCTION openpolicy_set_updated_at()"
    )
    op.drop_column("vote_events", "ballots_digest")
