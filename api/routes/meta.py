"""Stats, taxonomy, liveness and readiness, and the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from api.deps import KB, Admin, Reader
from api.problems import PROBLEM_SCHEMA

router = APIRouter(tags=["meta"])


@router.get("/stats", responses={401: PROBLEM_SCHEMA, 403: PROBLEM_SCHEMA})
def stats(kb: KB, who: Reader) -> dict[str, Any]:
    """Counts by failure pattern, phase, outcome, department, technique, kind and month."""
    return kb.stats()


@router.get("/taxonomy")
def taxonomy() -> dict[str, Any]:
    """The failure patterns: id, name, definition, aliases accepted by the pattern filter, examples."""
    from kb.taxonomy import patterns

    return {"patterns": [p.as_dict() for p in patterns()]}


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready", responses={503: {"description": "Still loading the model or the index"}})
def ready(request: Request) -> JSONResponse:
    """Readiness: the store is open, the vector index loaded and the model ready."""
    state = request.app.state
    if not state.ready.is_set():
        body = {"ready": False, "detail": state.load_error or "loading the model and the index"}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})
    kb = state.kb
    return JSONResponse(
        {
            "ready": True,
            "documents": kb.store.count("documents"),
            "vectors": kb.vectors.count,
            "backend": kb.backend.name,
            "model": kb.embedder.name,
            "auth": "local single-user mode"
            if state.local_mode and not kb.keys.any()
            else "API keys",
        }
    )


@router.get("/audit", responses={401: PROBLEM_SCHEMA, 403: PROBLEM_SCHEMA})
def audit(
    kb: KB,
    who: Admin,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    actor: str | None = None,
) -> dict[str, Any]:
    """Who submitted, changed or deleted what, and when. Admin only."""
    return {"entries": kb.audit.entries(limit=limit, actor=actor)}
