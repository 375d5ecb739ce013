"""Dependencies: the KnowledgeBase from app.state, and the caller's identity and role."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request

from api.metrics import Metrics
from api.problems import Problem
from kb import KnowledgeBase
from kb.keys import role_allows


def get_kb(request: Request) -> KnowledgeBase:
    kb: KnowledgeBase | None = getattr(request.app.state, "kb", None)
    if kb is None or not request.app.state.ready.is_set():
        raise Problem(
            503,
            "the service is still loading the model and the index; retry in a few seconds",
            headers={"Retry-After": "2"},
        )
    return kb


KB = Annotated[KnowledgeBase, Depends(get_kb)]


def get_metrics(request: Request) -> Metrics:
    return request.app.state.metrics  # type: ignore[no-any-return]


MetricsDep = Annotated[Metrics, Depends(get_metrics)]


@dataclass
class Caller:
    name: str
    role: str


def is_loopback(host: str) -> bool:
    if host in ("localhost", "testclient"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _local_request(request: Request) -> bool:
    """No browser page (Origin header) and a loopback Host: blocks drive-by posts and DNS rebinding."""
    origin = request.headers.get("origin")
    if origin and not is_loopback((origin.split("://", 1)[-1].rsplit(":", 1)[0]).strip("[]")):
        return False
    host = request.headers.get("host", "").rsplit(":", 1)[0].strip("[]")
    return not host or is_loopback(host)


def _token(request: Request) -> str | None:

    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


def caller(request: Request, kb: KB) -> Caller:
    """Who is asking: a key's name and role, or the local user while no key exists (loopback only)."""
    token = _token(request)
    if token:
        key = kb.keys.verify(token)
        if key is None:
            raise Problem(
                401,
                "this API key is not valid (unknown or revoked); create one with `kb keys create`",
            )
        return Caller(key.name, key.role)
    if request.app.state.local_mode and not kb.keys.any():
        if not _local_request(request):
            raise Problem(
                403,
                "local single-user mode answers only requests from this machine's own tools, "
                "not from web pages or other host names; create a key with `kb keys create`",
            )
        return Caller("local", "admin")

    raise Problem(
        401,
        "an API key is needed: send 'Authorization: Bearer <key>' (create one with `kb keys create`)",
    )


def require(role: str):  # type: ignore[no-untyped-def]

    def check(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if not role_allows(who.role, role):
            raise Problem(403, f"this key has the role {who.role}; this needs {role}")
        return who

    return check


Reader = Annotated[Caller, Depends(require("reader"))]
Contributor = Annotated[Caller, Depends(require("contributor"))]
Admin = Annotated[Caller, Depends(require("admin"))]


FilterParam = Annotated[list[str] | None, Query()]


def filter_query(
    pattern: FilterParam = None,
    kind: FilterParam = None,
    phase: FilterParam = None,
    outcome: FilterParam = None,
    department: FilterParam = None,
    technique: FilterParam = None,
) -> dict[str, list[str]]:
    """The filters shared by listing and search, as query parameters (each repeatable)."""
    given = {
        "pattern": pattern,
        "kind": kind,
        "phase": phase,
        "outcome": outcome,
        "department": department,
        "technique": technique,
    }
    return {name: values for name, values in given.items() if values}


FilterQuery = Annotated[dict[str, list[str]], Depends(filter_query)]
