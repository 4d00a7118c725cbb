"""/v1/speeches: interventions in debates, filtered by person, debate, date, language and full text.

``q`` is PostgreSQL full text on the speeches' stored ``search_vector`` (English text in ``openpolicy_english``,
French in ``openpolicy_french``, the speaker's name in ``openpolicy_simple``; accents removed): the query is read
in English and in French (OR-ed), so ``president elu`` finds « président élu ». A person's speeches
(``/v1/people/{id}/speeches``, in :mod:`openpolicy.api.routers.people`) use :func:`speech_statement`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy import ColumnElement, Text, bindparam, cast, func, literal_column, select

from openpolicy.api import documents as docs
from openpolicy.api import filters as f
from openpolicy.api.deps import Database, get_database
from openpolicy.api.pagination import AnySelect, Listing, ListQuery, SortKey, Sorts
from openpolicy.api.queries import debates as q
from openpolicy.api.queries.common import within
from openpolicy.db.models import Debate, Speech
from openpolicy.documents.schemas import Language, SpeechPage, SpeechSummary

router = APIRouter(prefix="/speeches", tags=["debates"])

# By the debate's date, then by place within the debate (unique): ``-date`` (the default) is the newest debate
# first, its last speech first; ``date`` the oldest first, in the order spoken.
_POSITION = Speech.debate_id + ":" + func.lpad(cast(Speech.ordinal, Text), 7, "0") + ":" + Speech.language
SORTS = Sorts({"date": SortKey(Debate.date, "date")}, default="-date", tiebreak=_POSITION)


def full_text(value: str) -> ColumnElement[bool]:
    """``value`` (web-search syntax) read in English or in French matches the speech's ``search_vector``."""
    english = func.websearch_to_tsquery(literal_column("'openpolicy_english'::regconfig"), value)
    french = func.websearch_to_tsquery(literal_column("'openpolicy_french'::regconfig"), value)
    return Speech.search_vector.op("@@")(english.op("||")(french))


class PersonSpeechFilters(f.Filters):
    """The filters of ``/v1/people/{id}/speeches``."""

    debate: Annotated[f.OptText, f.text("Only speeches of this debate (id).")] = None
    lang: Annotated[Language | None, f.Choice, Query(description="Only texts in this language.")] = None
    date_after: Annotated[f.OptDate, f.when("Debates on or after this date.", example="2024-01-01")] = None
    date_before: Annotated[f.OptDate, f.when("Debates on or before this date.", example="2024-12-31")] = None
    q: Annotated[
        f.OptText,
        f.text("Full text, English and French, accents ignored (web-search syntax).", example="président élu"),
    ] = None


class SpeechFilters(PersonSpeechFilters):
    """The filters of ``/v1/speeches``."""

    person: Annotated[f.OptText, f.text("Only speeches of this person (id).")] = None


def speech_statement(filters: Any, *, person: ColumnElement[Any] | str | None = None) -> AnySelect:
    """The speeches ``filters`` (a :class:`PersonSpeechFilters`) select, of ``person`` when given."""
    stmt = select(Speech.id).join(Debate, Debate.id == Speech.debate_id)
    if person is not None:
        stmt = stmt.where(Speech.person_id == person)
    if filters.debate:
        stmt = stmt.where(Speech.debate_id == filters.debate)
    if filters.lang:
        stmt = stmt.where(Speech.language == filters.lang)
    stmt = stmt.where(*within(Debate.date, filters.date_after, filters.date_before))
    if filters.q:
        stmt = stmt.where(full_text(filters.q))
    return stmt


SPEECHES = ListQuery(SORTS, SpeechFilters)
PERSON_SPEECHES = ListQuery(SORTS, PersonSpeechFilters)


@router.get("", summary="List speeches", response_model=SpeechPage, openapi_extra=SPEECHES.openapi)
async def list_speeches(
    db: Annotated[Database, Depends(get_database)],
    query: Annotated[Listing[SpeechFilters], Depends(SPEECHES)],
) -> Response:
    """Speeches with their speaker (as published and resolved, with party and district on the day), debate and
    section; newest debate first (its last speech first), ``sort=date`` for the order spoken."""
    filters = query.filters
    build = lambda: speech_statement(filters, person=filters.person)  # noqa: E731 - the page's statement
    return await docs.sql_list_response(db, query.shape, build, query.page, q.SPEECHES_PAGE, kind="speech")


async def person_speeches(db: Database, query: Listing[PersonSpeechFilters], person_id: str) -> Response:
    """A page of ``person_id``'s speeches (a 404 problem when there is no such person)."""
    filters = query.filters
    return await docs.sql_list_response(
        db,
        ("person speeches", query.shape),
        lambda: speech_statement(filters, person=bindparam("person_id")),
        query.page,
        q.PERSON_SPEECHES_PAGE,
        person_id,
        kind="person",
        ident=person_id,
        bound={"person_id": person_id},
    )


@router.get(
    "/{speech_id:path}",
    summary="One speech",
    response_model=SpeechSummary,
    responses={404: {"description": "Unknown id"}},
)
async def get_speech(speech_id: str, db: Annotated[Database, Depends(get_database)]) -> Response:
    """One speech with its speaker, debate and section."""
    return await docs.sql_detail_response(db, "speech_detail", q.SPEECH_DETAIL, "speech", speech_id)
