"""Popolo JSON (EveryPolitician ``ep-popolo-v1.0.json`` and any other Popolo export).

Reads persons, organizations, memberships, areas, events (legislative periods and sessions) and, when
present, posts, motions, vote_events and votes (nested in a vote event or top-level with ``vote_event_id``).

* **Jurisdiction**: EveryPolitician keeps ``meta.json`` beside the file (the legislature's ``name`` and
  ``wikidata``) and one folder up (the country's or region's ``iso_code``, e.g. ``GB-NIR``); the caller
  resolves them (:func:`read_meta`, :mod:`openpolicy.ingest.jurisdictions`). Each file is one dataset of one
  jurisdiction.
* **Dataset** (:func:`dataset_of`): the legislature a file describes — its legislature organization's
  Wikidata id, else the names of its legislature organizations (the file's content, not where it lies).
  The file's own ids (persons, memberships, areas, ``everypolitician_legacy``) are unique only within it:
  every public id derived from them, and every identifier of a non-global scheme, is scoped to the dataset.
* A file states its dataset's memberships in full (``Bundle.snapshots``): a membership of that dataset no
  longer in a later file is ended by the loader. A membership's identity is (person, organization, area or
  post, start, role): a later file giving it an end date updates it.
* Membership dates that Popolo leaves implicit (EveryPolitician omits them when they equal the term's) are
  filled from the legislative period and flagged ``extras.dates_from_period`` (with ``start_date_inferred`` /
  ``end_date_inferred``).
* The same person id twice in one file, or the same membership twice, is an error naming both records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

from openpolicy.db.jurisdictions import ISO_CODE_RE
from openpolicy.db.models import ORGANIZATION_CLASSIFICATIONS, ocd_id
from openpolicy.ingest.records import (
    AreaRec,
    BallotRow,
    Bundle,
    InputError,
    JurisdictionRec,
    MembershipRec,
    OrganizationRec,
    PeriodRec,
    PersonRec,
    PostRec,
    SessionRec,
    VoteEventRec,
    fold,
    normalize_option,
    normalize_result,
    opt_str,
    parse_date,
    party_id,
    require_str,
    sort_name_of,
)
from openpolicy.ingest.sources.common import display, read_json

SOURCE = "popolo"
POPOLO_KEYS = ("persons", "organizations", "memberships", "areas", "events", "posts", "vote_events", "motions")


def discover(folder: Path) -> list[Path]:
    """The Popolo files of a folder: ``*.json`` except ``meta.json`` (searched recursively)."""
    return sorted(p for p in folder.rglob("*.json") if p.name != "meta.json")


@dataclass(frozen=True, slots=True)
class Meta:
    """EveryPolitician's ``meta.json`` files of one Popolo file (any part may be missing)."""

    legislature_name: str | None = None
    legislature_wikidata: str | None = None
    iso_code: str | None = None  # of the country or region governed: ``GB``, ``GB-NIR``
    place_name: str | None = None
    where: str | None = None  # the meta.json that gave iso_code


def read_meta(path: Path) -> Meta:
    """The legislature's ``meta.json`` beside ``path`` and the place's one folder up (an unreadable or malformed
    one is an error naming it; an absent one is simply absent)."""

    def load(meta: Path) -> dict[str, Any]:
        if not meta.is_file():
            return {}
        data = read_json(meta, str(meta))
        if not isinstance(data, dict):
            raise InputError(str(meta), None, None, "expected a JSON object")
        return data

    legislature = load(path.parent / "meta.json")
    place_file = path.parent.parent / "meta.json"
    place = load(place_file)
    code = place.get("iso_code")
    if code is not None and (not isinstance(code, str) or not ISO_CODE_RE.match(code)):
        raise InputError(str(place_file), None, "iso_code", f"not an ISO 3166-1/3166-2 code: {code!r}")
    return Meta(
        legislature_name=opt_str(legislature, "name"),
        legislature_wikidata=opt_str(legislature, "wikidata"),
        iso_code=code,
        place_name=opt_str(place, "name"),
        where=str(place_file) if code else None,
    )


def legislatures_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in doc.get("organizations") or [] if isinstance(o, dict)
            and str(o.get("classification", "")).lower() in {"legislature", "chamber"}]  # fmt: skip


def dataset_of(doc: dict[str, Any], jurisdiction: str) -> str:
    """The dataset a Popolo document describes, from its content only (the same file read from anywhere is the
    same dataset): ``popolo:<jurisdiction>:<Wikidata id of its legislature>``, else
    ``popolo:<jurisdiction>:<legislature names>``, else ``popolo:<jurisdiction>``."""
    legislatures = legislatures_of(doc)
    found = {
        str(i.get("identifier"))
        for o in legislatures
        for i in o.get("identifiers") or []
        if isinstance(i, dict) and i.get("scheme") == "wikidata" and i.get("identifier")
    }
    if len(found) == 1:
        return f"popolo:{jurisdiction}:{found.pop()}"
    names = sorted({fold(str(o.get("name"))) for o in legislatures if o.get("name")})
    return f"popolo:{jurisdiction}:{'+'.join(names)}" if names else f"popolo:{jurisdiction}"


def _list(doc: dict[str, Any], key: str, shown: str) -> list[dict[str, Any]]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise InputError(shown, key, None, f"expected a list, got {type(value).__name__}")
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise InputError(shown, f"{key}[{index}]", None, f"expected an object, got {item!r:.60}")
    return value


def _identifiers(obj: dict[str, Any], shown: str, record: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    raw = obj.get("identifiers") or []
    if not isinstance(raw, list):
        raise InputError(shown, record, "identifiers", "expected a list")
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InputError(shown, record, f"identifiers[{index}]", "expected an object")
        scheme = item.get("scheme")
        ident = item.get("identifier")
        if not isinstance(scheme, str) or not scheme or ident is None or str(ident) == "":
            raise InputError(shown, record, f"identifiers[{index}]", "needs a scheme and an identifier")
        out.append((scheme, str(ident)))
    return out


def _json_list(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = obj.get(key) or []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


class _FileParser:
    def __init__(
        self, bundle: Bundle, jurisdiction: JurisdictionRec, shown: str, dataset: str, source: dict[str, Any]
    ) -> None:
        self.bundle = bundle
        self.jur = jurisdiction
        self.shown = shown
        self.dataset = dataset
        self.source = source
        self.orgs: dict[str, str] = {}
        self.people: dict[str, str] = {}
        self.areas: dict[str, str] = {}
        self.posts: dict[str, str] = {}
        self.periods: dict[str, PeriodRec] = {}
        self.sessions: dict[str, str] = {}
        self.motions: dict[str, dict[str, Any]] = {}
        self.names: dict[str, str] = {}
        self.voters: dict[object, tuple[str, str]] = {}  # ballots' voter_id -> (person id, name), once resolved
        self.options: dict[object, str] = {}  # ballots' option as written -> schema option, once resolved
        self.scheme = "popolo"  # the file's own person ids: local to the dataset (openpolicy.ingest.identity)

    def _ref(self, table: dict[str, str], value: object, record: str, field_name: str, kind: str) -> str | None:
        if value is None or value == "":
            return None
        found = table.get(str(value))
        if found is None:
            raise InputError(self.shown, record, field_name, f"unknown {kind} {value!r} (not in this file)")
        return found

    def parse(self, doc: dict[str, Any]) -> None:
        jur = self.jur.id
        b = self.bundle
        for index, org in enumerate(_list(doc, "organizations", self.shown)):
            record = f"organizations[{index}]"
            local = require_str(org, "id", self.shown, record)
            name = require_str(org, "name", self.shown, f"{record} (id {local!r})")
            classification = (opt_str(org, "classification") or "other").lower()
            if classification not in ORGANIZATION_CLASSIFICATIONS:
                classification = "other"
            # EveryPolitician calls every chamber "legislature": the name tells the Commons from the Senate.
            public = (
                party_id(jur, name)
                if classification == "party"
                else ocd_id("organization", self.dataset, local, fold(name))
            )
            self.orgs[local] = public
        for index, org in enumerate(_list(doc, "organizations", self.shown)):
            record = f"organizations[{index}] (id {org['id']!r})"
            classification = (opt_str(org, "classification") or "other").lower()
            idents = _identifiers(org, self.shown, record)
            b.organizations.append(
                OrganizationRec(
                    id=self.orgs[str(org["id"])],
                    name=str(org["name"]).strip(),
                    classification=classification if classification in ORGANIZATION_CLASSIFICATIONS else "other",
                    jurisdiction_id=jur,
                    parent_id=self._ref(self.orgs, org.get("parent_id"), record, "parent_id", "organization"),
                    founding_date=parse_date(org.get("founding_date"), self.shown, record, "founding_date"),
                    dissolution_date=parse_date(org.get("dissolution_date"), self.shown, record, "dissolution_date"),
                    image=opt_str(org, "image"),
                    other_names=_json_list(org, "other_names"),
                    identifiers=[{"scheme": s, "identifier": i} for s, i in idents],
                    links=_json_list(org, "links"),
                    sources=_json_list(org, "sources"),
                    extras={k: org[k] for k in ("seats",) if k in org},
                )
            )
        for index, area in enumerate(_list(doc, "areas", self.shown)):
            record = f"areas[{index}]"
            local = require_str(area, "id", self.shown, record)
            name = require_str(area, "name", self.shown, f"{record} (id {local!r})")
            public = ocd_id("division", self.dataset, local)
            self.areas[local] = public
            b.areas.append(
                AreaRec(
                    id=public,
                    name=name,
                    jurisdiction_id=jur,
                    classification=opt_str(area, "type") or opt_str(area, "classification") or "district",
                    identifier=local[:100],
                )
            )
        for index, event in enumerate(_list(doc, "events", self.shown)):
            record = f"events[{index}]"
            local = require_str(event, "id", self.shown, record)
            record = f"{record} (id {local!r})"
            classification = (opt_str(event, "classification") or "").lower()
            ident = local.rsplit("/", 1)[-1]
            start = parse_date(event.get("start_date"), self.shown, record, "start_date")
            end = parse_date(event.get("end_date"), self.shown, record, "end_date")
            name = opt_str(event, "name") or local
            event_org = self._ref(self.orgs, event.get("organization_id"), record, "organization_id", "organization")
            extras = {"wikidata": event["wikidata"]} if "wikidata" in event else {}
            if classification == "legislative period":
                period = PeriodRec(
                    id=ocd_id("legislative-period", jur, ident),
                    jurisdiction_id=jur,
                    identifier=ident[:40],
                    name=name,
                    organization_id=event_org,
                    start_date=start,
                    end_date=end,
                    extras=extras,
                )
                self.periods[local] = period
                b.periods.append(period)
            elif classification in {"legislative session", "session"}:
                session_id = ocd_id("session", jur, ident)
                self.sessions[local] = session_id
                b.sessions.append(
                    SessionRec(
                        id=session_id,
                        jurisdiction_id=jur,
                        identifier=ident[:40],
                        name=name,
                        start_date=start,
                        end_date=end,
                        extras=extras,
                    )
                )
        first_seen: dict[str, str] = {}
        for index, person in enumerate(_list(doc, "persons", self.shown)):
            record = f"persons[{index}]"
            local = require_str(person, "id", self.shown, record)
            if local in first_seen:
                raise InputError(self.shown, record, "id", f"duplicate person id {local!r}, also {first_seen[local]}")
            first_seen[local] = record
            record = f"{record} (id {local!r})"
            name = require_str(person, "name", self.shown, record)
            candidate = ocd_id("person", "popolo", self.dataset, local)
            self.people[local] = candidate
            self.names[candidate] = name
            given = opt_str(person, "given_name")
            family = opt_str(person, "family_name")
            birth = opt_str(person, "birth_date")
            death = opt_str(person, "death_date")
            for key, value in (("birth_date", birth), ("death_date", death)):
                if value is not None and not _partial_date(value):
                    raise InputError(self.shown, record, key, f"not a (partial) ISO date: {value!r}")
            b.people.append(
                PersonRec(
                    id=candidate,
                    name=name,
                    sort_name=opt_str(person, "sort_name") or sort_name_of(name, given, family),
                    identifiers=[(self.scheme, local), *_identifiers(person, self.shown, record)],
                    given_name=given,
                    family_name=family,
                    other_names=_json_list(person, "other_names"),
                    contact_details=_json_list(person, "contact_details"),
                    links=_json_list(person, "links"),
                    sources=[*_json_list(person, "sources"), self.source],
                    image=opt_str(person, "image"),
                    gender=opt_str(person, "gender"),
                    birth_date=birth,
                    death_date=death,
                    email=opt_str(person, "email"),
                    dataset=self.dataset,
                    record=f"{self.shown} {record}",
                )
            )
        for index, post in enumerate(_list(doc, "posts", self.shown)):
            record = f"posts[{index}]"
            local = require_str(post, "id", self.shown, record)
            record = f"{record} (id {local!r})"
            post_org = self._ref(self.orgs, post.get("organization_id"), record, "organization_id", "organization")
            if post_org is None:
                raise InputError(self.shown, record, "organization_id", "missing")
            public = ocd_id("post", self.dataset, local)
            self.posts[local] = public
            b.posts.append(
                PostRec(
                    id=public,
                    organization_id=post_org,
                    label=opt_str(post, "label") or local,
                    area_id=self._ref(self.areas, post.get("area_id"), record, "area_id", "area"),
                    role=opt_str(post, "role"),
                    start_date=parse_date(post.get("start_date"), self.shown, record, "start_date"),
                    end_date=parse_date(post.get("end_date"), self.shown, record, "end_date"),
                )
            )
        self._memberships(doc)
        self._votes(doc)

    def _memberships(self, doc: dict[str, Any]) -> None:
        seen: dict[str, str] = {}
        self.bundle.snapshots.add(self.dataset)
        for index, m in enumerate(_list(doc, "memberships", self.shown)):
            record = f"memberships[{index}]"
            person = self._ref(self.people, m.get("person_id"), record, "person_id", "person")
            if person is None:
                raise InputError(self.shown, record, "person_id", "missing")
            org = self._ref(self.orgs, m.get("organization_id"), record, "organization_id", "organization")
            if org is None:
                raise InputError(self.shown, record, "organization_id", "missing")
            period_local = m.get("legislative_period_id")
            period = self.periods.get(str(period_local)) if period_local else None
            if period_local and period is None:
                raise InputError(self.shown, record, "legislative_period_id", f"unknown period {period_local!r}")
            start = parse_date(m.get("start_date"), self.shown, record, "start_date")
            end = parse_date(m.get("end_date"), self.shown, record, "end_date")
            extras: dict[str, Any] = {}
            if period is not None and (start is None or end is None):
                if start is None and period.start_date is not None:
                    start = period.start_date
                    extras["dates_from_period"] = extras["start_date_inferred"] = True
                if end is None and period.end_date is not None:
                    end = period.end_date
                    extras["dates_from_period"] = extras["end_date_inferred"] = True
            if start and end and end < start:
                raise InputError(self.shown, record, "end_date", f"{end} is before start_date {start}")
            on_behalf = self._ref(self.orgs, m.get("on_behalf_of_id"), record, "on_behalf_of_id", "organization")
            area = self._ref(self.areas, m.get("area_id"), record, "area_id", "area")
            post = self._ref(self.posts, m.get("post_id"), record, "post_id", "post")
            role = opt_str(m, "role")
            # Identity: who, where, from when, as what — not the end date (a later file ends it) nor the party.
            key = (m.get("person_id"), m.get("organization_id"), m.get("area_id"), m.get("post_id"), start, role)
            membership_id = ocd_id("membership", self.dataset, *(str(part) for part in key))
            if membership_id in seen:
                raise InputError(
                    self.shown, record, None, f"the same membership as {seen[membership_id]} (person, organization, "
                    f"area/post, start {start}, role {role})",
                )  # fmt: skip
            seen[membership_id] = record
            self.bundle.memberships.append(
                MembershipRec(
                    id=membership_id,
                    person_id=person,
                    organization_id=org,
                    on_behalf_of_id=on_behalf,
                    area_id=area,
                    post_id=post,
                    legislative_period_id=period.id if period else None,
                    role=role,
                    label=opt_str(m, "label"),
                    start_date=start,
                    end_date=end,
                    extras=extras,
                    sources=[self.source],
                    dataset=self.dataset,
                )
            )

    def _votes(self, doc: dict[str, Any]) -> None:
        jur = self.jur.id
        for item in _list(doc, "motions", self.shown):
            if "id" in item:
                self.motions[str(item["id"])] = item
        top_votes: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for index, vote in enumerate(_list(doc, "votes", self.shown)):
            event_id = vote.get("vote_event_id")
            if event_id is None:
                raise InputError(self.shown, f"votes[{index}]", "vote_event_id", "missing")
            top_votes.setdefault(str(event_id), []).append((index, vote))
        seen: set[str] = set()
        for index, event in enumerate(_list(doc, "vote_events", self.shown)):
            record = f"vote_events[{index}]"
            local = require_str(event, "id", self.shown, record)
            record = f"{record} (id {local!r})"
            seen.add(local)
            found = self.motions.get(str(event.get("motion_id"))) if event.get("motion_id") else None
            if event.get("motion_id") and found is None:
                raise InputError(self.shown, record, "motion_id", f"unknown motion {event['motion_id']!r}")
            motion: dict[str, Any] = found or {}
            text = opt_str(event, "motion_text") or opt_str(motion, "text") or opt_str(event, "name") or local
            start_raw = event.get("start_date") or motion.get("date")
            start = parse_date(start_raw, self.shown, record, "start_date")
            if start is None:
                raise InputError(self.shown, record, "start_date", "missing")
            result_text = opt_str(event, "result") or opt_str(motion, "result") or ""
            org = self._ref(
                self.orgs,
                event.get("organization_id") or motion.get("organization_id"),
                record,
                "organization_id",
                "organization",
            )
            session_local = event.get("legislative_session_id") or motion.get("legislative_session_id")
            session = self.sessions.get(str(session_local)) if session_local else None
            vote_id = ocd_id("vote", self.dataset, local)
            counts: dict[str, int] = {}
            for c_index, count in enumerate(_json_list(event, "counts")):
                option = normalize_option(str(count.get("option", "")))
                value = count.get("value")
                if option is None or not isinstance(value, int) or value < 0:
                    raise InputError(self.shown, record, f"counts[{c_index}]", f"bad option/value {count!r}")
                counts[option] = counts.get(option, 0) + value
            self.bundle.vote_events.append(
                VoteEventRec(
                    id=vote_id,
                    jurisdiction_id=jur,
                    motion_text=text,
                    start_date=start,
                    result=normalize_result(result_text) if result_text else "other",
                    session_id=session,
                    organization_id=org,
                    identifier=local[:100],
                    motion_classification=[c for c in [opt_str(motion, "classification")] if c],
                    extras={"result_text": result_text} if result_text else {},
                    counts=counts,
                )
            )
            nested, top = _json_list(event, "votes"), top_votes.get(local, [])
            # Built by Bundle.build_ballots (parse), or by the loader as it COPYs them (defer_ballots).
            self.bundle.pending_ballots.append(
                (vote_id, len(nested) + len(top), partial(self._ballots, vote_id, record, nested, top))
            )
        for event_id, votes in top_votes.items():
            if event_id not in seen:
                index = votes[0][0]
                raise InputError(self.shown, f"votes[{index}]", "vote_event_id", f"unknown vote event {event_id!r}")

    def _ballots(
        self, vote_id: str, record: str, nested: list[dict[str, Any]], top: list[tuple[int, dict[str, Any]]]
    ) -> list[BallotRow]:
        """Ballots of one vote event: its nested ``votes``, then the document's top-level ``votes`` naming it
        (``(index in votes, vote)``). One plain tuple per ballot (a million of them in a large import): the
        loop looks voters and options up in caches of the ones already resolved (string keys only), anything
        else takes :meth:`_resolve_ballot`, which applies the rules and raises on bad input."""
        rows: list[BallotRow] = []
        append = rows.append
        voters, options = self.voters, self.options
        ordinal = 0
        for where, items in ((f"{record} votes", enumerate(nested)), ("votes", top)):
            for index, vote in items:
                voter = vote.get("voter_id")
                raw = vote.get("option", "")
                try:
                    person, name = voters[voter]
                    option = options[raw]
                except (KeyError, TypeError):  # not seen yet, not a string, unhashable
                    person, name, option = self._resolve_ballot(f"{where}[{index}]", voter, raw)
                append((vote_id, ordinal, person, name, option))
                ordinal += 1
        return rows

    def _resolve_ballot(self, record: str, voter: Any, raw: Any) -> tuple[str, str, str]:
        person = self.people.get(voter if type(voter) is str else str(voter)) if voter else None
        raw_option = raw if type(raw) is str else str(raw)
        option = normalize_option(raw_option)
        if person is None or option is None:
            self._bad_ballot(record, voter, person, raw_option)
        if type(voter) is str:
            self.voters[voter] = (person, self.names[person])
        if type(raw) is str:
            self.options[raw] = option
        return person, self.names[person], option

    def _bad_ballot(self, record: str, voter: Any, person: str | None, raw_option: str) -> NoReturn:
        if voter is None or voter == "":
            raise InputError(self.shown, record, "voter_id", "missing")
        if person is None:
            raise InputError(self.shown, record, "voter_id", f"unknown person {voter!r} (not in persons)")
        raise InputError(self.shown, record, "option", f"unknown option {raw_option!r}")


def _partial_date(value: str) -> bool:
    return re.fullmatch(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?", value) is not None


def source_ref(shown: str, legislature: str | None) -> dict[str, Any]:
    """The ``sources`` entry of a record read from the file shown as ``shown``: its URL when it was downloaded
    (a local path is not published: only the file's name is kept)."""
    label = f"Popolo file {shown.rsplit('/', 1)[-1]}" + (f" ({legislature})" if legislature else "")
    return {"url": shown, "note": label} if shown.startswith(("http://", "https://")) else {"note": label}


def parse(
    files: list[Path],
    jurisdiction: JurisdictionRec | Mapping[Path, JurisdictionRec],
    names: dict[Path, str] | None = None,
    *,
    defer_ballots: bool = False,
) -> Bundle:
    """Parse Popolo files into one bundle; ``jurisdiction``: of every file, or per file.

    ``defer_ballots``: leave the ballot rows (one tuple per ballot: half the parse of a 1,000,000-ballot file)
    in ``Bundle.pending_ballots``, for the loader to build while it COPYs them; a bad ballot raises the same
    error (file, record, field) then."""
    bundle = Bundle(source=SOURCE)
    for path in files:
        shown = display(path, names)
        jur = jurisdiction if isinstance(jurisdiction, JurisdictionRec) else jurisdiction[path]
        if jur.id not in {j.id for j in bundle.jurisdictions}:
            bundle.jurisdictions.append(jur)
        doc = read_json(path, shown)
        if not isinstance(doc, dict) or not any(key in doc for key in POPOLO_KEYS):
            raise InputError(shown, None, None, f"not a Popolo document (expected an object with {POPOLO_KEYS})")
        dataset = dataset_of(doc, jur.id)
        names_of = sorted({str(o["name"]) for o in legislatures_of(doc) if o.get("name")})
        _FileParser(bundle, jur, shown, dataset, source_ref(shown, ", ".join(names_of) or None)).parse(doc)
        bundle.files.append(shown)
    _dedupe(bundle)
    if not defer_ballots:
        bundle.build_ballots()
    return bundle


def _dedupe(bundle: Bundle) -> None:
    """The same party or period in two files is one record (last wins)."""
    for attr in ("organizations", "areas", "periods", "sessions", "people", "memberships"):
        items = getattr(bundle, attr)
        unique = {item.id: item for item in items}
        if len(unique) != len(items):
            setattr(bundle, attr, list(unique.values()))
