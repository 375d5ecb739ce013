"""Filter names and values, checked against the taxonomy and the store, with errors that list valid ones."""

from __future__ import annotations

from typing import Any

from kb.backends.base import FACETS, Filters
from kb.records import DOCUMENT_KINDS, OUTCOMES, PHASES
from kb.taxonomy import resolve

FILTERS = FACETS  # the filter names are the facet names, declared once in kb.backends.base
_FIXED = {"kind": DOCUMENT_KINDS, "phase": PHASES, "outcome": OUTCOMES}


class FilterError(ValueError):
    """An unknown filter or value; the message lists the valid ones."""


def validate(
    filters: dict[str, list[str]] | Filters,
    store: Any,
    *,
    since: str | None = None,
    until: str | None = None,
    include_superseded: bool = False,
) -> Filters:
    """The typed filters, every value resolved (pattern aliases) and checked."""
    if isinstance(filters, Filters):
        return filters
    checked: dict[str, tuple[str, ...]] = {}
    for name, values in filters.items():
        if not values:
            continue
        if name not in FILTERS:
            raise FilterError(f"unknown filter {name!r}; valid: {', '.join(FILTERS)}")
        out: list[str] = []
        for value in values:
            value = value.strip().lower()
            if name == "pattern":
                try:
                    out.append(resolve(value))
                except ValueError as exc:
                    raise FilterError(str(exc)) from None
                continue
            valid = list(_FIXED.get(name, ())) or store.facet_values(name)
            if value not in valid:
                raise FilterError(
                    f"unknown {name} {value!r}; valid: {', '.join(valid) or '(none stored yet)'}"
                )
            out.append(value)
        checked[name] = tuple(out)
    return Filters(**checked, since=since, until=until, include_superseded=include_superseded)
