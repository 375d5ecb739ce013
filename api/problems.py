"""Errors as application/problem+json (RFC 9457), each with a message a person can act on."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.asgi import HttpMiddleware
from kb.backends import reason

log = logging.getLogger("kb.serve")
PROBLEM = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    503: "Service unavailable",
}


class Problem(Exception):
    """Raise from a route: becomes a problem+json response."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


def problem_response(status: int, detail: str, instance: str, **extra: Any) -> JSONResponse:
    headers = dict(extra.pop("headers", None) or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    body = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers or None)


PROBLEM_SCHEMA = {
    "description": "An error, as application/problem+json (RFC 9457)",
    "content": {
        PROBLEM: {
            "schema": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "title": {"type": "string"},
                    "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "instance": {"type": "string"},
                },
            },
            "example": {
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
                "detail": "this key has the role reader; deleting documents needs admin",
                "instance": "/documents/4bd81dcb06ef",
            },
        }
    },
}


class DatabaseDown(HttpMiddleware):
    """The shared database is down or restarting: a 503 to retry, not a 500 (no restart)."""

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        answered = False

        async def sending(message: Any) -> None:
            nonlocal answered
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            kb = getattr(scope["app"].state, "kb", None)
            if answered or kb is None or not isinstance(exc, kb.backend.unavailable_errors):
                raise
            log.warning("database unavailable on %s: %s", scope["path"], exc)
            response = problem_response(
                503,
                f"the database is unavailable ({reason(exc)}); retry in a few seconds",
                scope["path"],
                headers={"Retry-After": "2"},
            )
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_middleware(DatabaseDown)

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.detail, request.url.path, **dict(exc.extra))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        detail = (
            "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors)
            or "invalid request"
        )
        return problem_response(422, detail, request.url.path, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        return problem_response(exc.status_code, detail, request.url.path)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - a bug
        return problem_response(
            500, f"internal error ({type(exc).__name__}); see the server log", request.url.path
        )
