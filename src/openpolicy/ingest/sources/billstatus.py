"""US Congress Bill Status XML (``BILLSTATUS-117hr2471.xml``, the GPO/Library of Congress bulk format).

One file is one bill (root ``<billStatus>``, then ``<bill>``). Both layouts are read: the older one
(``<billNumber>``, ``<billType>``, ``<billCommittees>``, ``<billSubjects>``, ``<billSummaries>``) and the current
one (``<number>``, ``<type>``, ``<committees><item>``, ``<subjects><legislativeSubjects>``,
``<summaries><summary>``). Bills and sessions are keyed as the roll-call importer keys them
(:mod:`openpolicy.ingest.sources.us_congress`: session = the Congress, identifier ``H.R. 2471``), so votes
already imported are on the same bill records. The records state each bill in full: sponsors and cosponsors
(a withdrawn cosponsor is kept with its ``withdrawn_date``), actions, text versions, titles, subjects, policy
area, CRS summaries (markup removed), committees and their activities, related bills.

Sponsors carry their ``bioguideId``; the loader resolves it to the person holding that bioguide id. An id no
stored person holds leaves a named sponsor without a person (listed as unresolved on the run), never a guess.

**Status** — derived from the actions, the furthest stage reached (checked in this order):

* ``enacted``: an action "Became Public Law"/"Became Private Law" (type ``BecameLaw``) or a law number;
* ``vetoed``: "Vetoed by President"/"Pocket Vetoed by President" (type ``Veto``) and no enactment after it;
* ``passed both``: both chambers passed it (possibly in different versions still to be reconciled), or a
  chamber agreed to the other chamber's amendment, or it was presented to the President;
* ``failed``: a chamber's last passage vote on it failed ("Failed of passage", "On passage Failed") and the
  other did not pass it;
* ``passed one chamber``: one chamber passed or agreed to it (for a simple resolution: adopted);
* ``in committee``: referred to a committee (an ``IntroReferral`` referral or any ``Committee`` action);
* ``introduced``: otherwise.

Bad input (not well-formed, truncated, another XML format, a DTD or entity, a required element missing) is an
:class:`InputError` naming the file, the element and its line.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from openpolicy.db.models import ocd_id
from openpolicy.ingest.records import (
    ActionRec,
    BillDocumentRec,
    BillRec,
    Bundle,
    InputError,
    SponsorshipRec,
    parse_date,
)
from openpolicy.ingest.sources import us_congress
from openpolicy.ingest.sources.common import display

SOURCE = "congress-bills"
JURISDICTION = us_congress.JURISDICTION
CLASSIFICATION = {
    "hr": "bill", "s": "bill", "hres": "resolution", "sres": "resolution", "hjres": "joint resolution",
    "sjres": "joint resolution", "hconres": "concurrent resolution", "sconres": "concurrent resolution",
}  # fmt: skip
CONGRESS_GOV_KIND = {
    "hr": "house-bill", "s": "senate-bill", "hres": "house-resolution", "sres": "senate-resolution",
    "hjres": "house-joint-resolution", "sjres": "senate-joint-resolution",
    "hconres": "house-concurrent-resolution", "sconres": "senate-concurrent-resolution",
}  # fmt: skip
PARTIES = {"D": "Democrat", "R": "Republican", "I": "Independent", "ID": "Independent", "L": "Libertarian"}
STATUSES = ("introduced", "in committee", "passed one chamber", "passed both", "failed", "vetoed", "enacted")
MEDIA_TYPES = {".pdf": "application/pdf", ".xml": "application/xml", ".htm": "text/html", ".html": "text/html",
               ".txt": "text/plain"}  # fmt: skip

_PASSED = re.compile(
    r"^(passed/agreed to in (house|senate)|passed (house|senate)|on passage passed|"
    r"(resolution|concurrent resolution|joint resolution|bill) (passed|agreed to) in (the )?(house|senate)|"
    r"on motion to suspend the rules and (pass|agree to) the (bill|resolution|joint resolution|concurrent "
    r"resolution).* agreed to|on agreeing to the resolution agreed to)"
    r"|\b(read the third time,? and passed|considered,? and agreed to|passed (house|senate) with an amendment)\b",
    re.I,
)
_FAILED = re.compile(
    r"^(failed of passage|on passage failed|failed (house|senate)|on motion to suspend the rules and pass the .* "
    r"failed)|not agreed to in (house|senate)",
    re.I,
)
_CONCURRED = re.compile(r"\b(agreed to|concurred in) the (house|senate) amendment", re.I)
_PRESENTED = re.compile(r"^(presented to president|signed by president)", re.I)
_VETOED = re.compile(r"^(vetoed by president|pocket vetoed by president)", re.I)
_LAW = re.compile(r"^became (public|private) law", re.I)
_REFERRED = re.compile(r"\breferred (to|concurrently to|jointly to)\b", re.I)
_REPORTED = re.compile(r"\b(reported by|ordered to be reported|reported (with|without) amendment)", re.I)
_INTRODUCED = re.compile(r"^introduced in (the )?(house|senate)", re.I)
_CHAMBER = re.compile(r"\b(House|Senate)\b")
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|li|h\d|div|ul|ol|table|tr)>|<br\s*/?>", re.I)
_SPACE = re.compile(r"[ \t\r\n\u00a0]+")


def discover(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.xml") if p.is_file())


# --- XML with line numbers --------------------------------------------------------------------------


class _Builder(ET.TreeBuilder):
    """A tree builder remembering each element's line and the elements still open (for messages)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[ET.Element, int] = {}
        self.open: list[str] = []
        self.expat: Any = None

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        elem = super().start(tag, attrs)
        self.lines[elem] = int(self.expat.CurrentLineNumber) if self.expat is not None else 0
        self.open.append(tag)
        return elem

    def end(self, tag: str) -> ET.Element:
        self.open.pop()
        return super().end(tag)


class _Doc:
    def __init__(self, shown: str, root: ET.Element, lines: dict[ET.Element, int]) -> None:
        self.shown = shown
        self.root = root
        self.lines = lines

    def error(self, elem: ET.Element, element: str, problem: str) -> InputError:
        return InputError(self.shown, f"line {self.lines.get(elem, 0)}", f"<{element}>", problem)


def read_xml(path: Path, shown: str) -> _Doc:
    """Parse one file (no DTD, no entities); refuse anything that is not well-formed, naming element and line."""
    builder = _Builder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True)
    builder.expat = parser.parser
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 16):
                parser.feed(chunk)
        root = parser.close()
    except ET.ParseError as exc:
        line, column = exc.position
        inside = f"<{builder.open[-1]}>" if builder.open else None
        message = str(exc).split(":")[0]
        problem = f"not well-formed XML ({message}, column {column})"
        if builder.open:
            problem += ": the file ends or breaks inside <" + "><".join(builder.open) + ">"
        raise InputError(shown, f"line {line}", inside, problem) from None
    except DefusedXmlException as exc:
        line = int(builder.expat.CurrentLineNumber)
        raise InputError(shown, f"line {line}", None, f"refused: {exc} (DTDs and entities are not read)") from None
    except OSError as exc:
        raise InputError(shown, None, None, f"cannot read: {exc}") from None
    return _Doc(shown, root, builder.lines)


# --- helpers -----------------------------------------------------------------------------------------


def _text(elem: ET.Element | None, path: str) -> str | None:
    if elem is None:
        return None
    found = elem.find(path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def _items(elem: ET.Element, *paths: str) -> list[ET.Element]:
    """The elements at the first of ``paths`` present (the layouts nest the same lists differently)."""
    for path in paths:
        container = elem.find(path)
        if container is not None:
            return [item for item in container if item.tag in {"item", "summary"}]
    return []


def clean_markup(value: str | None) -> str | None:
    """CRS summary text (escaped HTML) as plain text: paragraphs separated by a blank line, entities decoded."""
    if not value:
        return None
    text = _BLOCK_END.sub("\n\n", value)
    text = html.unescape(_TAG.sub("", text))
    paragraphs = [_SPACE.sub(" ", part).strip() for part in text.split("\n\n")]
    cleaned = "\n\n".join(p for p in paragraphs if p)
    return cleaned or None


def _name(item: ET.Element) -> str:
    parts = [_text(item, key) for key in ("firstName", "middleName", "lastName")]
    words = [p for p in parts if p]
    if words:
        name = " ".join(words)
        suffix = _text(item, "suffixName")
        if suffix:
            name += f" {suffix}"
        return name.title() if name.isupper() else name
    return _text(item, "fullName") or "(unnamed)"


def _chamber_of(text: str | None) -> str | None:
    if not text:
        return None
    match = _CHAMBER.search(text)
    if match is None:
        return None
    return "lower" if match.group(1) == "House" else "upper"


def _classify(description: str, kind: str | None) -> list[str]:
    out: list[str] = []
    if _INTRODUCED.search(description):
        out.append("introduction")
    if _REFERRED.search(description):
        out.append("referral-committee")
    if _REPORTED.search(description):
        out.append("committee-passage")
    if _PASSED.search(description) or _CONCURRED.search(description):
        out.append("passage")
    if _FAILED.search(description):
        out.append("failure")
    if re.match(r"^presented to president", description, re.I):
        out.append("executive-receipt")
    if re.match(r"^signed by president", description, re.I):
        out.append("executive-signature")
    if _VETOED.search(description) or kind == "Veto":
        out.append("executive-veto")
    if _LAW.search(description) or kind == "BecameLaw":
        out.append("became-law")
    return out


def derive_status(actions: list[ActionRec], has_law: bool = False) -> str:
    """The bill's status from its actions (chronological), as the module docstring maps it."""
    passed: set[str] = set()
    last_outcome: dict[str, str] = {}
    both = enacted = has_law
    vetoed = committee = False
    for action in actions:
        text, kinds = action.description, set(action.classification)
        if "became-law" in kinds:
            enacted, vetoed = True, False
        elif "executive-veto" in kinds:
            vetoed = True
        if "executive-receipt" in kinds or "executive-signature" in kinds or _CONCURRED.search(text):
            both = True
        if "referral-committee" in kinds or action.type == "Committee":
            committee = True
        if action.chamber is None:
            continue
        if "failure" in kinds:
            last_outcome[action.chamber] = "fail"
        elif "passage" in kinds:
            passed.add(action.chamber)
            last_outcome[action.chamber] = "pass"
    if enacted:
        return "enacted"
    if vetoed:
        return "vetoed"
    if both or passed >= {"upper", "lower"}:
        return "passed both"
    if "fail" in last_outcome.values():
        return "failed"
    if passed:
        return "passed one chamber"
    return "in committee" if committee else "introduced"


def _date_text(value: str | None) -> str | None:
    return value[:10] if value else None


def _title_kind(title_type: str) -> str:
    lowered = title_type.casefold()
    for word, kind in (("official", "official"), ("short", "short"), ("popular", "popular"), ("display", "display")):
        if word in lowered:
            return kind
    return "other"


# --- one bill ------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self) -> None:
        self.base = us_congress._Parser()  # the same chambers, Congresses and sessions as the roll-call importer
        self.bills: dict[str, tuple[str, BillRec]] = {}  # id -> (update date, bill)
        self.files: list[str] = []

    def file(self, path: Path, shown: str) -> None:
        doc = read_xml(path, shown)
        root = doc.root
        if root.tag != "billStatus":
            raise doc.error(root, root.tag, "not a Bill Status file: the root element must be <billStatus>")
        bill = root.find("bill")
        if bill is None:
            raise doc.error(root, "bill", "missing: <billStatus> has no <bill>")
        self.files.append(shown)
        rec = self.bill(doc, bill)
        update = _text(bill, "updateDateIncludingText") or _text(bill, "updateDate") or ""
        previous = self.bills.get(rec.id)
        if previous is None or update >= previous[0]:  # one bill in two files: the later update wins
            self.bills[rec.id] = (update, rec)

    def _required(self, doc: _Doc, bill: ET.Element, *names: str) -> str:
        for name in names:
            value = _text(bill, name)
            if value is not None:
                return value
        raise doc.error(bill, "/".join(names), f"missing: <bill> has no <{names[0]}>")

    def bill(self, doc: _Doc, bill: ET.Element) -> BillRec:
        kind = self._required(doc, bill, "type", "billType").lower()
        number_text = self._required(doc, bill, "number", "billNumber")
        congress_text = self._required(doc, bill, "congress")
        if kind not in us_congress.BILL_TYPES:
            element = bill.find("type") if bill.find("type") is not None else bill.find("billType")
            raise doc.error(element if element is not None else bill, "type", f"unknown bill type {kind!r}")
        if not number_text.isdigit() or not congress_text.isdigit():
            raise doc.error(bill, "number", f"expected numbers, got {number_text!r} / {congress_text!r}")
        number, congress = int(number_text), int(congress_text)
        session = self.base._session(congress)
        identifier = f"{us_congress.BILL_TYPES[kind]} {number}"
        bill_id = ocd_id("bill", session, identifier)
        record = identifier
        shown = doc.shown

        actions = self.actions(doc, bill, record)
        sponsorships = self.sponsors(doc, bill, record)
        laws = [{"type": _text(item, "type"), "number": _text(item, "number")} for item in _items(bill, "laws")]
        summaries = []
        for item in _items(bill, "summaries/billSummaries", "summaries"):
            summaries.append(
                {
                    "version_code": _text(item, "versionCode"),
                    "action_date": _date_text(_text(item, "actionDate")),
                    "action_description": _text(item, "actionDesc"),
                    "update_date": _text(item, "updateDate"),
                    "text": clean_markup(_text(item, "text")),
                }
            )
        summaries.sort(key=lambda s: (s["action_date"] or "", s["update_date"] or ""))
        titles = []
        for item in _items(bill, "titles"):
            title, title_type = _text(item, "title"), _text(item, "titleType") or ""
            if title:
                entry: dict[str, Any] = {"title": title, "note": title_type, "kind": _title_kind(title_type)}
                chamber, version = _text(item, "chamberName"), _text(item, "billTextVersionName")
                if chamber:
                    entry["chamber"] = chamber
                if version:
                    entry["version"] = version
                titles.append(entry)
        title = _text(bill, "title") or next((t["title"] for t in titles if t["kind"] == "display"), None)
        if title is None:
            raise doc.error(bill, "title", "missing: <bill> has no <title>")
        subjects = [
            name
            for item in _items(bill, "subjects/billSubjects/legislativeSubjects", "subjects/legislativeSubjects")
            if (name := _text(item, "name"))
        ]
        policy_area = (
            _text(bill, "policyArea/name")
            or _text(bill, "subjects/billSubjects/policyArea/name")
            or _text(bill, "subjects/policyArea/name")
        )
        documents = []
        for item in _items(bill, "textVersions"):
            note = _text(item, "type") or "Text"
            date = parse_date(_text(item, "date"), shown, record, "textVersions/item/date")
            for fmt in _items(item, "formats"):
                url = _text(fmt, "url")
                if url:
                    suffix = Path(url.split("?")[0]).suffix.lower()
                    documents.append(BillDocumentRec("version", note, url, date, MEDIA_TYPES.get(suffix)))
        related = []
        for item in _items(bill, "relatedBills"):
            rkind, rnumber, rcongress = (
                (_text(item, "type") or "").lower(),
                _text(item, "number"),
                _text(item, "congress"),
            )
            if rkind not in us_congress.BILL_TYPES or not rnumber or not rcongress or not rcongress.isdigit():
                raise doc.error(item, "relatedBills/item", "expected <type>, <number> and <congress> of a bill")
            rident = f"{us_congress.BILL_TYPES[rkind]} {rnumber}"
            related.append(
                {
                    "identifier": rident,
                    "congress": int(rcongress),
                    "bill_id": ocd_id("bill", ocd_id("session", JURISDICTION.id, rcongress), rident),
                    "title": _text(item, "title"),
                    "latest_action": {
                        "date": _date_text(_text(item, "latestAction/actionDate")),
                        "text": _text(item, "latestAction/text"),
                    },
                    "relationships": [
                        {"type": _text(r, "type"), "identified_by": _text(r, "identifiedBy")}
                        for r in _items(item, "relationshipDetails")
                    ],
                }
            )
        committees = [self.committee(c) for c in _items(bill, "committees/billCommittees", "committees")]
        latest = actions[-1] if actions else None
        sorted_summaries = [s for s in summaries if s["text"]]
        origin = _text(bill, "originChamber")
        return BillRec(
            id=bill_id,
            jurisdiction_id=JURISDICTION.id,
            session_id=session,
            identifier=identifier,
            title=title,
            from_organization_id=us_congress.LOWER if kind.startswith("h") else us_congress.UPPER,
            classification=[CLASSIFICATION[kind]],
            sources=[
                {
                    "url": f"https://www.govinfo.gov/bulkdata/BILLSTATUS/{congress}/{kind}/BILLSTATUS-{congress}"
                    f"{kind}{number}.xml",
                    "note": "Bill Status XML",
                },
                {
                    "url": f"https://www.congress.gov/bill/{congress}th-congress/{CONGRESS_GOV_KIND[kind]}/{number}",
                    "note": "congress.gov",
                },
            ],
            extras={
                "type": kind,
                "number": number,
                "congress": congress,
                "origin_chamber": origin,
                "laws": laws,
                "update_date": _text(bill, "updateDate"),
            },
            other_titles=titles,
            subjects=subjects,
            status=derive_status(actions, has_law=bool(laws)),
            introduced_date=parse_date(_text(bill, "introducedDate"), shown, record, "introducedDate"),
            latest_action_date=latest.date if latest else None,
            latest_action_description=latest.description if latest else None,
            abstract=sorted_summaries[-1]["text"] if sorted_summaries else None,
            policy_area=policy_area,
            summaries=summaries,
            related_bills=related,
            committees=committees,
            sponsorships=sponsorships,
            actions=actions,
            documents=documents,
        )

    def committee(self, item: ET.Element) -> dict[str, Any]:
        return {
            "name": _text(item, "name"),
            "code": _text(item, "systemCode"),
            "chamber": _text(item, "chamber"),
            "type": _text(item, "type"),
            "activities": [
                {"name": _text(a, "name"), "date": _date_text(_text(a, "date"))} for a in _items(item, "activities")
            ],
            "subcommittees": [self.committee(s) for s in _items(item, "subcommittees")],
        }

    def actions(self, doc: _Doc, bill: ET.Element, record: str) -> list[ActionRec]:
        raw = []
        for position, item in enumerate(_items(bill, "actions")):
            description = _text(item, "text")
            if description is None:
                raise doc.error(item, "actions/item/text", "missing: an action without text")
            date_text = _text(item, "actionDate")
            if date_text is None:
                raise doc.error(item, "actions/item/actionDate", "missing: an action without a date")
            try:
                date = dt.date.fromisoformat(date_text[:10])
            except ValueError:
                raise doc.error(item, "actions/item/actionDate", f"not an ISO date: {date_text!r}") from None
            source = _text(item, "sourceSystem/name") or ""
            chamber = _chamber_of(source) if source != "Library of Congress" else _chamber_of(description)
            kind = _text(item, "type")
            raw.append(
                (
                    date,
                    _text(item, "actionTime") or "",
                    -position,
                    ActionRec(
                        date=date,
                        description=description,
                        order=0,
                        classification=_classify(description, kind),
                        organization_id={"lower": us_congress.LOWER, "upper": us_congress.UPPER}.get(chamber or ""),
                        code=_text(item, "actionCode"),
                        type=kind,
                        chamber=chamber,
                        committees=[n for c in _items(item, "committees") if (n := _text(c, "name"))],
                    ),
                )
            )
        # The file lists actions newest first; chronological order, ties kept in reverse file order.
        raw.sort(key=lambda r: (r[0], r[1], r[2]))
        out = []
        for order, (_d, _t, _p, action) in enumerate(raw, start=1):
            action.order = order
            out.append(action)
        return out

    def sponsors(self, doc: _Doc, bill: ET.Element, record: str) -> list[SponsorshipRec]:
        out = []
        for classification, items in (("sponsor", _items(bill, "sponsors")), ("cosponsor", _items(bill, "cosponsors"))):
            for item in items:
                bioguide = _text(item, "bioguideId") or _text(item, "identifiers/bioguideId")
                party = _text(item, "party")
                original = _text(item, "isOriginalCosponsor")
                out.append(
                    SponsorshipRec(
                        name=_name(item),
                        primary=classification == "sponsor",
                        classification=classification,
                        person_ref=("bioguide", bioguide) if bioguide else None,
                        date=parse_date(_text(item, "sponsorshipDate"), doc.shown, record, "sponsorshipDate"),
                        withdrawn_date=parse_date(
                            _text(item, "sponsorshipWithdrawnDate"), doc.shown, record, "sponsorshipWithdrawnDate"
                        ),
                        party=PARTIES.get(party or "", party),
                        state=_text(item, "state"),
                        district=_text(item, "district"),
                        original=None if original is None else original.casefold() in {"true", "y", "yes"},
                    )
                )
        return out

    def finish(self) -> Bundle:
        base = self.base
        bills = [rec for _update, rec in self.bills.values()]
        return Bundle(
            source=SOURCE,
            jurisdictions=[JURISDICTION],
            organizations=list(base.orgs.values()),
            periods=list(base.periods.values()),
            sessions=list(base.sessions.values()),
            bills=sorted(bills, key=lambda b: b.id),
            files=self.files,
        )


def parse(files: list[Path], names: dict[Path, str] | None = None) -> Bundle:
    """Parse Bill Status files into one bundle (pure: no database)."""
    parser = _Parser()
    for path in files:
        parser.file(path, display(path, names))
    return parser.finish()
