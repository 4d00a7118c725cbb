"""A realistic synthetic parliament for demos and benchmarks (``openpolicy demo-data``).

Everything is labelled synthetic: the jurisdiction is "Demo Parliament (synthetic)" in the user-assigned
country code ``zz``, every row carries ``extras.synthetic = true``, URLs use the reserved ``.example``
domain and phone numbers the fictional 555-01xx range.

Shape at scale N (deterministic for a given seed: ids are uuid5 of natural keys, one seeded RNG):

* one unicameral House of 410 seats (districts in 8 regions, one post each), 6 parties with colours;
* N legislative periods (terms) of 2 sessions each, plus the term before them (memberships only);
* people: the members of every term — elections keep ~70 % of incumbents, by-elections and floor crossings
  happen between votes — so each person has current and/or past chamber memberships (≈ 420 at scale 1);
* a cabinet (executive) and 12 standing committees with 4 subcommittees, re-formed every session;
* 1,000 × N bills with sponsors, dated actions, subjects, statuses and versions;
* 500 × N recorded votes (70 % on bills, at their second or third reading) with one ballot per seat:
  410 ballots each, so ≥ 1,000,000 ballots at scale 5. Published counts equal the ballots' tally.

The generator produces the records every importer produces (:mod:`openpolicy.ingest.records`) and the demo is
loaded as an import run (``source = demo``) through the same loader (:func:`openpolicy.ingest.runs.load_run`):
change log, data checks, audit and cache invalidation alike. Ballots are built vote by vote as the loader COPYs
them. Loading replaces an earlier demo parliament: what it held that this one does not is deleted (change-logged),
the rest is upserted, so loading the same seed and scale again changes nothing.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from openpolicy.db.models import ocd_id
from openpolicy.ingest.records import (
    ActionRec,
    AreaRec,
    BallotRow,
    BillDocumentRec,
    BillRec,
    Bundle,
    JurisdictionRec,
    MembershipRec,
    OrganizationRec,
    PeriodRec,
    PersonRec,
    PostRec,
    SessionRec,
    SponsorshipRec,
    VoteEventRec,
)
from openpolicy.ingest.runs import ImportFailed, Prepared, Reporter, collector_paused, load_run

if TYPE_CHECKING:
    from openpolicy.config import Settings

JURISDICTION_ID: Final = "ocd-jurisdiction/country:zz/legislature"
JURISDICTION_NAME: Final = "Demo Parliament (synthetic)"
DATASET: Final = "openpolicy-demo"
SOURCE: Final = "demo"
SEATS: Final = 410
BILLS_PER_SCALE: Final = 1000
VOTES_PER_SCALE: Final = 500
SESSIONS_PER_TERM: Final = 2
CURRENT_TERM_NUMBER: Final = 45
CURRENT_TERM_START: Final = date(2023, 10, 2)
AS_OF: Final = date(2026, 6, 30)  # the synthetic record ends here (fixed: output never depends on today)
TERM_YEARS: Final = 4
MAX_SCALE: Final = 50

SYNTHETIC: Final = {"synthetic": True, "dataset": DATASET}
# The Demo Parliament's own member numbers (M00001 ...): its people's global identifier (openpolicy.ingest.identity),
# by which the loader matches a person across loads and resolves bill sponsors, as it does for real sources.
MEMBER_SCHEME: Final = "demo-parliament"
DIVISION_PREFIX: Final = "ocd-division/country:zz"
SITE: Final = "https://demo-parliament.example"

OPTIONS: Final = ("yes", "no", "abstain", "paired", "absent")
YES, NO, ABSTAIN, PAIRED, ABSENT = range(5)


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(sep))


PARTIES: Final = (
    # name, abbreviation, colour, baseline seat share
    ("Progressive Alliance", "PA", "#d62728", 0.34),
    ("Conservative Union", "CU", "#1f77b4", 0.31),
    ("Liberty Party", "LP", "#ff7f0e", 0.13),
    ("Green Future", "GF", "#2ca02c", 0.09),
    ("Northern Bloc", "NB", "#17becf", 0.08),
    ("Social Democrats", "SD", "#9467bd", 0.05),
)
INDEPENDENT_SHARE: Final = 0.01

REGIONS: Final = (
    "Northland",
    "Eastmarch",
    "Southvale",
    "Westreach",
    "Central Plains",
    "Lakeshore",
    "Highlands",
    "Coastal Isles",
)
PLACE_STEMS: Final = _words(
    "Ash Bramble Cedar Dun Elm Fair Glen Hazel Iron Juniper Kings Lark Maple North Oak Pine Queens River "
    "Stone Thorn Upper Vale Willow York Amber Birch Clear Deer Eagle Fox Green Harbour Silver Red White "
    "Black"
)
PLACE_SUFFIXES: Final = _words(
    "field ford brook ton wood dale mont haven bury ridge port view stead wick holm gate water moor"
)
DISTRICT_QUALIFIERS: Final = ("North", "South", "East", "West", "Centre")

_GIVEN = _words(
    "Amara:f Benjamin:m Chloé:f Daniel:m Elena:f François:m Grace:f Hamza:m Isabelle:f Jamal:m Keiko:f "
    "Liam:m Mei:f Noah:m Olivia:f Pierre:m Quinn:n Rosa:f Samuel:m Talia:f Umar:m Valérie:f William:m "
    "Ximena:f Yusuf:m Zoe:f Aisha:f Bruno:m Camille:f Dmitri:m Emma:f Felix:m Gabrielle:f Hugo:m Ingrid:f "
    "Jonas:m Kira:f Lucas:m Maya:f Nikhil:m Océane:f Pablo:m Ravi:m Sofia:f Tomás:m Uma:f Victor:m Wen:f "
    "Xavier:m Yara:f Zachary:m Alexis:n Béatrice:f Carlos:m Deepa:f Étienne:m Fatima:f George:m Hana:f "
    "Ibrahim:m Julia:f Kwame:m Léa:f Mateo:m Nadia:f Omar:m Priya:f Rafael:m Sarah:f Thomas:m Ananya:f "
    "Charles:m Diane:f Ethan:m Hélène:f Jean:m Louise:f Marc:m Nora:f Oscar:m Robin:n Simone:f Tariq:m "
    "Yvonne:f"
)
_GENDERS: Final = {"f": "female", "m": "male", "n": "nonbinary"}
GIVEN_NAMES: Final = tuple((n, _GENDERS[g]) for n, g in (item.split(":") for item in _GIVEN))
FAMILY_NAMES: Final = _words(
    "Abbott|Achterberg|Adeyemi|Alvarez|Anderson|Arsenault|Bakker|Banerjee|Beaulieu|Bergström|Bianchi|"
    "Bouchard|Brennan|Campbell|Chen|Côté|Da Silva|Dubois|Duncan|Eriksen|Fernandes|Fitzgerald|Fontaine|"
    "Fraser|Gagnon|García|Gill|Goldberg|Gordon|Haddad|Hansen|Hernández|Hughes|Ibrahim|Ivanova|Jackson|"
    "Jensen|Johal|Kaur|Keller|Khan|Kim|Kowalski|Lachance|Lam|Landry|Larsen|Leblanc|Lee|Lévesque|Lindqvist|"
    "Macdonald|Mahmoud|Martin|Mbeki|McKenzie|Mendes|Mercier|Moreau|Morrison|Mukherjee|Murphy|Nakamura|"
    "Nguyen|Novak|Nowak|O'Brien|Okafor|Olsen|Osei|Ouellet|Park|Patel|Pelletier|Petrov|Poirier|Popescu|"
    "Quinn|Rahman|Ramírez|Reid|Richard|Robertson|Rossi|Roy|Saint-Pierre|Santos|Schmidt|Scott|Sharma|Singh|"
    "Sokolov|Stewart|Suzuki|Tanaka|Taylor|Thibault|Thompson|Tremblay|Van der Berg|Vasquez|Walker|Wang|"
    "Weber|Williams|Wilson|Wong|Yamamoto|Yilmaz|Zhang|Zielinski|Beaumont|Carrington|Delacroix|Easton|"
    "Falconer|Greaves|Holloway|Inglis|Jardine|Kettering|Lockhart|Mansfield|Northcott|Pemberton|Radcliffe|"
    "Sinclair|Talbot|Underwood|Vance|Whitfield",
    "|",
)

SUBJECTS: Final = _words(
    "Agriculture|Arts and Culture|Budget|Criminal Justice|Defence|Digital Economy|Education|Elections|"
    "Employment|Energy|Environment|Finance|Firearms|Fisheries|Foreign Affairs|Health|Housing|Immigration|"
    "Indigenous Affairs|Infrastructure|Labour|Official Languages|Pensions|Privacy|Public Safety|Science|"
    "Taxation|Telecommunications|Trade|Transportation|Veterans|Water",
    "|",
)
SUBJECTS_FR: Final = {
    "Agriculture": "l'agriculture", "Arts and Culture": "les arts et la culture", "Budget": "le budget",
    "Criminal Justice": "la justice pénale", "Defence": "la défense", "Digital Economy": "l'économie numérique",
    "Education": "l'éducation", "Elections": "les élections", "Employment": "l'emploi", "Energy": "l'énergie",
    "Environment": "l'environnement", "Finance": "les finances", "Firearms": "les armes à feu",
    "Fisheries": "les pêches", "Foreign Affairs": "les affaires étrangères", "Health": "la santé",
    "Housing": "le logement", "Immigration": "l'immigration", "Indigenous Affairs": "les affaires autochtones",
    "Infrastructure": "les infrastructures", "Labour": "le travail", "Official Languages": "les langues officielles",
    "Pensions": "les pensions", "Privacy": "la protection de la vie privée", "Public Safety": "la sécurité publique",
    "Science": "la science", "Taxation": "la fiscalité", "Telecommunications": "les télécommunications",
    "Trade": "le commerce", "Transportation": "les transports", "Veterans": "les anciens combattants",
    "Water": "l'eau",
}  # fmt: skip
COMMITTEES: Final = (
    # name, subject focus, subcommittee name or ""
    ("Standing Committee on Finance", "Finance", "Subcommittee on Tax Fairness"),
    ("Standing Committee on Health", "Health", "Subcommittee on Mental Health"),
    ("Standing Committee on Justice and Human Rights", "Criminal Justice", "Subcommittee on Human Rights"),
    ("Standing Committee on Environment and Sustainable Development", "Environment", ""),
    ("Standing Committee on Industry and Technology", "Digital Economy", "Subcommittee on Artificial Intelligence"),
    ("Standing Committee on Agriculture and Food", "Agriculture", ""),
    ("Standing Committee on Public Safety and National Security", "Public Safety", ""),
    ("Standing Committee on Transport and Infrastructure", "Transportation", ""),
    ("Standing Committee on Citizenship and Immigration", "Immigration", ""),
    ("Standing Committee on National Defence", "Defence", ""),
    ("Standing Committee on Official Languages", "Official Languages", ""),
    ("Standing Committee on Procedure and House Affairs", "Elections", ""),
)
MINISTRIES: Final = (
    "Prime Minister", "Minister of Finance", "Minister of Health", "Minister of Justice", "Minister of Defence",
    "Minister of Foreign Affairs", "Minister of the Environment", "Minister of Industry", "Minister of Labour",
    "Minister of Transport", "Minister of Agriculture", "Minister of Immigration", "Minister of Public Safety",
    "Minister of Housing", "Minister of Education", "Minister of Energy", "Minister of Digital Affairs",
    "Minister of Veterans Affairs", "Minister of Official Languages", "President of the Treasury Board",
)  # fmt: skip
STATUS_STAGES: Final = (
    # action description, classification, status after it
    ("Introduction and first reading", "introduction", "first reading"),
    ("Second reading", "reading-2", "second reading"),
    ("Referred to committee", "referral-committee", "in committee"),
    ("Committee report presented", "committee-passage", "reported by committee"),
    ("Report stage concluded", "amendment-passage", "report stage"),
    ("Third reading and passage", "reading-3", "passed"),
    ("Royal assent", "became-law", "enacted"),
)
DOCUMENT_AFTER: Final = {0: "First reading", 3: "As amended by committee", 5: "As passed by the House"}


class DemoDataError(RuntimeError):
    """Demo data cannot be loaded into this database (the message says why; nothing was changed)."""


def _id(kind: str, seed: int, *key: object) -> str:
    return ocd_id(kind, DATASET, seed, *key)


def member_number(person: int) -> str:
    return f"M{person:05d}"


# --- the generated dataset ---------------------------------------------------------------------------


@dataclass
class Segment:
    """A stretch of a seat held by one person for one party (one chamber membership row)."""

    person: int
    party: int | None  # index into PARTIES, None = independent
    start: date
    end: date | None
    term: int  # index into terms (0 = the term before the covered ones)


@dataclass
class SessionInfo:
    id: str
    term: int
    identifier: str
    start: date
    end: date | None
    days: list[date]


@dataclass
class Vote:
    when: date
    bill_id: str | None
    motion: str
    motion_fr: str
    classification: list[str]
    number: int
    options: array[int] = field(default_factory=lambda: array("b"))
    occupants: list[int] = field(default_factory=list)


@dataclass
class DemoData:
    """The generated parliament: the records of one import (``bundle``) and the votes whose ballot rows are built
    when the loader COPYs them (``bundle.pending_ballots``, see :meth:`pending`)."""

    seed: int
    scale: int
    bundle: Bundle
    votes: list[tuple[str, Vote]]
    person_names: list[str]
    person_ids: list[str]

    @property
    def ballot_count(self) -> int:
        return sum(len(v.options) for _, v in self.votes)

    def counts(self) -> dict[str, int]:
        """Rows per table the data fills."""
        bundle = self.bundle
        bills = bundle.bills
        return {
            "jurisdictions": len(bundle.jurisdictions),
            "organizations": len(bundle.organizations),
            "areas": len(bundle.areas),
            "posts": len(bundle.posts),
            "legislative_periods": len(bundle.periods),
            "sessions": len(bundle.sessions),
            "people": len(bundle.people),
            "person_identifiers": sum(len(p.identifiers) for p in bundle.people),
            "memberships": len(bundle.memberships),
            "bills": len(bills),
            "bill_sponsorships": sum(len(b.sponsorships or ()) for b in bills),
            "bill_actions": sum(len(b.actions or ()) for b in bills),
            "bill_documents": sum(len(b.documents or ()) for b in bills),
            "vote_events": len(bundle.vote_events),
            "vote_counts": sum(len(v.counts) for v in bundle.vote_events),
            "ballots": self.ballot_count,
        }

    def vote_ballots(self, vote_id: str, vote: Vote) -> list[BallotRow]:
        """One vote's ballot rows, in ordinal order (seat order on the vote's day)."""
        names, ids = self.person_names, self.person_ids
        return [
            (vote_id, ordinal, ids[person], names[person], OPTIONS[option])
            for ordinal, (person, option) in enumerate(zip(vote.occupants, vote.options, strict=True))
        ]

    def ballots(self) -> Iterator[BallotRow]:
        """Every ballot row, in primary-key order."""
        for vote_id, vote in sorted(self.votes, key=lambda item: item[0]):
            yield from self.vote_ballots(vote_id, vote)

    def pending(self) -> Bundle:
        """The bundle with every vote's ballots pending (built as the loader COPYs them); the bundle is the
        loader's to consume, so each load takes a fresh one."""
        bundle = dataclasses.replace(self.bundle, ballots=[], pending_ballots=[])
        bundle.pending_ballots = [
            (vote_id, len(vote.options), partial(self.vote_ballots, vote_id, vote)) for vote_id, vote in self.votes
        ]
        return bundle


class _Generator:
    def __init__(self, scale: int, seed: int) -> None:
        if not 1 <= scale <= MAX_SCALE:
            raise DemoDataError(f"--scale must be between 1 and {MAX_SCALE}, got {scale}")
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.bundle = Bundle(source=SOURCE)
        self.person_names: list[str] = []
        self.person_ids: list[str] = []
        self._used_names: set[str] = set()
        self.party_ids = [_id("organization", seed, "party", abbr) for _, abbr, _, _ in PARTIES]
        self.legislature_id = _id("organization", seed, "legislature")
        self.chamber_id = _id("organization", seed, "chamber")
        self.cabinet_id = _id("organization", seed, "executive")

    # -- helpers ----------------------------------------------------------------------------------

    def sitting_days(self, start: date, end: date) -> list[date]:
        """Weekdays (Mon-Thu) outside the summer and winter recesses."""
        days = []
        day = start
        while day <= end:
            recess = day.month in (7, 8) or (day.month == 12 and day.day > 15) or (day.month == 1 and day.day < 25)
            if day.weekday() < 4 and not recess:
                days.append(day)
            day += timedelta(days=1)
        return days

    def new_person(self) -> int:
        rng = self.rng
        while True:
            given, gender = rng.choice(GIVEN_NAMES)
            family = rng.choice(FAMILY_NAMES)
            name = f"{given} {family}"
            if name not in self._used_names:
                break
            # Common names repeat in real parliaments too, but distinct names make the demo easier to read.
            given = f"{given} {rng.choice('ABCDEFGHJKLMNPRSTW')}."
            name = f"{given} {family}"
            if name not in self._used_names:
                break
        self._used_names.add(name)
        index = len(self.person_ids)
        person_id = _id("person", self.seed, index)
        slug = f"{index:05d}-{family.lower().replace(' ', '-').replace(chr(39), '')}"
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 365 * 45))
        local = f"{given.split()[0]}.{family}".lower().replace(" ", "").replace("'", "")
        other_names = []
        if rng.random() < 0.08:  # a birth name, as Popolo other_names record it (searchable)
            other_names.append({"name": f"{given} {rng.choice(FAMILY_NAMES)}", "note": "birth name"})
        self.bundle.people.append(
            PersonRec(
                id=person_id,
                name=name,
                sort_name=f"{family}, {given}",
                identifiers=[(MEMBER_SCHEME, member_number(index))],
                given_name=given,
                family_name=family,
                other_names=other_names,
                contact_details=[
                    {"type": "voice", "value": f"+1-555-01{rng.randrange(100):02d}", "note": "Parliament office"},
                    {"type": "address", "value": "Room 100, Demo Parliament Buildings", "note": "Parliament office"},
                ],
                links=[{"url": f"{SITE}/members/{slug}", "note": "Member page (synthetic)"}],
                gender=gender,
                birth_date=born.isoformat(),
                email=f"{local}@demo-parliament.example",
                extras=SYNTHETIC,
                dataset=DATASET,
                record=f"person {index}",
            )
        )
        self.person_names.append(name)
        self.person_ids.append(person_id)
        return index

    def pick_party(self, weights: Sequence[float]) -> int | None:
        if self.rng.random() < INDEPENDENT_SHARE:
            return None
        return self.rng.choices(range(len(PARTIES)), weights=weights)[0]

    # -- structure ------------------------------------------------------------------------------

    def build(self) -> DemoData:
        self.jurisdiction_and_organizations()
        self.districts()
        self.terms_and_sessions()
        self.seats()
        self.chamber_memberships()
        self.cabinet_and_committees()
        self.bills_and_votes()
        return DemoData(
            seed=self.seed,
            scale=self.scale,
            bundle=self.bundle,
            votes=self.votes,
            person_names=self.person_names,
            person_ids=self.person_ids,
        )

    def jurisdiction_and_organizations(self) -> None:
        extras = {**SYNTHETIC, "seed": self.seed, "scale": self.scale, "generator": "openpolicy demo-data"}
        self.bundle.jurisdictions.append(
            JurisdictionRec(
                id=JURISDICTION_ID, name=JURISDICTION_NAME, country="zz", classification="legislature",
                url=f"{SITE}/", division_id=DIVISION_PREFIX, extras=extras,
            )
        )  # fmt: skip
        founded = CURRENT_TERM_START - timedelta(days=365 * TERM_YEARS * (self.scale + 1))
        links = [{"url": f"{SITE}/", "note": "synthetic"}]
        organizations = self.bundle.organizations
        organizations.append(OrganizationRec(
            id=self.legislature_id, name=JURISDICTION_NAME, classification="legislature",
            jurisdiction_id=JURISDICTION_ID, abbreviation="DP", founding_date=founded, links=links, extras=SYNTHETIC,
        ))  # fmt: skip
        organizations.append(OrganizationRec(
            id=self.chamber_id, name="House of Assembly (synthetic)", classification="chamber",
            jurisdiction_id=JURISDICTION_ID, parent_id=self.legislature_id, chamber="unicameral", abbreviation="HoA",
            founding_date=founded, links=links, extras=SYNTHETIC,
        ))  # fmt: skip
        organizations.append(OrganizationRec(
            id=self.cabinet_id, name="Cabinet (synthetic)", classification="executive", jurisdiction_id=JURISDICTION_ID,
            abbreviation="Cabinet", founding_date=founded, links=links, extras=SYNTHETIC,
        ))  # fmt: skip
        for party_id, (name, abbr, color, _) in zip(self.party_ids, PARTIES, strict=True):
            organizations.append(OrganizationRec(
                id=party_id, name=f"{name} (synthetic)", classification="party", jurisdiction_id=JURISDICTION_ID,
                abbreviation=abbr, founding_date=founded, color=color,
                links=[{"url": f"{SITE}/parties/{abbr.lower()}", "note": "synthetic"}], extras=SYNTHETIC,
            ))  # fmt: skip

    def districts(self) -> None:
        rng = self.rng
        self.area_ids: list[str] = []
        self.area_names: list[str] = []
        self.post_ids: list[str] = []
        region_ids = []
        for r, region in enumerate(REGIONS):
            region_id = f"{DIVISION_PREFIX}/region:{region.lower().replace(' ', '_')}"
            region_ids.append(region_id)
            self.bundle.areas.append(
                AreaRec(region_id, region, JURISDICTION_ID, "region", f"R{r + 1}", None, extras=SYNTHETIC)
            )
        used: set[str] = set()
        for seat in range(SEATS):
            while True:
                base = rng.choice(PLACE_STEMS) + rng.choice(PLACE_SUFFIXES)
                roll = rng.random()
                if roll < 0.25:
                    base = f"{base} {rng.choice(DISTRICT_QUALIFIERS)}"
                elif roll < 0.4:
                    base = f"{base}—{rng.choice(PLACE_STEMS)}{rng.choice(PLACE_SUFFIXES)}"
                if base not in used:
                    break
            used.add(base)
            number = f"{seat + 1:03d}"
            area_id = f"{DIVISION_PREFIX}/ed:{number}"
            self.bundle.areas.append(AreaRec(
                area_id, base, JURISDICTION_ID, "district", number, region_ids[seat % len(REGIONS)], extras=SYNTHETIC
            ))  # fmt: skip
            post_id = _id("post", self.seed, number)
            self.bundle.posts.append(PostRec(
                post_id, self.chamber_id, f"Member for {base}", area_id=area_id, role="member", extras=SYNTHETIC
            ))  # fmt: skip
            self.area_ids.append(area_id)
            self.area_names.append(base)
            self.post_ids.append(post_id)

    def terms_and_sessions(self) -> None:
        """Terms 0..N (0 = the term before the covered ones), each with two sessions (none for term 0)."""
        self.term_starts: list[date] = []
        self.term_ends: list[date | None] = []
        self.term_ids: list[str] = []
        self.sessions: list[SessionInfo] = []
        self._members_cache: dict[date, list[Segment]] = {}
        for t in range(self.scale + 1):
            start = CURRENT_TERM_START.replace(year=CURRENT_TERM_START.year - TERM_YEARS * (self.scale - t))
            self.term_starts.append(start)
        for t in range(self.scale + 1):
            end = self.term_starts[t + 1] - timedelta(days=1) if t < self.scale else None
            self.term_ends.append(end)
            number = CURRENT_TERM_NUMBER - self.scale + t
            term_id = _id("legislative-period", self.seed, number)
            self.term_ids.append(term_id)
            self.bundle.periods.append(PeriodRec(
                term_id, JURISDICTION_ID, str(number), f"{number}th Parliament (synthetic)",
                organization_id=self.legislature_id, start_date=self.term_starts[t], end_date=end, extras=SYNTHETIC,
            ))  # fmt: skip
            if t == 0:
                continue
            start = self.term_starts[t]
            last_day = end or AS_OF
            middle = start + (last_day - start) // SESSIONS_PER_TERM
            bounds = [(start, middle), (middle + timedelta(days=1), end)]
            for s, (s_start, s_end) in enumerate(bounds, start=1):
                identifier = f"{number}-{s}"
                session_id = _id("session", self.seed, identifier)
                self.bundle.sessions.append(SessionRec(
                    session_id, JURISDICTION_ID, identifier,
                    f"{number}th Parliament, {'1st' if s == 1 else '2nd'} session (synthetic)",
                    legislative_period_id=term_id, classification="primary", start_date=s_start, end_date=s_end,
                    extras=SYNTHETIC,
                ))  # fmt: skip
                days = self.sitting_days(s_start, min(s_end or AS_OF, AS_OF))
                self.sessions.append(SessionInfo(session_id, t, identifier, s_start, s_end, days))

    def seats(self) -> None:
        """Who holds each seat when: elections, by-elections, floor crossings."""
        rng = self.rng
        self.segments: list[list[Segment]] = [[] for _ in range(SEATS)]
        base = [share for *_, share in PARTIES]
        self.governing: list[int] = []
        for t in range(self.scale + 1):
            # Each election swings the parties a little.
            weights = [max(0.01, w * rng.uniform(0.75, 1.3)) for w in base]
            start, end = self.term_starts[t], self.term_ends[t]
            for seat in range(SEATS):
                previous = self.segments[seat][-1] if self.segments[seat] else None
                if t == 0 and rng.random() >= 0.7:
                    continue  # term 0 only holds the earlier seats of the first covered term's incumbents
                if previous is not None and (t == 1 or rng.random() < 0.7):
                    person, party = previous.person, previous.party
                else:
                    person, party = self.new_person(), self.pick_party(weights)
                self.segments[seat].append(Segment(person, party, start, end, t))
            # Between elections: by-elections (2 % of seats) and floor crossings (1 %), covered terms only.
            if t == 0:
                self.governing.append(self._largest(t))
                continue
            last_day = end or AS_OF
            span = (last_day - start).days
            for seat in range(SEATS):
                roll = rng.random()
                if roll >= 0.03 or span < 60:
                    continue
                current = self.segments[seat][-1]
                change = start + timedelta(days=rng.randrange(30, span - 20))
                current.end = change
                if roll < 0.02:
                    person, party = self.new_person(), self.pick_party(weights)
                else:
                    others = [p for p in range(len(PARTIES)) if p != current.party]
                    person, party = current.person, rng.choice(others)
                self.segments[seat].append(Segment(person, party, change + timedelta(days=1), end, t))
            self.governing.append(self._largest(t))

    def _largest(self, term: int) -> int:
        seats = [0] * len(PARTIES)
        for segments in self.segments:
            for seg in segments:
                if seg.term == term and seg.party is not None and seg.start == self.term_starts[term]:
                    seats[seg.party] += 1
        return max(range(len(PARTIES)), key=lambda p: seats[p])

    def chamber_memberships(self) -> None:
        for seat, segments in enumerate(self.segments):
            for n, seg in enumerate(segments):
                self.bundle.memberships.append(
                    MembershipRec(
                        id=_id("membership", self.seed, "chamber", seat, n),
                        person_id=self.person_ids[seg.person],
                        organization_id=self.chamber_id,
                        on_behalf_of_id=self.party_ids[seg.party] if seg.party is not None else None,
                        area_id=self.area_ids[seat],
                        post_id=self.post_ids[seat],
                        legislative_period_id=self.term_ids[seg.term],
                        role="member",
                        label=f"Member for {self.area_names[seat]}",
                        start_date=seg.start,
                        end_date=seg.end,
                        extras=SYNTHETIC,
                    )
                )

    def members_on(self, day: date) -> list[Segment]:
        """The seat holders on ``day``, in seat order (call only after :meth:`seats`)."""
        cached = self._members_cache.get(day)
        if cached is not None:
            return cached
        out = []
        for segments in self.segments:
            for seg in segments:
                if seg.start <= day and (seg.end is None or day <= seg.end):
                    out.append(seg)
                    break
        self._members_cache[day] = out
        return out

    def cabinet_and_committees(self) -> None:
        rng = self.rng
        self.ministers: dict[int, list[tuple[int, str]]] = {}  # term → [(person, role)]
        for t in range(1, self.scale + 1):
            start = self.term_starts[t]
            party = self.governing[t]
            pool = [seg for seg in self.members_on(start) if seg.party == party]
            chosen = rng.sample(pool, min(len(MINISTRIES), len(pool)))
            self.ministers[t] = []
            for role, seg in zip(MINISTRIES, chosen, strict=False):
                stop = seg.end  # the seat's end (by-election, floor crossing, term end) ends the portfolio
                self.bundle.memberships.append(MembershipRec(
                    _id("membership", self.seed, "cabinet", t, role), self.person_ids[seg.person], self.cabinet_id,
                    on_behalf_of_id=self.party_ids[party], legislative_period_id=self.term_ids[t], role=role,
                    label=role, start_date=start, end_date=stop, extras=SYNTHETIC,
                ))  # fmt: skip
                self.ministers[t].append((seg.person, role))

        self.committee_ids: list[str] = []
        founded = self.term_starts[1]
        for c, (name, subject, _) in enumerate(COMMITTEES):
            committee_id = _id("organization", self.seed, "committee", c)
            self.committee_ids.append(committee_id)
            self.bundle.organizations.append(OrganizationRec(
                id=committee_id, name=f"{name} (synthetic)", classification="committee",
                jurisdiction_id=JURISDICTION_ID, parent_id=self.chamber_id, founding_date=founded,
                links=[{"url": f"{SITE}/committees/{c}"}],
                extras={**SYNTHETIC, "subject": subject},
            ))  # fmt: skip
        subcommittees = []
        for c, (_, subject, sub) in enumerate(COMMITTEES):
            if sub:
                sub_id = _id("organization", self.seed, "subcommittee", c)
                subcommittees.append((sub_id, c))
                self.bundle.organizations.append(OrganizationRec(
                    id=sub_id, name=f"{sub} (synthetic)", classification="subcommittee",
                    jurisdiction_id=JURISDICTION_ID, parent_id=self.committee_ids[c], founding_date=founded,
                    links=[{"url": f"{SITE}/committees/{c}/sub"}], extras={**SYNTHETIC, "subject": subject},
                ))  # fmt: skip
        for info in self.sessions:
            session_id, t, s_start, s_end = info.id, info.term, info.start, info.end
            members = self.members_on(s_start)
            governing = self.governing[t]
            for c, committee_id in enumerate(self.committee_ids):
                chosen = rng.sample(members, 10)
                chosen.sort(key=lambda seg: (seg.party != governing, rng.random()))
                roster = []
                for n, seg in enumerate(chosen):
                    role = "chair" if n == 0 else "vice-chair" if n == len(chosen) - 1 else "member"
                    roster.append(seg)
                    self._committee_membership(session_id, committee_id, seg, role, s_start, s_end, t)
                for sub_id, parent in subcommittees:
                    if parent == c:
                        for n, seg in enumerate(rng.sample(roster, 5)):
                            role = "chair" if n == 0 else "member"
                            self._committee_membership(session_id, sub_id, seg, role, s_start, s_end, t)

    def _committee_membership(
        self, session_id: str, org_id: str, seg: Segment, role: str, start: date, end: date | None, term: int
    ) -> None:
        stop = end
        if seg.end is not None and (stop is None or seg.end < stop):
            stop = seg.end  # leaving the House ends committee work
        self.bundle.memberships.append(MembershipRec(
            _id("membership", self.seed, "committee", session_id, org_id, seg.person), self.person_ids[seg.person],
            org_id, on_behalf_of_id=self.party_ids[seg.party] if seg.party is not None else None,
            legislative_period_id=self.term_ids[term], role=role, label=role.capitalize(), start_date=start,
            end_date=stop, extras=SYNTHETIC,
        ))  # fmt: skip

    # -- bills and votes ------------------------------------------------------------------------

    def bills_and_votes(self) -> None:
        n_sessions = len(self.sessions)
        bills_total = BILLS_PER_SCALE * self.scale
        votes_total = VOTES_PER_SCALE * self.scale
        self.votes: list[tuple[str, Vote]] = []
        for s, info in enumerate(self.sessions):
            n_bills = bills_total // n_sessions + (1 if s < bills_total % n_sessions else 0)
            n_votes = votes_total // n_sessions + (1 if s < votes_total % n_sessions else 0)
            readings = self.session_bills(info, n_bills)
            self.session_votes(info, n_votes, readings)

    def session_bills(self, info: SessionInfo, count: int) -> list[tuple[str, str, date, bool, int]]:
        """Bills of a session; returns their readings: (bill id, motion stem, date, passed, reading 2|3)."""
        rng = self.rng
        session_id, term, days = info.id, info.term, info.days
        readings: list[tuple[str, str, date, bool, int]] = []
        government = max(1, count // 4)
        ministers = self.ministers[term]
        governing = self.governing[term]
        last_index = len(days) - 1
        for b in range(count):
            is_government = b < government
            number = 2 + b if is_government else 201 + (b - government)
            identifier = f"C-{number}"
            bill_id = _id("bill", self.seed, info.identifier, identifier)
            subjects = sorted(rng.sample(SUBJECTS, rng.choice((1, 1, 2, 2, 3))))
            topic = subjects[0]
            title, title_fr = self.bill_title(topic, number)
            start_index = rng.randrange(0, max(1, int(last_index * 0.9)))
            when = days[start_index]
            # How far the bill gets: government bills go further; a share is defeated at second reading.
            target = rng.choices(range(len(STATUS_STAGES)), weights=(30, 20, 15, 10, 8, 7, 10) if is_government
                                 else (60, 15, 8, 6, 4, 4, 3))[0]  # fmt: skip
            defeated = not is_government and target >= 1 and rng.random() < 0.25
            if defeated:
                target = 1
            actions = []
            index = start_index
            for stage in range(target + 1):
                if stage:
                    index += rng.randint(2, 25)
                    if index > last_index:
                        break
                description, classification, status = STATUS_STAGES[stage]
                if stage == 2:
                    committee = self.committee_for(topic)
                    description = f"Referred to the {COMMITTEES[committee][0]}"
                if defeated and stage == 1:
                    description, classification, status = "Second reading negatived", "reading-2", "defeated"
                actions.append((days[index], description, classification, status))
                if stage in (1, 5):
                    passed = not (defeated and stage == 1)
                    readings.append((bill_id, f"{identifier}, {title}", days[index], passed, 2 if stage == 1 else 3))
            status = actions[-1][3]
            if info.end is not None and info.end < AS_OF and status not in ("enacted", "defeated"):
                status = "died on the order paper"
            action_recs: list[ActionRec] = []
            documents: list[BillDocumentRec] = []
            for stage, (day, description, classification, _) in enumerate(actions):
                action_recs.append(ActionRec(day, description, stage + 1, [classification], self.chamber_id))
                if stage in DOCUMENT_AFTER:
                    note = DOCUMENT_AFTER[stage]
                    slug = note.lower().replace(" ", "-")
                    url = f"{SITE}/bills/{info.identifier}/{identifier.lower()}/{slug}.html"
                    documents.append(BillDocumentRec("version", note, url, day, "text/html"))
            if is_government and ministers:
                sponsor, role = ministers[b % len(ministers)]
                sponsor_label = role
            else:
                members = self.members_on(when)
                seg = rng.choice(members)
                sponsor, sponsor_label = seg.person, "Private member"
            sponsors = [self.sponsor(sponsor, True, "sponsor")]
            if not is_government:
                for seg in rng.sample(self.members_on(when), rng.choice((0, 0, 1, 2, 3))):
                    if seg.person != sponsor:
                        sponsors.append(self.sponsor(seg.person, False, "cosponsor"))
            last = actions[-1]
            self.bundle.bills.append(BillRec(
                id=bill_id, jurisdiction_id=JURISDICTION_ID, session_id=session_id, identifier=identifier, title=title,
                title_fr=title_fr, from_organization_id=self.chamber_id, classification=["bill"], subjects=subjects,
                status=status, introduced_date=actions[0][0], latest_action_date=last[0],
                latest_action_description=last[1],
                abstract=f"Synthetic {('government' if is_government else 'private member')} bill on "
                f"{topic.lower()} sponsored by {sponsor_label}. Governing party: {PARTIES[governing][0]}.",
                sources=[{"url": f"{SITE}/bills/{identifier.lower()}", "note": "synthetic"}],
                extras={**SYNTHETIC, "government_bill": is_government},
                sponsorships=sponsors, actions=action_recs, documents=documents,
            ))  # fmt: skip
        return readings

    def sponsor(self, person: int, primary: bool, classification: str) -> SponsorshipRec:
        """A sponsor named by the person's member number, resolved by the loader as the importers' sponsors are."""
        ref = (MEMBER_SCHEME, member_number(person))
        return SponsorshipRec(self.person_names[person], primary, classification, person_ref=ref)

    def committee_for(self, topic: str) -> int:
        for c, (_, subject, _) in enumerate(COMMITTEES):
            if subject == topic:
                return c
        return self.rng.randrange(len(COMMITTEES))

    def bill_title(self, topic: str, number: int) -> tuple[str, str]:
        rng = self.rng
        fr = SUBJECTS_FR[topic]
        kind = rng.randrange(4)
        if kind == 0:
            return (f"An Act to amend the {topic} Act", f"Loi modifiant la Loi sur {fr}")
        if kind == 1:
            return (f"{topic} Modernization Act", f"Loi sur la modernisation concernant {fr}")
        if kind == 2:
            year = 2000 + number % 25
            return (f"An Act respecting {topic.lower()} ({year})", f"Loi concernant {fr} ({year})")
        return (
            f"{topic} Accountability and Transparency Act",
            f"Loi sur la responsabilité et la transparence en matière de {fr.split(' ', 1)[-1]}",
        )

    def session_votes(self, info: SessionInfo, count: int, readings: list[tuple[str, str, date, bool, int]]) -> None:
        rng = self.rng
        session_id, term, days = info.id, info.term, info.days
        on_bills = min(len(readings), int(count * 0.7))
        chosen = rng.sample(readings, on_bills)
        plans: list[tuple[date, str | None, str, str, list[str], bool | None]] = []
        for reading_bill, stem, day, reading_passed, reading in chosen:
            if reading == 2:
                motion = f"That Bill {stem}, be now read a second time and referred to a committee."
                motion_fr = (
                    f"Que le projet de loi {stem.split(',')[0]} soit maintenant lu une deuxième fois "
                    "et renvoyé à un comité."
                )
                classification = ["passage", "reading:second"]
            else:
                motion = f"That Bill {stem}, be now read a third time and do pass."
                motion_fr = (
                    f"Que le projet de loi {stem.split(',')[0]} soit maintenant lu une troisième fois et adopté."
                )
                classification = ["passage", "reading:third"]
            plans.append((day, reading_bill, motion, motion_fr, classification, reading_passed))
        motions = (
            ("That the House do now adjourn.", "Que la Chambre s'ajourne maintenant.", ["procedural"]),
            (
                "That, in the opinion of the House, the government should table a national {t} strategy.",
                "Que, de l'avis de la Chambre, le gouvernement devrait déposer une stratégie nationale sur {f}.",
                ["opposition-motion"],
            ),
            (
                "That the Main Estimates for {t} be concurred in.",
                "Que le Budget principal des dépenses pour {f} soit adopté.",
                ["budget"],
            ),
            (
                "That the question be now put on the {t} amendment.",
                "Que la question soit maintenant mise aux voix sur l'amendement concernant {f}.",
                ["amendment"],
            ),
        )
        for _ in range(count - on_bills):
            text, text_fr, classification = rng.choice(motions)
            topic = rng.choice(SUBJECTS)
            plans.append(
                (rng.choice(days), None, text.format(t=topic.lower()), text_fr.format(f=SUBJECTS_FR[topic]),
                 classification, None)
            )  # fmt: skip
        plans.sort(key=lambda plan: plan[0])
        governing = self.governing[term]
        for number, (day, bill_id, motion, motion_fr, classification, passed) in enumerate(plans, start=1):
            want_pass = passed if passed is not None else rng.random() < 0.6
            vote = Vote(day, bill_id, motion, motion_fr, classification, number)
            self.cast(vote, governing, want_pass)
            vote_id = _id("vote", self.seed, session_id, number)
            tally = [0] * len(OPTIONS)
            for option in vote.options:
                tally[option] += 1
            result = "pass" if tally[YES] > tally[NO] else "fail" if tally[NO] > tally[YES] else "tie"
            self.bundle.vote_events.append(VoteEventRec(
                id=vote_id, jurisdiction_id=JURISDICTION_ID, motion_text=motion, start_date=day, result=result,
                motion_text_fr=motion_fr, session_id=session_id, organization_id=self.chamber_id, bill_id=bill_id,
                identifier=str(number), motion_classification=classification,
                sources=[{"url": f"{SITE}/votes/{session_id[-12:]}/{number}", "note": "synthetic"}],
                extras=SYNTHETIC, counts={OPTIONS[option]: value for option, value in enumerate(tally) if value},
            ))  # fmt: skip
            self.votes.append((vote_id, vote))

    def cast(self, vote: Vote, governing: int, want_pass: bool) -> None:
        """Ballots of every seat holder on the vote's day: party lines, dissent, absences, pairs."""
        rng = self.rng
        members = self.members_on(vote.when)
        for _attempt in range(50):
            order = [p for p in range(len(PARTIES)) if p != governing]
            rng.shuffle(order)
            position = {governing: want_pass}
            seats = [0] * len(PARTIES)
            for seg in members:
                if seg.party is not None:
                    seats[seg.party] += 1
            yes_share = seats[governing] if want_pass else 0
            for p in order:
                if want_pass:
                    joins = yes_share / len(members) < 0.56
                else:
                    joins = rng.random() < 0.3 and (yes_share + seats[p]) / len(members) < 0.42
                position[p] = joins
                if joins:
                    yes_share += seats[p]
            options = array("b")
            yes = no = 0
            for seg in members:
                roll = rng.random()
                if roll < 0.06:
                    option = ABSENT
                elif roll < 0.07:
                    option = PAIRED
                elif roll < 0.075:
                    option = ABSTAIN
                else:
                    side = position[seg.party] if seg.party is not None else rng.random() < 0.5
                    if roll > 0.98:
                        side = not side  # dissent
                    option = YES if side else NO
                yes += option == YES
                no += option == NO
                options.append(option)
            if (yes > no) == want_pass and yes != no:
                break
        vote.options = options
        vote.occupants = [seg.person for seg in members]


def generate(scale: int = 1, seed: int = 1) -> DemoData:
    """Build the demo parliament in memory (deterministic for ``scale`` and ``seed``)."""
    return _Generator(scale, seed).build()


# --- loading ------------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    counts: dict[str, int]  # rows per table the demo data fills
    seconds: dict[str, float]  # generate, load (the whole run), and the run's phases ("load: ...", checks, commit)
    generate_seconds: float
    total_seconds: float
    replaced: bool  # an earlier demo parliament was in the database
    skipped: bool = False
    import_run_id: int | None = None
    changes: dict[str, dict[str, int]] = field(default_factory=dict)  # the run's counts per entity type
    deleted: dict[str, int] = field(default_factory=dict)  # entities of the earlier demo parliament deleted

    @property
    def ballots_per_second(self) -> float:
        seconds = self.seconds.get("load", 0.0)
        return self.counts.get("ballots", 0) / seconds if seconds else 0.0


Progress = Callable[[str, int, int], None]  # (phase, done, total)


async def has_data(conn: Any) -> bool:
    """True when the database holds any jurisdiction (the demo or imported data)."""
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM jurisdictions)"))


# What an earlier demo parliament holds, dependants first: (entity type, table, condition on its rows, their $2).
_DEMO_ROWS: Final = (
    ("vote", "vote_events", "jurisdiction_id = $2", JURISDICTION_ID),
    ("bill", "bills", "jurisdiction_id = $2", JURISDICTION_ID),
    ("membership", "memberships", "organization_id IN (SELECT id FROM organizations WHERE jurisdiction_id = $2)",
     JURISDICTION_ID),
    ("person", "people", "extras @> jsonb_build_object('dataset', $2::text)", DATASET),
    ("post", "posts", "organization_id IN (SELECT id FROM organizations WHERE jurisdiction_id = $2)", JURISDICTION_ID),
    ("area", "areas", "jurisdiction_id = $2", JURISDICTION_ID),
    ("session", "sessions", "jurisdiction_id = $2", JURISDICTION_ID),
    ("legislative_period", "legislative_periods", "jurisdiction_id = $2", JURISDICTION_ID),
    ("organization", "organizations", "jurisdiction_id = $2", JURISDICTION_ID),
)  # fmt: skip


async def replace_earlier(conn: Any, bundle: Bundle, run_id: int) -> Prepared:
    """Delete what an earlier demo parliament holds that ``bundle`` does not state (before the loader writes it).

    Each deletion is change-logged (``delete``) under the run, and every document showing a deleted entity is
    rebuilt (or deleted with it) in the same transaction; ballots of deleted votes go first (the whole table at
    once when it holds those only). What the bundle states stays and is upserted by the loader, so the same seed
    and scale loaded again changes nothing."""
    from openpolicy.documents import store as documents
    from openpolicy.documents.build import today

    replaced = bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM jurisdictions WHERE id = $1)", JURISDICTION_ID))
    if not replaced:
        return Prepared(details={"replaced": False})
    kept = {
        "vote": [v.id for v in bundle.vote_events],
        "bill": [b.id for b in bundle.bills],
        "membership": [m.id for m in bundle.memberships],
        "person": [p.id for p in bundle.people],
        "post": [p.id for p in bundle.posts],
        "area": [a.id for a in bundle.areas],
        "session": [s.id for s in bundle.sessions],
        "legislative_period": [p.id for p in bundle.periods],
        "organization": [o.id for o in bundle.organizations],
    }
    stale: dict[str, list[str]] = {}
    for entity, table, scope, value in _DEMO_ROWS:
        rows = await conn.fetch(
            f"SELECT id FROM {table} WHERE {scope} AND id <> ALL($1::text[]) ORDER BY id",  # noqa: S608 - constants
            kept[entity],
            value,
        )
        stale[entity] = [row["id"] for row in rows]
    shown = await documents.dependents(conn, stale)  # read before the rows that lead to them are gone
    stored_elsewhere = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM ballots b WHERE b.vote_event_id <> ALL($1::text[]))", stale["vote"]
    )
    if stored_elsewhere:
        await conn.execute("DELETE FROM ballots WHERE vote_event_id = ANY($1::text[])", stale["vote"])
    else:  # every stored ballot is one of the deleted votes'
        await conn.execute("TRUNCATE ballots")
    deleted: dict[str, int] = {}
    for entity, table, _scope, _value in _DEMO_ROWS:
        gone = await conn.fetch(f"DELETE FROM {table} WHERE id = ANY($1::text[]) RETURNING id", stale[entity])  # noqa: S608
        await conn.copy_records_to_table(
            "change_log",
            records=[(run_id, entity, row["id"], "delete") for row in gone],
            columns=["import_run_id", "entity_type", "entity_id", "operation"],
        )
        deleted[entity] = len(gone)
    day = await today(conn)
    for kind, ids in shown.items():
        await documents.rebuild(conn, kind, sorted(ids), day)
    return Prepared(details={"replaced": True, "deleted": deleted}, deleted=deleted)


# The loader's progress events that start a new phase of its work (Loader.progress).
_LOADER_PHASES: Final = {
    "ballot-copied": "load: ballot keys, children",
    "change-log": "load: change log",
    "documents": "load: documents",
}


class _Stages(Reporter):
    """Reporter of a demo run: times each phase (the run's stages, the loader's phases) and shows it on
    ``progress``."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.seconds: dict[str, float] = {}
        self.current: tuple[str, float, int] | None = None
        self.done = 0

    def stage(self, name: str, total: int | None = None) -> None:
        self.finish()
        if name == "load":  # the run's own stage: opening the transaction (LoadReport.seconds["load"] is the run)
            name = "load: begin"
        self.current = (name, time.perf_counter(), total or 0)
        self.done = 0
        if self.progress is not None:
            self.progress(name, 0, max(total or 0, 1))

    def advance(self, name: str, amount: int) -> None:
        if name in _LOADER_PHASES:
            self.stage(_LOADER_PHASES[name])
            return
        if self.current is None or name == "ballot-staged":
            return
        self.done += amount
        if self.progress is not None:
            self.progress(self.current[0], self.done, max(self.current[2], self.done, 1))

    def finish(self) -> None:
        if self.current is None:
            return
        name, started, total = self.current
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
        if self.progress is not None:
            self.progress(name, max(total, self.done, 1), max(total, self.done, 1))
        self.current = None


async def load(
    settings: Settings,
    data: DemoData,
    *,
    database_url: str,
    progress: Progress | None = None,
    generate_seconds: float = 0.0,
) -> LoadReport:
    """Load ``data`` as one import run (source ``demo``) through the loader, replacing an earlier demo parliament."""
    started = time.perf_counter()
    bundle = data.pending()
    stages = _Stages(progress)

    async def produce(conn: Any) -> Bundle:
        return bundle

    async def prepare(conn: Any, bundle: Bundle, run_id: int) -> Prepared:
        stages.stage("load: replace the earlier demo")
        prepared = await replace_earlier(conn, bundle, run_id)
        stages.stage("load: records", sum(bundle.counts().values()))
        return prepared

    try:
        report = await load_run(
            settings,
            SOURCE,
            f"generated: scale={data.scale} seed={data.seed}",
            produce,
            prepare=prepare,
            database_url=database_url,
            reporter=stages,
        )
    except ImportFailed as exc:
        if exc.run_id is None:  # no import_runs table: nothing was written
            raise DemoDataError(str(exc)) from None
        raise DemoDataError(f"the demo data could not be loaded (import run {exc.run_id}): {exc}") from exc
    finally:
        stages.finish()
    load_seconds = time.perf_counter() - started
    return LoadReport(
        counts=data.counts(),
        seconds={"generate": generate_seconds, "load": load_seconds, **stages.seconds},
        generate_seconds=generate_seconds,
        total_seconds=load_seconds + generate_seconds,
        replaced=bool(report.details.get("replaced")),
        import_run_id=report.run_id,
        changes=report.counts,
        deleted=dict(report.details.get("deleted", {})),
    )


async def _schema_and_data(database_url: str) -> bool:
    """Whether the database holds any jurisdiction; DemoDataError when it has no schema yet."""
    import asyncpg

    from openpolicy.db.engine import to_asyncpg_dsn

    conn = await asyncpg.connect(to_asyncpg_dsn(database_url), timeout=30)
    try:
        if await conn.fetchval("SELECT to_regclass('public.jurisdictions') IS NULL"):
            raise DemoDataError("the database has no schema yet: run `openpolicy migrate` first")
        return await has_data(conn)
    finally:
        await conn.close()


def generate_and_load(
    database_url: str,
    *,
    scale: int = 1,
    seed: int = 1,
    if_empty: bool = False,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> LoadReport:
    """Generate and load in one call (sync; the CLI and tests use this). With ``if_empty`` nothing is loaded into
    a database holding data. ``settings`` (default: the environment's) audit the run and name the Redis whose api
    cache it invalidates."""
    from openpolicy.config import load_settings

    has = asyncio.run(_schema_and_data(database_url))
    if if_empty and has:
        return LoadReport({}, {}, 0.0, 0.0, replaced=False, skipped=True)
    with collector_paused():
        t0 = time.perf_counter()
        if progress is not None:
            progress("generate", 0, 1)
        data = generate(scale, seed)
        generated = time.perf_counter() - t0
        if progress is not None:
            progress("generate", 1, 1)
        return asyncio.run(
            load(
                settings or load_settings(),
                data,
                database_url=database_url,
                progress=progress,
                generate_seconds=generated,
            )
        )
