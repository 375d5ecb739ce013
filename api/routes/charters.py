"""The charter assistant over HTTP: findings and suggested past lessons for a draft charter."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.deps import KB, Reader
from api.problems import PROBLEM_SCHEMA, Problem

router = APIRouter(tags=["charters"])


class CharterText(BaseModel):
    content: str = Field(min_length=1, description="The charter, in Markdown or plain text")


@router.post(
    "/charters/check",
    responses={code: PROBLEM_SCHEMA for code in (401, 403, 413, 415, 422)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/markdown": {
                    "schema": {"type": "string"},
                    "example": "# Claims OCR PoC\n\n## Problem\nHandlers retype 14,000 forms a month.\n",
                },
                "text/plain": {"schema": {"type": "string"}},
                "application/json": {"schema": CharterText.model_json_schema()},
            },
        }
    },
)
async def check_charter(
    request: Request, kb: KB, who: Reader, limit: Annotated[int, Query(ge=1, le=50)] = 10
) -> JSONResponse:
    """Findings (code, severity, message, evidence, principle), suggestions and the sections read."""
    raw = await request.body()
    if len(raw) > kb.settings.max_body_bytes:
        raise Problem(
            413, f"the charter is {len(raw):,} bytes; the limit is {kb.settings.max_body_bytes:,}"
        )
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json":
        try:
            text = CharterText.model_validate_json(raw).content
        except ValueError:
            raise Problem(
                422,
                "content: a JSON body needs a non-empty 'content' string",
                errors=[{"field": "content", "message": "required"}],
            ) from None
    elif media in ("text/markdown", "text/plain", "text/x-markdown"):
        text = raw.decode("utf-8", errors="replace")
    else:
        raise Problem(
            415,
            f"content type {media or '(none)'!r} is not accepted; send text/markdown, "
            "text/plain or application/json",
        )
    if not text.strip():
        raise Problem(422, "the charter is empty", errors=[{"field": "body", "message": "empty"}])
    from kb.charter import review

    result: dict[str, Any] = await run_in_threadpool(review, kb, text, limit=limit)
    return JSONResponse(result)
