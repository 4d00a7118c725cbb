"""Loading Hansard debates: speaker and voter resolution, the children of debates, their change images.

Contract:

* :func:`resolve` (in the import's transaction, before the load) sets ``person_id`` of every speaker and voter
  that resolves, and ``unresolved`` (the reason) of every other; it returns the unresolved ones, grouped, for
  the run's summary. A reference resolves by the House ``DbId`` when a person holds it as identifier
  ``ourcommons``; else by name and riding among the House members sitting on that date (a voter named by
  surname alone: by surname, the House adds the riding only when a surname is ambiguous); "The Speaker" by
  the Speaker the file names, an Acting Speaker by the name in parentheses. Exactly one person must match:
  nobody is merged or created. A division whose vote event is stored already keeps that event's row and
  counts (the ballots complete it; the ``ballots_vs_counts`` check compares them).
* :func:`sync_children` synchronises each staged debate's versions, sections and speeches per language (a file
  in one language leaves the other language alone); returns the debates whose children changed.
* :data:`DEBATE_IMAGE` is the SQL of a debate's change image with its children; :func:`restore_children` puts
  them back from such an image (openpolicy.ingest.revert).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson

from openpolicy.ingest.records import Bundle, DebateRec, SpeakerRef
from openpolicy.ingest.sources import ourcommons

_HONORIFIC = re.compile(
    r"^((the|right|rt\.?|hon\.?|honourable|l'honorable|le très honorable|mr\.?|mrs\.?|ms\.?|miss|dr\.?|m\.|mme|"
    r"mlle)\s+)+",
    re.I,
)
_OFFICE = re.compile(r"^(the|le|la|l')\s*\b", re.I)


def key(text: str) -> str:
    """Accent-, case-, dash- and space-insensitive form of a name or riding."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[\u2010-\u2015\-]+", "-", text)
    return re.sub(r"\s+", " ", text).strip().casefold()


def bare_name(name: str) -> str:
    return key(_HONORIFIC.sub("", name.strip()))


@dataclass(frozen=True, slots=True)
class _Member:
    person_id: str
    name: str
    family: str
    riding: str


class _Sitting:
    """The House members sitting on one date of one parliament, indexed for resolution."""

    def __init__(self, members: list[_Member]) -> None:
        self.members = members
        self.ridings = {m.riding for m in members if m.riding}

    def unique(self, matches: list[_Member]) -> str | None:
        people = {m.person_id for m in matches}
        return people.pop() if len(people) == 1 else None

    def match(self, name: str, riding: str | None, *, surname: bool) -> tuple[str | None, str]:
        bare = bare_name(name)
        pool = [m for m in self.members if m.riding == riding] if riding else self.members
        found = [m for m in pool if m.name == bare or (surname and m.family == bare)]
        if not found and riding:
            found = [m for m in pool if m.name.endswith(" " + bare) or m.family == bare]
        person = self.unique(found)
        if person:
            return person, ""
        where = f" for {riding}" if riding else ""
        if not found:
            return None, f"no House member named {name!r}{where} sitting on that date"
        return None, f"{len({m.person_id for m in found})} House members match {name!r}{where}: not guessed"


async def _sittings(conn: Any, bundle: Bundle) -> dict[str, _Sitting]:
    rows = await conn.fetch(
        """
        SELECT m.person_id, p.name, coalesce(p.family_name, '') AS family, coalesce(a.name, '') AS riding,
               m.start_date, m.end_date, lp.identifier AS parliament
        FROM memberships m JOIN people p ON p.id = m.person_id
        LEFT JOIN areas a ON a.id = m.area_id
        LEFT JOIN legislative_periods lp ON lp.id = m.legislative_period_id
        WHERE m.organization_id = $1
        """,
        ourcommons.HOUSE_ID,
    )
    out: dict[str, _Sitting] = {}
    for debate in bundle.debates:
        members = []
        for r in rows:
            dated = r["start_date"] is not None and r["start_date"] <= debate.date
            current = dated and (r["end_date"] is None or r["end_date"] >= debate.date)
            undated = r["start_date"] is None and r["parliament"] == str(debate.parliament)
            if current or undated:
                family = key(r["family"]) or key(r["name"]).rsplit(" ", 1)[-1]
                members.append(_Member(r["person_id"], key(r["name"]), family, key(r["riding"])))
        out[debate.id] = _Sitting(members)
    return out


def _resolve_ref(ref: SpeakerRef, sitting: _Sitting, debate: DebateRec, by_db: dict[str, str],
                 ridings_of: dict[str, str], *, voter: bool) -> None:  # fmt: skip
    if ref.db_id and ref.db_id in by_db:
        ref.person_id = by_db[ref.db_id]
        return
    name = ref.name
    if _OFFICE.match(name) and not voter:
        lowered = key(name)
        if "speaker" in lowered or "president" in lowered:
            if ref.role and _HONORIFIC.match(ref.role):  # "The Acting Speaker (Mrs. Carol Hughes)"
                ref.person_id, reason = sitting.match(ref.role, None, surname=False)
            elif lowered in {"the speaker", "le president", "la presidente"} and debate.speaker_of_house:
                ref.person_id, reason = sitting.match(debate.speaker_of_house, None, surname=False)
            else:
                ref.person_id, reason = None, "an office title whose holder the file does not name"
        else:
            ref.person_id, reason = None, "an office title; office holders are not in the data"
        ref.unresolved = reason or None
        return
    riding = key(ref.role) if ref.role and key(ref.role) in sitting.ridings else None
    if riding is None and ref.db_id:
        riding = ridings_of.get(ref.db_id)
    if riding is None and not voter:
        what = f"the role {ref.role!r}" if ref.role else "no riding"
        ref.person_id, ref.unresolved = None, f"{what} stated and no riding under its DbId in this sitting"
        return
    ref.person_id, reason = sitting.match(name, riding, surname=voter)
    ref.unresolved = reason or None


async def resolve(conn: Any, bundle: Bundle) -> list[dict[str, Any]]:
    if not bundle.debates:
        return []
    refs = [s.speaker for d in bundle.debates for s in d.speeches] + bundle.voters
    db_ids = sorted({r.db_id for r in refs if r.db_id})
    by_db = {
        row["identifier"]: row["person_id"]
        for row in await conn.fetch(
            "SELECT identifier, person_id FROM person_identifiers WHERE scheme = 'ourcommons' "
            "AND identifier = ANY($1::text[])",
            db_ids,
        )
    }
    sittings = await _sittings(conn, bundle)
    unresolved: Counter[tuple[str, str, str, str | None, str]] = Counter()
    debate_of_vote: dict[str, DebateRec] = {}
    ridings_by_debate: dict[str, dict[str, str]] = {}
    for debate in bundle.debates:
        sitting = sittings[debate.id]
        ridings_of: dict[str, str] = {}
        for speech in debate.speeches:
            ref = speech.speaker
            if ref.db_id and ref.role and key(ref.role) in sitting.ridings:
                ridings_of.setdefault(ref.db_id, key(ref.role))
        for speech in debate.speeches:
            _resolve_ref(speech.speaker, sitting, debate, by_db, ridings_of, voter=False)
            if speech.speaker.person_id is None:
                ref = speech.speaker
                unresolved[("speech", debate.id, ref.name, ref.role, ref.unresolved or "")] += 1
        for vote in bundle.vote_events:
            if vote.extras.get("debate_id") == debate.id:
                debate_of_vote[vote.id] = debate
        ridings_by_debate[debate.id] = ridings_of
    rows = []
    for row, ref in zip(bundle.ballots, bundle.voters, strict=True):
        debate = debate_of_vote[row[0]]
        _resolve_ref(ref, sittings[debate.id], debate, by_db, ridings_by_debate[debate.id], voter=True)
        if ref.person_id is None:
            unresolved[("ballot", row[0], ref.name, ref.role, ref.unresolved or "")] += 1
        rows.append((row[0], row[1], ref.person_id, row[3], row[4]))
    bundle.ballots = rows
    await _complete_votes(conn, bundle)
    return [
        {"record": f"{kind} in {where}" + (f" ×{n}" if n > 1 else ""), "name": name + (f" ({role})" if role else ""),
         "why": reason, "kind": kind, "in": where, "count": n}
        for (kind, where, name, role, reason), n in sorted(unresolved.items(), key=lambda i: i[0][:3])
    ]  # fmt: skip


async def _complete_votes(conn: Any, bundle: Bundle) -> None:
    """Divisions stored already (e.g. from the divisions CSV) keep their row and counts: the ballots complete them."""
    if not bundle.vote_events:
        return
    stored = {
        r["id"]: r
        for r in await conn.fetch(
            """
            SELECT v.*, coalesce((SELECT jsonb_object_agg(c.option, c.value) FROM vote_counts c
                                  WHERE c.vote_event_id = v.id), '{}'::jsonb)::text AS counts_json
            FROM vote_events v WHERE v.id = ANY($1::text[])
            """,
            [v.id for v in bundle.vote_events],
        )
    }
    for vote in bundle.vote_events:
        row = stored.get(vote.id)
        if row is None:
            continue
        for column in ("jurisdiction_id", "motion_text", "start_date", "result", "session_id", "organization_id",
                       "bill_id", "identifier", "start_time"):  # fmt: skip
            setattr(vote, column, row[column])
        vote.motion_classification = list(row["motion_classification"])
        vote.sources = orjson.loads(row["sources"]) if isinstance(row["sources"], str) else row["sources"]
        vote.extras = orjson.loads(row["extras"]) if isinstance(row["extras"], str) else row["extras"]
        vote.counts = orjson.loads(row["counts_json"])


# --- children ---------------------------------------------------------------------------------------

VERSION_COLUMNS = ("debate_id", "language", "name", "source", "document_id")
SECTION_COLUMNS = ("debate_id", "language", "ordinal", "parent_ordinal", "kind", "title", "anchor")
SPEECH_COLUMNS = (
    "id", "debate_id", "language", "ordinal", "section_ordinal", "anchor", "kind", "person_id", "speaker_name",
    "speaker_role", "speaker_db_id", "unresolved", "time", "floor_language", "paragraphs",
)  # fmt: skip
CHILDREN = (
    ("debate_versions", VERSION_COLUMNS, ("debate_id", "language")),
    ("debate_sections", SECTION_COLUMNS, ("debate_id", "language", "ordinal")),
    ("speeches", SPEECH_COLUMNS, ("id",)),
)


def _child_rows(bundle: Bundle) -> dict[str, list[tuple[Any, ...]]]:
    versions: list[tuple[Any, ...]] = []
    sections: list[tuple[Any, ...]] = []
    speeches: list[tuple[Any, ...]] = []
    for d in bundle.debates:
        versions.extend((d.id, *v) for v in d.versions)
        sections.extend((d.id, *s) for s in d.sections)
        for s in d.speeches:
            ref = s.speaker
            speeches.append((
                s.id, d.id, s.language, s.ordinal, s.section_ordinal, s.anchor, s.kind, ref.person_id, ref.name,
                ref.role, ref.db_id, ref.unresolved, s.time, s.floor_language, orjson.dumps(s.paragraphs).decode(),
            ))  # fmt: skip
    return {"debate_versions": versions, "debate_sections": sections, "speeches": speeches}


async def sync_children(conn: Any, bundle: Bundle) -> tuple[set[str], dict[str, dict[str, int]]]:
    """Synchronise versions, sections and speeches of the bundle's debates, per (debate, language) stated."""
    touched: set[str] = set()
    counts: dict[str, dict[str, int]] = {}
    rows = _child_rows(bundle)
    await conn.execute(
        "CREATE TEMP TABLE s_debate_scope (debate_id text, language text, PRIMARY KEY (debate_id, language)) "
        "ON COMMIT DROP"
    )
    scope = sorted({(r[0], r[1]) for r in rows["debate_versions"]})
    if scope:
        await conn.copy_records_to_table("s_debate_scope", records=scope)
    for table, columns, pk in CHILDREN:
        cols = ", ".join(columns)
        await conn.execute(
            f"CREATE TEMP TABLE s_{table} ON COMMIT DROP AS SELECT {cols} FROM {table} WITH NO DATA"  # noqa: S608
        )
        if rows[table]:
            await conn.copy_records_to_table(f"s_{table}", records=rows[table], columns=list(columns))
        await conn.execute(f"ANALYZE s_{table}")
        on = " AND ".join(f"s.{c} = t.{c}" for c in pk)
        rest = [c for c in columns if c not in pk]
        deleted = await conn.fetch(
            f"""
            DELETE FROM {table} t USING s_debate_scope x
            WHERE t.debate_id = x.debate_id AND t.language = x.language
              AND NOT EXISTS (SELECT 1 FROM s_{table} s WHERE {on})
            RETURNING t.debate_id
            """  # noqa: S608 - identifiers come from module constants
        )
        updated = await conn.fetch(
            f"""
            UPDATE {table} t SET ({", ".join(rest)}) = ROW({", ".join("s." + c for c in rest)})
            FROM s_{table} s WHERE {on}
              AND ROW({", ".join("t." + c for c in rest)}) IS DISTINCT FROM ROW({", ".join("s." + c for c in rest)})
            RETURNING t.debate_id
            """  # noqa: S608 - identifiers come from module constants
        )
        inserted = await conn.fetch(
            f"""
            INSERT INTO {table} ({cols}) SELECT {", ".join("s." + c for c in columns)} FROM s_{table} s
            WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE {on})
            RETURNING debate_id
            """  # noqa: S608 - identifiers come from module constants
        )
        entity = {"debate_versions": "debate_version", "debate_sections": "debate_section"}.get(table, "speech")
        counts[entity] = {
            "inserted": len(inserted),
            "updated": len(updated),
            "deleted": len(deleted),
            "unchanged": len(rows[table]) - len(inserted) - len(updated),
        }
        for group in (deleted, updated, inserted):
            touched.update(r["debate_id"] for r in group)
    return touched, counts


def _children_image(table: str, columns: tuple[str, ...], order: str) -> str:
    fields = ", ".join(f"'{c}', c.{c}" for c in columns if c != "debate_id")
    return (
        f"coalesce((SELECT jsonb_agg(jsonb_build_object({fields}) ORDER BY {order}) FROM {table} c "  # noqa: S608
        "WHERE c.debate_id = t.id), '[]'::jsonb)"
    )


DEBATE_IMAGE = (
    " || jsonb_build_object('versions', " + _children_image("debate_versions", VERSION_COLUMNS, "c.language")
    + ", 'sections', " + _children_image("debate_sections", SECTION_COLUMNS, "c.language, c.ordinal")
    + ", 'speeches', " + _children_image("speeches", SPEECH_COLUMNS, "c.language, c.ordinal") + ")"
)  # fmt: skip


async def restore_children(conn: Any, debate_id: str, image: dict[str, Any]) -> None:
    """Replace a debate's versions, sections and speeches by those of its change image."""
    for table, _columns, _pk in reversed(CHILDREN):
        await conn.execute(f"DELETE FROM {table} WHERE debate_id = $1", debate_id)  # noqa: S608
    for table, columns, _pk in CHILDREN:
        name = {"debate_versions": "versions", "debate_sections": "sections", "speeches": "speeches"}[table]
        items = [{**item, "debate_id": debate_id} for item in image.get(name) or []]
        if not items:
            continue
        cols = ", ".join(columns)
        await conn.execute(
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM jsonb_populate_recordset(NULL::{table}, $1::jsonb)",  # noqa: S608
            orjson.dumps(items).decode(),
        )
