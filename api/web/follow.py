"""The follow-through pages: the action items list (with status changes for contributors) and the
votes on search results and charter suggestions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import FilterQuery
from api.web.pages import Templates, page
from api.web.session import KB, CsrfChecked, PageContributor, PageReader, safe_next
from kb.actions import ActionError
from kb.backends.base import ACTION_STATUSES as STATUSES
from kb.core import Actor
from kb.feedback import FeedbackError, NotFound
from kb.filters import FilterError

router = APIRouter(include_in_schema=False)
PAGE_STATUSES = (*STATUSES, "all")


@router.get("/action-items", response_class=HTMLResponse)
def actions_page(
    request: Request,
    kb: KB,
    who: PageReader,
    templates: Templates,
    filters: FilterQuery,
    status: str = "open",
    overdue: bool = False,
    owner: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Action items from every postmortem and handoff, overdue ones first, with filters."""
    error = None
    filters = {k: [x for x in v if x] for k, v in filters.items() if any(v)}  # "any" selects ""
    try:
        items = kb.actions(
            status=status, overdue=overdue, owner=owner or None, filters=filters, limit=1000
        )
    except (ActionError, FilterError) as exc:
        error, items = str(exc), []
    counts = kb.facet_counts({})
    return page(
        templates,
        request,
        "actions.html",
        who,
        status=422 if error else 200,
        items=items,
        error=error,
        chosen_status=status,
        statuses=PAGE_STATUSES,
        overdue=overdue,
        owner=owner,
        filters=filters,
        patterns=sorted(counts.get("pattern", {})),
        departments=sorted(counts.get("department", {})),
        can_edit=who.role in ("contributor", "admin"),
        here=str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
    )


@router.post("/action-items/{action_id}", dependencies=[CsrfChecked])
def change_action(
    action_id: str,
    kb: KB,
    who: PageContributor,
    status: Annotated[str, Form(max_length=20)],
    next: Annotated[str, Form(max_length=2000)] = "/action-items",
) -> Response:
    """Mark an item done, dropped or open again (audited), then back to the list."""
    try:
        item = kb.update_action(action_id, status=status, actor=Actor(who.name, "web"))
    except ActionError:
        item = None
    if item is None:
        return RedirectResponse(safe_next(next), status_code=303)
    return RedirectResponse(safe_next(next) + f"#action-{action_id}", status_code=303)


@router.post("/vote", dependencies=[CsrfChecked])
def vote(
    request: Request,
    kb: KB,
    who: PageReader,
    templates: Templates,
    vote: Annotated[str, Form(max_length=10)],
    context: Annotated[str, Form(max_length=20)] = "search",
    query: Annotated[str, Form(max_length=2000)] = "",
    unit_id: Annotated[str, Form(max_length=100)] = "",
    document_id: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """A thumbs up or down from a page; a script gets 204, a plain form goes back where it was."""
    try:
        kb.add_feedback(
            actor=Actor(who.name, "web"),
            vote=vote,
            context=context,
            query=query,
            unit_id=unit_id or None,
            document_id=document_id or None,
        )
    except (NotFound, FeedbackError) as exc:
        return page(
            templates,
            request,
            "message.html",
            who,
            status=404 if isinstance(exc, NotFound) else 422,
            heading="That vote was not stored",
            message=str(exc),
        )
    if request.headers.get("x-csrf-token"):
        return Response(status_code=204)
    return RedirectResponse(safe_next(next), status_code=303)
