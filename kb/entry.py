"""The `kb` command's entry point: a search starts loading its query model before the rest of
the program is imported, so the model's session is built while the core imports (a cold
`kb search` is mostly imports and that session)."""

from __future__ import annotations

import sys
import threading

_OPTIONS_WITH_VALUE = {"--db"}


def command_of(args: list[str]) -> str | None:
    """The subcommand named on the command line, past the group's own options."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _OPTIONS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _start_model() -> None:
    """Make the configured embedder and start its model loading; a bad setting is left for the
    command itself to report."""
    try:
        from kb.config import Settings
        from kb.embeddings import start_loading

        settings = Settings()
        start_loading(settings.embedder, cache_dir=settings.model_cache)
    except Exception:  # noqa: BLE001 - the command reports the same problem properly
        return


def main() -> None:
    args = sys.argv[1:]
    if command_of(args) == "search" and not {"--server", "--help", "-h"} & set(args):
        # not a daemon: a search that stops early (a usage error) waits for the model to finish
        # loading, rather than tearing the interpreter down under onnxruntime's feet
        threading.Thread(target=_start_model, name="kb-model-start").start()
    from kb.cli import main as run

    run()
