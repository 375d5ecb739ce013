"""Search results kept while the store is unchanged: a charter being typed asks the same dozen
searches with every keystroke, and only a write (on any process or node) changes their answers."""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class RecentResults:
    """An LRU of results keyed by the store's generation and the search's arguments; a result
    made at an older generation is never returned. Thread-safe; callers get their own copy."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
        self._generation = -1
        self._lock = threading.Lock()

    def get(
        self, generation: int, arguments: Any, compute: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """The kept result for these arguments at this generation, or compute()'s, kept."""
        key = (generation, json.dumps(arguments, sort_keys=True, default=str))
        with self._lock:
            if generation > self._generation:  # generations only rise; an older one just misses
                self._kept.clear()  # a write happened: nothing kept can be trusted
                self._generation = generation
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return copy.deepcopy(found)
        result = compute()
        with self._lock:
            if generation == self._generation:
                self._kept[key] = copy.deepcopy(result)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return result
