"""Documents from facts: the detail and list-summary JSON of people, bills and votes, made by the response models.

For a kind and a set of ids, :func:`build` reads the facts with plain SQL on an asyncpg connection (set-based: a
few statements per kind whatever the number of ids), shapes them into the response models of
:mod:`openpolicy.documents.schemas` and returns each resource's ``detail`` and ``summary`` bytes
(``model_dump_json``): the models are the only definition of a response. Orders the responses promise (ballots by
voter name, memberships newest first ...) are taken from the database (``ORDER BY``) so they follow its collation.

Invariants:

* the output depends on the facts and on ``today`` only: building twice from the same facts gives the same bytes
  (``openpolicy documents rebuild`` equals what the imports wrote);
* only a person's documents depend on ``today`` (current seat, party, district, committees, ``current`` flags);
  :class:`Built.stale_after` is the first day on which one of those changes (NULL when none will).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter

from openpolicy.db.models import BALLOT_OPTIONS
from openpolicy.documents.schemas import (
    BillDetail,
    BillSummary,
    PersonDetail,
    PersonSummary,
    VoteDetail,
    VoteSummary,
    VotingRecordEntry,
)

SEAT_CLASSIFICATIONS = ("legislature", "chamber")
COMMITTEE_CLASSIFICATIONS = ("committee", "subcommittee")

_ORG = "id, name, classification, chamber, abbreviation, color"
_PARTY = "id, name, abbreviation, color"
_AREA = "id, name, classification, identifier"
_NAMED = "id, identifier, name"  # sessions, legislative periods
_OPTION_RANK = {option: i for i, option in enumerate(BALLOT_OPTIONS)}


@dataclass(frozen=True, slots=True)
class Built:
    """One resource's documents."""

    kind: str
    id: str
    detail: bytes
    summary: bytes
    stale_after: dt.date | None = None


def option_key(option: str) -> tuple[int, str]:
    """Sort key of a ballot option: yes, no, abstain, paired, absent, not voting, excused, other, then by name."""
    return _OPTION_RANK.get(option, 1000), option


def _dump(model: type[BaseModel], fields: dict[str, Any]) -> bytes:
    """``fields`` through ``model``: validated, then serialised as the api answers it (validating the JSON text of
    ``fields`` is faster than validating the Python objects, for the same result)."""
    return model.model_validate_json(orjson.dumps(fields)).model_dump_json().encode()


def _voters(ballots: dict[str, list[Any]]) -> set[str]:
    return {row[2] for rows in ballots.values() for row in rows if row[2] is not None}


def _json(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


def _objects(value: Any, required: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The objects of a JSON array that have every ``required`` key (anything else is not shown)."""
    if not isinstance(value, list):
        return []
    return [e for e in value if isinstance(e, dict) and all(key in e for key in required)]


async def _refs(conn: Any, table: str, fields: str, ids: Iterable[str | None]) -> dict[str, dict[str, Any]]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = await conn.fetch(f"SELECT {fields} FROM {table} WHERE id = ANY($1::text[])", wanted)  # noqa: S608 - constants
    return {row["id"]: dict(row) for row in rows}


async def today(conn: Any) -> dt.date:
    """The database's ``current_date``: "current" means the same day for every writer and reader."""
    value: dt.date = await conn.fetchval("SELECT current_date")
    return value


# --- people --------------------------------------------------------------------------------------------------------


def _current(m: Any, day: dt.date) -> bool:
    return (m["start_date"] is None or m["start_date"] <= day) and (m["end_date"] is None or m["end_date"] >= day)


def _seat_order(m: Any) -> tuple[Any, ...]:
    """``start_date DESC NULLS LAST, id``."""
    start = m["start_date"]
    return (start is None, -start.toordinal() if start else 0, m["id"])


def _first(values: Iterable[str | None]) -> str | None:
    return next((v for v in values if v is not None), None)


def current_seat(memberships: Sequence[Any], day: dt.date) -> tuple[str | None, str | None, str | None]:
    """``(chamber id, party id, area id)`` of a person on ``day``.

    The chosen seat is a current legislature or chamber membership (a chamber preferred, then the most recently
    started); the party is the one it is held for, else another current seat's, else a current party membership's;
    the district is the chosen seat's, else another current seat's."""
    current = [m for m in memberships if _current(m, day)]
    seats = sorted((m for m in current if m["org_class"] in SEAT_CLASSIFICATIONS), key=_seat_order)
    parties = sorted((m for m in current if m["org_class"] == "party"), key=_seat_order)
    chosen = sorted(seats, key=lambda m: (m["org_class"] != "chamber", *_seat_order(m)))
    head = chosen[0] if chosen else None
    chamber = head["organization_id"] if head else None
    party = (head["on_behalf_of_id"] if head else None) or _first(m["on_behalf_of_id"] for m in seats)
    party = party or _first(m["organization_id"] for m in parties)
    area = (head["area_id"] if head else None) or _first(m["area_id"] for m in seats)
    return chamber, party, area


def stale_after(memberships: Sequence[Any], day: dt.date) -> dt.date | None:
    """The first day after ``day`` on which one of ``memberships`` starts or ends (is current no more)."""
    days = [m["start_date"] for m in memberships if m["start_date"] is not None and m["start_date"] > day]
    days += [
        m["end_date"] + dt.timedelta(days=1) for m in memberships if m["end_date"] is not None and m["end_date"] >= day
    ]
    return min(days) if days else None


_PEOPLE = """
SELECT id, name, sort_name, given_name, family_name, image, created_at, updated_at, other_names::text AS other_names,
       contact_details::text AS contact_details, links::text AS links, gender, birth_date, death_date, email,
       sources::text AS sources, import_run_id
FROM people WHERE id = ANY($1::text[])
"""
_IDENTIFIERS = """
SELECT person_id, scheme, identifier, nullif(scope, '') AS scope FROM person_identifiers
WHERE person_id = ANY($1::text[]) ORDER BY person_id, scheme, identifier
"""
_MEMBERSHIPS = """
SELECT m.id, m.person_id, m.organization_id, o.classification AS org_class, m.on_behalf_of_id, m.area_id,
       po.label AS post, m.role, m.label, m.legislative_period_id, m.start_date, m.end_date,
       coalesce(m.extras ->> 'start_date_inferred' = 'true', false) AS start_date_inferred,
       coalesce(m.extras ->> 'end_date_inferred' = 'true', false) AS end_date_inferred, m.sources::text AS sources
FROM memberships m JOIN organizations o ON o.id = m.organization_id LEFT JOIN posts po ON po.id = m.post_id
WHERE m.person_id = ANY($1::text[])
ORDER BY m.person_id, m.end_date DESC NULLS FIRST, m.start_date DESC NULLS LAST, m.id
"""


async def build_people(conn: Any, ids: Sequence[str], day: dt.date) -> list[Built]:
    people = await conn.fetch(_PEOPLE, list(ids))
    if not people:
        return []
    found = [p["id"] for p in people]
    identifiers: dict[str, list[dict[str, Any]]] = {}
    for row in await conn.fetch(_IDENTIFIERS, found):
        identifiers.setdefault(row["person_id"], []).append(
            {"scheme": row["scheme"], "identifier": row["identifier"], "scope": row["scope"]}
        )
    memberships: dict[str, list[Any]] = {}
    rows = await conn.fetch(_MEMBERSHIPS, found)
    for row in rows:
        memberships.setdefault(row["person_id"], []).append(row)
    seats = {pid: current_seat(ms, day) for pid, ms in memberships.items()}
    orgs = await _refs(
        conn,
        "organizations",
        _ORG,
        [r["organization_id"] for r in rows]
        + [r["on_behalf_of_id"] for r in rows]
        + [p for s in seats.values() for p in s[:2]],
    )
    areas = await _refs(conn, "areas", _AREA, [r["area_id"] for r in rows] + [s[2] for s in seats.values()])
    periods = await _refs(conn, "legislative_periods", _NAMED, [r["legislative_period_id"] for r in rows])

    def org(i: str | None) -> dict[str, Any] | None:
        return orgs.get(i) if i else None

    built = []
    for p in people:
        pid = p["id"]
        ms = memberships.get(pid, [])
        chamber, party, area = seats.get(pid, (None, None, None))
        current_ms: list[dict[str, Any]] = []
        past_ms: list[dict[str, Any]] = []
        committees: list[dict[str, Any]] = []
        for m in ms:
            is_current = _current(m, day)
            out = {
                "id": m["id"],
                "organization": orgs.get(m["organization_id"]),
                "party": org(m["on_behalf_of_id"]),
                "area": areas.get(m["area_id"]) if m["area_id"] else None,
                "post": m["post"],
                "role": m["role"],
                "label": m["label"],
                "legislative_period": periods.get(m["legislative_period_id"]) if m["legislative_period_id"] else None,
                "start_date": m["start_date"],
                "end_date": m["end_date"],
                "start_date_inferred": m["start_date_inferred"],
                "end_date_inferred": m["end_date_inferred"],
                "current": is_current,
                "sources": _objects(_json(m["sources"])),
            }
            (current_ms if is_current else past_ms).append(out)
            if is_current and m["org_class"] in COMMITTEE_CLASSIFICATIONS:
                committees.append(out)
        summary = {
            "id": pid,
            "name": p["name"],
            "sort_name": p["sort_name"],
            "given_name": p["given_name"],
            "family_name": p["family_name"],
            "image": p["image"],
            "current_party": org(party),
            "current_district": areas.get(area) if area else None,
            "current_chamber": org(chamber),
            "updated_at": p["updated_at"],
        }
        detail = {
            **summary,
            "created_at": p["created_at"],
            "other_names": _objects(_json(p["other_names"]), ("name",)),
            "identifiers": identifiers.get(pid, []),
            "contact_details": _objects(_json(p["contact_details"]), ("type", "value")),
            "links": _objects(_json(p["links"]), ("url",)),
            "gender": p["gender"],
            "birth_date": p["birth_date"],
            "death_date": p["death_date"],
            "email": p["email"],
            "current_memberships": current_ms,
            "past_memberships": past_ms,
            "committees": committees,
            "url": "/v1/people/" + pid,
            "sources": _objects(_json(p["sources"])),
            "import_run_id": p["import_run_id"],
        }
        built.append(
            Built(
                "person",
                pid,
                _dump(PersonDetail, detail),
                _dump(PersonSummary, summary),
                stale_after(ms, day),
            )
        )
    return built


# --- votes ---------------------------------------------------------------------------------------------------------

_VOTES = """
SELECT id, identifier, motion_text, motion_text_fr, motion_classification, start_date, result, jurisdiction_id,
       organization_id, session_id, bill_id, created_at, updated_at, sources::text AS sources, import_run_id
FROM vote_events WHERE id = ANY($1::text[])
"""
_COUNTS = "SELECT vote_event_id, option, value FROM vote_counts WHERE vote_event_id = ANY($1::text[])"
_BALLOTS = """
SELECT b.vote_event_id, b.voter_name, b.person_id, b.option FROM ballots b
WHERE b.vote_event_id = ANY($1::text[])
ORDER BY b.vote_event_id, lower(b.voter_name) COLLATE "C", b.ordinal
"""


# Memberships that state a party (on behalf of, or of a party), of the people $1 (the voters).
_VOTER_PARTIES = """
SELECT m.id, m.person_id, m.organization_id, m.on_behalf_of_id, m.start_date, m.end_date,
       coalesce(m.on_behalf_of_id, CASE WHEN o.classification = 'party' THEN m.organization_id END) AS party_id
FROM memberships m JOIN organizations o ON o.id = m.organization_id
WHERE m.person_id = ANY($1::text[])
  AND coalesce(m.on_behalf_of_id, CASE WHEN o.classification = 'party' THEN m.organization_id END) IS NOT NULL
ORDER BY m.person_id, m.id
"""


def _counts(pairs: Iterable[tuple[str, int]]) -> list[dict[str, Any]]:
    return [{"option": o, "value": v} for o, v in sorted(pairs, key=lambda pair: option_key(pair[0]))]


async def vote_summaries(conn: Any, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The :class:`VoteSummary` fields (and the detail's own row facts) of each vote of ``ids`` that exists."""
    votes = await conn.fetch(_VOTES, list(ids))
    if not votes:
        return {}
    found = [v["id"] for v in votes]
    counts: dict[str, list[tuple[str, int]]] = {}
    for row in await conn.fetch(_COUNTS, found):
        counts.setdefault(row["vote_event_id"], []).append((row["option"], row["value"]))
    orgs = await _refs(conn, "organizations", _ORG, [v["organization_id"] for v in votes])
    sessions = await _refs(conn, "sessions", _NAMED, [v["session_id"] for v in votes])
    bills = await _refs(conn, "bills", "id, identifier, title", [v["bill_id"] for v in votes])
    out = {}
    for v in votes:
        out[v["id"]] = {
            "id": v["id"],
            "identifier": v["identifier"],
            "motion": v["motion_text"],
            "motion_fr": v["motion_text_fr"],
            "motion_classification": v["motion_classification"],
            "date": v["start_date"],
            "result": v["result"],
            "jurisdiction_id": v["jurisdiction_id"],
            "chamber": orgs.get(v["organization_id"]) if v["organization_id"] else None,
            "session": sessions.get(v["session_id"]) if v["session_id"] else None,
            "bill": bills.get(v["bill_id"]) if v["bill_id"] else None,
            "counts": _counts(counts.get(v["id"], [])),
            "updated_at": v["updated_at"],
            "_published": counts.get(v["id"], []),
            "_row": v,
        }
    return out


def _voter_party(memberships: Sequence[Any], day: dt.date, chamber: str | None) -> str | None:
    """The party a voter sat for on ``day``: a membership covering it, preferring the vote's chamber and a party stated
    on the seat over a bare party membership, then the latest started."""
    best: tuple[Any, ...] | None = None
    party = None
    for m in memberships:
        if not _current(m, day):
            continue
        start = m["start_date"]
        key = (
            not (chamber is not None and m["organization_id"] == chamber),
            m["on_behalf_of_id"] is None,
            start is None,
            -start.toordinal() if start else 0,
            m["id"],
        )
        if best is None or key < best:
            best, party = key, m["party_id"]
    return party


async def build_votes(conn: Any, ids: Sequence[str]) -> list[Built]:
    summaries = await vote_summaries(conn, ids)
    if not summaries:
        return []
    found = list(summaries)
    ballots: dict[str, list[Any]] = {}
    for row in await conn.fetch(_BALLOTS, found):
        ballots.setdefault(row[0], []).append(row)
    voters = sorted(_voters(ballots))
    by_person: dict[str, list[Any]] = {}
    for row in await conn.fetch(_VOTER_PARTIES, voters):
        by_person.setdefault(row["person_id"], []).append(row)
    parties = await _refs(conn, "organizations", _PARTY, [m["party_id"] for ms in by_person.values() for m in ms])
    people = await _refs(conn, "people", "id, name, image", voters)
    party_on: dict[tuple[str, dt.date, str | None], str | None] = {}  # (person, day, chamber) → party, all votes
    built = []
    for vid, summary in summaries.items():
        row = summary.pop("_row")
        published = dict(summary.pop("_published"))
        day, chamber = row["start_date"], row["organization_id"]
        groups: dict[str | None, list[dict[str, Any]]] = {}
        tallies: dict[str | None, dict[str, int]] = {}
        computed: dict[str, int] = {}
        vote_ballots = ballots.get(vid, [])
        for _vote, voter_name, person_id, option in vote_ballots:
            party_id = None
            if person_id is not None:
                key = (person_id, day, chamber)
                if key not in party_on:
                    party_on[key] = _voter_party(by_person.get(person_id, ()), day, chamber)
                party_id = party_on[key]
            if party_id is not None and party_id not in parties:
                party_id = None
            person = people.get(person_id) if person_id is not None else None
            groups.setdefault(party_id, []).append({"voter_name": voter_name, "person": person, "option": option})
            tally = tallies.setdefault(party_id, {})
            tally[option] = tally.get(option, 0) + 1
            computed[option] = computed.get(option, 0) + 1
        order = sorted(
            groups,
            key=lambda p: (p is None, -len(groups[p]), parties[p]["name"] if p is not None else "", p or ""),
        )
        by_party = [
            {
                "party": parties[p] if p is not None else None,
                "counts": dict(sorted(tallies[p].items(), key=lambda kv: option_key(kv[0]))),
                "ballots": groups[p],
            }
            for p in order
        ]
        differences = [
            {
                "option": o,
                "published": published.get(o, 0),
                "computed": computed.get(o, 0),
                "difference": computed.get(o, 0) - published.get(o, 0),
            }
            for o in sorted(set(published) | set(computed), key=option_key)
            if published.get(o, 0) != computed.get(o, 0)
        ]
        match = None if not published or not vote_ballots else not differences
        detail = {
            **summary,
            "created_at": row["created_at"],
            "computed_counts": _counts(computed.items()),
            "counts_match": match,
            "count_differences": [] if match is None else differences,
            "ballot_total": len(vote_ballots),
            "url": "/v1/votes/" + vid,
            "sources": _objects(_json(row["sources"])),
            "import_run_id": row["import_run_id"],
            "by_party": by_party,
        }
        built.append(
            Built(
                "vote",
                vid,
                _dump(VoteDetail, detail),
                _dump(VoteSummary, summary),
            )
        )
    return built


# --- bills ---------------------------------------------------------------------------------------------------------

_BILLS = """
SELECT id, identifier, title, title_fr, classification, subjects, status, jurisdiction_id, session_id,
       from_organization_id, introduced_date, latest_action_date, latest_action_description, created_at, updated_at,
       abstract, other_titles::text AS other_titles, policy_area, summaries::text AS summaries,
       committees::text AS committees, related_bills::text AS related_bills, sources::text AS sources, import_run_id
FROM bills WHERE id = ANY($1::text[])
"""
_SPONSORS = """
SELECT s.bill_id, s.name, s."primary", s.classification, s.person_id, s.organization_id, s.party, s.state,
       s.district, s.date, s.withdrawn_date, s.original
FROM bill_sponsorships s WHERE s.bill_id = ANY($1::text[]) ORDER BY s.bill_id, s."primary" DESC, s.id
"""
_ACTIONS = """
SELECT a.bill_id, a."order", a.date, a.description, a.classification, a.organization_id, a.code, a.type, a.chamber,
       a.committees
FROM bill_actions a WHERE a.bill_id = ANY($1::text[]) ORDER BY a.bill_id, a."order", a.id
"""
_DOCUMENTS = """
SELECT d.bill_id, d.kind, d.note, d.date, d.url, d.media_type FROM bill_documents d
WHERE d.bill_id = ANY($1::text[]) ORDER BY d.bill_id, d.date ASC NULLS LAST, d.id
"""
_BILL_VOTES = "SELECT id FROM vote_events WHERE bill_id = ANY($1::text[]) ORDER BY bill_id, start_date, id"


async def build_bills(conn: Any, ids: Sequence[str]) -> list[Built]:
    bills = await conn.fetch(_BILLS, list(ids))
    if not bills:
        return []
    found = [b["id"] for b in bills]
    sponsors = await conn.fetch(_SPONSORS, found)
    actions = await conn.fetch(_ACTIONS, found)
    documents = await conn.fetch(_DOCUMENTS, found)
    vote_ids = [row["id"] for row in await conn.fetch(_BILL_VOTES, found)]
    votes = await vote_summaries(conn, vote_ids)
    orgs = await _refs(
        conn,
        "organizations",
        _ORG,
        [b["from_organization_id"] for b in bills]
        + [s["organization_id"] for s in sponsors]
        + [a["organization_id"] for a in actions],
    )
    people = await _refs(conn, "people", "id, name, image", [s["person_id"] for s in sponsors])
    sessions = await _refs(conn, "sessions", _NAMED, [b["session_id"] for b in bills])
    related = {b["id"]: _json(b["related_bills"]) for b in bills}
    mentioned = [e.get("bill_id") for r in related.values() if isinstance(r, list) for e in r if isinstance(e, dict)]
    stored = set(await _refs(conn, "bills", "id", [m for m in mentioned if isinstance(m, str)]))

    per_bill: dict[str, dict[str, list[Any]]] = {
        b: {"sponsors": [], "actions": [], "version": [], "document": [], "votes": []} for b in found
    }
    for s in sponsors:
        per_bill[s["bill_id"]]["sponsors"].append(
            {
                "name": s["name"],
                "primary": s["primary"],
                "classification": s["classification"],
                "person": people.get(s["person_id"]) if s["person_id"] else None,
                "organization": orgs.get(s["organization_id"]) if s["organization_id"] else None,
                "party": s["party"],
                "state": s["state"],
                "district": s["district"],
                "date": s["date"],
                "withdrawn_date": s["withdrawn_date"],
                "original": s["original"],
            }
        )
    for a in actions:
        per_bill[a["bill_id"]]["actions"].append(
            {
                "order": a["order"],
                "date": a["date"],
                "description": a["description"],
                "classification": a["classification"],
                "organization": orgs.get(a["organization_id"]) if a["organization_id"] else None,
                "code": a["code"],
                "type": a["type"],
                "chamber": a["chamber"],
                "committees": a["committees"],
            }
        )
    for d in documents:
        per_bill[d["bill_id"]][d["kind"]].append(
            {"kind": d["kind"], "note": d["note"], "date": d["date"], "url": d["url"], "media_type": d["media_type"]}
        )
    for vid in vote_ids:
        vote = votes[vid]
        vote.pop("_published", None)
        row = vote.pop("_row")
        per_bill[row["bill_id"]]["votes"].append(vote)

    built = []
    for b in bills:
        bid = b["id"]
        summary = {
            "id": bid,
            "identifier": b["identifier"],
            "title": b["title"],
            "title_fr": b["title_fr"],
            "classification": b["classification"],
            "subjects": b["subjects"],
            "status": b["status"],
            "jurisdiction_id": b["jurisdiction_id"],
            "session": sessions.get(b["session_id"]),
            "chamber": orgs.get(b["from_organization_id"]) if b["from_organization_id"] else None,
            "introduced_date": b["introduced_date"],
            "latest_action_date": b["latest_action_date"],
            "latest_action_description": b["latest_action_description"],
            "updated_at": b["updated_at"],
        }
        other_titles = _json(b["other_titles"])
        children = per_bill[bid]
        detail = {
            **summary,
            "created_at": b["created_at"],
            "abstract": b["abstract"],
            "other_titles": other_titles if isinstance(other_titles, list) else [],
            "sponsors": children["sponsors"],
            "actions": children["actions"],
            "policy_area": b["policy_area"],
            "summaries": _json(b["summaries"]),
            "committees": _json(b["committees"]),
            "related_bills": [
                {**e, "stored": e.get("bill_id") in stored} if isinstance(e, dict) else e
                for e in (related[bid] if isinstance(related[bid], list) else [])
            ],
            "versions": children["version"],
            "documents": children["document"],
            "url": "/v1/bills/" + bid,
            "sources": _objects(_json(b["sources"])),
            "import_run_id": b["import_run_id"],
            "votes": children["votes"],
        }
        built.append(
            Built(
                "bill",
                bid,
                _dump(BillDetail, detail),
                _dump(BillSummary, summary),
            )
        )
    return built


async def build(conn: Any, kind: str, ids: Sequence[str], day: dt.date | None = None) -> list[Built]:
    """The documents of the resources of ``kind`` among ``ids`` that exist (the others are left out)."""
    if kind == "person":
        return await build_people(conn, ids, day or await today(conn))
    if kind == "vote":
        return await build_votes(conn, ids)
    if kind == "bill":
        return await build_bills(conn, ids)
    raise ValueError(f"no documents of kind {kind!r}")


# --- a person's voting record (a list whose items carry the person's own option) ----------------------------------

_RECORD = TypeAdapter(list[VotingRecordEntry])


async def voting_record(conn: Any, rows: Sequence[tuple[str, str]]) -> bytes:
    """The JSON array of :class:`VotingRecordEntry` of ``rows`` ``(vote id, option)``, in their order."""
    votes = await conn.fetch(
        "SELECT id, start_date, motion_text, result, organization_id, bill_id FROM vote_events "
        "WHERE id = ANY($1::text[])",
        [vid for vid, _ in rows],
    )
    by_id = {v["id"]: v for v in votes}
    orgs = await _refs(conn, "organizations", _ORG, [v["organization_id"] for v in votes])
    bills = await _refs(conn, "bills", "id, identifier, title", [v["bill_id"] for v in votes])
    entries = []
    for vid, option in rows:
        v = by_id[vid]
        entries.append(
            {
                "vote_id": vid,
                "date": v["start_date"],
                "motion": v["motion_text"],
                "result": v["result"],
                "chamber": orgs.get(v["organization_id"]) if v["organization_id"] else None,
                "bill": bills.get(v["bill_id"]) if v["bill_id"] else None,
                "option": option,
            }
        )
    return _RECORD.dump_json(_RECORD.validate_python(entries))
