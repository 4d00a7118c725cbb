"""A small deterministic parliament for api tests, and an in-process api client.

``load_dataset(url)`` inserts the records below into a migrated database (ids are fixed strings, dates fixed),
so tests can assert exact results. The dataset covers what the /v1 filters need:

* two jurisdictions (Canada: legislature, House, Senate; US: House), three Canadian parties and one US party;
* districts with posts; people with current and past seats, a party switch mid-session (Henri Hébert: Liberal
  until 2022-06-30, Conservative from 2022-07-01), a party given as a party membership instead of "on behalf of"
  (Chloé Côté), a former member (David Dubois), a senator without party, committee chair and members;
* bills: C-21 (English and French titles, two sponsors inserted cosponsor first, three actions, versions and a
  document), C-210, C-3 "Budget Implementation Act" and C-59 "Budget Implementation Act, 2023, No. 1",
  S-5 (Senate), M-1 (no actions: NULL dates), H.R. 1 (US);
* votes: V1 ballots agree with counts, V2 disagrees, V3 a French motion, V4 in the Senate, V5 in the US House;
  every ballot option appears (yes, no, absent, not voting, paired) plus a voter not matched to a person.

``ApiClient`` runs the real app (``create_app`` + its lifespan) on an event loop in a background thread and
offers a synchronous ``get``: tests stay plain functions while requests go through httpx's ASGITransport.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpx

from openpolicy.config import load_settings

T = TypeVar("T")

D = dt.date

J_CA = "ocd-jurisdiction/country:ca/legislature"
J_US = "ocd-jurisdiction/country:us/legislature"
CA_PARL = "ocd-organization/ca-parliament"
CA_HOUSE = "ocd-organization/ca-house"
CA_SENATE = "ocd-organization/ca-senate"
US_HOUSE = "ocd-organization/us-house"
LIB = "ocd-organization/party-lib"
CON = "ocd-organization/party-con"
NDP = "ocd-organization/party-ndp"
DEM = "ocd-organization/party-dem"
FINA = "ocd-organization/committee-fina"
FINA_SUB = "ocd-organization/committee-fina-agenda"
HESA = "ocd-organization/committee-hesa"

AJAX = "ocd-division/country:ca/ed:35001"
ALGOMA = "ocd-division/country:ca/ed:35002"
BEAUCE = "ocd-division/country:ca/ed:24001"
CALGARY = "ocd-division/country:ca/ed:48001"
BURNABY = "ocd-division/country:ca/ed:59001"
CA12 = "ocd-division/country:us/state:ca/cd:12"

PERIOD_44 = "ocd-legislative-period/ca-44"
S44_1 = "ocd-session/ca-44-1"
S118 = "ocd-session/us-118"

ALICE = "ocd-person/alice"
BOB = "ocd-person/bob"
CHLOE = "ocd-person/chloe"
DAVID = "ocd-person/david"
EMMA = "ocd-person/emma"
FRANK = "ocd-person/frank"
GRACE = "ocd-person/grace"
HENRI = "ocd-person/henri"
PEOPLE = (ALICE, BOB, CHLOE, DAVID, EMMA, FRANK, GRACE, HENRI)

C21 = "ocd-bill/ca-44-1-c-21"
C210 = "ocd-bill/ca-44-1-c-210"
C3 = "ocd-bill/ca-44-1-c-3"
C59 = "ocd-bill/ca-44-1-c-59"
S5 = "ocd-bill/ca-44-1-s-5"
M1 = "ocd-bill/ca-44-1-m-1"
HR1 = "ocd-bill/us-118-hr-1"
BILLS = (C21, C210, C3, C59, S5, M1, HR1)

V1 = "ocd-vote/ca-44-1-101"
V2 = "ocd-vote/ca-44-1-250"
V3 = "ocd-vote/ca-44-1-180"
V4 = "ocd-vote/ca-44-1-s-12"
V5 = "ocd-vote/us-118-h-20"
VOTES = (V1, V2, V3, V4, V5)

# Vote dates, oldest to newest: V1 2022-06-23, V4 2022-12-01, V3 2023-03-01, V2 2023-06-01, V5 2023-03-30.


def _records() -> list[Any]:
    from openpolicy.db import models as m

    def org(id_: str, name: str, cls: str, **kw: Any) -> Any:
        return m.Organization(id=id_, name=name, classification=cls, **kw)

    def person(id_: str, name: str, given: str, family: str, **kw: Any) -> Any:
        return m.Person(id=id_, name=name, given_name=given, family_name=family, sort_name=f"{family}, {given}", **kw)

    def ms(id_: str, person_id: str, org_id: str, start: D | None, end: D | None = None, **kw: Any) -> Any:
        return m.Membership(
            id=f"ocd-membership/{id_}",
            person_id=person_id,
            organization_id=org_id,
            start_date=start,
            end_date=end,
            **kw,
        )

    start44 = D(2021, 11, 22)
    records: list[Any] = [
        m.Jurisdiction(id=J_CA, name="Parliament of Canada", country="ca", url="https://www.parl.ca"),
        m.Jurisdiction(id=J_US, name="United States Congress", country="us", url="https://www.congress.gov"),
        org(CA_PARL, "Parliament of Canada", "legislature", jurisdiction_id=J_CA),
        org(CA_HOUSE, "House of Commons", "chamber", jurisdiction_id=J_CA, parent_id=CA_PARL, chamber="lower"),
        org(CA_SENATE, "Senate", "chamber", jurisdiction_id=J_CA, parent_id=CA_PARL, chamber="upper"),
        org(US_HOUSE, "House of Representatives", "chamber", jurisdiction_id=J_US, chamber="lower"),
        org(LIB, "Liberal Party of Canada", "party", jurisdiction_id=J_CA, abbreviation="LPC", color="#d71920"),
        org(CON, "Conservative Party of Canada", "party", jurisdiction_id=J_CA, abbreviation="CPC", color="#1a4782"),
        org(NDP, "New Democratic Party", "party", jurisdiction_id=J_CA, abbreviation="NDP", color="#f37021"),
        org(DEM, "Democratic Party", "party", jurisdiction_id=J_US, abbreviation="D"),
        org(FINA, "Standing Committee on Finance", "committee", jurisdiction_id=J_CA, parent_id=CA_HOUSE),
        org(FINA_SUB, "Subcommittee on Agenda and Procedure", "subcommittee", jurisdiction_id=J_CA, parent_id=FINA),
        org(HESA, "Standing Committee on Health", "committee", jurisdiction_id=J_CA, parent_id=CA_HOUSE),
        m.Area(id=AJAX, name="Ajax", identifier="35001", jurisdiction_id=J_CA),
        m.Area(id=ALGOMA, name="Algoma—Manitoulin—Kapuskasing", identifier="35002", jurisdiction_id=J_CA),
        m.Area(id=BEAUCE, name="Beauce", identifier="24001", jurisdiction_id=J_CA),
        m.Area(id=CALGARY, name="Calgary Centre", identifier="48001", jurisdiction_id=J_CA),
        m.Area(id=BURNABY, name="Burnaby South", identifier="59001", jurisdiction_id=J_CA),
        m.Area(id=CA12, name="California 12th", identifier="CA-12", classification="congressional district"),
        m.LegislativePeriod(
            id=PERIOD_44,
            jurisdiction_id=J_CA,
            organization_id=CA_PARL,
            identifier="44",
            name="44th Parliament",
            start_date=start44,
        ),
        m.Session(
            id=S44_1,
            jurisdiction_id=J_CA,
            legislative_period_id=PERIOD_44,
            identifier="44-1",
            name="44th Parliament, 1st Session",
            start_date=start44,
            end_date=D(2025, 1, 6),
        ),
        m.Session(id=S118, jurisdiction_id=J_US, identifier="118", name="118th Congress", start_date=D(2023, 1, 3)),
    ]
    records += [
        m.Post(id=f"ocd-post/{area.rsplit(':', 1)[1]}", organization_id=CA_HOUSE, area_id=area, label=f"MP for {area}")
        for area in (AJAX, ALGOMA, BEAUCE, CALGARY, BURNABY)
    ]
    records += [
        person(
            ALICE,
            "Alice Anderson",
            "Alice",
            "Anderson",
            gender="female",
            birth_date="1970-04",
            email="alice@example.org",
            other_names=[{"name": "Ally Anderson", "note": "nickname"}],
            contact_details=[{"type": "voice", "value": "613-555-0101", "label": "Ottawa office"}],
            links=[{"url": "https://example.org/alice"}],
        ),
        person(BOB, "Bob Brown", "Bob", "Brown"),
        person(CHLOE, "Chloé Côté", "Chloé", "Côté"),
        person(DAVID, "David Dubois", "David", "Dubois"),
        person(EMMA, "Emma Evans", "Emma", "Evans"),
        person(FRANK, "Frank Fischer", "Frank", "Fischer"),
        person(GRACE, "Grace Green", "Grace", "Green"),
        person(HENRI, "Henri Hébert", "Henri", "Hébert"),
        m.PersonIdentifier(person_id=ALICE, scheme="parl.gc.ca", identifier="100001"),
        m.PersonIdentifier(person_id=ALICE, scheme="wikidata", identifier="Q1000001"),
        # Alice: Liberal for Ajax now; Conservative for Algoma in the 42nd Parliament (past).
        ms(
            "alice-44",
            ALICE,
            CA_HOUSE,
            start44,
            on_behalf_of_id=LIB,
            area_id=AJAX,
            post_id="ocd-post/35001",
            legislative_period_id=PERIOD_44,
            role="member",
            label="MP for Ajax",
        ),
        ms("alice-42", ALICE, CA_HOUSE, D(2015, 12, 3), D(2019, 9, 11), on_behalf_of_id=CON, area_id=ALGOMA),
        ms("alice-fina", ALICE, FINA, D(2022, 1, 31), role="chair"),
        ms("bob-44", BOB, CA_HOUSE, start44, on_behalf_of_id=CON, area_id=ALGOMA),
        ms("bob-fina", BOB, FINA, D(2022, 1, 31), role="member"),
        ms("bob-hesa", BOB, HESA, D(2022, 1, 31), D(2022, 12, 31), role="vice-chair"),
        # Chloé: the seat has no party; her party is a membership of the party organization.
        ms("chloe-44", CHLOE, CA_HOUSE, start44, area_id=BEAUCE),
        ms("chloe-ndp", CHLOE, NDP, D(2010, 1, 1)),
        ms("chloe-fina", CHLOE, FINA, D(2022, 2, 1), role="member"),
        ms("david-43", DAVID, CA_HOUSE, D(2019, 12, 5), D(2021, 9, 20), on_behalf_of_id=LIB, area_id=CALGARY),
        ms("emma-senate", EMMA, CA_SENATE, D(2018, 6, 1)),
        ms("frank-44", FRANK, CA_HOUSE, start44, on_behalf_of_id=CON, area_id=CALGARY),
        ms("grace-118", GRACE, US_HOUSE, D(2023, 1, 3), on_behalf_of_id=DEM, area_id=CA12),
        ms("henri-lib", HENRI, CA_HOUSE, start44, D(2022, 6, 30), on_behalf_of_id=LIB, area_id=BURNABY),
        ms("henri-con", HENRI, CA_HOUSE, D(2022, 7, 1), on_behalf_of_id=CON, area_id=BURNABY),
    ]

    def bill(id_: str, identifier: str, title: str, **kw: Any) -> Any:
        kw.setdefault("session_id", S44_1)
        kw.setdefault("jurisdiction_id", J_CA)
        kw.setdefault("from_organization_id", CA_HOUSE)
        kw.setdefault("classification", ["bill"])
        return m.Bill(id=id_, identifier=identifier, title=title, **kw)

    records += [
        bill(
            C21,
            "C-21",
            "An Act to amend certain Acts and to make certain consequential amendments (firearms)",
            title_fr="Loi modifiant certaines lois et apportant des modifications corrélatives (armes à feu)",
            subjects=["Firearms", "Public Safety"],
            status="Royal Assent",
            introduced_date=D(2022, 5, 30),
            latest_action_date=D(2023, 12, 15),
            latest_action_description="Royal Assent",
            abstract="Amends the Criminal Code and the Firearms Act.",
        ),
        bill(
            C210,
            "C-210",
            "Climate Accountability Act",
            subjects=["Environment"],
            status="Second Reading",
            introduced_date=D(2022, 2, 1),
            latest_action_date=D(2022, 3, 1),
        ),
        bill(
            C3,
            "C-3",
            "Budget Implementation Act",
            subjects=["Budget", "Taxation"],
            status="Royal Assent",
            introduced_date=D(2021, 11, 25),
            latest_action_date=D(2021, 12, 17),
        ),
        bill(
            C59,
            "C-59",
            "Budget Implementation Act, 2023, No. 1 and taxes on budget matters",
            subjects=["Budget"],
            status="Second Reading",
            introduced_date=D(2023, 11, 30),
            latest_action_date=D(2023, 12, 1),
        ),
        bill(
            S5,
            "S-5",
            "Strengthening Environmental Protection for a Healthier Canada Act",
            title_fr="Loi sur le renforcement de la protection de l'environnement pour un Canada en santé",
            subjects=["Environment", "Health"],
            status="Royal Assent",
            from_organization_id=CA_SENATE,
            introduced_date=D(2022, 2, 9),
            latest_action_date=D(2023, 6, 13),
        ),
        bill(M1, "M-1", "Motion respecting the housing crisis", classification=["motion"]),
        bill(
            HR1,
            "H.R. 1",
            "Lower Energy Costs Act",
            session_id=S118,
            jurisdiction_id=J_US,
            from_organization_id=US_HOUSE,
            subjects=["Energy"],
            status="Passed House",
            introduced_date=D(2023, 3, 14),
            latest_action_date=D(2023, 3, 30),
        ),
    ]
    records += [
        # Inserted cosponsor first: the api must list the primary sponsor first anyway.
        m.BillSponsorship(
            bill_id=C21, person_id=FRANK, name="Frank Fischer", primary=False, classification="cosponsor"
        ),
        m.BillSponsorship(bill_id=C21, person_id=ALICE, name="Alice Anderson", primary=True),
        m.BillSponsorship(bill_id=C210, person_id=CHLOE, name="Chloé Côté", primary=True),
        m.BillSponsorship(bill_id=C3, name="Minister of Finance", primary=True),
        m.BillSponsorship(bill_id=S5, person_id=EMMA, name="Emma Evans", primary=True),
        m.BillSponsorship(bill_id=HR1, person_id=GRACE, name="Grace Green", primary=False, classification="cosponsor"),
        m.BillAction(
            bill_id=C21,
            organization_id=CA_HOUSE,
            date=D(2023, 12, 15),
            description="Royal Assent",
            classification=["became-law"],
            order=3,
        ),
        m.BillAction(
            bill_id=C21,
            organization_id=CA_HOUSE,
            date=D(2022, 5, 30),
            description="Introduction and first reading",
            classification=["introduction", "reading-1"],
            order=1,
        ),
        m.BillAction(
            bill_id=C21,
            organization_id=CA_HOUSE,
            date=D(2022, 6, 23),
            description="Second reading",
            classification=["reading-2"],
            order=2,
        ),
        m.BillDocument(
            bill_id=C21,
            kind="version",
            note="First Reading",
            date=D(2022, 5, 30),
            url="https://example.org/c-21/first-reading",
            media_type="text/html",
        ),
        m.BillDocument(
            bill_id=C21,
            kind="version",
            note="Royal Assent",
            date=D(2023, 12, 15),
            url="https://example.org/c-21/royal-assent",
            media_type="application/pdf",
        ),
        m.BillDocument(
            bill_id=C21,
            kind="document",
            note="Legislative Summary",
            date=D(2022, 6, 1),
            url="https://example.org/c-21/summary",
        ),
    ]

    def vote(id_: str, date: D, motion: str, result: str, **kw: Any) -> Any:
        kw.setdefault("jurisdiction_id", J_CA)
        kw.setdefault("session_id", S44_1)
        kw.setdefault("organization_id", CA_HOUSE)
        return m.VoteEvent(id=id_, start_date=date, motion_text=motion, result=result, **kw)

    records += [
        vote(
            V1,
            D(2022, 6, 23),
            "That Bill C-21 be now read a second time",
            "pass",
            bill_id=C21,
            identifier="101",
            motion_classification=["passage", "reading-2"],
        ),
        vote(
            V2,
            D(2023, 6, 1),
            "That Bill C-21 be now read a third time and do pass",
            "pass",
            bill_id=C21,
            identifier="250",
            motion_classification=["passage"],
        ),
        vote(
            V3,
            D(2023, 3, 1),
            "Opposition motion on housing affordability",
            "fail",
            identifier="180",
            motion_text_fr="Motion de l'opposition sur l'abordabilité du logement",
        ),
        vote(
            V4,
            D(2022, 12, 1),
            "That Bill S-5 be read a third time",
            "pass",
            bill_id=S5,
            organization_id=CA_SENATE,
            identifier="12",
        ),
        vote(
            V5,
            D(2023, 3, 30),
            "On passage of H.R. 1",
            "pass",
            bill_id=HR1,
            jurisdiction_id=J_US,
            session_id=S118,
            organization_id=US_HOUSE,
            identifier="20",
        ),
    ]

    def counts(vote_id: str, **values: int) -> list[Any]:
        return [m.VoteCount(vote_event_id=vote_id, option=k.replace("_", " "), value=v) for k, v in values.items()]

    def ballots(vote_id: str, *entries: tuple[str | None, str, str]) -> list[Any]:
        return [
            m.Ballot(vote_event_id=vote_id, ordinal=i, person_id=pid, voter_name=name, option=option)
            for i, (pid, name, option) in enumerate(entries)
        ]

    records += counts(V1, yes=3, no=1, absent=1)
    records += ballots(
        V1,
        (ALICE, "Alice Anderson", "yes"),
        (BOB, "Bob Brown", "no"),
        (CHLOE, "Chloé Côté", "yes"),
        (HENRI, "Henri Hébert", "yes"),
        (FRANK, "Frank Fischer", "absent"),
    )
    # Published counts disagree with the ballots: yes 4 (3 ballots), not voting 0 (1 ballot).
    records += counts(V2, yes=4, no=1)
    records += ballots(
        V2,
        (ALICE, "Alice Anderson", "yes"),
        (BOB, "Bob Brown", "yes"),
        (CHLOE, "Chloé Côté", "no"),
        (HENRI, "Henri Hébert", "yes"),
        (FRANK, "Frank Fischer", "not voting"),
    )
    records += counts(V3, yes=2, no=2, paired=1)
    records += ballots(
        V3,
        (ALICE, "Alice Anderson", "no"),
        (BOB, "Bob Brown", "yes"),
        (FRANK, "Frank Fischer", "yes"),
        (CHLOE, "Chloé Côté", "paired"),
        (None, "Unknown Member", "no"),
    )
    records += counts(V4, yes=1)
    records += ballots(V4, (EMMA, "Emma Evans", "yes"))
    records += counts(V5, yes=1)
    records += ballots(V5, (GRACE, "Grace Green", "yes"))
    return records


async def insert_records(url: str, records: list[Any]) -> None:
    """Insert ORM records, one table at a time in foreign-key order (the models have few relationships)."""
    from openpolicy.db.engine import create_engine, create_sessionmaker
    from openpolicy.db.models import Base

    order = {table.name: i for i, table in enumerate(Base.metadata.sorted_tables)}
    by_table: dict[str, list[Any]] = {}
    for record in records:
        by_table.setdefault(record.__table__.name, []).append(record)
    engine = create_engine(load_settings(database_url=url), url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            for name in sorted(by_table, key=order.__getitem__):
                session.add_all(by_table[name])
                await session.flush()
    finally:
        await engine.dispose()


def load_dataset(url: str) -> None:
    """Insert the deterministic dataset into the (migrated, empty) database at ``url``, and its documents (the read
    model the api serves: the records are inserted directly, not by an import)."""
    asyncio.run(insert_records(url, _records()))
    rebuild_documents(url)


def rebuild_documents(url: str) -> dict[str, int]:
    """``openpolicy documents rebuild`` on ``url``: every document from the facts, in one transaction."""
    import asyncpg

    from openpolicy.db.engine import to_asyncpg_dsn
    from openpolicy.documents.store import rebuild_all

    async def run() -> dict[str, int]:
        conn = await asyncpg.connect(to_asyncpg_dsn(url))
        try:
            async with conn.transaction():
                return await rebuild_all(conn)
        finally:
            await conn.close()

    return asyncio.run(run())


class ApiClient:
    """The real api app (``create_app`` with its lifespan) behind httpx's ASGITransport, on a background loop."""

    def __init__(self, database_url: str, **settings: Any) -> None:
        from openpolicy.api.app import create_app

        self.settings = load_settings(database_url=database_url, **settings)
        self.app = create_app(self.settings)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="api-test-loop", daemon=True)
        self._thread.start()
        self._lifespan = self.app.router.lifespan_context(self.app)
        self.run(self._lifespan.__aenter__())
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver")

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def get(self, path: str, params: Any = None, **kwargs: Any) -> httpx.Response:
        return self.run(self.client.get(path, params=params, **kwargs))

    def close(self) -> None:
        try:
            self.run(self.client.aclose())
            self.run(self._lifespan.__aexit__(None, None, None))
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)
            self.loop.close()


@contextmanager
def api_client(database_url: str, **settings: Any) -> Iterator[ApiClient]:
    client = ApiClient(database_url, **settings)
    try:
        yield client
    finally:
        client.close()


@contextmanager
def dataset_api(prefix: str = "openpolicy_test_routers") -> Iterator[ApiClient]:
    """A fresh migrated database holding the dataset, and the api in front of it (both gone afterwards)."""
    from tests.support import temporary_database

    with temporary_database(prefix) as url:
        load_dataset(url)
        with api_client(url) as client:
            yield client


def ids(response: httpx.Response) -> list[str]:
    """The ids of a list response (asserting it is a 200 page)."""
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["results"]]


def assert_problem(response: httpx.Response, status: int, parameter: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem with ``status`` naming ``parameter`` (when given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if parameter is not None:
        assert body.get("parameter") == parameter, body
    return body
