"""The webhook events: one list of types, and how a ``change_log`` row becomes events.

A change row states an entity's new image (``data``, null on delete) and its operation; some events need the
entity's previous image as well (the entity's preceding change row): a membership *ends* when its ``end_date``
becomes set, a bill's *new actions* and a debate's *new speeches* are the ones the previous image did not have.

Event ids (the ``webhook-id`` header) are ``msg_<change id>_<n>``: derived from the change, so fanning the same
change out again yields the same ids, which the unique (subscription, event) key then refuses.

Each event also carries what subscriptions filter on: the people, bills and jurisdictions it concerns and the
text a saved search is matched against. Changes of other entity types (jurisdictions, areas, posts, sessions,
boundaries ...) give no events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final

# Every event type, with what it means. The api validates subscriptions against these names.
EVENT_TYPES: Final[dict[str, str]] = {
    "person.created": "A person appeared.",
    "person.updated": "A person's record changed (name, identifiers, contact ...).",
    "person.deleted": "A person was removed.",
    "membership.started": "A membership (seat, party, committee) was recorded.",
    "membership.ended": "A membership got an end date.",
    "membership.updated": "A membership changed otherwise.",
    "membership.deleted": "A membership was removed.",
    "organization.created": "An organization (chamber, party, committee) appeared.",
    "organization.updated": "An organization changed.",
    "organization.deleted": "An organization was removed.",
    "bill.created": "A bill was introduced (first seen).",
    "bill.updated": "A bill changed otherwise than by new actions (title, status, sponsors ...).",
    "bill.action": "A bill has a new action (one event per action).",
    "bill.deleted": "A bill was removed.",
    "vote.created": "A vote (division, roll call) was recorded.",
    "vote.updated": "A vote changed (ballots, counts, result).",
    "vote.deleted": "A vote was removed.",
    "debate.created": "A debate (sitting's Hansard) was recorded.",
    "debate.updated": "A debate changed.",
    "speech.created": "A debate has a new speech (one event per speech).",
}

# The entity types that give events, and the api path of each (the payload's ``url``).
ENTITY_PATHS: Final[dict[str, str]] = {
    "person": "/v1/people/",
    "membership": "/v1/people/",  # a membership is listed on its person
    "organization": "/v1/organizations/",
    "bill": "/v1/bills/",
    "vote": "/v1/votes/",
    "debate": "/v1/debates/",
}
NEEDS_PREVIOUS: Final = frozenset({"membership", "bill", "debate"})  # updates compared with the previous image
SPEECH_TEXT_LIMIT: Final = 2000  # characters of a speech's text in its event (the rest: the api)

# Members of an image left out of the event's ``object`` (large; the api and the change feed serve them whole).
_HEAVY: Final = frozenset({"ballots", "speeches", "sections", "versions", "documents", "actions", "summaries"})


@dataclass(slots=True)
class Change:
    id: int
    changed_at: dt.datetime
    entity_type: str
    entity_id: str
    operation: str
    data: dict[str, Any] | None
    previous: dict[str, Any] | None = None  # the entity's image before this change (when looked up)


@dataclass(slots=True)
class Event:
    id: str
    type: str
    change_id: int
    committed_at: dt.datetime
    payload: dict[str, Any]
    people: set[str] = field(default_factory=set)
    bills: set[str] = field(default_factory=set)
    jurisdictions: set[str] = field(default_factory=set)
    text: str = ""


def _summary(image: dict[str, Any] | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {k: v for k, v in image.items() if k not in _HEAVY}


def _action_key(action: dict[str, Any]) -> tuple[Any, ...]:
    return (action.get("date"), action.get("description"), action.get("classification"), action.get("chamber"))


def _ops(operation: str, entity: str) -> str:
    return {"insert": f"{entity}.created", "update": f"{entity}.updated", "delete": f"{entity}.deleted"}[operation]


def events_of(change: Change, jurisdictions_of: Callable[[Change], Iterable[str]] = lambda c: ()) -> list[Event]:
    """The events of one change (none for an entity type without events). ``jurisdictions_of`` names the
    jurisdictions of a person, membership or organization, whose images do not say (the notifier asks the
    database); bills, votes and debates state theirs."""
    entity = change.entity_type
    if entity not in ENTITY_PATHS:
        return []
    image = change.data if change.data is not None else (change.previous or {})
    previous = change.previous
    base = {
        "change_id": change.id,
        "entity_type": entity,
        "entity_id": change.entity_id,
        "operation": change.operation,
        "url": ENTITY_PATHS[entity]
        + (image.get("person_id") or change.entity_id if entity == "membership" else change.entity_id),
        "object": _summary(change.data),
    }
    people: set[str] = set()
    bills: set[str] = set()
    jurisdictions: set[str] = set()
    text_parts: list[str] = []
    derived: list[
        tuple[str, dict[str, Any], set[str] | None, str]
    ] = []  # (type, payload, people or None: the change's, text)

    if entity == "person":
        people.add(change.entity_id)
        text_parts += [str(image.get("name") or ""), *(str(n.get("name", "")) for n in image.get("other_names") or [])]
        main = _ops(change.operation, "person")
    elif entity == "membership":
        if image.get("person_id"):
            people.add(image["person_id"])
        text_parts.append(str(image.get("label") or image.get("role") or ""))
        if change.operation == "insert":
            main = "membership.started"
        elif change.operation == "delete":
            main = "membership.deleted"
        elif image.get("end_date") and (previous is None or not previous.get("end_date")):
            main = "membership.ended"
        else:
            main = "membership.updated"
    elif entity == "organization":
        text_parts += [str(image.get("name") or ""), str(image.get("abbreviation") or "")]
        main = _ops(change.operation, "organization")
    elif entity == "bill":
        bills.add(change.entity_id)
        people.update(s["person_id"] for s in image.get("sponsorships") or [] if s.get("person_id"))
        text_parts += [str(image.get(k) or "") for k in ("identifier", "title", "title_fr")]
        main = _ops(change.operation, "bill")
        if change.operation == "update":
            old = {_action_key(a) for a in (previous or {}).get("actions") or []}
            new_actions = [a for a in image.get("actions") or [] if _action_key(a) not in old]
            for action in new_actions:
                derived.append(("bill.action", {"action": action}, None, str(action.get("description") or "")))
            if new_actions and previous is not None and _without(image, "actions") == _without(previous, "actions"):
                main = ""  # only new actions: their events say it all
    elif entity == "vote":
        if image.get("bill_id"):
            bills.add(image["bill_id"])
        ballots = image.get("ballots") or {}
        people.update(p for p in ballots.get("person_id") or [] if p)
        text_parts += [str(image.get(k) or "") for k in ("identifier", "motion_text", "motion_text_fr")]
        main = _ops(change.operation, "vote")
    else:  # debate
        speeches = image.get("speeches") or []
        people.update(s["person_id"] for s in speeches if s.get("person_id"))
        main = _ops(change.operation, "debate")
        if change.operation != "delete":
            old_ids = {s.get("id") for s in (previous or {}).get("speeches") or []}
            for speech in speeches:
                if speech.get("id") in old_ids:
                    continue
                body = "\n\n".join(str(p) for p in speech.get("paragraphs") or [])
                derived.append(
                    (
                        "speech.created",
                        {
                            "speech": {
                                **{k: v for k, v in speech.items() if k != "paragraphs"},
                                "text": body[:SPEECH_TEXT_LIMIT],
                                "truncated": len(body) > SPEECH_TEXT_LIMIT,
                                "url": f"/v1/speeches/{speech.get('id')}",
                            }
                        },
                        {speech["person_id"]} if speech.get("person_id") else set(),
                        f"{speech.get('speaker_name') or ''} {body}",
                    )
                )

    if entity in {"bill", "vote", "debate"}:
        if image.get("jurisdiction_id"):
            jurisdictions.add(image["jurisdiction_id"])
    else:
        jurisdictions.update(jurisdictions_of(change))
    if entity == "organization" and image.get("jurisdiction_id"):
        jurisdictions.add(image["jurisdiction_id"])

    stamp = change.changed_at.isoformat()
    events: list[Event] = []
    all_types: list[tuple[str, dict[str, Any], set[str], str]] = (
        [(main, {}, people, " ".join(text_parts))] if main else []
    ) + [
        (kind, extra, people if who is None else who, f"{' '.join(text_parts)} {more}")
        for kind, extra, who, more in derived
    ]
    for n, (kind, extra, who, text) in enumerate(all_types):
        events.append(
            Event(
                id=f"msg_{change.id}_{n}",
                type=kind,
                change_id=change.id,
                committed_at=change.changed_at,
                payload={"type": kind, "timestamp": stamp, "data": {**base, **extra}},
                people=set(who),
                bills=set(bills),
                jurisdictions=set(jurisdictions),
                text=text.strip(),
            )
        )
    return events


_BOOKKEEPING: Final = frozenset({"updated_at", "created_at", "import_run_id"})


def _without(image: dict[str, Any], member: str) -> dict[str, Any]:
    return {k: v for k, v in image.items() if k != member and k not in _BOOKKEEPING}


@dataclass(frozen=True, slots=True)
class Filters:
    """What a subscription asks for: empty ``event_types`` = every type; None = no filter on that."""

    event_types: frozenset[str]
    person_id: str | None = None
    bill_id: str | None = None
    jurisdiction_id: str | None = None
    query: str | None = None

    def matches(self, event: Event) -> bool:
        """Every filter but the saved search (``query``, matched by the database's full-text search)."""
        if self.event_types and event.type not in self.event_types:
            return False
        if self.person_id is not None and self.person_id not in event.people:
            return False
        if self.bill_id is not None and self.bill_id not in event.bills:
            return False
        return self.jurisdiction_id is None or self.jurisdiction_id in event.jurisdictions
