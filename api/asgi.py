"""The base of the service's own middleware: plain ASGI rather than `@app.middleware("http")`,
whose task and streams cost every request a few hundred microseconds of a busy server's CPU."""

from __future__ import annotations

from typing import Any


class HttpMiddleware:
    """Passes anything but HTTP straight through; subclasses say what to do with a request."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        raise NotImplementedError
