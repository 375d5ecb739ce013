"""Search, the same options and response as `kb search --json`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import KB, FilterQuery, MetricsDep, Reader
from api.metrics import Metrics
from api.models import SearchRequest
from api.problems import PROBLEM_SCHEMA, Problem
from kb.filters import FilterError
from kb.search import PER_DOCUMENT, Mode, SearchError

router = APIRouter(tags=["search"])
ERRORS: dict[int | str, dict[str, Any]] = {code: PROBLEM_SCHEMA for code in (401, 403, 422, 503)}


def _run(
    kb: Any,
    metrics: Metrics,
    query: str,
    filters: Mapping[str, list[str] | None],
    **options: Any,
) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        return kb.search(query, filters={k: v for k, v in filters.items() if v}, **options)  # type: ignore[no-any-return]
    except (SearchError, FilterError) as exc:
        raise Problem(422, str(exc)) from None
    finally:
        metrics.observe_search(time.perf_counter() - started)


@router.get("/search", responses=ERRORS)
def search_get(
    kb: KB,
    who: Reader,
    metrics: MetricsDep,
    q: Annotated[str, Query(min_length=1, max_length=10_000, description="The query")],
    filters: FilterQuery,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 10,
    mode: Mode = "hybrid",
    group: bool = False,
    per_document: Annotated[
        int, Query(ge=0, le=1000, description="At most this many units of one document (0: no cap)")
    ] = PER_DOCUMENT,
) -> dict[str, Any]:
    """Search past failures, lessons and constraints; filters apply before ranking."""
    return _run(
        kb,
        metrics,
        q,
        filters,
        since=since,
        until=until,
        limit=limit,
        mode=mode,
        group=group,
        per_document=per_document,
    )


@router.post("/search", responses=ERRORS)
def search_post(body: SearchRequest, kb: KB, who: Reader, metrics: MetricsDep) -> dict[str, Any]:
    """The same search with a JSON body; this is what `kb search --server URL` sends."""
    return _run(
        kb,
        metrics,
        body.query,
        body.filters.model_dump(),
        since=body.since,
        until=body.until,
        limit=body.limit,
        mode=body.mode,
        group=body.group,
        per_document=body.per_document,
    )
