"""The REST service: thin routes over the KnowledgeBase."""

from api.app import create_app

__all__ = ["create_app"]
