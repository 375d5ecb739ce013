"""Prometheus metrics for the people who run the service: requests and latencies by route, search
latency, and the size of the store and its index. Per process; scrape every node."""

from __future__ import annotations

import bisect
import threading
import time
from collections import defaultdict
from typing import Any

from fastapi import FastAPI

from api.asgi import HttpMiddleware

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class Histogram:
    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0
        self.n = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.n += 1

    def lines(self, name: str, labels: str) -> list[str]:
        out, running = [], 0
        sep = "," if labels else ""
        for bound, count in zip((*BUCKETS, float("inf")), self.counts, strict=True):
            running += count
            le = "+Inf" if bound == float("inf") else repr(bound)
            out.append(f'{name}_bucket{{{labels}{sep}le="{le}"}} {running}')
        tail = f"{{{labels}}}" if labels else ""
        out.append(f"{name}_sum{tail} {self.total:.6f}")
        out.append(f"{name}_count{tail} {self.n}")
        return out


class Metrics:
    """Counters and histograms kept in memory; `render` writes the text format."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.latency: dict[tuple[str, str], Histogram] = defaultdict(Histogram)
        self.search = Histogram()
        self.started = time.time()

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            self.latency[(method, route)].observe(seconds)

    def observe_search(self, seconds: float) -> None:
        with self._lock:
            self.search.observe(seconds)

    def render(self, gauges: dict[str, tuple[str, float]]) -> str:
        lines = [
            "# HELP kb_http_requests_total Requests answered, by method, route and status.",
            "# TYPE kb_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), n in sorted(self.requests.items()):
                lines.append(
                    f'kb_http_requests_total{{method="{method}",route="{_esc(route)}",'
                    f'status="{status}"}} {n}'
                )
            lines += [
                "# HELP kb_http_request_duration_seconds Request latency, by method and route.",
                "# TYPE kb_http_request_duration_seconds histogram",
            ]
            for (method, route), hist in sorted(self.latency.items()):
                lines += hist.lines(
                    "kb_http_request_duration_seconds",
                    f'method="{method}",route="{_esc(route)}"',
                )
            lines += [
                "# HELP kb_search_duration_seconds Time spent in the core's hybrid search.",
                "# TYPE kb_search_duration_seconds histogram",
                *self.search.lines("kb_search_duration_seconds", ""),
            ]
        for name, (helptext, value) in gauges.items():
            lines += [f"# HELP {name} {helptext}", f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(lines) + "\n"


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def install(app: FastAPI) -> None:
    """Count every request under its route template (not its raw path, which would not bound)."""
    app.state.metrics = Metrics()
    app.add_middleware(CountRequests)


class CountRequests(HttpMiddleware):
    """Every answer counted under its route template, errors too (see api.asgi)."""

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        status = 500

        async def sending(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            scope["app"].state.metrics.observe_request(
                scope["method"], template, status, time.perf_counter() - started
            )
