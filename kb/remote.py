"""The CLI's way to a running `kb serve`, so a query from the shell need not load a model."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import click


def remote_search(
    server: str, query: str, options: dict[str, Any], *, key: str | None = None
) -> dict[str, Any]:
    body = json.dumps({"query": query, **options}).encode()
    headers = {"content-type": "application/json"}
    if key:
        headers["authorization"] = f"Bearer {key}"
    request = urllib.request.Request(server.rstrip("/") + "/search", data=body, headers=headers)

    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - a URL the user gave
            return json.loads(response.read())  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace")
        raise click.ClickException(f"{server} answered {exc.code}: {detail[:500]}") from None
    except (urllib.error.URLError, TimeoutError) as exc:
        raise click.ClickException(f"cannot reach {server}: {exc}") from None
