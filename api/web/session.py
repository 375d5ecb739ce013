"""Who is browsing: the local user, or an API key held in an http-only cookie; CSRF for every form."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from api.deps import Caller, is_loopback
from kb import KnowledgeBase
from kb.keys import role_allows

SESSION_COOKIE = "kb_session"
CSRF_COOKIE = "kb_csrf"
CSRF_HEADER = "x-csrf-token"


class SignInNeeded(Exception):
    """Raised by a page that needs a key; answered with a redirect to /login."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class PageRefused(Exception):
    """A page the caller may not see or a form that failed its CSRF check; answered with a page."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


def page_kb(request: Request) -> KnowledgeBase:
    """The KnowledgeBase, or a page that says the server is still starting (and reloads itself)."""
    kb: KnowledgeBase | None = getattr(request.app.state, "kb", None)
    if kb is None or not request.app.state.ready.is_set():
        failed = request.app.state.load_error
        raise PageRefused(
            500 if failed else 503,
            f"the server could not load: {failed}"
            if failed
            else "the server is still loading the model and the index; this page retries by itself",
        )
    return kb


KB = Annotated[KnowledgeBase, Depends(page_kb)]


def _host_is_loopback(request: Request) -> bool:
    host = request.headers.get("host", "").lower()
    host = host[1:].split("]", 1)[0] if host.startswith("[") else host.rsplit(":", 1)[0]
    return not host or is_loopback(host)


def local_mode(request: Request, kb: KB) -> bool:
    """Single-user mode: bound to loopback and no key exists, so nobody signs in."""
    return bool(request.app.state.local_mode) and not kb.keys.any()


def browsing(request: Request, kb: KB) -> Caller | None:
    """The signed-in caller, the local user, or None (a page then asks for a key)."""
    if local_mode(request, kb):
        if not _host_is_loopback(request):  # DNS rebinding: a foreign name pointed at 127.0.0.1
            raise PageRefused(
                403, "local single-user mode answers only to this machine's own address"
            )
        request.state.who = Caller("local", "admin")
        return request.state.who  # type: ignore[no-any-return]
    token = request.cookies.get(SESSION_COOKIE)
    key = kb.keys.verify(token) if token else None
    request.state.who = Caller(key.name, key.role) if key is not None else None
    return request.state.who  # type: ignore[no-any-return]


Browser = Annotated[Caller | None, Depends(browsing)]


FORM_PAGES = {"/submit": "/submit", "/submit/confirm": "/submit", "/charter": "/charter"}


def need(role: str):  # type: ignore[no-untyped-def]
    """A page dependency: sign in first, then have at least `role`."""

    def check(request: Request, who: Browser) -> Caller:
        if who is None:
            if request.headers.get(CSRF_HEADER):  # the page's script: it shows a sign-in link
                raise PageRefused(401, "your session has ended; sign in again")
            if request.method != "GET":  # come back to the page the form was on
                raise SignInNeeded(FORM_PAGES.get(request.url.path, "/"))
            raise SignInNeeded(
                request.url.path + (f"?{request.url.query}" if request.url.query else "")
            )
        if not role_allows(who.role, role):
            raise PageRefused(403, f"your key has the role {who.role}; this page needs {role}")
        return who

    return check


PageReader = Annotated[Caller, Depends(need("reader"))]
PageContributor = Annotated[Caller, Depends(need("contributor"))]


def csrf_token(request: Request) -> str:
    """The token a page embeds in its forms: the one in the visitor's cookie, or a fresh one."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token  # the page's response sets the cookie
    return token


async def check_csrf(request: Request) -> None:
    """Forms and scripted posts carry the cookie's token; a post from another site has neither."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin.rstrip("/") != own:
            raise PageRefused(403, "this form was posted from another site; it was ignored")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else ""
    if not cookie or not sent or not hmac.compare_digest(cookie, sent):
        raise PageRefused(
            403, "the form's security token is missing or stale; reload the page and try again"
        )


CsrfChecked = Depends(check_csrf)


def login_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")


def safe_next(value: str | None) -> str:
    """Only a path on this site, never another host (//evil.example or https://...)."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
    ):
        return "/"
    return value


def plain_http_elsewhere(request: Request) -> bool:
    """Browsers drop a Secure cookie sent over plain http except on loopback: sign-in needs https."""
    return request.url.scheme != "https" and not _host_is_loopback(request)
