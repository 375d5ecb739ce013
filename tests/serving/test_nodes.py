"""Several real `kb serve` nodes over one real PostgreSQL: shared writes, a node killed under load,
the database restarted under load, and a node started before its database."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter

import httpx
import pytest

from tests.serving.nodes import Database, Node, start_node

pytestmark = pytest.mark.slow

_names = itertools.count(1)


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """A server of this module's own: these tests stop and start it."""
    db = Database(tmp_path_factory.mktemp("pg-nodes") / "data")
    yield db
    db.close()


@pytest.fixture
def cluster(database, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_DB_TIMEOUT", "2")  # an outage answers 503 within seconds
    url = database.create(f"nodes_{next(_names)}")
    started: list[Node] = []

    def start(n: int, *, wait: bool = True) -> list[Node]:
        made = [start_node(url, tmp_path) for _ in range(n)]
        started.extend(made)
        for node in made if wait else ():
            node.wait_ready()
        return made

    yield url, start
    for node in started:
        node.stop()


def postmortem(phrase: str) -> dict[str, str]:
    return {
        "content": f"# Pilot {phrase}\n\n## Root causes\n- The {phrase} pilot ran on clean demo "
        "data, never on production data.\n\n## Lessons\n- Agree exit criteria before Gate 1.\n",
        "filename": f"{phrase}.md",
    }


def found(node: Node, phrase: str, doc_id: str) -> bool:
    hits = httpx.get(node.url + "/search", params={"q": phrase, "limit": 5}, timeout=30).json()
    return doc_id in {h["document_id"] for h in hits["hits"]}


def test_a_write_or_delete_on_one_node_is_seen_by_the_others_at_once(cluster):
    _, start = cluster
    a, b, c = start(3)
    answer = httpx.post(a.url + "/documents", json=postmortem("zanzibar"), timeout=30)
    assert answer.status_code == 201, answer.text
    doc_id = answer.json()["id"]
    assert found(b, "zanzibar pilot", doc_id) and found(c, "zanzibar pilot", doc_id)
    assert httpx.get(c.url + f"/documents/{doc_id}", timeout=10).status_code == 200
    assert httpx.delete(b.url + f"/documents/{doc_id}", timeout=10).status_code in (200, 204)
    assert not found(a, "zanzibar pilot", doc_id) and not found(c, "zanzibar pilot", doc_id)
    assert httpx.get(a.url + f"/documents/{doc_id}", timeout=10).status_code == 404
    ready = httpx.get(a.url + "/ready", timeout=10).json()
    assert ready["backend"] == "postgres" and ready["store"]["url"].startswith("postgresql://")
    metrics = httpx.get(a.url + "/metrics", timeout=10)
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'kb_http_requests_total{method="POST",route="/documents",status="201"} 1' in text
    assert 'route="/documents/{document_id}"' in text  # templates, not raw paths
    assert "kb_search_duration_seconds_count 1" in text and "kb_index_vectors " in text


class Load:
    """Searchers and submitters spread over the nodes named live; every answer is counted."""

    def __init__(self, nodes: list[Node], *, searchers: int, submitters: int) -> None:
        self.live = list(nodes)
        self.statuses: Counter[tuple[int, str]] = Counter()  # (port, status or error name)
        self.acknowledged: list[tuple[str, str]] = []  # (phrase, id)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self._search, args=(i,)) for i in range(searchers)
        ] + [threading.Thread(target=self._submit, args=(i,)) for i in range(submitters)]

    def _note(self, node: Node, status: str) -> None:
        with self.lock:
            self.statuses[(node.port, status)] += 1

    def _call(self, worker: int, request) -> None:  # noqa: ANN001 - a function of a node
        with httpx.Client(timeout=30) as client:
            for n in itertools.count(worker):
                if self.stop.is_set():
                    return
                node = self.live[n % len(self.live)]
                try:
                    self._note(node, str(request(client, node)))
                except httpx.HTTPError as exc:
                    self._note(node, type(exc).__name__)

    def _search(self, worker: int) -> None:
        def one(client: httpx.Client, node: Node) -> int:
            return client.get(node.url + "/search", params={"q": "exit criteria"}).status_code

        self._call(worker, one)

    def _submit(self, worker: int) -> None:
        def one(client: httpx.Client, node: Node) -> int:
            phrase = "p" + uuid.uuid4().hex[:10]
            answer = client.post(node.url + "/documents", json=postmortem(phrase))
            if answer.status_code == 201:
                with self.lock:
                    self.acknowledged.append((phrase, answer.json()["id"]))
            return answer.status_code

        self._call(worker, one)

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def on(self, nodes: list[Node]) -> Counter[str]:
        ports = {n.port for n in nodes}
        out: Counter[str] = Counter()
        for (port, status), n in self.statuses.items():
            if port in ports:
                out[status] += n
        return out


def test_load_over_three_nodes_with_one_killed(cluster):
    _, start = cluster
    a, b, c = start(3)
    with Load([a, b, c], searchers=6, submitters=2) as load:
        time.sleep(3)
        load.live = [a, b]  # clients stop sending to c ...
        c.kill()  # ... and c dies with requests in flight
        time.sleep(4)
    survivors = load.on([a, b])
    assert set(survivors) == {"200", "201"}, survivors  # not one error on the nodes left
    assert survivors["200"] > 50 and survivors["201"] > 5
    for _phrase, doc_id in load.acknowledged:  # every acknowledged submission is there
        assert httpx.get(a.url + f"/documents/{doc_id}", timeout=10).status_code == 200
    for phrase, doc_id in load.acknowledged[-5:]:
        assert found(b, f"{phrase} pilot", doc_id)


def test_the_database_restarted_under_load(cluster, database):
    _, start = cluster
    a, b = start(2)
    with Load([a, b], searchers=4, submitters=1) as load:
        time.sleep(2)
        before = Counter(load.on([a, b]))
        database.stop()
        time.sleep(4)
        answer = httpx.get(a.url + "/search", params={"q": "exit criteria"}, timeout=30)
        assert answer.status_code == 503, answer.text
        assert "database is unavailable" in answer.json()["detail"]
        assert answer.headers["retry-after"] == "2"
        assert httpx.get(b.url + "/ready", timeout=10).status_code == 503
        database.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(
            (n.ready() or {}).get("ready") for n in (a, b)
        ):
            time.sleep(0.5)
        time.sleep(2)
        recovered_at = Counter(load.on([a, b]))
        time.sleep(2)
    during = load.on([a, b])
    assert before["200"] > 0
    assert during["503"] > 0 and "500" not in during, during  # clear 503s, never a crash
    assert during["200"] > recovered_at["200"], "searches did not recover"
    assert a.process.poll() is None and b.process.poll() is None  # no node restarted
    for _phrase, doc_id in load.acknowledged:
        assert httpx.get(b.url + f"/documents/{doc_id}", timeout=10).status_code == 200


def test_a_node_started_before_its_database_waits_then_serves(cluster, database):
    _, start = cluster
    database.stop()
    try:
        (node,) = start(1, wait=False)
        deadline = time.monotonic() + 20
        state = None
        while time.monotonic() < deadline:
            state = node.ready()
            if state and "waiting for the database" in str(state.get("detail")):
                break
            time.sleep(0.3)
        assert state and state["ready"] is False, state
        assert "waiting for the database" in state["detail"]
    finally:
        database.start()
    node.wait_ready(60)
    assert httpx.get(node.url + "/search", params={"q": "owner"}, timeout=30).status_code == 200
