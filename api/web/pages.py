"""The pages: each route reads its input, calls the KnowledgeBase and renders a template."""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from pathlib import PurePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import Caller, FilterQuery
from api.web.session import (
    CSRF_COOKIE,
    KB,
    SESSION_COOKIE,
    Browser,
    CsrfChecked,
    PageContributor,
    PageReader,
    PageRefused,
    csrf_token,
    local_mode,
    plain_http_elsewhere,
    safe_next,
)
from ingest import DOCUMENT_FORMATS, SUFFIXES
from kb.filters import FILTERS, FilterError
from kb.search import SearchError
from kb.templates import template_text

# the whole body is bounded by the middleware in api/web/__init__.py; a pasted document is one part
router = APIRouter(include_in_schema=False, form_limits={"max_part_size": 64 * 1024 * 1024})
SEARCH_LIMIT = 20
LIST_LIMIT = 50


def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates  # type: ignore[no-any-return]


Templates = Annotated[Jinja2Templates, Depends(get_templates)]


def page(
    templates: Jinja2Templates,
    request: Request,
    name: str,
    who: Caller | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render with what every page needs: the caller, the CSRF token, the time it took."""
    started = getattr(request.state, "started", None)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "who": who,
            "csrf": csrf_token(request),
            "local": who is not None and who.name == "local",
            "path": request.url.path,
            "elapsed_ms": round((time.perf_counter() - started) * 1000) if started else None,
            **context,
        },
        status_code=status,
    )
    new = getattr(request.state, "new_csrf", None)
    if new:
        # not a credential: Secure only over https, so local mode works in every browser
        response.set_cookie(
            CSRF_COOKIE,
            new,
            httponly=True,
            secure=request.url.scheme == "https",
            samesite="lax",
            path="/",
        )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- search ---------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def search_page(
    request: Request,
    kb: KB,
    who: PageReader,
    templates: Templates,
    filters: FilterQuery,
    q: str = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=1000)] = 1,
) -> HTMLResponse:
    """Search past failures with filters; with no query, the documents the filters select."""
    q = q.strip()[:2000]
    error = None
    results: dict[str, Any] | None = None
    documents: list[dict[str, Any]] | None = None
    counts: dict[str, dict[str, int]] = {}
    per_page = SEARCH_LIMIT if q else LIST_LIMIT
    first = (page_number - 1) * per_page
    try:
        counts = kb.facet_counts(filters)
        if q:  # a page of grouped hits is the tail of the first page_number pages
            results = kb.search(q, filters=filters, limit=first + per_page, group=True)
            results["hits"] = results["hits"][first:]
        else:
            documents = kb.list_documents(filters=filters, limit=per_page, offset=first)
    except (FilterError, SearchError) as exc:
        error = str(exc)
        filters = {}
        counts = kb.facet_counts({})
    matching = sum(counts.get("kind", {}).values())  # every current document has one kind
    for facet, values in filters.items():  # a chosen value stays visible with its zero
        for value in values:
            counts.setdefault(facet, {}).setdefault(value, 0)
    return page(
        templates,
        request,
        "search.html",
        who,
        status=422 if error else 200,
        q=q,
        filters=filters,
        counts=counts,
        facets=FILTERS,
        results=results,
        documents=documents,
        error=error,
        total=sum(kb.facet_counts({})["kind"].values()) if filters else matching,
        matching=matching,
        first=first,
        per_page=per_page,
        page_number=page_number,
        page_link=lambda n: _page_link(request, n),
    )


def _page_link(request: Request, number: int) -> str:
    """This search or listing, at another page: the query and filters kept."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
    return "/?" + urlencode(items + ([("page", str(number))] if number > 1 else []))


# --- document -------------------------------------------------------------------------------


@router.get("/doc/{document_id}/original", response_class=Response)
def original_file(document_id: str, kb: KB, who: PageReader) -> Response:
    """The file the document was read from, as submitted."""
    from api.routes.documents import original_response

    found = kb.get_original(document_id)
    if found is None:
        raise PageRefused(404, f"no original file is kept for document {document_id!r}")
    return original_response(found)


@router.get("/doc/{document_id}", response_class=HTMLResponse)
def document_page(
    document_id: str, request: Request, kb: KB, who: PageReader, templates: Templates
) -> HTMLResponse:
    """The structured record with provenance, its units by kind, and lessons from other projects."""
    doc = kb.get_document(document_id)
    if doc is None:
        return page(
            templates,
            request,
            "message.html",
            who,
            status=404,
            heading="No such document",
            message=f"There is no document with the id {document_id!r}. Search for it instead.",
        )
    grouped: dict[str, list[dict[str, Any]]] = {}
    for unit in doc["units"]:
        grouped.setdefault(unit["kind"], []).append(unit)
    return page(
        templates,
        request,
        "document.html",
        who,
        doc=doc,
        grouped=grouped,
        related=kb.document_related(doc["id"], limit=8),
        stored=request.query_params.get("stored"),
    )


# --- submit ---------------------------------------------------------------------------------


@router.get("/submit", response_class=HTMLResponse)
def submit_page(request: Request, who: PageContributor, templates: Templates) -> HTMLResponse:
    return page(templates, request, "submit.html", who, form={}, error=None)


def _format_for(name: str) -> str | None:
    """The format a file name says; none for a bare name (the text is sniffed)."""
    suffix = PurePath(name).suffix.lower()
    fmt = SUFFIXES.get(suffix)
    if suffix and fmt not in (*DOCUMENT_FORMATS, "zip"):
        raise ValueError(
            f"{name}: documents can be submitted here as Markdown, text, HTML, Word, PDF, "
            "PowerPoint, OpenDocument, Excel, e-mail or a zip of them; bulk JSON/JSONL/CSV "
            "exports go through `kb import-table`"
        )
    return fmt


@router.post("/submit", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def submit_preview(
    request: Request,
    kb: KB,
    who: PageContributor,
    templates: Templates,
    content: Annotated[str, Form()] = "",
    file: UploadFile | None = None,
    filename: Annotated[str, Form(max_length=300)] = "",
    department: Annotated[str, Form(max_length=200)] = "",
    project: Annotated[str, Form(max_length=300)] = "",
) -> HTMLResponse:
    """Parse without storing: the record, warnings, redactions and duplicates, for confirmation."""
    limit = kb.settings.max_body_bytes
    form = {"content": content, "filename": filename, "department": department, "project": project}
    if file is not None and file.filename:
        data = await file.read(limit + 1)
        filename = filename or file.filename
    else:
        data = content.encode("utf-8")
    error = None
    if not data.strip():
        error = "Nothing to submit: paste the document or choose a file."
    elif len(data) > limit:
        error = f"The document is over {limit:,} bytes, the limit (KB_MAX_BODY_BYTES)."
    fmt = None
    if error is None:
        try:
            fmt = _format_for(filename or "")
        except ValueError as exc:
            error = str(exc)
    if error is not None:
        return page(templates, request, "submit.html", who, status=422, form=form, error=error)
    meta = {k: v for k, v in (("department", department), ("project", project)) if v.strip()}
    preview = await run_in_threadpool(
        kb.preview, data, source=f"web:{filename or 'pasted'}", fmt=fmt, metadata=meta
    )
    if preview["status"] == "failed":
        return page(
            templates,
            request,
            "submit.html",
            who,
            status=422,
            form=form,
            error=f"{filename or 'The pasted text'} could not be read: {preview['reason']}",
        )
    return page(
        templates,
        request,
        "preview.html",
        who,
        preview=preview,
        payload=base64.b64encode(data).decode("ascii"),
        filename=filename,
        fmt=fmt or "",
        meta=meta,
    )


@router.post("/submit/confirm", dependencies=[CsrfChecked])
async def submit_confirm(
    request: Request,
    kb: KB,
    who: PageContributor,
    templates: Templates,
    payload: Annotated[str, Form()],
    filename: Annotated[str, Form(max_length=300)] = "",
    fmt: Annotated[str, Form(max_length=20)] = "",
    department: Annotated[str, Form(max_length=200)] = "",
    project: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Store what the preview showed; the same bytes are parsed again, so nothing can differ."""
    if fmt not in ("", *DOCUMENT_FORMATS, "zip"):
        raise PageRefused(400, f"unknown format {fmt!r}; submit the document again")
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise PageRefused(
            400, "the confirmation form was damaged; submit the document again"
        ) from None
    if len(data) > kb.settings.max_body_bytes:
        raise PageRefused(413, "the document is over the size limit")
    meta = {k: v for k, v in (("department", department), ("project", project)) if v.strip()}
    results = await asyncio.wrap_future(
        kb.in_background(
            kb.submit,
            data,
            name=filename,
            actor=who.name,
            fmt=fmt or None,
            metadata=meta,
            via="web",
        )
    )
    result = results[0]
    if len(results) > 1:  # a zip or an e-mail with attachments: what became of each part
        return page(templates, request, "stored.html", who, results=results, filename=filename)
    if result.status == "failed":
        return page(
            templates,
            request,
            "submit.html",
            who,
            status=422,
            form={"filename": filename, "department": department, "project": project},
            error=f"{filename or 'The document'} was not stored: {result.reason}",
        )
    return RedirectResponse(f"/doc/{result.document_id}?stored={result.status}", status_code=303)


# --- charter assistant ----------------------------------------------------------------------


@router.get("/template/{name}", response_class=PlainTextResponse)
def template_file(name: str) -> PlainTextResponse:
    """The shipped Markdown templates, to download and fill in."""
    try:
        text = template_text(name)
    except ValueError as exc:
        raise PageRefused(404, str(exc)) from None
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")


@router.get("/charter", response_class=HTMLResponse)
def charter_page(request: Request, who: PageReader, templates: Templates) -> HTMLResponse:
    text = template_text("charter")
    return page(templates, request, "charter.html", who, text=text, template_text=text, review=None)


@router.post("/charter", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def charter_submit(
    request: Request,
    kb: KB,
    who: PageReader,
    templates: Templates,
    content: Annotated[str, Form(max_length=500_000)] = "",
) -> HTMLResponse:
    """Without JavaScript: the form posts the draft and the page comes back with the review."""
    review = await _review(kb, content)
    return page(
        templates,
        request,
        "charter.html",
        who,
        text=content,
        template_text=template_text("charter"),
        review=review,
    )


class Draft(BaseModel):
    content: str = Field(max_length=500_000)


@router.post("/charter/assist", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def charter_assist(
    request: Request, body: Draft, kb: KB, who: PageReader, templates: Templates
) -> HTMLResponse:
    """The findings and suggestions panel alone, for the editor's script to swap in."""
    review = await _review(kb, body.content)
    return page(templates, request, "_assist.html", who, review=review)


async def _review(kb: Any, text: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    from kb.charter import review

    result: dict[str, Any] = await run_in_threadpool(review, kb, text, limit=8)
    return result


# --- patterns -------------------------------------------------------------------------------


@router.get("/patterns", response_class=HTMLResponse)
def patterns_page(request: Request, kb: KB, who: PageReader, templates: Templates) -> HTMLResponse:
    """How often each failure pattern recurs, by department and by year."""
    from kb.taxonomy import patterns

    breakdown = kb.pattern_breakdown()
    definitions = {p.id: p.definition for p in patterns()}
    return page(
        templates,
        request,
        "patterns.html",
        who,
        data=breakdown,
        definitions=definitions,
        recurring=kb.recurring_actions(limit=15),
    )


# --- sign-in --------------------------------------------------------------------------------


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, kb: KB, who: Browser, templates: Templates, next: str = "/"
) -> HTMLResponse:
    return page(
        templates,
        request,
        "login.html",
        who,
        next=safe_next(next),
        error=None,
        local_mode=local_mode(request, kb),
        insecure=plain_http_elsewhere(request),
    )


@router.post("/login", dependencies=[CsrfChecked])
def login(
    request: Request,
    kb: KB,
    templates: Templates,
    key: Annotated[str, Form(max_length=500)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """A valid key goes into a Secure, HttpOnly, SameSite=Lax cookie; it is checked each request."""
    found = kb.keys.verify(key.strip()) if key.strip() else None
    if found is None:
        return page(
            templates,
            request,
            "login.html",
            None,
            status=401,
            next=safe_next(next),
            error="That key is not valid (unknown or revoked). Ask an admin for one "
            "(`kb keys create --role reader --name NAME`).",
            local_mode=local_mode(request, kb),
            insecure=plain_http_elsewhere(request),
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, key.strip(), httponly=True, secure=True, samesite="lax", path="/"
    )
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response
