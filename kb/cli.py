"""The `kb` command line: parse options, call the KnowledgeBase, format the answer."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from kb.backends import BackendError, Filters, check_store
from kb.config import Settings, SettingsError
from kb.core import KnowledgeBase, Report
from kb.embeddings import Embedder
from kb.filters import FilterError
from kb.search import PER_DOCUMENT
from kb.templates import NAMES as TEMPLATE_NAMES
from kb.templates import template_text

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
MODE_CHOICE = click.Choice(["hybrid", "rrf", "dense", "bm25"])  # kb.search.MODES, kept light


def filter_options(fn: Any) -> Any:
    """The filters shared by list (and later search)."""
    for name, helptext in reversed(
        [
            ("pattern", "Failure pattern id or alias, e.g. production-divergence (repeatable)."),
            ("kind", "postmortem, handoff or other (repeatable)."),
            ("phase", "Phase reached: poc, pilot, production (repeatable)."),
            (
                "outcome",
                "e.g. stopped-at-gate, failed-in-pilot, stalled, in-production (repeatable).",
            ),
            ("department", "e.g. claims, hr, finance (repeatable)."),
            ("technique", "e.g. rag, llm-chatbot, document-extraction (repeatable)."),
        ]
    ):
        fn = click.option(f"--{name}", multiple=True, help=helptext)(fn)
    return fn


class Context:
    def __init__(self, db: str | None) -> None:
        try:
            self.settings = Settings(db=db) if db else Settings()
        except SettingsError as exc:
            raise click.UsageError(str(exc)) from None
        self._kb: KnowledgeBase | None = None
        self._embedder: Embedder | None = None

    def preload_model(self) -> None:
        """Start loading the query model before the store opens: on a cold `kb search` the two
        overlap (onnxruntime builds its session without holding the GIL)."""
        if self._kb is None and self._embedder is None:
            from kb.embeddings import start_loading

            self._embedder = start_loading(
                self.settings.embedder, cache_dir=self.settings.model_cache
            )

    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            if self.settings.uses_default_store and not self.settings.db_path.exists():
                click.echo(
                    f"First run: building the default store at {self.settings.db_path} "
                    f"from {self.settings.corpus} ...",
                    err=True,
                )
            try:
                self._kb = KnowledgeBase.open(self.settings, embedder=self._embedder)
            except BackendError as exc:
                raise click.ClickException(str(exc)) from None
        return self._kb


pass_ctx = click.make_pass_decorator(Context)
_ANSWERED_READ_ONLY = False  # set once a search has printed its answer (see main)


def emit(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    envvar="KB_DB",
    metavar="PATH|URL",
    help="The store (env KB_DB): a SQLite file path, or a postgresql://user@host/db URL. "
    "Default: a SQLite store in your user data folder, built from the shipped corpus on "
    "first use. A store named here starts empty.",
)
@click.version_option(package_name="poc-lessons-kb")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """PoC Lessons KB: find the lessons of past AI proofs-of-concept before you repeat them.

    \b
    Try:
      kb list --pattern production-divergence --phase pilot
      kb show <id>
      kb stats
      kb --db team.db ingest postmortems/
    """
    ctx.obj = Context(db)


def _print_report(report: Report, as_json: bool) -> None:
    if as_json:
        emit(report.as_dict())
    else:
        for r in report.results:
            if r.status == "failed":
                click.secho(f"FAILED  {r.source}: {r.reason}", fg="red", err=True)
            elif r.warnings:
                click.echo(
                    f"{r.status:<11} {r.document_id}  {r.source}  (warnings: {'; '.join(r.warnings)})",
                    err=True,
                )
        d = report.as_dict()
        click.echo(
            f"{d['added']} added, {d['new_versions']} new versions, {d['unchanged']} unchanged, "
            f"{d['failed']} failed in {d['seconds']:.1f}s"
        )
        if report.vectors_carried:
            click.echo(
                f"vectors taken from the export for {report.vectors_carried} documents "
                "(same model: nothing embedded)"
            )
        if d["redacted"]:
            shown = ", ".join(f"{n} {kind}" for kind, n in d["redacted"].items())
            click.echo(f"secrets redacted before storing: {shown}")
    if report.failed:
        sys.exit(1)


def _confidence(unit: dict[str, Any]) -> str:
    """' 0.83' when the reading layer chose the kind, '' when a heading or fence did."""
    value = unit.get("confidence")
    return f" {value:.2f}" if isinstance(value, int | float) and value < 1 else ""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(
        ["markdown", "text", "html", "json", "jsonl", "csv"]
        + ["docx", "pdf", "pptx", "odt", "xlsx", "eml", "msg", "zip"]  # ingest.FORMATS, kept light
    ),
    help="Force a format instead of guessing it from the suffix (or the file's first bytes).",
)
@json_option
@pass_ctx
def ingest(obj: Context, paths: tuple[str, ...], fmt: str | None, as_json: bool) -> None:
    """Ingest postmortems and handoff documents: files, folders (recursive) or globs.

    Markdown, plain text, HTML, Word (.docx), PDF (text layer), PowerPoint (.pptx),
    OpenDocument (.odt), Excel (.xlsx), e-mail (.eml, .msg), zips of any of them (a
    Confluence or Notion export), and JSON/JSONL/CSV exports (one document per record).
    Identical content is skipped; changed content at the same path becomes a new version.
    Exits 1 if any file failed; the others are stored all the same.

    \b
    Example:
      kb ingest corpus/
      kb ingest 'wiki-export/**/*.md' notes.txt
      kb ingest handoff.docx review.pdf space-export.zip
    """
    kb = obj.kb
    with click.progressbar(length=1, label="Ingesting", file=sys.stderr, show_pos=True) as bar:

        def start(n: int) -> None:
            bar.length = max(n, 1)

        report = kb.ingest_paths(
            list(paths), fmt=fmt, on_start=start, on_progress=lambda _: bar.update(1)
        )
    _print_report(report, as_json)


@cli.command("import-table")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="TARGET=COLUMN",
    help="Which column fills which field: title, summary, lesson, root_cause, recommendation, "
    "constraint, risk, impact, project, department, technique, phase_reached, outcome, "
    "date, owners. Repeatable.",
)
@json_option
@pass_ctx
def import_table(obj: Context, path: str, maps: tuple[str, ...], as_json: bool) -> None:
    """Ingest a JSON, JSONL or CSV export, one document per record, with a field mapping.

    \b
    Example:
      kb import-table lessons.csv --map title=Title --map lesson=Lesson
    """
    from ingest import parse_mapping

    try:
        mapping = parse_mapping(list(maps))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None
    report = obj.kb.ingest_paths([path], mapping=mapping, action="import-table")
    _print_report(report, as_json)


@cli.command("list")
@filter_options
@click.option("--all", "include_superseded", is_flag=True, help="Include superseded versions.")
@click.option("--limit", type=int, default=None, help="At most this many documents.")
@json_option
@pass_ctx
def list_(
    obj: Context, include_superseded: bool, limit: int | None, as_json: bool, **filters: Any
) -> None:
    """List documents, optionally filtered.

    \b
    Example:
      kb list --pattern no-production-data --phase pilot --json
    """
    try:
        docs = obj.kb.list_documents(
            filters={k: list(v) for k, v in filters.items()},
            include_superseded=include_superseded,
            limit=limit,
        )
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        emit(docs)
        return
    for d in docs:
        click.echo(
            f"{d['id']}  {d['kind']:<10} {d['phase_reached'] or '-':<10} {d['outcome'] or '-':<22} "
            f"{d['title']}"
        )
    click.echo(f"{len(docs)} documents", err=True)


def _source_text(source: dict[str, Any]) -> str:
    lines = source.get("lines") or [0, 0]
    where = f"lines {lines[0]}-{lines[1]}" if lines[0] else source.get("via", "")
    at = f", {source['at']}" if source.get("at") else ""
    return f"[{source.get('section')}{at}, {where}, {source.get('via')}]"


@cli.command()
@click.argument("document_id")
@json_option
@pass_ctx
def show(obj: Context, document_id: str, as_json: bool) -> None:
    """Show one document's structured record; every field says where it came from.

    DOCUMENT_ID may be a unique prefix.
    """
    doc = obj.kb.get_document(document_id)
    if doc is None:
        raise click.ClickException(f"no document with id {document_id!r} (see `kb list`)")
    if as_json:
        doc.pop("text", None)
        doc.pop("body", None)
        emit(doc)
        return
    click.secho(doc["title"], bold=True)
    click.echo(
        f"id {doc['id']}  kind {doc['kind']}  version {doc['version']}"
        f"{'  SUPERSEDED by ' + doc['superseded_by'] if doc['superseded_by'] else ''}"
    )
    click.echo(
        f"source {doc['source']} ({doc['format']}, {doc['encoding']}), ingested {doc['ingested_at']}"
    )
    if doc.get("original"):
        click.echo(
            f"original file kept ({doc['original']['size']:,} bytes): kb original {doc['id']} -o FILE"
        )
    for name, entry in doc["fields"].items():
        if name == "extra":
            continue
        if isinstance(entry, dict) and "value" in entry:
            click.echo(f"  {name}: {entry['value']}  {_source_text(entry['source'])}")
        elif isinstance(entry, list):
            click.echo(f"  {name}:")
            for item in entry:
                shown = {k: v for k, v in item.items() if k != "source" and v not in (None, "")}
                click.echo(f"    - {shown}  {_source_text(item['source'])}")
    if doc["warnings"]:
        click.echo(f"  warnings: {'; '.join(doc['warnings'])}")
    click.secho("Failure patterns", bold=True)
    for tag in doc["patterns"]:
        click.echo(f'  {tag["pattern"]}: "{tag["evidence"]}" ({tag["unit_id"]})')
    click.secho("Units", bold=True)
    for unit in doc["units"]:
        tags = f" [{', '.join(t['pattern'] for t in unit['patterns'])}]" if unit["patterns"] else ""
        click.echo(
            f"  {unit['id']} {unit['kind']:<14}{_confidence(unit)} {unit['section']} "
            f"({unit['place'] + ', ' if unit.get('place') else ''}"
            f"lines {unit['line_start']}-{unit['line_end']}){tags}"
        )
        click.echo(f"      {unit['text'][:200]}")


@cli.command()
@click.argument("document_id")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="write here (default: its own name)"
)
@pass_ctx
def original(obj: Context, document_id: str, output: str | None) -> None:
    """Save the file a document was read from (the .docx, .pdf, e-mail... as submitted).

    Originals are kept for files, not for bulk records, and not when secrets were redacted.
    """
    found = obj.kb.get_original(document_id)
    if found is None:
        raise click.ClickException(
            f"no original file is kept for {document_id!r} (see `kb show {document_id}`)"
        )
    target = Path(output or found["name"])
    if target.exists() and output is None:
        raise click.ClickException(f"{target} exists; name another with -o")
    target.write_bytes(found["data"])
    click.echo(f"wrote {target} ({found['size']:,} bytes, {found['media_type']})")


@cli.command()
@json_option
@pass_ctx
def stats(obj: Context, as_json: bool) -> None:
    """Counts by failure pattern, phase reached, outcome, department, technique and kind."""
    data = obj.kb.stats()
    if as_json:
        emit(data)
        return
    click.echo(
        f"{data['documents']} documents ({data['documents_including_superseded']} with superseded "
        f"versions), {data['units']} units"
    )
    for key in ("by_pattern", "by_phase", "by_outcome", "by_department", "by_technique", "by_kind"):
        click.secho(key.replace("by_", "By ").replace("_", " "), bold=True)
        for value, n in data[key].items():
            click.echo(f"  {n:>4}  {value}")


@cli.command()
@click.option(
    "-o",
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
@pass_ctx
def export(obj: Context, output: Any) -> None:
    """Export every document, with units and tags, as JSON lines (`kb import` reads it back)."""
    n = obj.kb.export(output)
    click.echo(f"exported {n} documents", err=True)


@cli.command("import")
@click.argument("path", type=click.File("r", encoding="utf-8"))
@json_option
@pass_ctx
def import_(obj: Context, path: Any, as_json: bool) -> None:
    """Import a file written by `kb export`; documents already present are skipped."""
    report = obj.kb.import_export(path, source=path.name)
    _print_report(report, as_json)


@cli.command()
@click.argument("document_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_ctx
def delete(obj: Context, document_id: str, yes: bool) -> None:
    """Delete one document and its units."""
    if not yes:
        click.confirm(f"Delete document {document_id}?", abort=True)
    if not obj.kb.delete_document(document_id):
        raise click.ClickException(f"no document with id {document_id!r}")

    click.echo(f"deleted {document_id}")


@cli.command()
@json_option
def taxonomy(as_json: bool) -> None:
    """The failure patterns: id, name, definition and aliases accepted by --pattern."""
    from kb.taxonomy import patterns

    items = [p.as_dict() for p in patterns()]
    if as_json:
        emit(items)
        return
    for p in items:
        click.secho(f"{p['id']}  ({', '.join(p['aliases'])})", bold=True)  # type: ignore[arg-type]
        click.echo(f"  {p['name']}: {p['definition']}")


@cli.command("tagger-eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--tagger",
    "tagger_name",
    type=click.Choice(["hybrid", "cues", "semantic"]),
    default="hybrid",
    show_default=True,
    help="Which tagger to measure.",
)
@json_option
def tagger_eval(path: Path, tagger_name: str, as_json: bool) -> None:
    """Precision and recall of the failure-pattern tagger on hand-labelled units (JSONL).

    \b
    Example:
      kb tagger-eval corpus/labelled/tagger-test.jsonl
    """
    from kb.tagger import make_tagger
    from kb.tagger_eval import evaluate

    result = evaluate(path, make_tagger(tagger_name))
    if as_json:
        emit(result)
        return
    click.echo(f"{result['units']} units, tagger {result['tagger']}")
    click.echo(f"{'pattern':<34} {'prec':>5} {'rec':>5}  tp fp fn")
    for name, row in result["patterns"].items():
        click.echo(
            f"{name:<34} {row['precision']:>5.2f} {row['recall']:>5.2f}  "
            f"{row['tp']:>2} {row['fp']:>2} {row['fn']:>2}"
        )
    m = result["micro"]
    click.echo(f"{'micro average':<34} {m['precision']:>5.2f} {m['recall']:>5.2f}")


@cli.command()
@click.argument("query")
@filter_options
@click.option(
    "--since", metavar="DATE", help="Only documents dated on or after DATE (e.g. 2024-01)."
)
@click.option("--until", metavar="DATE", help="Only documents dated on or before DATE.")
@click.option("-n", "--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option(
    "--mode",
    type=MODE_CHOICE,
    default="hybrid",
    show_default=True,
    help="hybrid: 0.7 x cosine + 0.3 x normalised BM25; rrf: reciprocal rank fusion; or one alone.",
)
@click.option(
    "--group", is_flag=True, help="One hit per document, with its other matching units listed."
)
@click.option(
    "--per-document",
    type=click.IntRange(0, 1000),
    default=PER_DOCUMENT,
    show_default=True,
    help="At most this many units of one document in the list (0: no cap).",
)
@click.option("--explain", is_flag=True, help="Say why each hit matched.")
@click.option(
    "--server",
    envvar="KB_SERVER",
    metavar="URL",
    help="Ask a running `kb serve` instead of loading the model here (env KB_SERVER).",
)
@click.option(
    "--key", envvar="KB_API_KEY", metavar="KEY", help="API key for --server (env KB_API_KEY)."
)
@json_option
@pass_ctx
def search(
    obj: Context,
    query: str,
    since: str | None,
    until: str | None,
    limit: int,
    mode: str,
    group: bool,
    per_document: int,
    explain: bool,
    server: str | None,
    key: str | None,
    as_json: bool,
    **filters: Any,
) -> None:
    """Search past failures, lessons and constraints.

    Filters narrow the candidates before ranking, so a filtered search still returns the
    best LIMIT matches among the documents that pass.

    \b
    Examples:
      kb search "vendor LLM blocked by security review" --limit 10
      kb search "accuracy dropped on real production data" --pattern production-divergence --phase pilot --json
      kb search "chatbot over HR policies" --explain --group
    """
    from kb.search import SearchError

    options: dict[str, Any] = {
        "filters": {k: list(v) for k, v in filters.items() if v},
        "since": since,
        "until": until,
        "limit": limit,
        "mode": mode,
        "group": group,
        "per_document": per_document,
    }
    if server:
        from kb.remote import remote_search

        result = remote_search(server, query, options, key=key)
    else:
        try:
            obj.preload_model()
            result = obj.kb.search(query, **options)
        except (SearchError, FilterError) as exc:
            raise click.UsageError(str(exc)) from None
    global _ANSWERED_READ_ONLY
    if as_json:
        emit(result)
    else:
        _print_hits(result, explain)
    _ANSWERED_READ_ONLY = True


def _print_hits(result: dict[str, Any], explain: bool) -> None:
    if not result["hits"]:
        click.echo(result.get("message", "no hits"))
        return
    for hit in result["hits"]:
        where = hit["section"] if hit["unit_id"] else "whole document"
        lines = hit["explain"]["location"]["lines"] if hit.get("explain") else None
        click.secho(f"{hit['rank']:>2}. {hit['title']}", bold=True)
        click.echo(
            f"    {hit['kind']} · {where}{f' (lines {lines[0]}-{lines[1]})' if lines else ''}"
        )
        click.echo(f"    {hit['snippet']}")
        click.echo(f"    {hit['source']}  [{hit['unit_id'] or hit['document_id']}]")
        if hit.get("also"):
            click.echo(
                f"    also: {', '.join(a['unit_id'] or 'document' for a in hit['also'][:5])}"
            )
        if explain:
            e = hit["explain"]
            parts = [
                f"terms: {', '.join(e['matched_terms']) or '-'}",
                f"keyword rank: {e['keyword_rank'] or '-'}",
                f"semantic rank: {e['dense_rank'] or '-'} (similarity {e['dense_similarity']})",
            ]
            if e.get("document_bm25"):
                parts.append(f"document's text matches (BM25 {e['document_bm25']} of best)")
            if "shared_patterns" in e:
                parts.append(f"shared patterns: {', '.join(e['shared_patterns']) or '-'}")
            click.echo("    why: " + "; ".join(parts))
    if result.get("note"):
        click.echo(result["note"], err=True)


@cli.command()
@click.argument("unit_id")
@click.option("-n", "--limit", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--explain", is_flag=True, help="Show similarity and shared failure patterns.")
@json_option
@pass_ctx
def related(obj: Context, unit_id: str, limit: int, explain: bool, as_json: bool) -> None:
    """Lessons, root causes and constraints like this unit, from other projects.

    \b
    Example:
      kb related 4bd81dcb06ef-012
    """
    from kb.search import SearchError

    try:
        result = obj.kb.related(unit_id, limit=limit)
    except SearchError as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        emit(result)
        return
    click.echo(f"Like: {result['text'][:200]}")
    _print_hits(result, explain)


@cli.command()
@pass_ctx
def reindex(obj: Context) -> None:
    """Rebuild the vector index from the vectors stored in the database.

    The index is a cache: it is rebuilt automatically when missing, corrupt, built by
    another model or out of step; this forces it.
    """
    n = obj.kb.reindex()
    click.echo(f"vector index rebuilt: {n} vectors ({obj.kb.embedder.name})")


@cli.command("copy-store")
@click.option(
    "--to",
    "target",
    required=True,
    metavar="PATH|URL",
    help="The store to copy into: a postgresql://user@host/db URL or a SQLite file path.",
)
@json_option
@pass_ctx
def copy_store(obj: Context, target: str, as_json: bool) -> None:
    """Copy this store (--db) whole into another backend, without re-embedding.

    Documents with their units, tags, facets, versions, original files and vectors, then API
    keys and the audit trail. Documents already in the target are skipped, so a copy that was
    cut short can be run again. The source is only read.

    \b
    Example:
      kb --db team.db copy-store --to postgresql://kb@db.internal/kb
      KB_DB=postgresql://kb@db.internal/kb kb search "security review"
    """
    try:
        check_store(target)
    except BackendError as exc:
        raise click.ClickException(str(exc)) from None
    kb = obj.kb
    total = kb.store.count_documents(Filters(include_superseded=True))
    with click.progressbar(length=max(total, 1), label="Copying", file=sys.stderr) as bar:
        try:
            summary = kb.copy_to(target, on_progress=lambda done, _title: bar.update(1))
        except (BackendError, ValueError) as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        emit(summary)
        return
    to = summary["to"].get("url") or summary["to"].get("path")
    click.echo(
        f"copied {summary['documents_copied']} documents ({summary['units']} units, "
        f"{summary['vectors']} vectors, {summary['keys']} keys, {summary['audit_entries']} "
        f"audit entries) to {to} in {summary['seconds']:.1f}s; "
        f"{summary['documents_already_there']} were there already"
    )


@cli.command()
@json_option
@pass_ctx
def reparse(obj: Context, as_json: bool) -> None:
    """Re-read every stored document with the current readers, from its stored text.

    Roles, kind, phase, outcome, people, KPIs, gates and patterns are derived again; units whose
    text is unchanged keep their vectors, so only what changed is embedded. Versions, ids and
    submitted metadata stay as they were.

    \b
    Example:
      kb reparse
    """
    kb = obj.kb
    total = kb.store.count_documents(Filters(include_superseded=True))
    with click.progressbar(length=max(total, 1), label="Reparsing", file=sys.stderr) as bar:
        report = kb.reparse(on_progress=lambda _: bar.update(1))
    if as_json:
        emit(
            {"seconds": round(report.seconds, 2), "results": [r.as_dict() for r in report.results]}
        )
    else:
        for r in report.failed:
            click.secho(f"FAILED  {r.source}: {r.reason}", fg="red", err=True)
        done = report.count("reparsed")
        click.echo(
            f"{done} documents re-read, {len(report.failed)} failed in {report.seconds:.1f}s"
        )
    if report.failed:
        sys.exit(1)


@cli.command("extract-eval")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--by-form", is_flag=True, help="Also print each form's figures.")
@json_option
@pass_ctx
def extract_eval(obj: Context, path: Path, by_form: bool, as_json: bool) -> None:
    """Score the store's records against expected records: kind, phase, outcome, department,
    lessons and root causes in the right kind, people, handoff, KPIs, gate decisions, patterns.

    PATH is an expected.json ({"documents": {FILE NAME: RECORD}}, see corpus/reading/README.md)
    or its folder; stored documents are matched to it by file name.

    \b
    Example:
      kb --db eval.db ingest corpus/reading/writer-c/docs
      kb --db eval.db extract-eval corpus/reading/writer-c/expected.json
    """
    from kb.extract_eval import METRICS, evaluate, load, store_records

    result = evaluate(store_records(obj.kb), load(path))
    if as_json:
        emit(result)
        return
    if result["missing"]:
        click.echo(f"not in the store: {', '.join(result['missing'])}", err=True)
    rows = [("overall", result["overall"])]
    if by_form:
        rows += list(result["by_form"].items())
    shown = (*METRICS, "patterns_precision", "patterns_recall")
    click.echo(f"{result['documents']} documents scored")
    click.echo("metric".ljust(20) + "".join(name[:12].rjust(13) for name, _ in rows))
    for metric in shown:
        cells = []
        for _, r in rows:
            v = r.get(metric)
            cells.append(("-" if v is None else f"{v:.2f}").rjust(13))
        click.echo(metric.ljust(20) + "".join(cells))


@cli.command("eval")
@click.argument(
    "path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False
)
@click.option(
    "--from-feedback",
    is_flag=True,
    help="Judge by the votes people gave search results (up: relevant, down: not) instead of PATH.",
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=MODE_CHOICE,
    help="Modes to compare (default: all four).",
)
@click.option("--per-query", is_flag=True, help="Also print each query's nDCG@10.")
@click.option(
    "--hits",
    type=click.IntRange(10, 1000),
    default=100,
    show_default=True,
    help="Units each search returns before they are counted by document: 100 ranks documents, "
    "10 scores the list `kb search` shows.",
)
@json_option
@pass_ctx
def eval_(
    obj: Context,
    path: Path | None,
    from_feedback: bool,
    modes: tuple[str, ...],
    per_query: bool,
    hits: int,
    as_json: bool,
) -> None:
    """Retrieval quality against graded judgments: nDCG@10, Recall@10, MRR per mode.

    Each line of PATH: {"id", "query", "relevant": {"<file name>": 0|1|2}, "filters"?}.

    \b
    Example:
      kb eval corpus/eval/queries.jsonl
      kb eval corpus/eval/queries.jsonl --hits 10 --mode hybrid   # what a search list shows
      kb eval --from-feedback      # the votes on search results as judgments
    """
    from kb.evaluation import DEFAULT_MODES, evaluate, load_queries

    if (path is None) == (not from_feedback):
        raise click.UsageError("give a judgments file PATH or --from-feedback (one of them)")
    if from_feedback:
        from kb.feedback import judgments

        queries, skipped = judgments(obj.kb)
        if not queries:
            raise click.ClickException(
                "no search feedback with a vote up yet: nothing to judge by "
                f"({skipped} queries have only votes down)"
            )
        if skipped and not as_json:
            click.echo(f"{skipped} voted queries have no result voted up; left out", err=True)
    else:
        assert path is not None
        try:
            queries = load_queries(path)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    result = evaluate(obj.kb, queries, modes or DEFAULT_MODES, hits=hits)
    if as_json:
        emit(result)
        return
    click.echo(f"{result['queries']} queries, documents judged 0/1/2, {hits} hits a search")
    click.echo(f"{'mode':<10} {'nDCG@10':>8} {'Recall@10':>10} {'MRR':>6}")
    for mode, row in result["table"].items():
        click.echo(
            f"{mode:<10} {row['ndcg@10']:>8.3f} {row['recall@10']:>10.3f} {row['mrr']:>6.3f}"
        )
    if per_query:
        for mode, rows in result["per_query"].items():
            click.echo(f"-- {mode}")
            for row in rows:
                click.echo(
                    f"  {row['id']:<8} nDCG@10 {row['ndcg@10']:.3f}  top: {', '.join(row['top'][:3])}"
                )


@cli.group()
def charter() -> None:
    """Review a draft PoC charter (the Gate 0 document) against the gates and past lessons."""


@charter.command("check")
@click.argument("path", type=click.File("r", encoding="utf-8"))
@click.option(
    "-n",
    "--limit",
    type=click.IntRange(1, 50),
    default=10,
    show_default=True,
    help="How many past lessons to suggest.",
)
@json_option
@pass_ctx
def charter_check(obj: Context, path: Any, limit: int, as_json: bool) -> None:
    """Findings (what the charter lacks, with evidence and the principle), then suggested lessons.

    \b
    Example:
      kb template charter > my-charter.md   # fill it in, then:
      kb charter check my-charter.md
    """
    from kb.charter import review

    result = review(obj.kb, path.read(), limit=limit)
    if as_json:
        emit(result)
        return
    findings = result["findings"]
    click.secho(f"Findings ({len(findings)})", bold=True)
    if not findings:
        click.echo("  none: the charter addresses every gate-0 question this checker knows")
    for f in findings:
        click.secho(
            f"  [{f['severity']}] {f['code']}", fg="red" if f["severity"] == "high" else "yellow"
        )
        click.echo(f"      {f['message']}")
        ev = f["evidence"][0]
        where = (
            "absent from the charter"
            if ev.get("absent")
            else f"line {ev['line']}: {ev['text'][:140]}"
        )
        click.echo(f"      evidence: {where}")
        click.echo(f"      principle: {f['principle']}")
    addressed = [a for a in result.get("aspects", []) if a["state"] == "addressed"]
    if addressed:
        click.secho(f"Addressed ({len(addressed)})", bold=True)
        for a in addressed:
            where = (
                f"line {a['evidence'][0]['line']}: {a['evidence'][0]['text'][:110]}"
                if a["evidence"]
                else "(no single line)"
            )
            click.echo(f"  {a['code']}: {where}")
    click.secho(f"Suggested lessons ({len(result['suggestions'])})", bold=True)
    for s in result["suggestions"]:
        click.echo(f"  {s['rank']:>2}. {s['title']}  [{s['kind']}]  {s['source']}")
        click.echo(f"      {s['text'][:200]}")
        click.echo(f"      why: {'; '.join(s['why'])}")


@cli.command()
@click.argument("name", type=click.Choice(TEMPLATE_NAMES))
def template(name: str) -> None:
    """Print a template whose headings the ingesters (and the charter reader) understand.

    \b
    Example:
      kb template postmortem > ocr-pilot-postmortem.md
    """
    click.echo(template_text(name), nl=False)


@cli.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1; env KB_HOST).")
@click.option("--port", type=int, default=None, help="Port (default 8000; env KB_PORT).")
@click.option(
    "--workers",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Worker processes over the same store.",
)
@pass_ctx
def serve(obj: Context, host: str | None, port: int | None, workers: int) -> None:
    """Run the REST service and the web pages (FastAPI on uvicorn); GET /ready says when it is loaded.

    Open http://127.0.0.1:8000/ in a browser for search, submit, the charter assistant and the
    pattern dashboard; the REST API is described at /docs. With no API key in the store and a loopback address, it runs in local single-user mode
    and needs no key; once any key exists (`kb keys create`), every request needs one.

    \b
    Example:
      kb serve --port 8000
      curl -s localhost:8000/search?q=security+review+blocked
    """
    import os

    import uvicorn

    settings = obj.settings.with_changes(**{k: v for k, v in (("host", host), ("port", port)) if v})
    check_store(settings.store)
    if workers == 1:
        from api import create_app

        uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
        return
    os.environ["KB_HOST"] = settings.host
    if settings.db is not None:
        os.environ["KB_DB"] = str(settings.db)
    uvicorn.run(
        "api.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level="info",
    )


@cli.group()
def keys() -> None:
    """API keys for the service: create (shown once), list, revoke."""


@keys.command("create")
@click.option(
    "--role",
    type=click.Choice(["reader", "contributor", "admin"]),
    required=True,
    help="reader: search and read; contributor: also submit; admin: also delete and audit.",
)
@click.option("--name", default=None, help="Who or what uses the key (shown in the audit trail).")
@json_option
@pass_ctx
def keys_create(obj: Context, role: str, name: str | None, as_json: bool) -> None:
    """Create a key and print it once; only a hash is stored.

    \b
    Example:
      kb keys create --role contributor --name wiki-export-job
    """
    key, token = obj.kb.create_key(role=role, name=name or f"{role}-key")
    if as_json:
        emit({"id": key.id, "name": key.name, "role": key.role, "key": token})
        return
    click.echo(token)
    click.echo(f"key {key.id} ({key.name}, {key.role}) created; it is shown only now", err=True)


@keys.command("list")
@json_option
@pass_ctx
def keys_list(obj: Context, as_json: bool) -> None:
    """List keys (never the keys themselves)."""
    items = [k.__dict__ for k in obj.kb.keys.list()]
    if as_json:
        emit(items)
        return
    for k in items:
        state = f"revoked {k['revoked_at']}" if k["revoked_at"] else "active"
        click.echo(f"{k['id']:>4}  {k['prefix']}…  {k['role']:<12} {k['name']:<24} {state}")


@keys.command("revoke")
@click.argument("key_id", type=int)
@pass_ctx
def keys_revoke(obj: Context, key_id: int) -> None:
    """Revoke a key by its id (see `kb keys list`)."""
    if not obj.kb.revoke_key(key_id):
        raise click.ClickException(f"no active key with id {key_id}")
    click.echo(f"key {key_id} revoked")


@cli.command()
@click.option("-n", "--limit", type=int, default=50, show_default=True)
@click.option("--actor", default=None, help="Only this key name (or 'cli', 'local').")
@json_option
@pass_ctx
def audit(obj: Context, limit: int, actor: str | None, as_json: bool) -> None:
    """Who submitted, changed or deleted what, and when (newest first)."""
    entries = obj.kb.audit.entries(limit=limit, actor=actor)
    if as_json:
        emit(entries)
        return
    for e in entries:
        click.echo(
            f"{e['at']}  {e['actor']:<20} {e['action']:<12} {e['target'] or '-'}  {e['detail'] or ''}"
        )


from kb import cli_follow  # noqa: E402,F401 - registers the follow-through commands


def main() -> None:
    """The `kb` command. A search ends without tearing the interpreter down: once its answer is
    written nothing is left to save, and onnxruntime's and numpy's teardown cost a cold search
    about 0.1 s."""
    try:
        cli.main(prog_name="kb")
    except SystemExit as exc:
        if not _ANSWERED_READ_ONLY:
            raise
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


if __name__ == "__main__":
    main()
