"""Another process's writes reach this process's FAISS cache through the vector change log."""

from __future__ import annotations

from kb.backends import Filters, open_backend
from kb.backends.sqlite.store import SqliteStore
from tests.backends.test_contract import put, unit_vector


class Other:
    """Another process's view of the same file: its own store, no cache of ours."""

    def __init__(self, path):
        self.store = SqliteStore(path)


def test_the_cache_follows_adds_versions_deletes_and_restores_by_the_log(tmp_path):
    backend = open_backend(tmp_path / "kb.db")
    index = backend.vector_index(model="fake", dim=8)
    other = Other(tmp_path / "kb.db")
    try:
        put(other, "aaaa00000001", title="One", units=[("lesson", "a"), ("lesson", "b")], seed=1)
        put(other, "bbbb00000002", title="Two", units=[("lesson", "c")], seed=10)
        index.refresh()
        assert index.ids() == set(backend.store.live_vector_ids("fake").tolist())
        assert index.count == 5
        newer = put(
            other,
            "aaaa00000003",
            title="One again",
            units=[("lesson", "a2")],
            source_key="key-aaaa00000001",
            version=2,
            supersedes="aaaa00000001",
            seed=20,
        )
        index.refresh()
        assert index.ids() == set(backend.store.live_vector_ids("fake").tolist())
        assert index.count == 2 + 2  # the old version's three vectors left the index
        assert newer["id"] in {h.ref.id for h in index.search(unit_vector(20), 10, Filters())}
        other.store.delete_document("aaaa00000003")  # the older version is current again
        index.refresh()
        assert index.ids() == set(backend.store.live_vector_ids("fake").tolist())
        assert index.count == 3 + 2
        hr = {h.ref.id for h in index.search(unit_vector(1), 10, Filters(kind=("postmortem",)))}
        assert "aaaa00000001-001" in hr
        before = index.seq
        index.refresh()  # nothing written: nothing read
        assert index.seq == before
    finally:
        other.store.close()
        backend.close()
