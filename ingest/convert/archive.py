"""Zip archives (a Confluence space export, a Notion export, a folder zipped by hand) opened
safely: bounded in size and file count, no path that climbs out, no member trusted for its size."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from ingest.errors import IngestError

_JUNK = re.compile(r"(^|/)(__MACOSX|\.DS_Store|Thumbs\.db|desktop\.ini)(/|$)|(^|/)\.", re.I)
_CONFLUENCE_CHROME = ("index.html",)


@dataclass(frozen=True)
class Limits:
    """Bounds on what an archive may unpack to; the defaults suit a space export."""

    max_total_bytes: int = 200_000_000
    max_files: int = 2_000
    max_member_bytes: int = 5_000_000
    max_depth: int = 2


@dataclass
class Member:
    name: str  # the path inside the archive (nested archives joined by '!')
    data: bytes


def members(
    data: bytes, *, source: str, limits: Limits, readable: set[str]
) -> Iterator[Member | IngestError]:
    """The archive's readable files, in order; a member that cannot be taken is an IngestError
    naming it, and the others still come. An archive that breaks a bound is refused whole."""
    budget = [limits.max_total_bytes]
    yield from _members(
        data, prefix="", source=source, limits=limits, readable=readable, budget=budget, depth=1
    )


def _members(
    data: bytes,
    *,
    prefix: str,
    source: str,
    limits: Limits,
    readable: set[str],
    budget: list[int],
    depth: int,
) -> Iterator[Member | IngestError]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise IngestError(source, f"corrupt or unreadable zip archive ({exc})") from exc
    if len(infos) > limits.max_files:
        raise IngestError(
            source,
            f"the archive holds {len(infos):,} files, over the limit of {limits.max_files:,} (KB_MAX_ARCHIVE_FILES)",
        )
    declared = sum(i.file_size for i in infos)
    if declared > budget[0]:
        raise IngestError(
            source,
            f"the archive would unpack to {declared:,} bytes, over the limit of {limits.max_total_bytes:,} "
            "(KB_MAX_ARCHIVE_BYTES); refused as a possible zip bomb",
        )
    names = [i.filename for i in infos]
    confluence = (
        any(n.endswith(".html") for n in names) and sum(n.endswith(".html") for n in names) > 1
    )
    with archive:
        for info in infos:
            name = info.filename.replace("\\", "/")
            label = f"{source}#{prefix}{name}"
            path = PurePosixPath(name)
            if name.startswith("/") or re.match(r"^[a-zA-Z]:", name) or ".." in path.parts:
                yield IngestError(
                    label, "the path climbs out of the archive (absolute or '..'); skipped"
                )
                continue
            if _JUNK.search(name):
                continue
            suffix = path.suffix.lower()
            if suffix not in readable and suffix != ".zip":
                continue
            if confluence and path.name.lower() in _CONFLUENCE_CHROME:
                continue  # the space's table of contents, not a page
            if info.flag_bits & 0x1:
                yield IngestError(
                    label, "the archive entry is encrypted; unpack it with its password first"
                )
                continue
            if info.file_size > limits.max_member_bytes:
                yield IngestError(
                    label,
                    f"{info.file_size:,} bytes, over the limit of {limits.max_member_bytes:,}",
                )
                continue
            try:
                with archive.open(info) as handle:
                    blob = handle.read(min(limits.max_member_bytes, budget[0]) + 1)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
                yield IngestError(label, f"cannot unpack this entry ({exc})")
                continue
            if len(blob) > min(limits.max_member_bytes, budget[0]):
                raise IngestError(
                    source,
                    f"{prefix}{name} unpacks to more than its stated size; refused as a possible zip bomb",
                )
            budget[0] -= len(blob)
            if suffix == ".zip":
                if depth >= limits.max_depth:
                    yield IngestError(label, "an archive nested too deep; unpack it first")
                    continue
                try:
                    yield from _members(
                        blob,
                        prefix=f"{prefix}{name}!",
                        source=label,
                        limits=limits,
                        readable=readable,
                        budget=budget,
                        depth=depth + 1,
                    )
                except IngestError as exc:
                    yield exc
                continue
            yield Member(prefix + name, blob)
