"""The FastAPI application, built by create_app(settings); the KnowledgeBase lives on app.state."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import metrics, problems
from api.deps import is_loopback
from api.draining import DrainRefusedBody
from api.routes import charters, documents, follow, meta, search
from kb import KnowledgeBase, Settings
from kb.backends import DatabaseUnavailable

WAIT_RETRY = 2.0  # seconds between attempts to reach a database that is not up yet

log = logging.getLogger("kb.serve")


def _open(app: FastAPI, settings: Settings) -> KnowledgeBase:
    """Open the store; a database not up yet is waited for (a node may start before it)."""
    while True:
        try:
            return KnowledgeBase.open(settings)
        except DatabaseUnavailable as exc:
            app.state.load_error = f"waiting for the database: {exc}"
            log.warning("%s; retrying in %s s", app.state.load_error, WAIT_RETRY)
            if app.state.stopping.wait(WAIT_RETRY):
                raise


def _load(app: FastAPI, settings: Settings) -> None:
    """Open the store, load the model and the index once; /ready turns true when done."""
    try:
        kb = _open(app, settings)
        kb.prepare_search()  # the model, the vector index, the keyword postings
        kb.tagger.tag_texts(["warm up the tagger"], None)  # the first submission is not slow
        app.state.kb = kb
        if app.state.local_mode and not kb.keys.any():
            log.warning(
                "local single-user mode: no API key exists and the server is bound to loopback, "
                "so requests need no key. Create one with `kb keys create` to require keys."
            )
        app.state.load_error = None
        app.state.ready.set()
    except Exception as exc:  # noqa: BLE001 - reported by /ready
        app.state.load_error = f"{type(exc).__name__}: {exc}"
        log.exception("loading failed")


def create_app(settings: Settings | None = None, *, wait: bool = False) -> FastAPI:
    """Build the service; `wait=True` loads before the first request (tests), else in the background."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loader = threading.Thread(target=_load, args=(app, settings), daemon=True)
        loader.start()
        if wait:
            loader.join()
        yield
        app.state.stopping.set()
        kb = getattr(app.state, "kb", None)
        if kb is not None:
            kb.close()

    app = FastAPI(
        title="PoC Lessons KB",
        version="0.1.0",
        summary="Find the lessons of past AI proofs-of-concept before you repeat them.",
        description="Submit postmortems and handoff documents, search past failures and constraints, "
        "and get the lessons that apply. Errors are application/problem+json (RFC 9457). "
        "Send an API key as 'Authorization: Bearer <key>'.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.ready = threading.Event()
    app.state.stopping = threading.Event()
    app.state.load_error = None
    app.state.local_mode = is_loopback(settings.host)
    problems.install(app)
    for router in (documents.router, search.router, charters.router, follow.router, meta.router):
        app.include_router(router)
    from api import web

    web.install(app)
    app.add_middleware(DrainRefusedBody)  # outside every check that answers 413
    metrics.install(app)  # last, so it is outermost and counts every answer, errors too
    return app


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (several workers): settings come from KB_ variables."""
    return create_app(Settings())
