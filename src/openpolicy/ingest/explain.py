"""``openpolicy people explain ID``: where a person's data came from.

Reads only: the person, its identifiers with their scope (global, or the dataset that issued them), its
sources, every import run that changed it (from the change log), every record an import joined into it (the
runs' ``details.merges``, with the identifiers that joined them) and its memberships with their dataset,
sources, inferred dates and last run.
"""

from __future__ import annotations

from typing import Any

import orjson


async def explain(conn: Any, person_id: str) -> dict[str, Any] | None:
    """The provenance of ``person_id`` as plain data; None when there is no such person."""
    person = await conn.fetchrow(
        "SELECT id, name, sources::text AS sources, import_run_id FROM people WHERE id = $1", person_id
    )
    if person is None:
        return None
    identifiers = await conn.fetch(
        "SELECT scheme, identifier, scope FROM person_identifiers WHERE person_id = $1 "
        "ORDER BY scope, scheme, identifier",
        person_id,
    )
    changes = await conn.fetch(
        """
        SELECT c.id, c.operation, c.changed_at, r.id AS run_id, r.source, r.location, r.status
        FROM change_log c LEFT JOIN import_runs r ON r.id = c.import_run_id
        WHERE c.entity_type = 'person' AND c.entity_id = $1 ORDER BY c.id
        """,
        person_id,
    )
    merges = await conn.fetch(
        """
        SELECT r.id AS run_id, r.source, r.location, r.status, m.value::text AS merge
        FROM import_runs r, jsonb_array_elements(r.details -> 'merges') AS m
        WHERE m.value ->> 'person_id' = $1 ORDER BY r.id
        """,
        person_id,
    )
    memberships = await conn.fetch(
        """
        SELECT m.id, o.name AS organization, p.name AS party, m.start_date, m.end_date, m.dataset,
               m.sources::text AS sources, m.import_run_id, m.extras::text AS extras
        FROM memberships m JOIN organizations o ON o.id = m.organization_id
        LEFT JOIN organizations p ON p.id = m.on_behalf_of_id
        WHERE m.person_id = $1 ORDER BY m.start_date NULLS FIRST, m.id
        """,
        person_id,
    )

    def inferred(extras: dict[str, Any]) -> list[str]:
        return [f for f in ("start_date", "end_date") if extras.get(f"{f}_inferred")]

    return {
        "id": person["id"],
        "name": person["name"],
        "last_import_run": person["import_run_id"],
        "sources": orjson.loads(person["sources"]),
        "identifiers": [
            {"scheme": r["scheme"], "identifier": r["identifier"], "scope": r["scope"] or "global"} for r in identifiers
        ],
        "changes": [
            {
                "change": r["id"],
                "operation": r["operation"],
                "at": r["changed_at"].isoformat(timespec="seconds"),
                "run": r["run_id"],
                "source": r["source"],
                "location": r["location"],
                "run_status": r["status"],
            }
            for r in changes
        ],
        "joined_records": [
            {"run": r["run_id"], "source": r["source"], "location": r["location"], **orjson.loads(r["merge"])}
            for r in merges
        ],
        "memberships": [
            {
                "id": r["id"],
                "organization": r["organization"],
                "party": r["party"],
                "start_date": r["start_date"].isoformat() if r["start_date"] else None,
                "end_date": r["end_date"].isoformat() if r["end_date"] else None,
                "inferred": inferred(orjson.loads(r["extras"])),
                "dataset": r["dataset"],
                "sources": orjson.loads(r["sources"]),
                "last_import_run": r["import_run_id"],
            }
            for r in memberships
        ],
    }


def render(info: dict[str, Any]) -> str:
    """The explanation as lines for a person at a terminal."""
    lines = [f"{info['name']} ({info['id']}), last changed by import run {info['last_import_run'] or '-'}"]
    lines.append("identifiers:")
    lines.extend(f"  {i['scheme']}={i['identifier']}  [{i['scope']}]" for i in info["identifiers"])
    lines.append("sources:")
    lines.extend(f"  {s.get('note') or ''} {s.get('url') or ''}".rstrip() for s in info["sources"])
    lines.append("changed by:")
    lines.extend(
        f"  {c['at']} run {c['run'] or '-'} ({c['source'] or 'no run'}, {c['run_status'] or '-'}) "
        f"{c['operation']} from {c['location'] or '-'}"
        for c in info["changes"]
    )
    lines.append("records joined into this person:")
    lines.extend(
        f"  run {j['run']} ({j['source']} {j['location']}): {j['record']} by {', '.join(j['via']) or '?'}"
        for j in info["joined_records"]
    )
    if not info["joined_records"]:
        lines.append("  none")
    lines.append("memberships:")
    for m in info["memberships"]:
        dates = f"{m['start_date'] or '?'} – {m['end_date'] or 'open'}"
        flags = f" (inferred: {', '.join(m['inferred'])})" if m["inferred"] else ""
        lines.append(
            f"  {m['organization']}{' for ' + m['party'] if m['party'] else ''}, {dates}{flags}; "
            f"dataset {m['dataset'] or '-'}, run {m['last_import_run'] or '-'}"
        )
    return "\n".join(lines)
