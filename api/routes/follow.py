"""Follow-through: action items (list, change), feeds to watch, feedback on results, digests."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from api import feeds
from api.deps import KB, Contributor, FilterQuery, Reader
from api.problems import PROBLEM_SCHEMA, Problem
from kb.actions import ActionError
from kb.backends import FACETS
from kb.core import Actor
from kb.feedback import FeedbackError, NotFound
from kb.filters import FilterError
from kb.search import SearchError
from kb.taxonomy import resolve

router = APIRouter(tags=["follow-through"])
ERRORS: dict[int | str, dict[str, Any]] = {code: PROBLEM_SCHEMA for code in (401, 403, 404, 422)}
FEED_LIMIT = 50


def _checked(request: Request, allowed: tuple[str, ...]) -> None:
    """A feed or listing with a parameter it does not know is refused, naming the ones it does."""
    unknown = sorted({k for k in request.query_params if k not in allowed})
    if unknown:
        raise Problem(
            422,
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
            f"valid: {', '.join(allowed)}",
        )


def _actions(kb: Any, **options: Any) -> list[dict[str, Any]]:
    try:
        return kb.actions(**options)  # type: ignore[no-any-return]
    except (ActionError, FilterError) as exc:
        raise Problem(422, str(exc)) from None


ACTION_PARAMS = ("status", "overdue", "owner", "limit", *FACETS)


@router.get("/actions", responses=ERRORS)
def list_actions(
    request: Request,
    kb: KB,
    who: Reader,
    filters: FilterQuery,
    status: Annotated[str, Query(description="open, done, dropped or all")] = "open",
    overdue: bool = False,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> dict[str, Any]:
    """Action items of current documents, overdue ones first; the document filters narrow them."""
    _checked(request, ACTION_PARAMS)
    items = _actions(kb, status=status, overdue=overdue, owner=owner, filters=filters, limit=limit)
    return {"actions": items, "count": len(items)}


@router.get("/actions/recurring", responses=ERRORS)
def recurring_actions(
    kb: KB,
    who: Reader,
    filters: FilterQuery,
    min_documents: Annotated[int, Query(ge=2, le=100)] = 2,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """The same action asked for in several documents, grouped by meaning."""
    try:
        groups = kb.recurring_actions(filters=filters, min_documents=min_documents, limit=limit)
    except FilterError as exc:
        raise Problem(422, str(exc)) from None
    return {"recurring": groups, "count": len(groups)}


class ActionChange(BaseModel):
    status: str | None = Field(default=None, max_length=20, description="open, done or dropped")
    owner: str | None = Field(default=None, max_length=200)

    model_config = {"json_schema_extra": {"examples": [{"status": "done"}]}}


@router.patch("/actions/{action_id}", responses=ERRORS)
def change_action(action_id: str, change: ActionChange, kb: KB, who: Contributor) -> dict[str, Any]:
    """Change an item's status or owner; the change and who made it go into the audit trail."""
    try:
        item = kb.update_action(
            action_id, status=change.status, owner=change.owner, actor=Actor(who.name, "api")
        )
    except ActionError as exc:
        raise Problem(422, str(exc)) from None
    if item is None:
        raise Problem(404, f"no action item with id {action_id!r}; list them with GET /actions")
    return item  # type: ignore[no-any-return]


# --- feeds ------------------------------------------------------------------------------------


def _atom(body: bytes) -> Response:
    return Response(body, media_type=feeds.MEDIA_TYPE)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _page(base: str, document_id: str, unit_id: str | None) -> str:
    """The document's page, at the unit when there is one."""
    return f"{base}/doc/{document_id}" + (f"#unit-{unit_id}" if unit_id else "")


@router.get("/feeds/patterns/{pattern}.atom", responses=ERRORS, response_class=Response)
def pattern_feed(pattern: str, request: Request, kb: KB, who: Reader) -> Response:
    """New documents showing a failure pattern, newest first, each with the sentence that shows it."""
    _checked(request, ())
    try:
        name = resolve(pattern)
    except ValueError as exc:
        raise Problem(404, str(exc)) from None
    docs = kb.pattern_documents(name, limit=FEED_LIMIT)
    base = _base(request)
    entries = [
        feeds.Entry(
            id=f"pattern/{name}/document/{d['id']}",
            title=d["title"],
            updated=d["ingested_at"],
            link=_page(base, d["id"], d.get("unit_id")),
            summary=(d.get("evidence") or d.get("summary") or "")[:1000],
            categories=tuple(x for x in (d.get("kind"), d.get("department")) if x),
        )
        for d in docs
    ]
    return _atom(
        feeds.render(
            feed_id=f"pattern/{name}",
            title=f"PoC Lessons KB: documents showing {name}",
            self_url=str(request.url),
            alternate=f"{base}/?pattern={name}",
            entries=entries,
        )
    )


@router.get("/feeds/search.atom", responses=ERRORS, response_class=Response)
def search_feed(
    request: Request,
    kb: KB,
    who: Reader,
    filters: FilterQuery,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """A saved search as a feed: its results, one entry a document, newest first."""
    _checked(request, ("q", "limit", *FACETS))
    try:
        result = kb.search(q, filters=filters, limit=limit, group=True)
    except (SearchError, FilterError) as exc:
        raise Problem(422, str(exc)) from None
    base = _base(request)
    hits = result["hits"]  # in rank order; each entry dated by when its document was stored
    stored = {
        d: (kb.store.get_document(d) or {}).get("ingested_at")
        for d in {h["document_id"] for h in hits}
    }
    query = request.url.query
    entries = [
        feeds.Entry(
            id=f"search/{h['document_id']}/{h.get('unit_id') or 'document'}",
            title=h["title"],
            updated=stored.get(h["document_id"]) or "",
            link=_page(base, h["document_id"], h.get("unit_id")),
            summary=(h.get("text") or h.get("snippet") or "")[:1000],
            categories=tuple(h.get("patterns") or ()),
        )
        for h in hits
    ]
    return _atom(
        feeds.render(
            feed_id=f"search?{query}",
            title=f"PoC Lessons KB: {q}",
            self_url=str(request.url),
            alternate=f"{base}/?{query}",
            entries=entries,
        )
    )


@router.get("/feeds/actions.atom", responses=ERRORS, response_class=Response)
def actions_feed(
    request: Request,
    kb: KB,
    who: Reader,
    filters: FilterQuery,
    owner: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """Open action items (overdue first), for one owner or all."""
    _checked(request, ("owner", *FACETS))
    items = _actions(kb, status="open", owner=owner, filters=filters, limit=FEED_LIMIT)
    base = _base(request)
    entries = [
        feeds.Entry(
            id=f"action/{a['id']}",
            title=("OVERDUE: " if a["overdue"] else "") + a["text"][:200],
            updated=a.get("edited_at") or a.get("document_ingested_at") or "",
            link=_page(base, a["document_id"], a["unit_id"]),
            summary=f"{a['owner'] or 'no owner'}; due {a['due'] or a['due_text'] or 'not given'}; "
            f"from {a['document_title']}",
            categories=("overdue",) if a["overdue"] else (),
        )
        for a in items
    ]
    who_for = f" for {owner}" if owner else ""
    return _atom(
        feeds.render(
            feed_id=f"actions?{request.url.query}",
            title=f"PoC Lessons KB: open action items{who_for}",
            self_url=str(request.url),
            alternate=f"{base}/action-items"
            + (f"?{request.url.query}" if request.url.query else ""),
            entries=entries,
        )
    )


# --- feedback and digests -------------------------------------------------------------------


class Vote(BaseModel):
    vote: Literal["up", "down"]
    context: Literal["search", "charter"] = "search"
    query: str | None = Field(default=None, max_length=2000)
    unit_id: str | None = Field(default=None, max_length=100)
    document_id: str | None = Field(default=None, max_length=100)
    comment: str | None = Field(default=None, max_length=2000)

    model_config = {
        "json_schema_extra": {
            "examples": [{"vote": "up", "query": "demo data", "unit_id": "4bd81dcb06ef-004"}]
        }
    }


@router.post("/feedback", status_code=201, responses=ERRORS)
def post_feedback(vote: Vote, kb: KB, who: Reader) -> dict[str, Any]:
    """A thumbs up or down on a search result or a charter suggestion (it re-ranks nothing)."""
    try:
        return kb.add_feedback(actor=Actor(who.name, "api"), **vote.model_dump())  # type: ignore[no-any-return]
    except NotFound as exc:
        raise Problem(404, str(exc)) from None
    except FeedbackError as exc:
        raise Problem(422, str(exc)) from None


@router.get("/feedback/stats", responses=ERRORS)
def feedback_stats(
    kb: KB, who: Reader, since: Annotated[str | None, Query(max_length=30)] = None
) -> dict[str, Any]:
    """Votes in all, by context and by query, and the results voted down most."""
    try:
        return kb.feedback_stats(since=since)  # type: ignore[no-any-return]
    except ValueError as exc:
        raise Problem(422, str(exc)) from None


@router.get("/digest", responses=ERRORS)
def get_digest(
    kb: KB,
    who: Reader,
    since: Annotated[str, Query(max_length=30)] = "7d",
    format: Literal["json", "markdown"] = "json",
) -> Any:
    """What was added, which patterns recurred, which action items fell overdue."""
    from kb.digest import markdown

    try:
        result = kb.digest(since=since)
    except ValueError as exc:
        raise Problem(422, str(exc)) from None
    if format == "markdown":
        return PlainTextResponse(markdown(result), media_type="text/markdown; charset=utf-8")
    return result
