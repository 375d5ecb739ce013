"""PoC Lessons KB: the core. `KnowledgeBase` is the facade the CLI and the API call."""

from kb.config import Settings
from kb.core import KnowledgeBase, Report, Result

__all__ = ["KnowledgeBase", "Report", "Result", "Settings"]
