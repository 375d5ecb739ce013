"""What happened to each submitted document, and to a whole ingest run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """What happened to one submitted document."""

    source: str
    status: str  # added, new-version, unchanged, failed
    document_id: str | None = None
    title: str | None = None
    units: int = 0
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None
    supersedes: str | None = None
    redacted: dict[str, int] = field(
        default_factory=dict
    )  # secrets replaced before storing, by type

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], 0) or k == "status"}


@dataclass
class Report:
    """The outcome of one ingest run, for the summary line and the exit code."""

    results: list[Result] = field(default_factory=list)
    seconds: float = 0.0
    vectors_carried: int = 0  # imported documents whose vectors came with them (nothing embedded)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def redacted(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for r in self.results:
            for kind, n in r.redacted.items():
                total[kind] = total.get(kind, 0) + n
        return dict(sorted(total.items()))

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status == "failed"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.count("added"),
            "new_versions": self.count("new-version"),
            "unchanged": self.count("unchanged"),
            "failed": self.count("failed"),
            "redacted": self.redacted,
            "seconds": round(self.seconds, 2),
            **({"vectors_carried": self.vectors_carried} if self.vectors_carried else {}),
            "results": [r.as_dict() for r in self.results],
        }
