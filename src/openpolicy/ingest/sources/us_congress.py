"""US Congress: unitedstates/congress-legislators YAML and unitedstates/congress roll-call vote JSON.

Files are recognised by content: a YAML list of legislators (``id`` + ``terms``), of committees
(``thomas_id`` + ``type``), of social-media entries (``social``), a YAML mapping of committee memberships, and
roll-call ``data.json`` files (``vote_id``). Sessions are Congresses (``119``), as in Open States.

Legislators and committee-membership files are full snapshots (``Bundle.snapshots``, one dataset per file
name): a term or committee seat they no longer list is ended by the loader. A term with
``party_affiliations`` (a member who changed party) is one membership per affiliation, each with its party
and dates, so that a vote is grouped under the party of its day.

Quirks handled: ``Aye``/``No`` options (= yes/no), candidate names as options in a Speaker election (ballot
option ``other``, the candidate per voter kept in the vote's ``extras.candidates``), the bare ``"VP"`` entry
(a ballot without a person, voter ``Vice President``), and voters not in the legislators file (a person is
created from the ballot's name, party and state, keyed by the bioguide/LIS id it carries).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from openpolicy.db.models import ocd_id
from openpolicy.ingest.jurisdictions import national
from openpolicy.ingest.records import (
    AreaRec,
    BillRec,
    Bundle,
    InputError,
    JurisdictionRec,
    MembershipRec,
    OrganizationRec,
    PeriodRec,
    PersonRec,
    SessionRec,
    VoteEventRec,
    chamber_id,
    normalize_option,
    normalize_result,
    opt_str,
    parse_date,
    party_id,
    sort_name_of,
)
from openpolicy.ingest.sources.common import ordinal, parse_sorted, read_json

SOURCE = "us-congress"
JURISDICTION: JurisdictionRec = national("us", url="https://www.congress.gov/")
LEGISLATURE_ID = ocd_id("organization", JURISDICTION.id, "legislature")
UPPER = chamber_id(JURISDICTION.id, "upper")
LOWER = chamber_id(JURISDICTION.id, "lower")

STATES = {
    "AL": "Alabama", "AK": "Alaska", "AS": "American Samoa", "AZ": "Arizona", "AR": "Arkansas",
    "CA": "California", "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "GU": "Guam", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine",
    "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi",
    "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire",
    "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "MP": "Northern Mariana Islands", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "PR": "Puerto Rico", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VI": "U.S. Virgin Islands", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip
BILL_TYPES = {
    "hr": "H.R.", "s": "S.", "hres": "H.Res.", "sres": "S.Res.", "hjres": "H.J.Res.", "sjres": "S.J.Res.",
    "hconres": "H.Con.Res.", "sconres": "S.Con.Res.",
}  # fmt: skip
PARTY_LETTERS = {"D": "Democrat", "R": "Republican", "I": "Independent", "ID": "Independent"}
ID_SCHEMES_SKIPPED = {"wikipedia", "ballotpedia"}  # titles, not identifiers (kept as links)


def discover(folder: Path) -> list[Path]:
    yamls = sorted(p for p in folder.rglob("*.yaml") if p.is_file()) + sorted(folder.rglob("*.yml"))
    votes = sorted(p for p in folder.rglob("*.json") if p.is_file())
    return yamls + votes


class _Parser:
    def __init__(self) -> None:
        self.bundle = Bundle(source=SOURCE, jurisdictions=[JURISDICTION])
        self.orgs: dict[str, OrganizationRec] = {}
        self.people: dict[str, PersonRec] = {}
        self.bioguide: dict[str, str] = {}  # bioguide -> candidate person id
        self.lis: dict[str, str] = {}  # lis -> candidate person id
        self.areas: dict[str, AreaRec] = {}
        self.periods: dict[int, PeriodRec] = {}
        self.sessions: dict[int, SessionRec] = {}
        self.bills: dict[str, BillRec] = {}
        self.committees: dict[str, str] = {}
        self.legislators_files: list[tuple[str, list[Any]]] = []
        self.committee_files: list[tuple[str, list[Any]]] = []
        self.membership_files: list[tuple[str, dict[str, Any]]] = []
        self.social_files: list[tuple[str, list[Any]]] = []
        self.vote_files: list[tuple[str, dict[str, Any]]] = []
        self._org(LEGISLATURE_ID, "United States Congress", "legislature")
        self._org(UPPER, "United States Senate", "chamber", parent=LEGISLATURE_ID, chamber="upper")
        self._org(LOWER, "United States House of Representatives", "chamber", parent=LEGISLATURE_ID, chamber="lower")

    # --- helpers ---------------------------------------------------------------------------------
    def _org(
        self,
        org_id: str,
        name: str,
        classification: str,
        *,
        parent: str | None = None,
        chamber: str | None = None,
        identifiers: list[dict[str, Any]] | None = None,
        links: list[dict[str, Any]] | None = None,
        extras: dict[str, Any] | None = None,
    ) -> str:
        if org_id not in self.orgs:
            self.orgs[org_id] = OrganizationRec(
                id=org_id,
                name=name,
                classification=classification,
                jurisdiction_id=JURISDICTION.id,
                parent_id=parent,
                chamber=chamber,
                identifiers=identifiers or [],
                links=links or [],
                extras=extras or {},
            )
        return org_id

    def _party(self, name: str) -> str:
        return self._org(party_id(JURISDICTION.id, name), name, "party")

    def _area(self, state: str, district: int | None) -> str:
        state_code = state.upper()
        base = f"ocd-division/country:us/state:{state_code.lower()}"
        state_name = STATES.get(state_code, state_code)
        if district is None:
            area_id, name, ident, classification = base, state_name, state_code, "state"
        else:
            label = "at-large" if district == 0 else str(district)
            area_id = f"{base}/cd:{'at-large' if district == 0 else district}"
            name, ident, classification = f"{state_name} {label}", f"{state_code}-{label}", "cd"
        if area_id not in self.areas:
            self.areas[area_id] = AreaRec(
                id=area_id,
                name=name,
                jurisdiction_id=JURISDICTION.id,
                classification=classification,
                identifier=ident,
                parent_id=None if district is None else base,
            )
            if district is not None:
                self._area(state_code, None)
        return area_id

    def _session(self, congress: int) -> str:
        if congress not in self.sessions:
            first_year = 1789 + 2 * (congress - 1)
            period = PeriodRec(
                id=ocd_id("legislative-period", JURISDICTION.id, str(congress)),
                jurisdiction_id=JURISDICTION.id,
                identifier=str(congress),
                name=f"{ordinal(congress)} Congress",
                organization_id=LEGISLATURE_ID,
                start_date=dt.date(first_year, 1, 3),
                end_date=dt.date(first_year + 2, 1, 3),
            )
            self.periods[congress] = period
            self.sessions[congress] = SessionRec(
                id=ocd_id("session", JURISDICTION.id, str(congress)),
                jurisdiction_id=JURISDICTION.id,
                identifier=str(congress),
                name=f"{ordinal(congress)} Congress",
                legislative_period_id=period.id,
                start_date=period.start_date,
                end_date=period.end_date,
            )
        return self.sessions[congress].id

    # --- files -----------------------------------------------------------------------------------
    def classify(self, path: Path, shown: str) -> None:
        if path.suffix.lower() == ".json":
            doc = read_json(path, shown)
            if not isinstance(doc, dict) or "vote_id" not in doc:
                raise InputError(shown, None, "vote_id", "not a unitedstates/congress roll-call vote (no vote_id)")
            self.vote_files.append((shown, doc))
            return
        try:
            doc = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        except OSError as exc:
            raise InputError(shown, None, None, f"cannot read: {exc}") from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"at line {mark.line + 1} column {mark.column + 1}" if mark else None
            raise InputError(shown, where, None, f"malformed YAML: {getattr(exc, 'problem', exc)}") from None
        if isinstance(doc, dict):
            self.membership_files.append((shown, doc))
        elif isinstance(doc, list) and doc and isinstance(doc[0], dict):
            first = doc[0]
            if "terms" in first:
                self.legislators_files.append((shown, doc))
            elif "social" in first:
                self.social_files.append((shown, doc))
            elif "thomas_id" in first:
                self.committee_files.append((shown, doc))
            else:
                raise InputError(shown, "[0]", None, "unrecognised YAML list (not legislators, committees or social)")
        else:
            raise InputError(shown, None, None, "unrecognised YAML document")

    def legislators(self, shown: str, doc: list[Any]) -> None:
        dataset = f"{SOURCE}:{shown.rsplit('/', 1)[-1]}"
        self.bundle.snapshots.add(dataset)
        seen: dict[str, str] = {}
        for index, leg in enumerate(doc):
            record = f"[{index}]"
            if not isinstance(leg, dict) or not isinstance(leg.get("id"), dict):
                raise InputError(shown, record, "id", "missing")
            ids = leg["id"]
            bioguide = ids.get("bioguide")
            if not isinstance(bioguide, str) or not bioguide:
                raise InputError(shown, record, "id.bioguide", "missing")
            if bioguide in seen:
                raise InputError(
                    shown, f"[{index}]", "id.bioguide", f"duplicate legislator {bioguide}, also {seen[bioguide]}"
                )
            seen[bioguide] = f"[{index}]"
            record = f"[{index}] (bioguide {bioguide})"
            name = leg.get("name") or {}
            if not isinstance(name, dict) or not (name.get("official_full") or name.get("last")):
                raise InputError(shown, record, "name", "needs official_full or last")
            first, last = opt_str(name, "first"), opt_str(name, "last")
            full = opt_str(name, "official_full") or " ".join(p for p in (first, last) if p)
            identifiers: list[tuple[str, str]] = [("bioguide", bioguide)]
            links: list[dict[str, Any]] = []
            for scheme, value in ids.items():
                if scheme == "bioguide":
                    continue
                if scheme in ID_SCHEMES_SKIPPED:
                    if scheme == "wikipedia":
                        links.append(
                            {
                                "url": f"https://en.wikipedia.org/wiki/{str(value).replace(' ', '_')}",
                                "note": "Wikipedia",
                            }
                        )
                    continue
                for item in value if isinstance(value, list) else [value]:
                    identifiers.append((scheme, str(item)))
            bio = leg.get("bio") or {}
            gender = {"M": "male", "F": "female"}.get(str(bio.get("gender", "")), opt_str(bio, "gender"))
            candidate = ocd_id("person", "bioguide", bioguide)
            extras: dict[str, Any] = {}
            for key in ("leadership_roles", "family"):
                if leg.get(key):
                    extras[key] = leg[key]
            for key in ("middle", "suffix", "nickname"):
                if name.get(key):
                    extras[f"name_{key}"] = name[key]
            self.people[candidate] = PersonRec(
                id=candidate,
                name=full,
                sort_name=sort_name_of(full, first, last),
                identifiers=identifiers,
                given_name=first,
                family_name=last,
                links=links,
                gender=gender,
                birth_date=opt_str(bio, "birthday"),
                extras=extras,
                sources=[_source(shown)],
                dataset=dataset,
                record=f"{shown} {record}",
            )
            self.bioguide[bioguide] = candidate
            if ids.get("lis"):
                self.lis[str(ids["lis"])] = candidate
            terms = leg.get("terms")
            if not isinstance(terms, list) or not terms:
                raise InputError(shown, record, "terms", "missing")
            for t_index, term in enumerate(terms):
                self._term(shown, f"{record} terms[{t_index}]", bioguide, candidate, term, dataset)

    def _term(self, shown: str, record: str, bioguide: str, person: str, term: Any, dataset: str) -> None:
        if not isinstance(term, dict):
            raise InputError(shown, record, None, "expected a mapping")
        kind = term.get("type")
        if kind not in {"rep", "sen"}:
            raise InputError(shown, record, "type", f"expected rep or sen, got {kind!r}")
        state = term.get("state")
        if not isinstance(state, str) or len(state) != 2:
            raise InputError(shown, record, "state", f"expected a two-letter state, got {state!r}")
        start = parse_date(term.get("start"), shown, record, "start")
        end = parse_date(term.get("end"), shown, record, "end")
        if start is None:
            raise InputError(shown, record, "start", "missing")
        district: int | None = None
        if kind == "rep":
            raw = term.get("district")
            if not isinstance(raw, int):
                raise InputError(shown, record, "district", f"expected a number, got {raw!r}")
            district = raw
        party = opt_str(term, "party")
        area = self._area(state, district)
        area_label = self.areas[area].identifier
        extras: dict[str, Any] = {
            k: term[k]
            for k in (
                "class",
                "state_rank",
                "caucus",
                "party_affiliations",
                "how",
                "end-type",
                "url",
                "office",
                "phone",
                "address",
                "contact_form",
            )
            if k in term
        }
        label = f"{'Representative' if kind == 'rep' else 'Senator'} for {area_label}"
        for part_start, part_end, part_party in _affiliations(shown, record, term, start, end, party):
            self.bundle.memberships.append(
                MembershipRec(
                    # The first part keeps the term's identity (bioguide, type, start).
                    id=ocd_id("membership", JURISDICTION.id, "us-term", bioguide, kind, part_start),
                    person_id=person,
                    organization_id=LOWER if kind == "rep" else UPPER,
                    on_behalf_of_id=self._party(part_party) if part_party else None,
                    area_id=area,
                    role="member",
                    label=label,
                    start_date=part_start,
                    end_date=part_end,
                    extras={**extras, "term_start": start.isoformat()} if part_start != start else extras,
                    sources=[_source(shown)],
                    dataset=dataset,
                )
            )

    def social(self, shown: str, doc: list[Any]) -> None:
        for index, entry in enumerate(doc):
            ids = entry.get("id") if isinstance(entry, dict) else None
            bioguide = ids.get("bioguide") if isinstance(ids, dict) else None
            person = self.people.get(self.bioguide.get(str(bioguide), ""))
            if person is None:
                raise InputError(shown, f"[{index}]", "id.bioguide", f"unknown legislator {bioguide!r}")
            for kind, value in sorted((entry.get("social") or {}).items()):
                if not kind.endswith("_id"):
                    person.contact_details.append({"type": kind, "value": str(value)})

    def committee_list(self, shown: str, doc: list[Any]) -> None:
        for index, com in enumerate(doc):
            record = f"[{index}]"
            if not isinstance(com, dict):
                raise InputError(shown, record, None, "expected a mapping")
            thomas = com.get("thomas_id")
            name = com.get("name")
            if not isinstance(thomas, str) or not thomas:
                raise InputError(shown, record, "thomas_id", "missing")
            if not isinstance(name, str) or not name:
                raise InputError(shown, f"{record} ({thomas})", "name", "missing")
            parent = {"house": LOWER, "senate": UPPER}.get(str(com.get("type")), LEGISLATURE_ID)
            chamber = {"house": "lower", "senate": "upper"}.get(str(com.get("type")))
            extras: dict[str, Any] = {
                k: com[k]
                for k in (
                    "type",
                    "jurisdiction",
                    "address",
                    "phone",
                    "house_committee_id",
                    "senate_committee_id",
                    "minority_url",
                    "rss_url",
                    "youtube_id",
                )
                if k in com
            }
            links = [{"url": com["url"], "note": "website"}] if com.get("url") else []
            org_id = self._org(
                ocd_id("organization", JURISDICTION.id, "committee", thomas),
                name,
                "committee",
                parent=parent,
                chamber=chamber,
                identifiers=[{"scheme": "thomas_id", "identifier": thomas}],
                links=links,
                extras=extras,
            )
            self.committees[thomas] = org_id
            for s_index, sub in enumerate(com.get("subcommittees") or []):
                sub_record = f"{record} ({thomas}) subcommittees[{s_index}]"
                sub_id = sub.get("thomas_id") if isinstance(sub, dict) else None
                if not isinstance(sub_id, str) or not sub.get("name"):
                    raise InputError(shown, sub_record, "thomas_id", "subcommittee needs thomas_id and name")
                key = thomas + sub_id
                self.committees[key] = self._org(
                    ocd_id("organization", JURISDICTION.id, "committee", key),
                    str(sub["name"]),
                    "subcommittee",
                    parent=org_id,
                    chamber=chamber,
                    identifiers=[{"scheme": "thomas_id", "identifier": key}],
                    extras={k: sub[k] for k in ("address", "phone") if k in sub},
                )

    def committee_memberships(self, shown: str, doc: dict[str, Any]) -> None:
        dataset = f"{SOURCE}:{shown.rsplit('/', 1)[-1]}"
        self.bundle.snapshots.add(dataset)
        for key, rows in doc.items():
            org = self.committees.get(str(key))
            if org is None:
                raise InputError(shown, str(key), None, f"unknown committee {key!r} (not in the committees file)")
            if not isinstance(rows, list):
                raise InputError(shown, str(key), None, "expected a list of members")
            for index, row in enumerate(rows):
                record = f"{key}[{index}]"
                bioguide = row.get("bioguide") if isinstance(row, dict) else None
                person = self.bioguide.get(str(bioguide))
                if person is None:
                    raise InputError(shown, record, "bioguide", f"unknown legislator {bioguide!r}")
                title = opt_str(row, "title")
                self.bundle.memberships.append(
                    MembershipRec(
                        id=ocd_id("membership", JURISDICTION.id, "us-committee", key, bioguide, title),
                        person_id=person,
                        organization_id=org,
                        role=(title or "member").lower(),
                        label=title,
                        extras={k: row[k] for k in ("party", "rank", "chamber") if k in row},
                        sources=[_source(shown)],
                        dataset=dataset,
                    )
                )

    def vote(self, shown: str, doc: dict[str, Any]) -> None:
        vote_key = str(doc["vote_id"])
        record = f"vote {vote_key}"
        chamber = doc.get("chamber")
        if chamber not in {"h", "s"}:
            raise InputError(shown, record, "chamber", f"expected h or s, got {chamber!r}")
        congress = doc.get("congress")
        if not isinstance(congress, int):
            raise InputError(shown, record, "congress", f"expected a number, got {congress!r}")
        when_raw = doc.get("date")
        if not isinstance(when_raw, str):
            raise InputError(shown, record, "date", "missing")
        try:
            when = dt.datetime.fromisoformat(when_raw)
        except ValueError:
            raise InputError(shown, record, "date", f"not an ISO date-time: {when_raw!r}") from None
        session = self._session(congress)
        question = opt_str(doc, "question") or opt_str(doc, "subject")
        if not question:
            raise InputError(shown, record, "question", "missing")
        result_text = opt_str(doc, "result") or ""
        bill_id = None
        bill = doc.get("bill")
        if isinstance(bill, dict):
            bill_id = self._bill(shown, record, bill, doc)
        vote_id = ocd_id("vote", JURISDICTION.id, vote_key)
        votes = doc.get("votes")
        if not isinstance(votes, dict):
            raise InputError(shown, record, "votes", "missing")
        counts: dict[str, int] = {}
        candidates: dict[str, list[str]] = {}
        ordinal = 0
        ballots = self.bundle.ballots
        for label, voters in votes.items():
            option = normalize_option(label)
            if option is None:
                option = "other"
            if not isinstance(voters, list):
                raise InputError(shown, record, f"votes.{label}", "expected a list")
            counts[option] = counts.get(option, 0) + len(voters)
            for v_index, voter in enumerate(voters):
                where = f"{record} votes.{label}[{v_index}]"
                if voter == "VP":
                    ballots.append((vote_id, ordinal, None, "Vice President", option))
                    ordinal += 1
                    continue
                if not isinstance(voter, dict) or not voter.get("id"):
                    raise InputError(shown, where, "id", f"expected a voter object with an id, got {voter!r:.60}")
                voter_key = str(voter["id"])
                person = self._voter(chamber, voter_key, voter)
                name = self.people[person].name or voter_key
                if normalize_option(label) is None:
                    candidates.setdefault(label, []).append(voter_key)
                ballots.append((vote_id, ordinal, person, name, option))
                ordinal += 1
        extras: dict[str, Any] = {
            k: doc[k]
            for k in (
                "type",
                "category",
                "requires",
                "result_text",
                "subject",
                "nomination",
                "amendment",
                "record_modified",
                "updated_at",
                "number",
            )
            if k in doc
        }
        extras["vote_id"] = vote_key
        extras["calendar_session"] = doc.get("session")
        if candidates:
            extras["candidates"] = candidates
        self.bundle.vote_events.append(
            VoteEventRec(
                id=vote_id,
                jurisdiction_id=JURISDICTION.id,
                motion_text=question,
                start_date=when.date(),
                start_time=when,
                result=normalize_result(result_text),
                session_id=session,
                organization_id=LOWER if chamber == "h" else UPPER,
                bill_id=bill_id,
                identifier=vote_key,
                motion_classification=[str(doc["category"])] if doc.get("category") else [],
                sources=[{"url": doc["source_url"]}] if doc.get("source_url") else [],
                extras=extras,
                counts=counts,
            )
        )

    def _voter(self, chamber: str, key: str, voter: dict[str, Any]) -> str:
        table, scheme = (self.bioguide, "bioguide") if chamber == "h" else (self.lis, "lis")
        found = table.get(key)
        if found is not None:
            return found
        candidate = ocd_id("person", scheme, key)
        if candidate not in self.people:
            first, last = opt_str(voter, "first_name"), opt_str(voter, "last_name")
            display = opt_str(voter, "display_name") or key
            full = " ".join(p for p in (first, last) if p) or display
            party = PARTY_LETTERS.get(str(voter.get("party")), voter.get("party"))
            # A roll call states how a member voted, not their name: its names ("Jeffries") only name a person no
            # other record has named, and never replace the legislators file's.
            self.people[candidate] = PersonRec(
                id=candidate,
                name=None,
                sort_name=None,
                fallback_name=full,
                identifiers=[(scheme, key)],
                extras={"from_votes": True, "party": party, "state": voter.get("state")},
            )
        table[key] = candidate
        return candidate

    def _bill(self, shown: str, record: str, bill: dict[str, Any], doc: dict[str, Any]) -> str:
        kind, number, congress = bill.get("type"), bill.get("number"), bill.get("congress")
        if kind not in BILL_TYPES or not isinstance(number, int) or not isinstance(congress, int):
            raise InputError(shown, record, "bill", f"expected {{congress, type, number}}, got {bill!r}")
        session = self._session(congress)
        identifier = f"{BILL_TYPES[kind]} {number}"
        bill_id = ocd_id("bill", session, identifier)
        title = opt_str(doc, "subject") if doc.get("category") in {"passage", "passage-suspension"} else None
        existing = self.bills.get(bill_id)
        if existing is None:
            self.bills[bill_id] = BillRec(
                id=bill_id,
                jurisdiction_id=JURISDICTION.id,
                session_id=session,
                identifier=identifier,
                title=title or identifier,
                from_organization_id=LOWER if kind.startswith("h") else UPPER,
                classification=["resolution" if "res" in kind else "bill"],
                reference_only=True,  # the bill's own record comes from its Bill Status file (congress-bills)
                extras={"type": kind, "number": number, "congress": congress, "title_from": "vote subject"}
                if title
                else {"type": kind, "number": number, "congress": congress},
            )
        elif title and existing.title == existing.identifier:
            existing.title = title
            existing.extras["title_from"] = "vote subject"
        return bill_id

    def finish(self) -> Bundle:
        for shown, legislators in self.legislators_files:
            self.legislators(shown, legislators)
        for shown, social in self.social_files:
            self.social(shown, social)
        for shown, committees in self.committee_files:
            self.committee_list(shown, committees)
        for shown, memberships in self.membership_files:
            self.committee_memberships(shown, memberships)
        for shown, vote in sorted(self.vote_files, key=lambda item: _vote_order(item[1])):
            self.vote(shown, vote)
        b = self.bundle
        b.organizations = list(self.orgs.values())
        b.people = list(self.people.values())
        b.areas = sorted(self.areas.values(), key=lambda a: (a.parent_id is not None, a.id))
        b.periods = list(self.periods.values())
        b.sessions = list(self.sessions.values())
        b.bills = list(self.bills.values())
        return b


def _source(shown: str) -> dict[str, Any]:
    """A ``sources`` entry for a record of the file shown as ``shown`` (its URL when downloaded)."""
    label = f"unitedstates/congress-legislators {shown.rsplit('/', 1)[-1]}"
    return {"url": shown, "note": label} if shown.startswith(("http://", "https://")) else {"note": label}


def _affiliations(
    shown: str, record: str, term: dict[str, Any], start: dt.date, end: dt.date | None, party: str | None
) -> list[tuple[dt.date, dt.date | None, str | None]]:
    """The parts of a term by party: ``(start, end, party)`` from ``party_affiliations`` (dated, in order, within
    the term), else the whole term with its ``party``. A part that ends on the day the next starts is cut the
    day before (memberships cover whole days)."""
    raw = term.get("party_affiliations")
    if not raw:
        return [(start, end, party)]
    if not isinstance(raw, list):
        raise InputError(shown, record, "party_affiliations", "expected a list")
    parts: list[tuple[dt.date, dt.date | None, str | None]] = []
    for index, item in enumerate(raw):
        where = f"party_affiliations[{index}]"
        if not isinstance(item, dict):
            raise InputError(shown, record, where, "expected a mapping")
        a_start = parse_date(item.get("start"), shown, record, f"{where}.start")
        a_end = parse_date(item.get("end"), shown, record, f"{where}.end")
        a_party = opt_str(item, "party")
        if a_start is None or a_party is None:
            raise InputError(shown, record, where, "needs start and party")
        if a_start < start or (end is not None and a_end is not None and a_end > end):
            raise InputError(shown, record, where, f"{a_start}–{a_end} is outside the term {start}–{end}")
        if a_end is not None and a_end < a_start:
            raise InputError(shown, record, f"{where}.end", f"{a_end} is before start {a_start}")
        if parts and parts[-1][1] is not None and a_start <= parts[-1][1] - dt.timedelta(days=1):
            raise InputError(shown, record, where, f"starts {a_start}, before the previous affiliation ends")
        parts.append((a_start, a_end, a_party))
    if parts[0][0] != start:
        parts.insert(0, (start, parts[0][0] - dt.timedelta(days=1), party))
    for i in range(len(parts) - 1):
        p_start, p_end, p_party = parts[i]
        following = parts[i + 1][0]
        if p_end is None or p_end >= following:
            parts[i] = (p_start, following - dt.timedelta(days=1), p_party)
    return parts


def _vote_order(doc: dict[str, Any]) -> tuple[str, int, str]:
    number = doc.get("number")
    return (str(doc.get("chamber")), number if isinstance(number, int) else 0, str(doc.get("vote_id")))


def parse(files: list[Path], names: dict[Path, str] | None = None) -> Bundle:
    return parse_sorted(_Parser(), files, names)
