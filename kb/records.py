"""The records ingest builds, seen from the core (they live beside the ingesters: ingest imports no kb)."""

from ingest.records import (
    CONSTRAINT_CATEGORIES,
    DOCUMENT_KINDS,
    OUTCOMES,
    PHASES,
    UNIT_KINDS,
    ParsedDocument,
    PatternTag,
    Source,
    Unit,
)

__all__ = [
    "CONSTRAINT_CATEGORIES",
    "DOCUMENT_KINDS",
    "OUTCOMES",
    "PHASES",
    "UNIT_KINDS",
    "ParsedDocument",
    "PatternTag",
    "Source",
    "Unit",
]
