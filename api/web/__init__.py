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


HEADINGS = {403: "Not allowed", 401: "Sign in again", 503: "Starting up", 413: "Too large"}
PAGE_POSTS = (
    "/submit",
    "/submit/confirm",
    "/charter",
    "/charter/assist",
    "/login",
    "/logout",
    "/vote",
)


def _over_limit(request: Request) -> tuple[int, str] | None:
    """Refuse a page's post before its body is read: forms are read before any check runs."""
    limit = request.app.state.settings.max_body_bytes
    allowed = limit * 4 // 3 + 65_536  # the confirm form carries the document in base64
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        return 411, "the form was sent without a length; send it from the page again"
    if int(declared) > allowed:
        return (
            413,
            f"the form is {int(declared):,} bytes; documents up to {limit:,} bytes are accepted",
        )
    return None


def install(app: FastAPI) -> None:
    """Add the pages, their static files and their error pages to the service."""
    from api.web.pages import get_templates, page, router
    from api.web.view import HERE, make_templates

    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    from api.web.follow import router as follow_router

    app.include_router(follow_router)

    @app.middleware("http")
    async def timed(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request.state.started = time.perf_counter()
        if request.method == "POST" and request.url.path in PAGE_POSTS:
            refusal = _over_limit(request)
            if refusal:
                response: Response = page(
                    get_templates(request),
                    request,
                    "message.html",
                    None,
                    status=refusal[0],
                    heading="Too large" if refusal[0] == 413 else "That did not work",
                    message=refusal[1],
                )
            else:
                response = await call_next(request)
        else:
            response = await call_next(request)
        response.headers["X-Content-Type-Options"] = "nosniff"
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
            heading=HEADINGS.get(exc.status, "That did not work"),
            message=exc.message,
            retry=exc.status == 503,
        )
