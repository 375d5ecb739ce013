"""Filter names and values, checked against the taxonomy and the store, with errors that list valid ones."""

from __future__ import annotations

from typing import Any

from kb.records import DOCUMENT_KINDS, OUTCOMES, PHASES
from kb.taxonomy import resolve

FILTERS = ("pattern", "kind", "phase", "outcome", "department", "technique")
_FIXED = {"kind": DOCUMENT_KINDS, "phase": PHASES, "outcome": OUTCOMES}


class FilterError(ValueError):
    """An unknown filter or value; the message lists the valid ones."""


def validate(filters: dict[str, list[str]], store: Any) -> dict[str, list[str]]:
    checked: dict[str, list[str]] = {}
    for name, values in filters.items():
        if not values:
            continue
        if name not in FILTERS:
            raise FilterError(f"unknown filter {name!r}; valid: {', '.join(FILTERS)}")
        out = []
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
        checked[name] = out
    return checked
