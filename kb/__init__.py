"""PoC Lessons KB: the core. `KnowledgeBase` is the facade the CLI and the API call.

The names below are imported on first use, so `kb.entry` can start the query model before the
rest of the core is imported (a cold `kb search`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.config import Settings
    from kb.core import KnowledgeBase, Report, Result

__all__ = ["KnowledgeBase", "Report", "Result", "Settings"]
_HOMES = {
    "KnowledgeBase": "kb.core",
    "Report": "kb.core",
    "Result": "kb.core",
    "Settings": "kb.config",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'kb' has no attribute {name!r}")
