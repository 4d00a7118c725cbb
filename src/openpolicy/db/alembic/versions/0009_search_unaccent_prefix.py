"""Search that finds what people type: accent-insensitive text search, and districts and organizations searchable.

* the ``unaccent`` extension and three text search configurations, copies of ``simple``, ``english`` and
  ``french`` whose word mappings pass every token through the ``unaccent`` filter dictionary first:
  ``openpolicy_simple``, ``openpolicy_english``, ``openpolicy_french``. ``to_tsvector(regconfig, text)`` is
  immutable, so the stored generated ``search_vector`` columns can use them, and a query read with the same
  configuration is unaccented the same way (``Genereux`` finds ``Généreux``, ``Mendes`` finds ``Mendès``);
* ``openpolicy_unaccent(text)``: an immutable SQL wrapper of ``unaccent`` with its dictionary named, for plain
  comparisons (the function ``unaccent(text)`` itself is only stable);
* the ``search_vector`` columns of people, bills and votes recomputed with these configurations (a generated
  column's expression cannot be altered in place: dropped and added again, with its GIN index);
* new ``search_vector`` columns (and GIN indexes) on ``areas`` (name and identifier) and ``organizations`` (name,
  abbreviation and other names), which ``/v1/search`` now covers.

Prefix matching (``tax`` finds ``taxation``) is a property of the query (``:*``), not of the stored vectors.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 21:30:00
"""

from __future__ import annotations

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

CONFIGS = (
    ("openpolicy_simple", "simple", "simple"),
    ("openpolicy_english", "english", "english_stem"),
    ("openpolicy_french", "french", "french_stem"),
)
WORD_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"

NEW_PERSON = (
    "to_tsvector('openpolicy_simple'::regconfig, coalesce(name, '') || ' ' || coalesce(given_name, '') || ' ' "
    "|| coalesce(family_name, '') || ' ' || coalesce(jsonb_path_query_array(other_names, '$[*].name')::text, ''))"
)
OLD_PERSON = (
    "to_tsvector('simple'::regconfig, coalesce(name, '') || ' ' || coalesce(given_name, '') || ' ' "
    "|| coalesce(family_name, '') || ' ' || coalesce(jsonb_path_query_array(other_names, '$[*].name')::text, ''))"
)
NEW_BILL = (
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(identifier, '') || ' ' || "
    "upper(regexp_replace(coalesce(identifier, ''), '[^A-Za-z0-9]+', '', 'g'))), 'A') || "
    "setweight(to_tsvector('openpolicy_english'::regconfig, coalesce(title, '')), 'B') || "
    "setweight(to_tsvector('openpolicy_french'::regconfig, coalesce(title_fr, '')), 'B')"
)
OLD_BILL = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(identifier, '') || ' ' || "
    "upper(regexp_replace(coalesce(identifier, ''), '[^A-Za-z0-9]+', '', 'g'))), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'B') || "
    "setweight(to_tsvector('french'::regconfig, coalesce(title_fr, '')), 'B')"
)
NEW_VOTE = (
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(identifier, '')), 'A') || "
    "setweight(to_tsvector('openpolicy_english'::regconfig, coalesce(motion_text, '')), 'B') || "
    "setweight(to_tsvector('openpolicy_french'::regconfig, coalesce(motion_text_fr, '')), 'B')"
)
OLD_VOTE = (
    "setweight(to_tsvector('simple'::regconfig, coalesce(identifier, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(motion_text, '')), 'B') || "
    "setweight(to_tsvector('french'::regconfig, coalesce(motion_text_fr, '')), 'B')"
)
AREA = (
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(identifier, '')), 'B')"
)
ORGANIZATION = (
    "setweight(to_tsvector('openpolicy_simple'::regconfig, coalesce(name, '') || ' ' || coalesce(abbreviation, '')), "
    "'A') || setweight(to_tsvector('openpolicy_simple'::regconfig, "
    "coalesce(jsonb_path_query_array(other_names, '$[*].name')::text, '')), 'B')"
)


def _search_vector(table: str, expression: str) -> None:
    op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    op.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({expression}) STORED")
    op.execute(f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for name, source, dictionary in CONFIGS:
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = pg_catalog.{source})")
        mapping = f"ALTER MAPPING FOR {WORD_TOKENS} WITH unaccent, {dictionary}"
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION {name} {mapping}")
    op.execute(
        "CREATE FUNCTION openpolicy_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
        "RETURN unaccent('unaccent'::regdictionary, $1)"
    )
    _search_vector("people", NEW_PERSON)
    _search_vector("bills", NEW_BILL)
    _search_vector("vote_events", NEW_VOTE)
    _search_vector("areas", AREA)
    _search_vector("organizations", ORGANIZATION)


def downgrade() -> None:
    for table in ("areas", "organizations"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
    _search_vector("people", OLD_PERSON)
    _search_vector("bills", OLD_BILL)
    _search_vector("vote_events", OLD_VOTE)
    op.execute("DROP FUNCTION openpolicy_unaccent(text)")
    for name, _source, _dictionary in CONFIGS:
        op.execute(f"DROP TEXT SEARCH CONFIGURATION {name}")
    op.execute("DROP EXTENSION IF EXISTS unaccent")
