"""The site's pages: each reads the api through the typed client and renders one template.

Every filter lives in the URL (GET forms), so every state of a list is a shareable link; pagination follows the
api's keyset cursors ("Next page" carries ``cursor``, "First page" drops it). Every page gets ``demo_data`` (the
banner of the synthetic demo parliament, :mod:`openpolicy.web.notice`).

A section a record leaves empty reads "not published by the source" when the source cannot have stated it: a
bill's sponsors, actions and texts, a vote's counts or ballots, a person's memberships; a person's committees
and votes, or a bill's votes, when the record's jurisdiction holds no committee or no vote at all.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from openpolicy.web import types as s
from openpolicy.web.charts import PartyRow, vote_by_party_svg
from openpolicy.web.client import ApiClient, ApiNotFound
from openpolicy.web.feeds import VOTE_FILTERS, feed_link
from openpolicy.web.views import cursor_of, query_with, web_path

router = APIRouter(include_in_schema=False)

Text = Annotated[str | None, Query(max_length=200)]
SEARCH_TYPES = {"person": "People", "bill": "Bills", "vote": "Votes"}


def _api(request: Request) -> ApiClient:
    client: ApiClient = request.app.state.api
    return client


async def _render(request: Request, template: str, **context: Any) -> Response:
    demo = await request.app.state.demo.current(_api(request))
    renderer = request.app.state.renderer
    response: Response = renderer.page(template, demo_data=demo, **context)
    return response


async def _holds_any(api: ApiClient, path: str, jurisdiction: str | None) -> bool:
    """True when the api lists at least one record at ``path`` (``/v1/votes``, ``/v1/committees``) for the
    jurisdiction; a jurisdiction that holds none means its sources do not publish them."""
    if jurisdiction is None:
        return False
    page = await api.get_json(path, {"jurisdiction": jurisdiction, "limit": 1})
    return bool(page["results"])


@router.get("/organizations/{organization_id:path}")
async def organization(request: Request, organization_id: str) -> Response:
    """An organization found by search: a committee's page, a party's members, or a chamber's people."""
    org = await _api(request).get_model(s.OrganizationDetail, f"/v1/organizations/{organization_id}")
    if org.classification in {"committee", "subcommittee"}:
        return RedirectResponse(web_path("committee", org.id), status_code=302)
    if org.classification == "party":
        return RedirectResponse(f"/people?{urlencode({'party': org.id})}", status_code=302)
    wanted = {"jurisdiction": org.jurisdiction_id} if org.jurisdiction_id else {}
    return RedirectResponse(f"/people?{urlencode(wanted)}" if wanted else "/people", status_code=302)


def _pager(request: Request, next_url: str | None, param: str = "cursor") -> dict[str, str | None]:
    params = dict(request.query_params)
    cursor = cursor_of(next_url)
    return {
        "next": f"?{query_with(params, **{param: cursor})}" if cursor else None,
        "first": f"?{query_with(params, **{param: None})}" if params.get(param) else None,
    }


async def _parties(api: ApiClient, jurisdiction: str | None = None) -> list[s.OrganizationSummary]:
    page = await api.get_model(
        s.OrganizationPage,
        "/v1/organizations",
        {"classification": "party", "jurisdiction": jurisdiction, "limit": 200, "sort": "name"},
    )
    return list(page.results)


async def _jurisdictions(api: ApiClient) -> list[s.JurisdictionSummary]:
    page = await api.get_model(s.JurisdictionPage, "/v1/jurisdictions", {"limit": 200})
    return list(page.results)


@dataclass(frozen=True)
class ListView:
    """A list page: which api list it shows, through which template, under which heading."""

    api_path: str
    model: type[BaseModel]
    template: str
    title: str
    nav: str
    description: str
    limit: int = 25


async def _list_page(
    request: Request,
    view: ListView,
    filters: dict[str, str | None],
    cursor: str | None,
    feeds: list[dict[str, str]] | None = None,
    **extra: Any,
) -> Response:
    """Fetch one page of ``view`` with ``filters`` (and the jurisdictions for the filter form), render it.

    ``extra`` values that are awaitables are fetched concurrently with the page and passed to the template.
    """
    api = _api(request)
    params: dict[str, Any] = {**filters, "cursor": cursor, "limit": view.limit}
    names = list(extra)
    page, jurisdictions, *fetched = await asyncio.gather(
        api.get_model(view.model, view.api_path, params), _jurisdictions(api), *extra.values()
    )
    return await _render(
        request,
        view.template,
        title=view.title,
        active_nav=view.nav,
        description=view.description,
        results=page.results,
        jurisdictions=jurisdictions,
        filters={key: value or "" for key, value in filters.items()},
        pager=_pager(request, page.pagination.next),
        web_path=web_path,
        feeds=feeds or [],
        **dict(zip(names, fetched, strict=True)),
    )


# --- home, search, status ------------------------------------------------------------------------------------


@router.get("/")
async def home(request: Request) -> Response:
    api = _api(request)
    stats, status, votes, bills = await asyncio.gather(
        api.get_model(s.Stats, "/v1/stats"),
        api.get_model(s.Status, "/v1/status"),
        api.get_model(s.VotePage, "/v1/votes", {"limit": 5}),
        api.get_model(s.BillPage, "/v1/bills", {"limit": 5}),
    )
    request.app.state.demo.update(status)
    return await _render(
        request,
        "home.html",
        title="Parliamentary data, open to all",
        description="Search legislators, bills and recorded votes; see how each party and each member voted.",
        stats=stats,
        data_status=status,
        votes=votes.results,
        bills=bills.results,
        web_path=web_path,
    )


@router.get("/search")
async def search(request: Request, q: Text = None, type: Annotated[str | None, Query()] = None) -> Response:
    query = (q or "").strip()
    kind = type if type in SEARCH_TYPES else None
    results: list[s.SearchResult] = []
    if query:
        found = await _api(request).get_model(s.SearchResults, "/v1/search", {"q": query, "types": kind, "limit": 50})
        results = list(found.results)
    title = f"Search results for “{query}”" if query else "Search"
    return await _render(
        request,
        "search.html",
        title=title,
        description="Search people, bills and votes.",
        query=query,
        kind=kind,
        kinds=SEARCH_TYPES,
        results=results,
        web_path=web_path,
        feeds=[
            feed_link(f"Bills, votes and speeches matching “{query}”", f"/search/feed.atom?{urlencode({'q': query})}")
        ]
        if query
        else [],
    )


@router.get("/status")
async def status_page(request: Request) -> Response:
    status = await _api(request).get_model(s.Status, "/v1/status")
    request.app.state.demo.update(status)
    return await _render(
        request,
        "status.html",
        title="Data status",
        active_nav="/status",
        description="Where the data comes from, how fresh it is, and what the data checks found.",
        data_status=status,
    )


@router.get("/docs")
async def api_docs(request: Request) -> Response:
    """The API documentation lives on the api-service (behind the ingress, /docs routes there directly)."""
    return RedirectResponse(f"{request.app.state.settings.api_url}/docs", status_code=307)


# --- people ----------------------------------------------------------------------------------------------------


PEOPLE = ListView(
    "/v1/people",
    s.PersonPage,
    "people.html",
    "People",
    "/people",
    "Legislators past and present, with their party and district.",
)


@router.get("/people")
async def people(
    request: Request,
    q: Text = None,
    jurisdiction: Text = None,
    party: Text = None,
    district: Text = None,
    current: Text = None,
    cursor: Text = None,
) -> Response:
    filters = {
        "q": q,
        "jurisdiction": jurisdiction,
        "party": party,
        "district": district,
        "current": "true" if current == "true" else None,
    }
    return await _list_page(request, PEOPLE, filters, cursor, parties=_parties(_api(request), jurisdiction))


@router.get("/people/{person_id:path}")
async def person(request: Request, person_id: str, votes_cursor: Text = None) -> Response:
    api = _api(request)
    detail, record, sponsored, speeches = await asyncio.gather(
        api.get_model(s.PersonDetail, f"/v1/people/{person_id}"),
        api.get_model(s.VotingRecordPage, f"/v1/people/{person_id}/votes", {"cursor": votes_cursor, "limit": 20}),
        api.get_model(s.BillPage, "/v1/bills", {"primary_sponsor": person_id, "limit": 10}),
        api.get_model(s.SpeechPage, f"/v1/people/{person_id}/speeches", {"limit": 10}),
    )
    party = detail.current_party.name if detail.current_party else None
    district = detail.current_district.name if detail.current_district else None
    summary = ", ".join(x for x in (party, district) if x) or "no current seat"
    publishes = {"committees": True, "votes": True}
    if not detail.committees or not record.results:
        jurisdiction = await _person_jurisdiction(api, detail)
        publishes["committees"], publishes["votes"] = await asyncio.gather(
            _holds_any(api, "/v1/committees", jurisdiction), _holds_any(api, "/v1/votes", jurisdiction)
        )
    return await _render(
        request,
        "person.html",
        title=detail.name,
        active_nav="/people",
        description=f"{detail.name} ({summary}): memberships, committees and voting record.",
        person=detail,
        publishes=publishes,
        record=record.results,
        record_pager=_pager(request, record.pagination.next, "votes_cursor"),
        sponsored=sponsored.results,
        speeches=speeches.results,
        web_path=web_path,
        feeds=[feed_link(f"{detail.name}: votes, speeches and bills", f"{web_path('person', detail.id)}/feed.atom")],
    )


async def _person_jurisdiction(api: ApiClient, detail: s.PersonDetail) -> str | None:
    """The jurisdiction of the person's chamber (or of any organization they were a member of)."""
    memberships = detail.current_memberships + detail.past_memberships
    org = detail.current_chamber or (memberships[0].organization if memberships else None)
    if org is None:
        return None
    try:
        found = await api.get_model(s.OrganizationSummary, f"/v1/organizations/{org.id}")
    except ApiNotFound:
        return None
    return found.jurisdiction_id


# --- bills -----------------------------------------------------------------------------------------------------


BILLS = ListView(
    "/v1/bills",
    s.BillPage,
    "bills.html",
    "Bills",
    "/bills",
    "Bills before the legislatures, with their status and latest action.",
)


@router.get("/bills")
async def bills(
    request: Request,
    q: Text = None,
    jurisdiction: Text = None,
    session: Text = None,
    status: Text = None,
    subject: Text = None,
    sponsor: Text = None,
    cursor: Text = None,
) -> Response:
    filters = {
        "q": q,
        "jurisdiction": jurisdiction,
        "session": session,
        "status": status,
        "subject": subject,
        "sponsor": sponsor,
    }
    return await _list_page(request, BILLS, filters, cursor)


# The stages of a bill's way to law (the statuses of openpolicy.ingest.sources.billstatus), in order.
STAGES = ("introduced", "in committee", "passed one chamber", "passed both", "enacted")


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # done | current | todo | stopped


def bill_steps(detail: s.BillDetail) -> list[Step]:
    """The status stepper from introduction to law; empty when the status is not one of these stages. A vetoed
    bill passed both chambers and stopped there; a failed one stopped after the stage its actions reached."""
    status = (detail.status or "").casefold()
    if status in STAGES:
        reached, stopped = STAGES.index(status), None
    elif status == "vetoed":
        reached, stopped = STAGES.index("passed both"), "Vetoed"
    elif status == "failed":
        passed = {a.chamber for a in detail.actions if "passage" in a.classification and a.chamber}
        reached, stopped = (2 if passed else 1), "Failed"
    else:
        return []
    steps = [
        Step(label.capitalize(), "done" if i < reached or (stopped and i == reached) else "current")
        for i, label in enumerate(STAGES[: reached + 1])
    ]
    if stopped:
        return [*steps, Step(stopped, "stopped")]
    return steps + [Step(label.capitalize(), "todo") for label in STAGES[reached + 1 :]]


@router.get("/bills/{bill_id:path}")
async def bill(request: Request, bill_id: str) -> Response:
    api = _api(request)
    detail = await api.get_model(s.BillDetail, f"/v1/bills/{bill_id}")
    publishes = {"votes": bool(detail.votes) or await _holds_any(api, "/v1/votes", detail.jurisdiction_id)}
    summary = next((x for x in reversed(detail.summaries) if x.text), None)
    return await _render(
        request,
        "bill.html",
        title=f"{detail.identifier}: {detail.title}"[:120],
        active_nav="/bills",
        description=f"Bill {detail.identifier} — {detail.title}"[:300] + ": status, sponsors, actions, votes.",
        bill=detail,
        steps=bill_steps(detail),
        sponsors=[x for x in detail.sponsors if x.primary],
        cosponsors=[x for x in detail.sponsors if not x.primary],
        summary=summary,
        publishes=publishes,
        web_path=web_path,
        feeds=[feed_link(f"{detail.identifier}: actions and votes", f"{web_path('bill', detail.id)}/feed.atom")],
    )


# --- votes -----------------------------------------------------------------------------------------------------


VOTES = ListView(
    "/v1/votes",
    s.VotePage,
    "votes.html",
    "Votes",
    "/votes",
    "Recorded votes (divisions, roll calls) with their results.",
)


@router.get("/votes")
async def votes(
    request: Request,
    q: Text = None,
    jurisdiction: Text = None,
    session: Text = None,
    result: Text = None,
    date_after: Text = None,
    date_before: Text = None,
    cursor: Text = None,
) -> Response:
    filters = {
        "q": q,
        "jurisdiction": jurisdiction,
        "session": session,
        "result": result,
        "date_after": date_after,
        "date_before": date_before,
    }
    wanted = urlencode({k: v for k, v in filters.items() if v and k in VOTE_FILTERS})
    feed = feed_link("Latest votes", f"/votes/feed.atom?{wanted}" if wanted else "/votes/feed.atom")
    return await _list_page(request, VOTES, filters, cursor, feeds=[feed])


@router.get("/votes/{vote_id:path}")
async def vote(request: Request, vote_id: str) -> Response:
    detail = await _api(request).get_model(s.VoteDetail, f"/v1/votes/{vote_id}")
    rows = [
        PartyRow(group.party.name if group.party else "No party recorded", group.counts) for group in detail.by_party
    ]
    chart = vote_by_party_svg(rows, title=f"How each party voted: {detail.motion[:80]}")
    return await _render(
        request,
        "vote.html",
        title=f"Vote: {detail.motion}"[:120],
        active_nav="/votes",
        description=f"{detail.motion}"[:200] + f" — {detail.result}, {detail.date}: counts and ballots by party.",
        vote=detail,
        chart=chart,
        web_path=web_path,
    )


# --- districts, committees -------------------------------------------------------------------------------------


DISTRICTS = ListView(
    "/v1/areas",
    s.AreaPage,
    "districts.html",
    "Districts",
    "/districts",
    "Electoral districts and who represents them.",
    limit=50,
)


@router.get("/districts")
async def districts(request: Request, q: Text = None, jurisdiction: Text = None, cursor: Text = None) -> Response:
    return await _list_page(request, DISTRICTS, {"q": q, "jurisdiction": jurisdiction}, cursor)


@router.get("/districts/{area_id:path}")
async def district(request: Request, area_id: str) -> Response:
    from openpolicy.web.represent import district_map

    detail = await _api(request).get_model(s.AreaDetail, f"/v1/areas/{area_id}")
    shape = await district_map(_api(request), detail.id, detail.name)
    return await _render(
        request,
        "district.html",
        shape=shape,
        title=detail.name,
        active_nav="/districts",
        description=f"{detail.name}: its seats and current representatives.",
        area=detail,
        web_path=web_path,
    )


COMMITTEES = ListView(
    "/v1/committees",
    s.OrganizationPage,
    "committees.html",
    "Committees",
    "/committees",
    "Committees and subcommittees and their members.",
    limit=50,
)


@router.get("/committees")
async def committees(request: Request, q: Text = None, jurisdiction: Text = None, cursor: Text = None) -> Response:
    return await _list_page(request, COMMITTEES, {"q": q, "jurisdiction": jurisdiction}, cursor)


@router.get("/committees/{committee_id:path}")
async def committee(request: Request, committee_id: str) -> Response:
    detail = await _api(request).get_model(s.OrganizationDetail, f"/v1/committees/{committee_id}")
    return await _render(
        request,
        "committee.html",
        title=detail.name,
        active_nav="/committees",
        description=f"{detail.name}: current members and subcommittees.",
        committee=detail,
        web_path=web_path,
    )
