"""Read and drop the rest of a refused request body before answering 413, so clients that send the
whole body before they read (Python's urllib, requests) get the answer and its message instead of a
connection reset."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

DRAIN_BYTES = 64 * 1024 * 1024  # past this a refused body is not read: the connection is closed


class DrainRefusedBody:
    """ASGI middleware: when the answer is 413 and the body is still coming, read it to its end
    (up to `most` bytes) first. A client that asked `Expect: 100-continue` and was never told to
    continue has sent nothing yet, so it is answered at once."""

    def __init__(self, app: App, *, most: int = DRAIN_BYTES) -> None:
        self.app = app
        self.most = most

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"asked": False, "done": False}

        async def reading() -> Message:
            state["asked"] = True
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                state["done"] = True
            return message

        async def answering(message: Message) -> None:
            if (
                message["type"] == "http.response.start"
                and message["status"] == 413
                and not state["done"]
            ):
                await self._drain(scope, state, reading)
            await send(message)

        await self.app(scope, reading, answering)

    async def _drain(
        self, scope: MutableMapping[str, Any], state: dict[str, bool], reading: Receive
    ) -> None:
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        if headers.get(b"expect", b"").lower() == b"100-continue" and not state["asked"]:
            return
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.most:
            return
        read = 0
        while not state["done"] and read <= self.most:
            message = await reading()
            read += len(message.get("body", b""))
