"""Submit, list, read and delete documents; read units and their related lessons."""

from __future__ import annotations

import asyncio
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import KB, Admin, Contributor, FilterQuery, Reader
from api.models import Submission
from api.problems import PROBLEM_SCHEMA, Problem
from ingest import DOCUMENT_FORMATS, SUFFIXES
from kb.core import Actor
from kb.filters import FilterError
from kb.search import SearchError

SUBMITTABLE = (*DOCUMENT_FORMATS, "zip")

router = APIRouter(tags=["documents"])
ERRORS: dict[int | str, dict[str, Any]] = {
    code: PROBLEM_SCHEMA for code in (400, 401, 403, 404, 413, 415, 422)
}
_TEXT_TYPES = {
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
    "text/html": "html",
}


def _record(kb: Any, doc_id: str) -> dict[str, Any]:
    doc = kb.get_document(doc_id)
    if doc is None:
        raise Problem(404, f"no document with id {doc_id!r}; list them with GET /documents")
    doc.pop("text", None)
    doc.pop("body", None)
    return doc


def _refuse_over(limit: int, size: int) -> None:
    raise Problem(413, f"the body is {size:,} bytes; the limit is {limit:,} (KB_MAX_BODY_BYTES)")


def _format_of(name: str | None) -> str | None:
    """The document format a file name implies; bulk exports are refused (they go through the CLI)."""
    suffix = PurePath(name or "").suffix.lower()
    fmt = SUFFIXES.get(suffix)
    if suffix and fmt not in SUBMITTABLE:
        raise Problem(
            415,
            f"{name}: documents can be submitted here as Markdown, text, HTML, Word, PDF, "
            "PowerPoint, OpenDocument, Excel, e-mail or a zip of them; bulk JSON/JSONL/CSV "
            "exports go through `kb import-table`",
        )
    return fmt


async def _read_submission(
    request: Request, limit: int
) -> tuple[bytes, str, str | None, dict[str, str]]:
    """(bytes, file name, format, metadata) from a text body, a JSON body or a multipart upload."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        _refuse_over(limit, int(declared))
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    meta = {
        k: v
        for k, v in request.query_params.items()
        if k in ("department", "project", "submitter") and v
    }
    if media in _TEXT_TYPES:
        body = await request.body()
        if len(body) > limit:
            _refuse_over(limit, len(body))
        name = request.query_params.get("filename") or ""
        _format_of(name)  # a bulk file name is refused here too
        return body, name, _TEXT_TYPES[media], meta
    if media == "application/json":
        raw = await request.body()
        if len(raw) > limit:
            _refuse_over(limit, len(raw))
        try:
            sub = Submission.model_validate_json(raw)
        except ValidationError as exc:
            errors = [
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in exc.errors()
            ]
            raise Problem(
                422,
                "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors),
                errors=errors,
            ) from None
        meta.update(
            {
                k: v
                for k, v in (
                    ("department", sub.department),
                    ("project", sub.project),
                    ("submitter", sub.submitter),
                )
                if v
            }
        )
        return (
            sub.content.encode("utf-8"),
            sub.filename or "",
            sub.format or _format_of(sub.filename),
            meta,
        )
    if media == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Problem(
                422,
                "multipart upload needs a file field named 'file'",
                errors=[{"field": "file", "message": "missing"}],
            )
        data = await upload.read(limit + 1)
        if len(data) > limit:
            _refuse_over(limit, len(data))
        name = upload.filename or "upload"
        fmt = _format_of(name)
        for key in ("department", "project", "submitter"):
            value = form.get(key)
            if isinstance(value, str) and value:
                meta[key] = value
        return data, name, fmt, meta
    raise Problem(
        415,
        f"content type {media or '(none)'!r} is not accepted; send text/markdown, text/plain, "
        "text/html, application/json or a multipart/form-data file upload",
    )


@router.post(
    "/documents",
    status_code=201,
    responses={
        **ERRORS,
        200: {"description": "The same content was already stored; nothing changed"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/markdown": {
                    "schema": {"type": "string"},
                    "example": "# Bot postmortem\n\n## Lessons\n- Name two owners.\n",
                },
                "text/plain": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}},
                "application/json": {"schema": Submission.model_json_schema()},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "department": {"type": "string"},
                            "project": {"type": "string"},
                            "submitter": {"type": "string"},
                        },
                        "required": ["file"],
                    }
                },
            },
        }
    },
)
async def submit(request: Request, response: Response, kb: KB, who: Contributor) -> dict[str, Any]:
    """Submit a postmortem or handoff document; secrets are redacted before anything is stored.

    Query parameters `department`, `project`, `submitter` and `filename` add metadata to text bodies.
    """
    data, name, fmt, meta = await _read_submission(request, kb.settings.max_body_bytes)
    results = await asyncio.wrap_future(
        kb.in_background(kb.submit, data, name=name, actor=who.name, fmt=fmt, metadata=meta)
    )
    stored = [r for r in results if r.status != "failed"]
    if not stored:
        first = results[0]
        where = (
            first.source if first.source.split("#")[-1] != name and "#" in first.source else name
        )
        extra = {"errors": [{"field": r.source, "message": r.reason} for r in results]}
        raise Problem(400, f"{where}: {first.reason}", **(extra if len(results) > 1 else {}))
    body = await run_in_threadpool(_acknowledge, kb, stored[0], response)
    if len(results) > 1:  # a zip or an e-mail with attachments: every part, stored or not
        body["results"] = [r.as_dict() for r in results]
        if any(r.status in ("added", "new-version") for r in stored):
            response.status_code = 201
    return body


def _acknowledge(kb: Any, result: Any, response: Response) -> dict[str, Any]:
    doc = _record(kb, result.document_id or "")

    body = {
        "status": result.status,
        "id": result.document_id,
        "warnings": doc["warnings"],
        "redacted": result.redacted,
        "document": doc,
    }
    if result.status == "unchanged":
        response.status_code = 200
        return body
    body["supersedes"] = result.supersedes
    body["near_duplicates"] = kb.near_duplicates(result.document_id or "")
    return body


@router.get("/documents", responses=ERRORS)
def list_documents(
    kb: KB,
    who: Reader,
    filters: FilterQuery,
    include_superseded: bool = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    """List documents, optionally filtered (the same filters as search)."""
    try:
        docs = kb.list_documents(
            filters=filters,
            include_superseded=include_superseded,
            limit=limit,
        )
    except FilterError as exc:
        raise Problem(422, str(exc)) from None
    return {"documents": docs, "count": len(docs)}


@router.get("/documents/{document_id}", responses=ERRORS)
def get_document(document_id: str, kb: KB, who: Reader) -> dict[str, Any]:
    """The structured record: every field with the section and lines it came from, units, patterns."""
    return _record(kb, document_id)


@router.get(
    "/documents/{document_id}/original",
    responses={**ERRORS, 200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
def get_original(document_id: str, kb: KB, who: Reader) -> Response:
    """The file the document was read from, as submitted (kept for files, not bulk records)."""
    found = kb.get_original(document_id)
    if found is None:
        raise Problem(404, f"no original file is kept for document {document_id!r}")
    return original_response(found)


def original_response(found: dict[str, Any]) -> Response:
    """A kept original as a download, for the API and the document page alike."""
    return Response(
        found["data"],
        media_type=found["media_type"],
        headers={"Content-Disposition": _attachment(found["name"])},
    )


def _attachment(name: str) -> str:
    from urllib.parse import quote

    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"


@router.delete("/documents/{document_id}", status_code=204, responses=ERRORS)
def delete_document(document_id: str, kb: KB, who: Admin) -> Response:
    """Delete a document and its units; the vector index follows. Admin only."""
    doc = kb.store.get_document(document_id)
    if doc is None or not kb.delete_document(doc["id"], actor=Actor(who.name, "api")):
        raise Problem(404, f"no document with id {document_id!r}")
    return Response(status_code=204)


@router.get("/units/{unit_id}", responses=ERRORS)
def get_unit(unit_id: str, kb: KB, who: Reader) -> dict[str, Any]:
    """One unit (a lesson, root cause, constraint...) with its patterns and where it stands."""
    unit = kb.get_unit(unit_id)
    if unit is None:
        raise Problem(404, f"no unit with id {unit_id!r}")
    return unit


@router.get("/units/{unit_id}/related", responses=ERRORS)
def related(
    unit_id: str, kb: KB, who: Reader, limit: Annotated[int, Query(ge=1, le=100)] = 10
) -> dict[str, Any]:
    """Lessons, root causes and constraints like this unit, from other projects."""
    try:
        return kb.related(unit_id, limit=limit)
    except SearchError as exc:
        raise Problem(404, str(exc)) from None
