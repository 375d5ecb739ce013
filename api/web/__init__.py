"""The web pages served at `/`: search, document, submit, charter assistant, patterns, sign-in."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.web.session import PageRefused, SignInNeeded, login_url

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


OWN_SCRIPTS_ELSEWHERE = ("/docs", "/redoc", "/docs/oauth2-redirect")  # FastAPI's API pages


def install(app: FastAPI) -> None:
    """Add the pages, their static files and their error pages to the service."""
    from api.web.pages import get_templates, page, router
    from api.web.view import HERE, make_templates

    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)

    @app.middleware("http")
    async def timed(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.started = time.perf_counter()
        response = await call_next(request)
        if response.headers.get("content-type", "").startswith("text/html") and (
            request.url.path not in OWN_SCRIPTS_ELSEWHERE
        ):
            response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(SignInNeeded)
    async def sign_in(request: Request, exc: SignInNeeded) -> Response:
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    @app.exception_handler(PageRefused)
    async def refused(request: Request, exc: PageRefused) -> Response:
        return page(
            get_templates(request),
            request,
            "message.html",
            getattr(request.state, "who", None),
            status=exc.status,
            heading="Not allowed" if exc.status == 403 else "That did not work",
            message=exc.message,
        )
