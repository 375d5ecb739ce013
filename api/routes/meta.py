"""Stats, taxonomy, liveness and readiness, and the audit trail."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from api.deps import KB, Admin, MetricsDep, Reader
from api.metrics import CONTENT_TYPE
from api.problems import PROBLEM_SCHEMA
from kb.backends import Filters

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
    try:
        kb.backend.ping()
    except kb.backend.unavailable_errors as exc:
        body = {"ready": False, "detail": f"the database is unavailable: {exc}".strip()}
        body["store"] = kb.backend.describe()
        return JSONResponse(body, status_code=503, headers={"Retry-After": "2"})
    return JSONResponse(
        {
            "ready": True,
            "documents": kb.store.count("documents"),
            "vectors": kb.vectors.count,
            "backend": kb.backend.name,
            "store": kb.backend.describe(),
            "model": kb.embedder.name,
            "auth": "local single-user mode"
            if state.local_mode and not kb.keys.any()
            else "API keys",
        }
    )


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request, metrics: MetricsDep) -> PlainTextResponse:
    """Prometheus text format: requests and latency by route, search latency, store and index size.
    Open like /health, for the scraper; it shows counts, never content."""
    state = request.app.state
    gauges: dict[str, tuple[str, float]] = {
        "kb_ready": ("1 once the model and the index are loaded.", float(state.ready.is_set())),
        "kb_uptime_seconds": ("Seconds since the process started.", time.time() - metrics.started),
    }
    kb = getattr(state, "kb", None)
    if kb is not None and state.ready.is_set():
        try:
            gauges["kb_documents"] = (
                "Current documents in the store.",
                kb.store.count_documents(Filters()),
            )
            gauges["kb_index_vectors"] = ("Vectors the search index holds.", kb.vectors.count)
            gauges["kb_database_up"] = ("1 when the database answered this scrape.", 1.0)
        except kb.backend.unavailable_errors:
            gauges["kb_database_up"] = ("1 when the database answered this scrape.", 0.0)
    return PlainTextResponse(metrics.render(gauges), media_type=CONTENT_TYPE)


@router.get("/audit", responses={401: PROBLEM_SCHEMA, 403: PROBLEM_SCHEMA})
def audit(
    kb: KB,
    who: Admin,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    actor: str | None = None,
) -> dict[str, Any]:
    """Who submitted, changed or deleted what, and when. Admin only."""
    return {"entries": kb.audit.entries(limit=limit, actor=actor)}
