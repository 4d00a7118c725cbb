"""Canadian House of Commons: the members XML export and the divisions CSV export (ourcommons.ca).

Files are recognised by content: ``*.xml`` is the "Current Members" export; a CSV with ``Decision...``
columns is the divisions export (counts, result, bill number); CSVs keyed on ``PersonId`` are the tenure,
caucus and constituency files. Members are joined to House ``PersonId`` by constituency (and start date),
and a person carries the identifiers ``ourcommons`` and ``represent`` (the same number: EveryPolitician's
``represent`` scheme is the House PersonId), so an EveryPolitician person and a House member are one person.
Memberships come from the caucus file (one per caucus spell) when present, else from tenure, else from XML.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

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
    area_id,
    chamber_id,
    fold,
    normalize_result,
    parse_date,
    party_id,
    sort_name_of,
)
from openpolicy.ingest.sources.common import ordinal, parse_sorted, read_csv

SOURCE = "ourcommons"
JURISDICTION: JurisdictionRec = national("ca", url="https://www.ourcommons.ca/")
LEGISLATURE_ID = ocd_id("organization", JURISDICTION.id, "legislature")
HOUSE_ID = chamber_id(JURISDICTION.id, "lower")
OTTAWA = ZoneInfo("America/Toronto")

DIVISION_COLUMNS = (
    "ParliamentNumber", "SessionNumber", "DecisionEventDateTime", "DecisionDivisionNumber",
    "DecisionDivisionSubject", "DecisionResultName", "DecisionDivisionNumberOfYeas",
    "DecisionDivisionNumberOfNays", "DecisionDivisionNumberOfPaired",
)  # fmt: skip
TENURE_COLUMNS = ("PersonId", "ConstituencyName", "StartDate", "EndDate")
CAUCUS_COLUMNS = ("PersonId", "CaucusShortName", "ConstituencyName", "StartDate", "EndDate")
PHOTO_COLUMNS = ("PersonId", "ConstituencyName", "Pic_URL")
XML_FIELDS = ("PersonOfficialFirstName", "PersonOfficialLastName", "ConstituencyName", "CaucusShortName",
              "FromDateTime")  # fmt: skip
BILL_TITLE = re.compile(r"\bBill ([CS]-\d+[A-Z]?),\s*(An Act .+)$")


def vote_id(parliament: int, session: int, number: int) -> str:
    """The id of division ``number`` of a session: the same vote event whichever source states it."""
    return ocd_id("vote", JURISDICTION.id, f"{parliament}-{session}", number)


def discover(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in {".xml", ".csv"})


@dataclass(slots=True)
class _Member:
    first: str
    last: str
    honorific: str | None
    constituency: str
    province: str | None
    caucus: str
    start: dt.date | None
    end: dt.date | None
    record: str
    shown: str


class _Parser:
    def __init__(self) -> None:
        self.bundle = Bundle(source=SOURCE, jurisdictions=[JURISDICTION])
        self.orgs: dict[str, OrganizationRec] = {}
        self.areas: dict[str, AreaRec] = {}
        self.periods: dict[str, PeriodRec] = {}
        self.sessions: dict[str, SessionRec] = {}
        self.members: list[_Member] = []
        self.tenure: list[tuple[str, str, dict[str, str]]] = []
        self.caucus: list[tuple[str, str, dict[str, str]]] = []
        self.photos: dict[str, str] = {}
        self.divisions: list[tuple[str, str, dict[str, str]]] = []
        self._org(LEGISLATURE_ID, "Parliament of Canada", "legislature", None)
        self._org(HOUSE_ID, "House of Commons", "chamber", LEGISLATURE_ID, chamber="lower")

    def _org(self, org_id: str, name: str, classification: str, parent: str | None, chamber: str | None = None) -> str:
        if org_id not in self.orgs:
            self.orgs[org_id] = OrganizationRec(
                id=org_id,
                name=name,
                classification=classification,
                jurisdiction_id=JURISDICTION.id,
                parent_id=parent,
                chamber=chamber,
            )
        return org_id

    def _party(self, name: str) -> str:
        return self._org(party_id(JURISDICTION.id, name), name, "party", None)

    def _area(self, name: str, province: str | None = None) -> str:
        aid = area_id(JURISDICTION.id, name)
        area = self.areas.get(aid)
        if area is None:
            area = self.areas[aid] = AreaRec(id=aid, name=name, jurisdiction_id=JURISDICTION.id, classification="ed")
        if province and "province" not in area.extras:
            area.extras["province"] = province
        return aid

    def _session(self, parliament: int, session: int) -> str:
        key = f"{parliament}-{session}"
        if key not in self.sessions:
            period = self.periods.get(str(parliament))
            if period is None:
                period = self.periods[str(parliament)] = PeriodRec(
                    id=ocd_id("legislative-period", JURISDICTION.id, str(parliament)),
                    jurisdiction_id=JURISDICTION.id,
                    identifier=str(parliament),
                    name=f"{ordinal(parliament)} Parliament",
                    organization_id=HOUSE_ID,
                )
            self.sessions[key] = SessionRec(
                id=ocd_id("session", JURISDICTION.id, key),
                jurisdiction_id=JURISDICTION.id,
                identifier=key,
                name=f"{ordinal(parliament)} Parliament, {ordinal(session)} Session",
                legislative_period_id=period.id,
            )
        return self.sessions[key].id

    def _period(self, parliament: int) -> str:
        self._session(parliament, 1) if str(parliament) not in self.periods else None
        return self.periods[str(parliament)].id

    # --- files -----------------------------------------------------------------------------------
    def classify(self, path: Path, shown: str) -> None:
        if path.suffix.lower() == ".xml":
            self._xml(path, shown)
            return
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            header = handle.readline()
        if "Decision" in header:
            self.divisions.extend((shown, r, row) for r, row in read_csv(path, shown, DIVISION_COLUMNS))
        elif "CaucusShortName" in header:
            self.caucus.extend((shown, r, row) for r, row in read_csv(path, shown, CAUCUS_COLUMNS))
        elif "Pic_URL" in header:
            for _r, row in read_csv(path, shown, PHOTO_COLUMNS):
                self.photos[row["PersonId"]] = row["Pic_URL"]
        elif "PersonId" in header:
            self.tenure.extend((shown, r, row) for r, row in read_csv(path, shown, TENURE_COLUMNS))
        else:
            raise InputError(shown, "header", None, "unrecognised CSV (not divisions, tenure, caucus or photos)")

    def _xml(self, path: Path, shown: str) -> None:
        try:
            root = ET.parse(path).getroot()  # noqa: S314 - a data export, parsed without entity expansion
        except ET.ParseError as exc:
            line, column = exc.position
            raise InputError(shown, f"at line {line} column {column}", None, f"malformed XML: {exc}") from None
        if root.tag != "ArrayOfMemberOfParliament":
            raise InputError(shown, root.tag, None, "expected <ArrayOfMemberOfParliament>")
        for index, node in enumerate(root):
            record = f"MemberOfParliament[{index + 1}]"
            values: dict[str, str] = {}
            for name in XML_FIELDS:
                text = (node.findtext(name) or "").strip()
                if not text:
                    raise InputError(shown, record, name, "missing")
                values[name] = text
            record = f"{record} ({values['PersonOfficialFirstName']} {values['PersonOfficialLastName']})"
            self.members.append(
                _Member(
                    first=values["PersonOfficialFirstName"],
                    last=values["PersonOfficialLastName"],
                    honorific=(node.findtext("PersonShortHonorific") or "").strip() or None,
                    constituency=values["ConstituencyName"],
                    province=(node.findtext("ConstituencyProvinceTerritoryName") or "").strip() or None,
                    caucus=values["CaucusShortName"],
                    start=parse_date(values["FromDateTime"], shown, record, "FromDateTime"),
                    end=parse_date((node.findtext("ToDateTime") or "").strip(), shown, record, "ToDateTime"),
                    record=record,
                    shown=shown,
                )
            )

    # --- assembly ---------------------------------------------------------------------------------
    def finish(self) -> Bundle:
        b = self.bundle
        period44 = None
        people: dict[str, PersonRec] = {}
        person_of_id: dict[str, str] = {}
        by_constituency: dict[str, list[tuple[str, dt.date | None, dt.date | None]]] = {}
        for shown, record, row in self.tenure:
            pid = _person_id(shown, record, row)
            start = parse_date(row["StartDate"], shown, record, "StartDate")
            end = parse_date(row["EndDate"], shown, record, "EndDate")
            by_constituency.setdefault(fold(row["ConstituencyName"]), []).append((pid, start, end))
            person_of_id.setdefault(pid, row["ConstituencyName"])
        for shown, record, row in self.caucus:
            pid = _person_id(shown, record, row)
            person_of_id.setdefault(pid, row["ConstituencyName"])
        member_person: dict[int, str] = {}
        for index, member in enumerate(self.members):
            candidates = by_constituency.get(fold(member.constituency), [])
            match = [c for c in candidates if c[1] == member.start] or [c for c in candidates if c[2] is None]
            if match:
                member_person[index] = match[0][0]
        for pid, constituency in person_of_id.items():
            people[pid] = PersonRec(
                id=ocd_id("person", "ourcommons", pid),
                name=None,
                sort_name=None,
                identifiers=[("ourcommons", pid), ("represent", pid)],
                fallback_name=f"House of Commons member {pid} ({constituency})",
                image=self.photos.get(pid),
            )
        for index, member in enumerate(self.members):
            name = f"{member.first} {member.last}"
            joined = member_person.get(index)
            if joined is None:
                key = f"{member.constituency}|{member.start}"
                rec = PersonRec(
                    id=ocd_id("person", "ourcommons-seat", key),
                    name=name,
                    sort_name=None,
                    identifiers=[("ourcommons-seat", key)],
                    seat=(HOUSE_ID, area_id(JURISDICTION.id, member.constituency), member.start),
                )
                people[f"seat:{key}"] = rec
            else:
                rec = people[joined]
                rec.name = name
            rec.sort_name = sort_name_of(name, member.first, member.last)
            rec.given_name, rec.family_name = member.first, member.last
            if member.honorific:
                rec.extras["honorific"] = member.honorific
            self._area(member.constituency, member.province)
        b.people = list(people.values())
        if self.caucus or self.tenure or self.members:
            period44 = self._period(44)
        # memberships
        if self.caucus:
            for shown, record, row in self.caucus:
                pid = _person_id(shown, record, row)
                start = parse_date(row["StartDate"], shown, record, "StartDate")
                end = parse_date(row["EndDate"], shown, record, "EndDate")
                party = self._party(_required(shown, record, row, "CaucusShortName"))
                b.memberships.append(
                    self._membership(
                        people[pid].id, row["ConstituencyName"], party, start, end, period44, shown, record
                    )
                )
        elif self.tenure:
            party_by_pid = {member_person[i]: m.caucus for i, m in enumerate(self.members) if i in member_person}
            for shown, record, row in self.tenure:
                pid = _person_id(shown, record, row)
                caucus = party_by_pid.get(pid)
                b.memberships.append(
                    self._membership(
                        people[pid].id,
                        row["ConstituencyName"],
                        self._party(caucus) if caucus else None,
                        parse_date(row["StartDate"], shown, record, "StartDate"),
                        parse_date(row["EndDate"], shown, record, "EndDate"),
                        period44,
                        shown,
                        record,
                    )
                )
        for index, member in enumerate(self.members):
            if index not in member_person:
                key = f"seat:{member.constituency}|{member.start}"
                b.memberships.append(
                    self._membership(
                        people[key].id,
                        member.constituency,
                        self._party(member.caucus),
                        member.start,
                        member.end,
                        period44,
                        member.shown,
                        member.record,
                    )
                )
        self._divisions()
        b.organizations = list(self.orgs.values())
        b.areas = list(self.areas.values())
        b.periods = list(self.periods.values())
        b.sessions = list(self.sessions.values())
        return b

    def _membership(
        self,
        person: str,
        constituency: str,
        party: str | None,
        start: dt.date | None,
        end: dt.date | None,
        period: str | None,
        shown: str,
        record: str,
    ) -> MembershipRec:
        if not constituency.strip():
            raise InputError(shown, record, "ConstituencyName", "missing")
        if start and end and end < start:
            raise InputError(shown, record, "EndDate", f"{end} is before StartDate {start}")
        area = self._area(constituency.strip())
        return MembershipRec(
            # keyed by the seat (not the person): the XML and the caucus file describe the same seat alike
            id=ocd_id("membership", JURISDICTION.id, "ourcommons", fold(constituency), party, start),
            person_id=person,
            organization_id=HOUSE_ID,
            on_behalf_of_id=party,
            area_id=area,
            legislative_period_id=period,
            role="member",
            label=f"Member of Parliament for {constituency.strip()}",
            start_date=start,
            end_date=end,
        )

    def _divisions(self) -> None:
        b = self.bundle
        bills: dict[str, BillRec] = {}
        rows = []
        for shown, record, row in self.divisions:
            number = _int(shown, record, row, "DecisionDivisionNumber")
            rows.append((number, shown, record, row))
        for number, shown, record, row in sorted(rows, key=lambda item: item[0]):
            record = f"{record} (division {number})"
            parliament = _int(shown, record, row, "ParliamentNumber")
            session_number = _int(shown, record, row, "SessionNumber")
            session = self._session(parliament, session_number)
            when_raw = _required(shown, record, row, "DecisionEventDateTime")
            try:
                when = dt.datetime.fromisoformat(when_raw).replace(tzinfo=OTTAWA)
            except ValueError:
                raise InputError(shown, record, "DecisionEventDateTime", f"not a date-time: {when_raw!r}") from None
            subject = _required(shown, record, row, "DecisionDivisionSubject")
            result_text = _required(shown, record, row, "DecisionResultName")
            counts = {
                "yes": _int(shown, record, row, "DecisionDivisionNumberOfYeas"),
                "no": _int(shown, record, row, "DecisionDivisionNumberOfNays"),
                "paired": _int(shown, record, row, "DecisionDivisionNumberOfPaired"),
            }
            bill_id = None
            code = (row.get("BillNumberCode") or "").strip()
            if code:
                bill_id = ocd_id("bill", session, code)
                match = BILL_TITLE.search(subject)
                title = match.group(2).strip() if match and match.group(1) == code else None
                existing = bills.get(bill_id)
                if existing is None:
                    bills[bill_id] = BillRec(
                        id=bill_id,
                        jurisdiction_id=JURISDICTION.id,
                        session_id=session,
                        identifier=code,
                        title=title or code,
                        from_organization_id=HOUSE_ID if code.startswith("C-") else None,
                        classification=["bill"],
                    )
                elif title and existing.title == existing.identifier:
                    existing.title = title
            extras: dict[str, object] = {"result_text": result_text}
            for key in ("DecisionDivisionDocumentTypeName", "DecisionDivisionDocumentTypeId"):
                if row.get(key):
                    extras[key] = row[key]
            link = (row.get("Link") or "").strip()
            b.vote_events.append(
                VoteEventRec(
                    id=vote_id(parliament, session_number, number),
                    jurisdiction_id=JURISDICTION.id,
                    motion_text=subject,
                    start_date=when.date(),
                    start_time=when,
                    result=normalize_result(result_text.replace("Negatived", "negatived")),
                    session_id=session,
                    organization_id=HOUSE_ID,
                    bill_id=bill_id,
                    identifier=str(number),
                    sources=[{"url": link}] if link else [],
                    extras=extras,
                    counts=counts,
                    ballots_stated=False,  # the divisions export has counts; Hansard names the voters
                )
            )
        b.bills = list(bills.values())


def _required(shown: str, record: str, row: dict[str, str], key: str) -> str:
    value = (row.get(key) or "").strip()
    if not value:
        raise InputError(shown, record, key, "missing value")
    return value


def _int(shown: str, record: str, row: dict[str, str], key: str) -> int:
    value = _required(shown, record, row, key)
    try:
        number = int(value)
    except ValueError:
        raise InputError(shown, record, key, f"expected a whole number, got {value!r}") from None
    if number < 0:
        raise InputError(shown, record, key, f"expected a non-negative number, got {number}")
    return number


def _person_id(shown: str, record: str, row: dict[str, str]) -> str:
    return str(_int(shown, record, row, "PersonId"))


def parse(files: list[Path], names: dict[Path, str] | None = None) -> Bundle:
    return parse_sorted(_Parser(), files, names)
