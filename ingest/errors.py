"""Errors the ingesters raise for input they cannot accept."""


class IngestError(Exception):
    """A file or record that cannot be ingested; the message says why, for a person."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
