"""Request bodies, with the examples the OpenAPI schema shows."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kb.search import PER_DOCUMENT, Mode

FilterValues = list[str] | None


class Submission(BaseModel):
    """A document sent as JSON (for tools); Markdown, text and HTML bodies and file uploads work too."""

    content: str = Field(
        min_length=1, description="The document's text (Markdown, plain text or HTML)"
    )
    filename: str | None = Field(
        default=None, max_length=300, description="Name it had, e.g. ocr-pilot.md"
    )
    format: Literal["markdown", "text", "html"] | None = None
    department: str | None = Field(default=None, max_length=200)
    project: str | None = Field(default=None, max_length=300)
    submitter: str | None = Field(default=None, max_length=200)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "content": "# Claims OCR pilot postmortem\n\n## Root causes\n- The vendor cleaned the demo set.\n"
                    "\n## Lessons learned\n- Use production scans from day one.\n",
                    "filename": "claims-ocr-pilot.md",
                    "department": "Claims",
                }
            ]
        }
    }


class Filters(BaseModel):
    pattern: FilterValues = None
    kind: FilterValues = None
    phase: FilterValues = None
    outcome: FilterValues = None
    department: FilterValues = None
    technique: FilterValues = None


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=10_000)
    filters: Filters = Field(default_factory=Filters)
    since: str | None = Field(
        default=None, max_length=10, description="Documents dated on or after, e.g. 2024-01"
    )
    until: str | None = Field(default=None, max_length=10)
    limit: int = Field(default=10, ge=1, le=1000)
    mode: Mode = "hybrid"
    group: bool = False
    per_document: int = Field(
        default=PER_DOCUMENT, ge=0, le=1000, description="At most this many units of one document"
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "query": "accuracy dropped on real production data",
                    "filters": {"pattern": ["production-divergence"], "phase": ["pilot"]},
                    "limit": 10,
                }
            ]
        }
    }
