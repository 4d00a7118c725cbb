"""Initial schema: Popolo / Open Civic Data entities, bills, votes, ballots, operational tables.

Written from the models of the time (autogenerate), then reviewed and completed by hand: the pg_trgm
extension and the trigger keeping ``updated_at`` current on every UPDATE. Frozen: later schema changes
are new revisions, never edits here.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 08:24:33.762061
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


# Tables with an ``updated_at`` column (as of this revision) get the trigger below.
TIMESTAMPED_TABLES = (
    "areas",
    "audit_events",
    "bill_actions",
    "bill_documents",
    "bill_sponsorships",
    "bills",
    "change_log",
    "data_check_results",
    "import_runs",
    "jurisdictions",
    "legislative_periods",
    "memberships",
    "organizations",
    "people",
    "person_identifiers",
    "posts",
    "sessions",
    "vote_counts",
    "vote_events",
)


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "audit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("target", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("request_id", sa.String(length=100), nullable=True),
        sa.Column(
            "details", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_action_occurred_at"), "audit_events", ["action", "occurred_at"], unique=False)
    op.create_index(op.f("ix_audit_events_actor_occurred_at"), "audit_events", ["actor", "occurred_at"], unique=False)
    op.create_index(op.f("ix_audit_events_occurred_at"), "audit_events", ["occurred_at"], unique=False)
    op.create_table(
        "import_runs",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="running", nullable=False),
        sa.Column(
            "counts", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("triggered_by", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('running', 'succeeded', 'failed')", name=op.f("ck_import_runs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index(op.f("ix_import_runs_source_started_at"), "import_runs", ["source", "started_at"], unique=False)
    op.create_index(op.f("ix_import_runs_started_at"), "import_runs", ["started_at"], unique=False)
    op.create_index(op.f("ix_import_runs_status"), "import_runs", ["status"], unique=False)
    op.create_table(
        "jurisdictions",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=40), server_default="legislature", nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("division_id", sa.String(length=300), nullable=True),
        sa.Column(
            "extras", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdictions")),
    )
    op.create_index(op.f("ix_jurisdictions_country"), "jurisdictions", ["country"], unique=False)
    op.create_index(op.f("ix_jurisdictions_updated_at"), "jurisdictions", ["updated_at"], unique=False)
    op.create_table(
        "people",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("given_name", sa.Text(), nullable=True),
        sa.Column("family_name", sa.Text(), nullable=True),
        sa.Column("sort_name", sa.Text(), nullable=False),
        sa.Column(
            "other_names",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "contact_details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "links", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column(
            "sources", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column("image", sa.Text(), nullable=True),
        sa.Column("gender", sa.String(length=40), nullable=True),
        sa.Column("birth_date", sa.String(length=10), nullable=True),
        sa.Column("death_date", sa.String(length=10), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column(
            "extras", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                (
                    "to_tsvector('simple'::regconfig, coalesce(name, '') || ' ' || coalesce(given_name, '') || "
                    "' ' || coalesce(family_name, '') || ' ' || coalesce(jsonb_path_query_array(other_names, "
                    "'$[*].name')::text, ''))"
                ),
                persisted=True,
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "birth_date IS NULL OR birth_date ~ '^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$'", name=op.f("ck_people_birth_date")
        ),
        sa.CheckConstraint(
            "death_date IS NULL OR death_date ~ '^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$'", name=op.f("ck_people_death_date")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_name_id"), "people", ["name", "id"], unique=False)
    op.create_index(
        "ix_people_name_trgm",
        "people",
        ["name"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index(op.f("ix_people_search_vector"), "people", ["search_vector"], unique=False, postgresql_using="gin")
    op.create_index(op.f("ix_people_sort_name_id"), "people", ["sort_name", "id"], unique=False)
    op.create_index(op.f("ix_people_updated_at"), "people", ["updated_at"], unique=False)
    op.create_table(
        "areas",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=40), server_default="district", nullable=False),
        sa.Column("identifier", sa.String(length=100), nullable=True),
        sa.Column("jurisdiction_id", sa.String(length=300), nullable=True),
        sa.Column("parent_id", sa.String(length=300), nullable=True),
        sa.Column(
            "extras", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_areas_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["areas.id"], name=op.f("fk_areas_parent_id_areas"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_areas")),
    )
    op.create_index(op.f("ix_areas_jurisdiction_id_name_id"), "areas", ["jurisdiction_id", "name", "id"], unique=False)
    op.create_index(op.f("ix_areas_name_id"), "areas", ["name", "id"], unique=False)
    op.create_index(op.f("ix_areas_parent_id"), "areas", ["parent_id"], unique=False)
    op.create_index(op.f("ix_areas_updated_at"), "areas", ["updated_at"], unique=False)
    op.create_table(
        "change_log",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        sa.Column("entity_type", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=300), nullable=False),
        sa.Column("operation", sa.String(length=10), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("operation IN ('insert', 'update', 'delete')", name=op.f("ck_change_log_operation")),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_runs.id"],
            name=op.f("fk_change_log_import_run_id_import_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_log")),
    )
    op.create_index(op.f("ix_change_log_changed_at"), "change_log", ["changed_at"], unique=False)
    op.create_index(op.f("ix_change_log_entity_id_id"), "change_log", ["entity_id", "id"], unique=False)
    op.create_index(op.f("ix_change_log_entity_type_id"), "change_log", ["entity_type", "id"], unique=False)
    op.create_index(op.f("ix_change_log_import_run_id"), "change_log", ["import_run_id"], unique=False)
    op.create_table(
        "data_check_results",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("check_name", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=20), server_default="warning", nullable=False),
        sa.Column("entity_type", sa.String(length=40), nullable=True),
        sa.Column("entity_id", sa.String(length=300), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "details", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            ["import_runs.id"],
            name=op.f("fk_data_check_results_import_run_id_import_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_check_results")),
    )
    op.create_index(
        op.f("ix_data_check_results_check_name_checked_at"),
        "data_check_results",
        ["check_name", "checked_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_data_check_results_entity_type_entity_id"),
        "data_check_results",
        ["entity_type", "entity_id"],
        unique=False,
    )
    op.create_index(op.f("ix_data_check_results_import_run_id"), "data_check_results", ["import_run_id"], unique=False)
    op.create_table(
        "organizations",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=40), nullable=False),
        sa.Column("parent_id", sa.String(length=300), nullable=True),
        sa.Column("jurisdiction_id", sa.String(length=300), nullable=True),
        sa.Column("chamber", sa.String(length=20), nullable=True),
        sa.Column("abbreviation", sa.String(length=40), nullable=True),
        sa.Column("founding_date", sa.Date(), nullable=True),
        sa.Column("dissolution_date", sa.Date(), nullable=True),
        sa.Column("color", sa.String(length=7), nullable=True),
        sa.Column("image", sa.Text(), nullable=True),
        sa.Column(
            "other_names",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "identifiers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "links", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column(
            "sources", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column(
            "extras", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "chamber IS NULL OR chamber IN ('upper', 'lower', 'unicameral')", name=op.f("ck_organizations_chamber")
        ),
        sa.CheckConstraint(
            (
                "classification IN ('legislature', 'chamber', 'party', 'committee', 'subcommittee', "
                "'executive', 'government', 'commission', 'caucus', 'other')"
            ),
            name=op.f("ck_organizations_classification"),
        ),
        sa.CheckConstraint("color IS NULL OR color ~ '^#[0-9a-fA-F]{6}$'", name=op.f("ck_organizations_color")),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_organizations_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["organizations.id"],
            name=op.f("fk_organizations_parent_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    op.create_index(
        op.f("ix_organizations_classification_name_id"), "organizations", ["classification", "name", "id"], unique=False
    )
    op.create_index(
        op.f("ix_organizations_jurisdiction_id_classification"),
        "organizations",
        ["jurisdiction_id", "classification"],
        unique=False,
    )
    op.create_index(op.f("ix_organizations_name_id"), "organizations", ["name", "id"], unique=False)
    op.create_index(op.f("ix_organizations_parent_id"), "organizations", ["parent_id"], unique=False)
    op.create_index(op.f("ix_organizations_updated_at"), "organizations", ["updated_at"], unique=False)
    op.create_table(
        "person_identifiers",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("person_id", sa.String(length=300), nullable=False),
        sa.Column("scheme", sa.String(length=100), nullable=False),
        sa.Column("identifier", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_person_identifiers_person_id_people"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_identifiers")),
        sa.UniqueConstraint("scheme", "identifier", name=op.f("uq_person_identifiers_scheme_identifier")),
    )
    op.create_index(op.f("ix_person_identifiers_person_id"), "person_identifiers", ["person_id"], unique=False)
    op.create_table(
        "legislative_periods",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("jurisdiction_id", sa.String(length=300), nullable=False),
        sa.Column("organization_id", sa.String(length=300), nullable=True),
        sa.Column("identifier", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column(
            "extras", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_legislative_periods_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_legislative_periods_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legislative_periods")),
        sa.UniqueConstraint(
            "jurisdiction_id", "identifier", name=op.f("uq_legislative_periods_jurisdiction_id_identifier")
        ),
    )
    op.create_index(
        op.f("ix_legislative_periods_start_date_id"), "legislative_periods", ["start_date", "id"], unique=False
    )
    op.create_index(op.f("ix_legislative_periods_updated_at"), "legislative_periods", ["updated_at"], unique=False)
    op.create_table(
        "posts",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("organization_id", sa.String(length=300), nullable=False),
        sa.Column("area_id", sa.String(length=300), nullable=True),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column(
            "extras", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_posts_area_id_areas"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_posts_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
    )
    op.create_index(op.f("ix_posts_area_id"), "posts", ["area_id"], unique=False)
    op.create_index(op.f("ix_posts_organization_id"), "posts", ["organization_id"], unique=False)
    op.create_index(op.f("ix_posts_updated_at"), "posts", ["updated_at"], unique=False)
    op.create_table(
        "memberships",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("person_id", sa.String(length=300), nullable=False),
        sa.Column("organization_id", sa.String(length=300), nullable=False),
        sa.Column("on_behalf_of_id", sa.String(length=300), nullable=True),
        sa.Column("area_id", sa.String(length=300), nullable=True),
        sa.Column("post_id", sa.String(length=300), nullable=True),
        sa.Column("legislative_period_id", sa.String(length=300), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column(
            "extras", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name=op.f("ck_memberships_dates")
        ),
        sa.ForeignKeyConstraint(
            ["area_id"], ["areas.id"], name=op.f("fk_memberships_area_id_areas"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["legislative_period_id"],
            ["legislative_periods.id"],
            name=op.f("fk_memberships_legislative_period_id_legislative_periods"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["on_behalf_of_id"],
            ["organizations.id"],
            name=op.f("fk_memberships_on_behalf_of_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_memberships_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_memberships_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_memberships_post_id_posts"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
    )
    op.create_index(op.f("ix_memberships_area_id_end_date"), "memberships", ["area_id", "end_date"], unique=False)
    op.create_index(op.f("ix_memberships_end_date"), "memberships", ["end_date"], unique=False)
    op.create_index(
        op.f("ix_memberships_legislative_period_id"), "memberships", ["legislative_period_id"], unique=False
    )
    op.create_index(
        op.f("ix_memberships_on_behalf_of_id_end_date"), "memberships", ["on_behalf_of_id", "end_date"], unique=False
    )
    op.create_index(
        op.f("ix_memberships_organization_id_end_date"), "memberships", ["organization_id", "end_date"], unique=False
    )
    op.create_index(
        op.f("ix_memberships_person_id_start_date"), "memberships", ["person_id", "start_date"], unique=False
    )
    op.create_index(op.f("ix_memberships_post_id"), "memberships", ["post_id"], unique=False)
    op.create_index(op.f("ix_memberships_updated_at"), "memberships", ["updated_at"], unique=False)
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("jurisdiction_id", sa.String(length=300), nullable=False),
        sa.Column("legislative_period_id", sa.String(length=300), nullable=True),
        sa.Column("identifier", sa.String(length=40), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("classification", sa.String(length=20), server_default="primary", nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column(
            "extras", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_sessions_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["legislative_period_id"],
            ["legislative_periods.id"],
            name=op.f("fk_sessions_legislative_period_id_legislative_periods"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("jurisdiction_id", "identifier", name=op.f("uq_sessions_jurisdiction_id_identifier")),
    )
    op.create_index(op.f("ix_sessions_legislative_period_id"), "sessions", ["legislative_period_id"], unique=False)
    op.create_index(op.f("ix_sessions_start_date_id"), "sessions", ["start_date", "id"], unique=False)
    op.create_index(op.f("ix_sessions_updated_at"), "sessions", ["updated_at"], unique=False)
    op.create_table(
        "bills",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("jurisdiction_id", sa.String(length=300), nullable=False),
        sa.Column("session_id", sa.String(length=300), nullable=False),
        sa.Column("from_organization_id", sa.String(length=300), nullable=True),
        sa.Column("identifier", sa.String(length=100), nullable=False),
        sa.Column(
            "normalized_identifier",
            sa.String(length=100),
            sa.Computed("upper(regexp_replace(identifier, '[^A-Za-z0-9]+', '', 'g'))", persisted=True),
            nullable=True,
        ),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_fr", sa.Text(), nullable=True),
        sa.Column(
            "other_titles",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'[]'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "classification", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False
        ),
        sa.Column("subjects", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column("status", sa.String(length=100), nullable=True),
        sa.Column("introduced_date", sa.Date(), nullable=True),
        sa.Column("latest_action_date", sa.Date(), nullable=True),
        sa.Column("latest_action_description", sa.Text(), nullable=True),
        sa.Column("abstract", sa.Text(), nullable=True),
        sa.Column(
            "sources", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column(
            "extras", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                (
                    "setweight(to_tsvector('simple'::regconfig, coalesce(identifier, '') || ' ' || "
                    "upper(regexp_replace(coalesce(identifier, ''), '[^A-Za-z0-9]+', '', 'g'))), 'A') || "
                    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'B') || "
                    "setweight(to_tsvector('french'::regconfig, coalesce(title_fr, '')), 'B')"
                ),
                persisted=True,
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["from_organization_id"],
            ["organizations.id"],
            name=op.f("fk_bills_from_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_bills_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_bills_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bills")),
        sa.UniqueConstraint("session_id", "identifier", name=op.f("uq_bills_session_id_identifier")),
    )
    op.create_index(op.f("ix_bills_classification"), "bills", ["classification"], unique=False, postgresql_using="gin")
    op.create_index(op.f("ix_bills_from_organization_id"), "bills", ["from_organization_id"], unique=False)
    op.create_index(op.f("ix_bills_introduced_date_id"), "bills", ["introduced_date", "id"], unique=False)
    op.create_index(
        op.f("ix_bills_jurisdiction_id_latest_action_date_id"),
        "bills",
        ["jurisdiction_id", "latest_action_date", "id"],
        unique=False,
    )
    op.create_index(op.f("ix_bills_latest_action_date_id"), "bills", ["latest_action_date", "id"], unique=False)
    op.create_index(op.f("ix_bills_normalized_identifier"), "bills", ["normalized_identifier"], unique=False)
    op.create_index(op.f("ix_bills_search_vector"), "bills", ["search_vector"], unique=False, postgresql_using="gin")
    op.create_index(
        op.f("ix_bills_session_id_latest_action_date_id"),
        "bills",
        ["session_id", "latest_action_date", "id"],
        unique=False,
    )
    op.create_index(op.f("ix_bills_status"), "bills", ["status"], unique=False)
    op.create_index(op.f("ix_bills_subjects"), "bills", ["subjects"], unique=False, postgresql_using="gin")
    op.create_index(
        "ix_bills_title_trgm",
        "bills",
        ["title"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.create_index(op.f("ix_bills_updated_at"), "bills", ["updated_at"], unique=False)
    op.create_table(
        "bill_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("bill_id", sa.String(length=300), nullable=False),
        sa.Column("organization_id", sa.String(length=300), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "classification", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False
        ),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_actions_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_bill_actions_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_actions")),
        sa.UniqueConstraint("bill_id", "order", name=op.f("uq_bill_actions_bill_id_order")),
    )
    op.create_index(op.f("ix_bill_actions_date"), "bill_actions", ["date"], unique=False)
    op.create_index(op.f("ix_bill_actions_organization_id"), "bill_actions", ["organization_id"], unique=False)
    op.create_table(
        "bill_documents",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("bill_id", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), server_default="version", nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("kind IN ('version', 'document')", name=op.f("ck_bill_documents_kind")),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_documents_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_documents")),
    )
    op.create_index(op.f("ix_bill_documents_bill_id_date"), "bill_documents", ["bill_id", "date"], unique=False)
    op.create_table(
        "bill_sponsorships",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("bill_id", sa.String(length=300), nullable=False),
        sa.Column("person_id", sa.String(length=300), nullable=True),
        sa.Column("organization_id", sa.String(length=300), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("primary", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("classification", sa.String(length=40), server_default="sponsor", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_bill_sponsorships_bill_id_bills"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_bill_sponsorships_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_bill_sponsorships_person_id_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bill_sponsorships")),
    )
    op.create_index(op.f("ix_bill_sponsorships_bill_id"), "bill_sponsorships", ["bill_id"], unique=False)
    op.create_index(
        op.f("ix_bill_sponsorships_organization_id"), "bill_sponsorships", ["organization_id"], unique=False
    )
    op.create_index(
        op.f("ix_bill_sponsorships_person_id_bill_id"), "bill_sponsorships", ["person_id", "bill_id"], unique=False
    )
    op.create_table(
        "vote_events",
        sa.Column("id", sa.String(length=300), nullable=False),
        sa.Column("jurisdiction_id", sa.String(length=300), nullable=False),
        sa.Column("session_id", sa.String(length=300), nullable=True),
        sa.Column("organization_id", sa.String(length=300), nullable=True),
        sa.Column("bill_id", sa.String(length=300), nullable=True),
        sa.Column("identifier", sa.String(length=100), nullable=True),
        sa.Column("motion_text", sa.Text(), nullable=False),
        sa.Column("motion_text_fr", sa.Text(), nullable=True),
        sa.Column(
            "motion_classification", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("start_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column(
            "sources", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False
        ),
        sa.Column(
            "extras", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed(
                (
                    "setweight(to_tsvector('simple'::regconfig, coalesce(identifier, '')), 'A') || "
                    "setweight(to_tsvector('english'::regconfig, coalesce(motion_text, '')), 'B') || "
                    "setweight(to_tsvector('french'::regconfig, coalesce(motion_text_fr, '')), 'B')"
                ),
                persisted=True,
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "result IN ('pass', 'fail', 'tie', 'withdrawn', 'other')", name=op.f("ck_vote_events_result")
        ),
        sa.ForeignKeyConstraint(
            ["bill_id"], ["bills.id"], name=op.f("fk_vote_events_bill_id_bills"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_vote_events_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_vote_events_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_vote_events_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote_events")),
        sa.UniqueConstraint(
            "session_id",
            "organization_id",
            "identifier",
            name=op.f("uq_vote_events_session_id_organization_id_identifier"),
        ),
    )
    op.create_index(op.f("ix_vote_events_bill_id"), "vote_events", ["bill_id"], unique=False)
    op.create_index(
        op.f("ix_vote_events_jurisdiction_id_start_date_id"),
        "vote_events",
        ["jurisdiction_id", "start_date", "id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_vote_events_organization_id_start_date_id"),
        "vote_events",
        ["organization_id", "start_date", "id"],
        unique=False,
    )
    op.create_index(op.f("ix_vote_events_result"), "vote_events", ["result"], unique=False)
    op.create_index(
        op.f("ix_vote_events_search_vector"), "vote_events", ["search_vector"], unique=False, postgresql_using="gin"
    )
    op.create_index(
        op.f("ix_vote_events_session_id_start_date_id"), "vote_events", ["session_id", "start_date", "id"], unique=False
    )
    op.create_index(op.f("ix_vote_events_start_date_id"), "vote_events", ["start_date", "id"], unique=False)
    op.create_index(op.f("ix_vote_events_updated_at"), "vote_events", ["updated_at"], unique=False)
    op.create_table(
        "ballots",
        sa.Column("vote_event_id", sa.String(length=300), nullable=False),
        sa.Column("ordinal", sa.SmallInteger(), nullable=False),
        sa.Column("person_id", sa.String(length=300), nullable=True),
        sa.Column("voter_name", sa.Text(), nullable=False),
        sa.Column("option", sa.String(length=20), nullable=False),
        sa.CheckConstraint(
            "option IN ('yes', 'no', 'abstain', 'paired', 'absent', 'not voting', 'excused', 'other')",
            name=op.f("ck_ballots_option"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_ballots_person_id_people"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["vote_event_id"], ["vote_events.id"], name=op.f("fk_ballots_vote_event_id_vote_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("vote_event_id", "ordinal", name=op.f("pk_ballots")),
    )
    op.create_index(op.f("ix_ballots_person_id_vote_event_id"), "ballots", ["person_id", "vote_event_id"], unique=False)
    op.create_table(
        "vote_counts",
        sa.Column("vote_event_id", sa.String(length=300), nullable=False),
        sa.Column("option", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "option IN ('yes', 'no', 'abstain', 'paired', 'absent', 'not voting', 'excused', 'other')",
            name=op.f("ck_vote_counts_option"),
        ),
        sa.CheckConstraint("value >= 0", name=op.f("ck_vote_counts_value")),
        sa.ForeignKeyConstraint(
            ["vote_event_id"],
            ["vote_events.id"],
            name=op.f("fk_vote_counts_vote_event_id_vote_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vote_event_id", "option", name=op.f("pk_vote_counts")),
    )
    op.execute(
        """
        CREATE FUNCTION openpolicy_set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.updated_at := now();
            RETURN NEW;
        END
        $$
        """
    )
    for table in TIMESTAMPED_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_set_updated_at BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION openpolicy_set_updated_at()"
        )


def downgrade() -> None:
    op.drop_table("vote_counts")
    op.drop_index(op.f("ix_ballots_person_id_vote_event_id"), table_name="ballots")
    op.drop_table("ballots")
    op.drop_index(op.f("ix_vote_events_updated_at"), table_name="vote_events")
    op.drop_index(op.f("ix_vote_events_start_date_id"), table_name="vote_events")
    op.drop_index(op.f("ix_vote_events_session_id_start_date_id"), table_name="vote_events")
    op.drop_index(op.f("ix_vote_events_search_vector"), table_name="vote_events", postgresql_using="gin")
    op.drop_index(op.f("ix_vote_events_result"), table_name="vote_events")
    op.drop_index(op.f("ix_vote_events_organization_id_start_date_id"), table_name="vote_events")
    op.drop_index(op.f("ix_vote_events_jurisdiction_id_start_date_id"), table_name="vote_events")
    op.drop_index(op.f("ix_vote_events_bill_id"), table_name="vote_events")
    op.drop_table("vote_events")
    op.drop_index(op.f("ix_bill_sponsorships_person_id_bill_id"), table_name="bill_sponsorships")
    op.drop_index(op.f("ix_bill_sponsorships_organization_id"), table_name="bill_sponsorships")
    op.drop_index(op.f("ix_bill_sponsorships_bill_id"), table_name="bill_sponsorships")
    op.drop_table("bill_sponsorships")
    op.drop_index(op.f("ix_bill_documents_bill_id_date"), table_name="bill_documents")
    op.drop_table("bill_documents")
    op.drop_index(op.f("ix_bill_actions_organization_id"), table_name="bill_actions")
    op.drop_index(op.f("ix_bill_actions_date"), table_name="bill_actions")
    op.drop_table("bill_actions")
    op.drop_index(op.f("ix_bills_updated_at"), table_name="bills")
    op.drop_index(
        "ix_bills_title_trgm", table_name="bills", postgresql_using="gin", postgresql_ops={"title": "gin_trgm_ops"}
    )
    op.drop_index(op.f("ix_bills_subjects"), table_name="bills", postgresql_using="gin")
    op.drop_index(op.f("ix_bills_status"), table_name="bills")
    op.drop_index(op.f("ix_bills_session_id_latest_action_date_id"), table_name="bills")
    op.drop_index(op.f("ix_bills_search_vector"), table_name="bills", postgresql_using="gin")
    op.drop_index(op.f("ix_bills_normalized_identifier"), table_name="bills")
    op.drop_index(op.f("ix_bills_latest_action_date_id"), table_name="bills")
    op.drop_index(op.f("ix_bills_jurisdiction_id_latest_action_date_id"), table_name="bills")
    op.drop_index(op.f("ix_bills_introduced_date_id"), table_name="bills")
    op.drop_index(op.f("ix_bills_from_organization_id"), table_name="bills")
    op.drop_index(op.f("ix_bills_classification"), table_name="bills", postgresql_using="gin")
    op.drop_table("bills")
    op.drop_index(op.f("ix_sessions_updated_at"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_start_date_id"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_legislative_period_id"), table_name="sessions")
    op.drop_table("sessions")
    op.drop_index(op.f("ix_memberships_updated_at"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_post_id"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_person_id_start_date"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_organization_id_end_date"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_on_behalf_of_id_end_date"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_legislative_period_id"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_end_date"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_area_id_end_date"), table_name="memberships")
    op.drop_table("memberships")
    op.drop_index(op.f("ix_posts_updated_at"), table_name="posts")
    op.drop_index(op.f("ix_posts_organization_id"), table_name="posts")
    op.drop_index(op.f("ix_posts_area_id"), table_name="posts")
    op.drop_table("posts")
    op.drop_index(op.f("ix_legislative_periods_updated_at"), table_name="legislative_periods")
    op.drop_index(op.f("ix_legislative_periods_start_date_id"), table_name="legislative_periods")
    op.drop_table("legislative_periods")
    op.drop_index(op.f("ix_person_identifiers_person_id"), table_name="person_identifiers")
    op.drop_table("person_identifiers")
    op.drop_index(op.f("ix_organizations_updated_at"), table_name="organizations")
    op.drop_index(op.f("ix_organizations_parent_id"), table_name="organizations")
    op.drop_index(op.f("ix_organizations_name_id"), table_name="organizations")
    op.drop_index(op.f("ix_organizations_jurisdiction_id_classification"), table_name="organizations")
    op.drop_index(op.f("ix_organizations_classification_name_id"), table_name="organizations")
    op.drop_table("organizations")
    op.drop_index(op.f("ix_data_check_results_import_run_id"), table_name="data_check_results")
    op.drop_index(op.f("ix_data_check_results_entity_type_entity_id"), table_name="data_check_results")
    op.drop_index(op.f("ix_data_check_results_check_name_checked_at"), table_name="data_check_results")
    op.drop_table("data_check_results")
    op.drop_index(op.f("ix_change_log_import_run_id"), table_name="change_log")
    op.drop_index(op.f("ix_change_log_entity_type_id"), table_name="change_log")
    op.drop_index(op.f("ix_change_log_entity_id_id"), table_name="change_log")
    op.drop_index(op.f("ix_change_log_changed_at"), table_name="change_log")
    op.drop_table("change_log")
    op.drop_index(op.f("ix_areas_updated_at"), table_name="areas")
    op.drop_index(op.f("ix_areas_parent_id"), table_name="areas")
    op.drop_index(op.f("ix_areas_name_id"), table_name="areas")
    op.drop_index(op.f("ix_areas_jurisdiction_id_name_id"), table_name="areas")
    op.drop_table("areas")
    op.drop_index(op.f("ix_people_updated_at"), table_name="people")
    op.drop_index(op.f("ix_people_sort_name_id"), table_name="people")
    op.drop_index(op.f("ix_people_search_vector"), table_name="people", postgresql_using="gin")
    op.drop_index(
        "ix_people_name_trgm", table_name="people", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}
    )
    op.drop_index(op.f("ix_people_name_id"), table_name="people")
    op.drop_table("people")
    op.drop_index(op.f("ix_jurisdictions_updated_at"), table_name="jurisdictions")
    op.drop_index(op.f("ix_jurisdictions_country"), table_name="jurisdictions")
    op.drop_table("jurisdictions")
    op.drop_index(op.f("ix_import_runs_status"), table_name="import_runs")
    op.drop_index(op.f("ix_import_runs_started_at"), table_name="import_runs")
    op.drop_index(op.f("ix_import_runs_source_started_at"), table_name="import_runs")
    op.drop_table("import_runs")
    op.drop_index(op.f("ix_audit_events_occurred_at"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_actor_occurred_at"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_action_occurred_at"), table_name="audit_events")
    op.drop_table("audit_events")
    op.execute("DROP FUNCTION IF EXISTS openpolicy_set_updated_at()")
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")
