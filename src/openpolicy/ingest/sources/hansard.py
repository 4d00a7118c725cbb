"""House of Commons Hansard XML (Debates and committee Evidence) → debates, speeches and divisions.

Contract: ``parse`` reads ``<Hansard>`` documents (any sitting or meeting of the format, English or French) into
one :class:`DebateRec` per sitting or meeting — the English and French files of a sitting are one debate with
a version, sections and speeches per language — and each ``<Division>`` into the vote event ourcommons derives
for that number in that session (:func:`ourcommons.vote_id`), with one ballot per named voter. Speakers and
voters are kept as published (:class:`SpeakerRef`); the loader resolves them (openpolicy.ingest.hansard_load).
Input that is not well-formed Hansard XML raises :class:`InputError` naming the file, the element and its line.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

from openpolicy.db.models import ocd_id
from openpolicy.ingest.records import (
    BallotRow,
    Bundle,
    DebateRec,
    InputError,
    OrganizationRec,
    SpeakerRef,
    SpeechRec,
    VoteEventRec,
)
from openpolicy.ingest.sources import ourcommons
from openpolicy.ingest.sources.common import display

SOURCE = "hansard"
OPTIONS = {"yeas": "yes", "nays": "no", "paired": "paired"}
_SPACES = re.compile(r"\s+")
_TOTAL = re.compile(r"(\d+)")
_NUMBER = re.compile(r"(\d+)")


def discover(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() == ".xml")


class _Doc:
    """An XML document with the line of every element (ElementTree keeps none)."""

    def __init__(self, path: Path, shown: str) -> None:
        self.shown = shown
        self.lines: dict[ET.Element, int] = {}
        builder = ET.TreeBuilder()
        with path.open("rb") as handle:
            head = handle.read(200)
        declared = re.search(rb"encoding=['\"]([A-Za-z0-9_.-]+)", head)
        # expat knows "UTF-8" but not its alias "utf8", which some House files declare
        utf8 = declared is not None and declared.group(1).lower().replace(b"-", b"") == b"utf8"
        parser = expat.ParserCreate("utf-8" if utf8 else None)

        def start(tag: str, attrs: dict[str, str]) -> None:
            self.lines[builder.start(tag, attrs)] = parser.CurrentLineNumber

        parser.StartElementHandler = start
        parser.EndElementHandler = builder.end
        parser.CharacterDataHandler = builder.data
        try:
            with path.open("rb") as handle:
                parser.ParseFile(handle)
            self.root = builder.close()
        except expat.ExpatError as exc:
            open_tag = next(reversed(self.lines), None) if self.lines else None
            where = f"<{open_tag.tag}>" if open_tag is not None else "document"
            raise InputError(
                shown, f"{where} at line {exc.lineno} column {exc.offset}", None, f"malformed XML: {exc}"
            ) from None
        except AssertionError:  # TreeBuilder.close on an unfinished tree
            raise InputError(shown, "document", None, "malformed XML: unclosed elements at end of file") from None

    def error(self, element: ET.Element, problem: str, field_name: str | None = None) -> InputError:
        return InputError(self.shown, f"<{element.tag}> at line {self.lines.get(element, 0)}", field_name, problem)


def _text(element: ET.Element | None) -> str:
    return _SPACES.sub(" ", "".join(element.itertext())).strip() if element is not None else ""


def split_affiliation(text: str) -> tuple[str, str | None]:
    """``Mr. Kevin Lamoureux (Winnipeg North, Lib.)`` → (``Mr. Kevin Lamoureux``, ``Winnipeg North``);
    ``Hon. Mary Ng (Minister of …, Lib.)`` → (``Hon. Mary Ng``, ``Minister of …``); the party is dropped."""
    text = _SPACES.sub(" ", text).strip().rstrip(":").strip()
    if not text.endswith(")") or "(" not in text:
        return text, None
    name, _, inner = text.partition("(")
    inner = inner[:-1].strip()
    parts = [p.strip() for p in inner.rsplit(",", 1)]
    if len(parts) == 2 and len(parts[1]) <= 12 and not any(ch.isdigit() for ch in parts[1]):
        inner = parts[0]  # "Riding, Party"
    return name.strip(), inner or None


class _Parser:
    def __init__(self) -> None:
        self.commons = ourcommons._Parser()  # sessions and periods derived as ourcommons derives them
        self.debates: dict[str, DebateRec] = {}
        self.orgs: dict[str, OrganizationRec] = {}
        self.votes: dict[str, VoteEventRec] = {}
        self.ballots: list[BallotRow] = []
        self.voters: list[SpeakerRef] = []

    def file(self, path: Path, shown: str) -> None:
        doc = _Doc(path, shown)
        root = doc.root
        if root.tag != "Hansard":
            raise doc.error(root, "expected <Hansard> (House of Commons Debates or committee Evidence)")
        info_el = root.find("ExtractedInformation")
        body = root.find("HansardBody")
        if info_el is None:
            raise doc.error(root, "missing <ExtractedInformation>")
        if body is None:
            raise doc.error(root, "missing <HansardBody>")
        info = {item.get("Name", ""): _text(item) for item in info_el.findall("ExtractedItem")}
        language = (root.get("{http://www.w3.org/XML/1998/namespace}lang") or root.get("xml:lang") or "").lower()
        if language not in {"en", "fr"}:
            raise doc.error(root, f"xml:lang is {language!r}, expected EN or FR", "xml:lang")

        def number(name: str) -> int:
            match = _NUMBER.search(info.get(name, ""))
            if not match:
                raise doc.error(info_el, f"ExtractedItem {name!r} missing or without a number", name)
            return int(match.group(1))

        parliament, session_no = number("ParliamentNumber"), number("SessionNumber")
        sitting_no = number("MetaNumberNumber") if info.get("MetaNumberNumber") else number("Number")
        try:
            date = dt.date(number("MetaDateNumYear"), number("MetaDateNumMonth"), number("MetaDateNumDay"))
        except ValueError as exc:
            raise doc.error(info_el, f"not a date: {exc}", "MetaDateNum*") from None
        session = self.commons._session(parliament, session_no)
        committee = (info.get("MetaDocumentCategory") or "").casefold() == "committee"
        if committee:
            acronym = info.get("Acronyme") or info.get("Acronym")
            if not acronym:
                raise doc.error(info_el, "committee Evidence without ExtractedItem 'Acronyme'", "Acronyme")
            org = ocd_id("organization", ourcommons.JURISDICTION.id, "committee", acronym.upper())
            name_en = info.get("InstitutionDebateEn") or info.get("Institution") or acronym
            name_fr = info.get("InstitutionDebateFr")
            self.orgs[org] = OrganizationRec(
                id=org,
                name=name_en,
                classification="committee",
                jurisdiction_id=ourcommons.JURISDICTION.id,
                parent_id=ourcommons.HOUSE_ID,
                abbreviation=acronym.upper(),
                other_names=[{"name": name_fr, "note": "fr"}] if name_fr else [],
            )
            key: tuple[object, ...] = (session, "committee", acronym.upper(), sitting_no)
        else:
            org = ourcommons.HOUSE_ID
            key = (session, "sitting", sitting_no)
        debate_id = ocd_id("debate", ourcommons.JURISDICTION.id, *key)
        debate = self.debates.get(debate_id)
        if debate is None:
            debate = self.debates[debate_id] = DebateRec(
                id=debate_id,
                jurisdiction_id=ourcommons.JURISDICTION.id,
                organization_id=org,
                session_id=session,
                classification="committee" if committee else "sitting",
                identifier=str(sitting_no),
                date=date,
                extras={"hansard_id": root.get("id")} if root.get("id") else {},
                parliament=parliament,
            )
        elif debate.date != date:
            raise doc.error(info_el, f"{debate.identifier} is dated {debate.date} in another file, here {date}")
        if any(v[0] == language for v in debate.versions):
            raise doc.error(root, f"a second {language.upper()} file of the same {debate.classification}")
        name = info.get("InstitutionDebate") or info.get("Institution") or "House of Commons"
        debate.versions.append((language, name, shown, root.get("id")))
        speaker_name = info.get("SpeakerName", "")
        if not committee and ":" in speaker_name:  # "Speaker: The Honourable Geoff Regan"
            named = speaker_name.split(":", 1)[1].strip()
            debate.speaker_of_house = re.sub(r"^(the )?(right )?honourable\s+", "", named, flags=re.I)
        elif not committee and speaker_name.lower().startswith("présidence de l'honorable"):
            debate.speaker_of_house = speaker_name[len("présidence de l'honorable") :].strip()
        self._body(doc, body, debate, language, parliament, session_no)

    def _body(self, doc: _Doc, body: ET.Element, debate: DebateRec, language: str, parliament: int, sess: int) -> None:
        state = {"time": None, "floor": None, "order": None, "section": None}
        ordinal = {"section": 0, "speech": 0}
        context: list[str] = []  # text of the latest paragraphs outside interventions, for division motions

        def walk(node: ET.Element) -> None:
            tag = node.tag
            if tag == "Timestamp":
                try:
                    state["time"] = dt.time(int(node.get("Hr", "")), int(node.get("Mn", "")))  # type: ignore[assignment]
                except ValueError:
                    raise doc.error(node, "Hr/Mn are not a time of day", "Hr") from None
                return
            if tag == "FloorLanguage":
                state["floor"] = (node.get("language") or "").lower()[:2] or None  # type: ignore[assignment]
                return
            if tag in {"OrderOfBusiness", "SubjectOfBusiness"}:
                kind = "order" if tag == "OrderOfBusiness" else "subject"
                title = _text(node.find(f"{tag}Title")) or _text(node.find("CatchLine"))
                saved = (state["order"], state["section"])
                if title:
                    ordinal["section"] += 1
                    parent = state["order"] if kind == "subject" else None
                    debate.sections.append((language, ordinal["section"], parent, kind, title, node.get("id")))
                    state["section"] = ordinal["section"]  # type: ignore[assignment]
                    if kind == "order":
                        state["order"] = ordinal["section"]  # type: ignore[assignment]
                for child in node:
                    walk(child)
                if kind == "subject":  # a subject ends with its element; an order of business lasts until the next
                    state["order"], state["section"] = saved
                return
            if tag == "Intervention":
                self._intervention(doc, node, debate, language, state, ordinal)
                return
            if tag == "Division":
                self._division(doc, node, debate, parliament, sess, context)
                return
            if tag == "ParaText":
                context.append(_text(node))
                del context[:-3]
            for child in node:
                walk(child)

        walk(body)

    def _intervention(self, doc: _Doc, node: ET.Element, debate: DebateRec, language: str, state: dict,  # type: ignore[type-arg]
                      ordinal: dict[str, int]) -> None:  # fmt: skip
        speaking = node.find("PersonSpeaking")
        affiliation = speaking.find("Affiliation") if speaking is not None else None
        published = _text(affiliation) or _text(speaking) or node.get("ToCText") or ""
        name, role = split_affiliation(published)
        content = node.find("Content")
        paragraphs: list[str] = []
        time = state["time"]
        first_time = None
        if content is not None:
            for item in content.iter():
                if item.tag == "Timestamp" and first_time is None:
                    try:
                        first_time = dt.time(int(item.get("Hr", "")), int(item.get("Mn", "")))
                    except ValueError:
                        raise doc.error(item, "Hr/Mn are not a time of day", "Hr") from None
                    state["time"] = first_time
                elif item.tag == "FloorLanguage":
                    state["floor"] = (item.get("language") or "").lower()[:2] or None
                elif item.tag in {"ParaText", "ProceduralText"}:
                    text = _text(item)
                    if text:
                        paragraphs.append(text)
        if not name and not paragraphs:
            return
        ordinal["speech"] += 1
        number = ordinal["speech"]
        debate.speeches.append(
            SpeechRec(
                id=ocd_id("speech", debate.id, language, number),
                language=language,
                ordinal=number,
                speaker=SpeakerRef(name=name or "(not named)", role=role,
                                   db_id=affiliation.get("DbId") if affiliation is not None else None),
                paragraphs=paragraphs,
                section_ordinal=state["section"],
                anchor=node.get("id"),
                kind=node.get("Type"),
                time=time or first_time,
                floor_language=state["floor"],
            )
        )  # fmt: skip

    def _division(self, doc: _Doc, node: ET.Element, debate: DebateRec, parliament: int, sess: int,
                  context: list[str]) -> None:  # fmt: skip
        raw = node.get("DivisionNumber") or _text(node.find("DivisionNumber"))
        match = _NUMBER.search(raw or "")
        if not match:
            raise doc.error(node, "no division number", "DivisionNumber")
        number = int(match.group(1))
        vote = ourcommons.vote_id(parliament, sess, number)
        counts: dict[str, int] = {}
        rows: list[tuple[str, SpeakerRef]] = []
        for group in node.findall("DivisionType"):
            option = OPTIONS.get((group.get("vote-type") or "").casefold())
            if option is None:
                raise doc.error(group, f"vote-type {group.get('vote-type')!r} is not Yeas, Nays or Paired", "vote-type")
            voters = group.findall("Affiliation")
            for voter in voters:
                name, role = split_affiliation(_text(voter))
                if not name:
                    raise doc.error(voter, "a voter without a name")
                rows.append((option, SpeakerRef(name=name, role=role, db_id=voter.get("DbId"))))
            total = _TOTAL.search(_text(group.find("Total")))
            counts[option] = int(total.group(1)) if total else len(voters)
        if vote in self.votes:
            raise doc.error(node, f"division {number} appears twice")
        motion = " ".join(context[-1:]) or f"Division No. {number}"
        result = "fail" if re.search(r"negatived|rejet", motion, re.I) else (
            "pass" if re.search(r"agreed|adopt", motion, re.I) else
            ("pass" if counts.get("yes", 0) > counts.get("no", 0) else "fail"))  # fmt: skip
        self.votes[vote] = VoteEventRec(
            id=vote,
            jurisdiction_id=ourcommons.JURISDICTION.id,
            motion_text=motion,
            start_date=debate.date,
            result=result,
            session_id=debate.session_id,
            organization_id=ourcommons.HOUSE_ID,
            identifier=str(number),
            extras={"debate_id": debate.id},
            counts=counts,
        )
        for index, (option, ref) in enumerate(rows):
            self.ballots.append((vote, index, None, ref.name if not ref.role else f"{ref.name} ({ref.role})", option))
            self.voters.append(ref)

    def finish(self, files: list[str]) -> Bundle:
        bundle = Bundle(source=SOURCE, files=files)
        bundle.jurisdictions = [ourcommons.JURISDICTION]
        bundle.organizations = [*self.commons.orgs.values(), *self.orgs.values()]
        bundle.periods = list(self.commons.periods.values())
        bundle.sessions = list(self.commons.sessions.values())
        bundle.debates = sorted(self.debates.values(), key=lambda d: (d.date, d.id))
        for debate in bundle.debates:
            debate.versions.sort()
        bundle.vote_events = list(self.votes.values())
        bundle.ballots = self.ballots
        bundle.voters = self.voters
        return bundle


def parse(files: list[Path], names: dict[Path, str] | None = None) -> Bundle:
    parser = _Parser()
    shown = []
    for path in sorted(files):
        label = display(path, names)
        parser.file(path, label)
        shown.append(label)
    return parser.finish(shown)
