"""Legislatures, scoped identifiers, provenance and undo (ingest area).

* ``jurisdictions.iso_code``: the ISO 3166-1 or 3166-2 code of the place a legislature governs (``CA``,
  ``GB-NIR``), upper case; several legislatures of one country are several jurisdictions.
* ``person_identifiers.scope``: ``''`` for a global scheme (one authority's registry: Wikidata, bioguide, the
  House of Commons PersonId ...), else the dataset the identifier belongs to (EveryPolitician's
  ``everypolitician_legacy`` ids are unique only within one legislature's file). Unique on
  ``(scheme, scope, identifier)``; people are matched across sources on global identifiers only.
  Identifiers stored before this revision keep the scope ``''`` when their scheme is global and get
  ``'before-0008'`` otherwise: they are kept and shown, never matched.
* ``import_run_id`` on every public entity: the import run that last inserted or changed the row.
* ``memberships.sources`` and ``memberships.dataset``: where a membership is stated, and which full snapshot
  (a source's dataset) asserts it, so that a later snapshot without it ends it.
* ``import_runs.details`` (merges, ended memberships, unresolved records, what a revert undid) and the status
  ``reverted``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 21:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None

# The global schemes when this revision was written (openpolicy.ingest.identity.GLOBAL_SCHEMES may grow later).
GLOBAL_AT_0008 = (
    "wikidata", "bioguide", "lis", "thomas", "govtrack", "icpsr", "ourcommons", "represent", "parlinfo",
    "datadotparl", "parliamentdotuk", "theyworkforyou", "aph",
)  # fmt: skip
RUN_TABLES = (
    "jurisdictions", "organizations", "people", "areas", "posts", "legislative_periods", "sessions", "memberships",
    "bills", "vote_events",
)  # fmt: skip


def upgrade() -> None:
    op.add_column("jurisdictions", sa.Column("iso_code", sa.String(10), nullable=True))
    op.create_index("ix_jurisdictions_iso_code", "jurisdictions", ["iso_code"])
    op.execute("UPDATE jurisdictions SET iso_code = upper(country) WHERE id ~ '^ocd-jurisdiction/country:[a-z]{2}/'")

    op.add_column("person_identifiers", sa.Column("scope", sa.Text(), nullable=False, server_default=""))
    globals_ = ", ".join(f"'{s}'" for s in GLOBAL_AT_0008)
    op.execute(f"UPDATE person_identifiers SET scope = 'before-0008' WHERE scheme NOT IN ({globals_})")  # noqa: S608
    op.drop_constraint("uq_person_identifiers_scheme_identifier", "person_identifiers", type_="unique")
    op.create_unique_constraint(
        "uq_person_identifiers_scheme_scope_identifier", "person_identifiers", ["scheme", "scope", "identifier"]
    )

    for table in RUN_TABLES:
        op.add_column(
            table,
            sa.Column(
                "import_run_id",
                sa.BigInteger(),
                sa.ForeignKey("import_runs.id", ondelete="SET NULL", name=f"fk_{table}_import_run_id_import_runs"),
                nullable=True,
            ),
        )
        op.create_index(f"ix_{table}_import_run_id", table, ["import_run_id"])

    op.add_column("memberships", sa.Column("sources", JSONB(), nullable=False, server_default=sa.text("'[]'::jsonb")))
    op.add_column("memberships", sa.Column("dataset", sa.Text(), nullable=True))
    op.create_index("ix_memberships_dataset_end_date", "memberships", ["dataset", "end_date"])

    op.add_column("import_runs", sa.Column("details", JSONB(), nullable=False, server_default=sa.text("'{}'::jsonb")))
    op.drop_constraint(op.f("ck_import_runs_status"), "import_runs", type_="check")
    op.create_check_constraint(
        op.f("ck_import_runs_status"), "import_runs", "status IN ('running', 'succeeded', 'failed', 'reverted')"
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_import_runs_status"), "import_runs", type_="check")
    op.execute("UPDATE import_runs SET status = 'succeeded' WHERE status = 'reverted'")
    op.create_check_constraint(
        op.f("ck_import_runs_status"), "import_runs", "status IN ('running', 'succeeded', 'failed')"
    )
    op.drop_column("import_runs", "details")
    op.drop_index("ix_memberships_dataset_end_date", "memberships")
    op.drop_column("memberships", "dataset")
    op.drop_column("memberships", "sources")
    for table in RUN_TABLES:
        op.drop_index(f"ix_{table}_import_run_id", table)
        op.drop_column(table, "import_run_id")
    op.drop_constraint("uq_person_identifiers_scheme_scope_identifier", "person_identifiers", type_="unique")
    op.execute("DELETE FROM person_identifiers a USING person_identifiers b "
               "WHERE a.scheme = b.scheme AND a.identifier = b.identifier AND a.id > b.id")  # fmt: skip
    op.create_unique_constraint(
        "uq_person_identifiers_scheme_identifier", "person_identifiers", ["scheme", "identifier"]
    )
    op.drop_column("person_identifiers", "scope")
    op.drop_index("ix_jurisdictions_iso_code", "jurisdictions")
    op.drop_column("jurisdictions", "iso_code")
