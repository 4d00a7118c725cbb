"""Debates (ingest area): House sittings and committee meetings from the House of Commons' Hansard XML.

* ``debates``: one sitting or committee meeting, language-neutral (the English and French files of a sitting
  are one debate): jurisdiction, chamber or committee (``organization_id``), session, date, number.
* ``debate_versions``: each published language of a debate (its source file or URL, the name as published).
* ``debate_sections``: the structure per language (orders of business and their subjects, in order).
* ``speeches``: interventions per language, in order: the speaker as published (name, riding/role as stated,
  the House's DbId), the person they resolve to or why they do not, time, floor language, paragraphs, anchor;
  ``search_vector`` in ``openpolicy_english`` or ``openpolicy_french`` (revision 0009) by the text's language.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

SPEECH_SEARCH = (
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(speaker_name, '')), 'A') || "
    "to_tsvector(CASE WHEN language = 'fr' THEN 'openpolicy_french'::regconfig "
    "ELSE 'openpolicy_english'::regconfig END, paragraphs::text)"
)


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "debates",
        sa.Column("id", sa.String(300), nullable=False),
        sa.Column("jurisdiction_id", sa.String(300), nullable=False),
        sa.Column("organization_id", sa.String(300), nullable=True),
        sa.Column("session_id", sa.String(300), nullable=True),
        sa.Column("classification", sa.String(20), nullable=False),
        sa.Column("identifier", sa.String(100), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("extras", JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        sa.Column("import_run_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint("classification IN ('sitting', 'committee')", name=op.f("ck_debates_classification")),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"], ["jurisdictions.id"], name=op.f("fk_debates_jurisdiction_id_jurisdictions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_debates_organization_id_organizations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["sessions.id"], name=op.f("fk_debates_session_id_sessions"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["import_run_id"], ["import_runs.id"], name=op.f("fk_debates_import_run_id_import_runs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debates")),
    )  # fmt: skip
    op.create_index(op.f("ix_debates_import_run_id"), "debates", ["import_run_id"])
    op.create_index(op.f("ix_debates_date_id"), "debates", ["date", "id"])
    op.create_index(op.f("ix_debates_jurisdiction_id_date_id"), "debates", ["jurisdiction_id", "date", "id"])
    op.create_index(op.f("ix_debates_organization_id_date_id"), "debates", ["organization_id", "date", "id"])
    op.create_index(op.f("ix_debates_session_id_date_id"), "debates", ["session_id", "date", "id"])
    op.create_index(op.f("ix_debates_updated_at_id"), "debates", ["updated_at", "id"])
    op.execute(
        "CREATE TRIGGER debates_set_updated_at BEFORE UPDATE ON debates "
        "FOR EACH ROW EXECUTE FUNCTION openpolicy_set_updated_at()"
    )
    op.create_table(
        "debate_versions",
        sa.Column("debate_id", sa.String(300), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("document_id", sa.String(100), nullable=True),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debates.id"], name=op.f("fk_debate_versions_debate_id_debates"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("debate_id", "language", name=op.f("pk_debate_versions")),
    )
    op.create_table(
        "debate_sections",
        sa.Column("debate_id", sa.String(300), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("parent_ordinal", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("anchor", sa.String(100), nullable=True),
        sa.CheckConstraint("kind IN ('order', 'subject')", name=op.f("ck_debate_sections_kind")),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debates.id"], name=op.f("fk_debate_sections_debate_id_debates"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("debate_id", "language", "ordinal", name=op.f("pk_debate_sections")),
    )
    op.create_table(
        "speeches",
        sa.Column("id", sa.String(300), nullable=False),
        sa.Column("debate_id", sa.String(300), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("section_ordinal", sa.Integer(), nullable=True),
        sa.Column("anchor", sa.String(100), nullable=True),
        sa.Column("kind", sa.String(40), nullable=True),
        sa.Column("person_id", sa.String(300), nullable=True),
        sa.Column("speaker_name", sa.Text(), nullable=False),
        sa.Column("speaker_role", sa.Text(), nullable=True),
        sa.Column("speaker_db_id", sa.String(40), nullable=True),
        sa.Column("unresolved", sa.Text(), nullable=True),
        sa.Column("time", sa.Time(), nullable=True),
        sa.Column("floor_language", sa.String(2), nullable=True),
        sa.Column("paragraphs", JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("search_vector", TSVECTOR(), sa.Computed(SPEECH_SEARCH, persisted=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["debate_id"], ["debates.id"], name=op.f("fk_speeches_debate_id_debates"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_speeches_person_id_people"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speeches")),
        sa.UniqueConstraint("debate_id", "language", "ordinal", name=op.f("uq_speeches_debate_id_language_ordinal")),
    )
    op.create_index(op.f("ix_speeches_person_id_debate_id"), "speeches", ["person_id", "debate_id"])
    op.create_index(op.f("ix_speeches_search_vector"), "speeches", ["search_vector"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_table("speeches")
    op.drop_table("debate_sections")
    op.drop_table("debate_versions")
    op.drop_table("debates")
