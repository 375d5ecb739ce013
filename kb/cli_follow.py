"""`kb actions`, `kb action`, `kb digest` and `kb feedback`: the follow-through commands."""

from __future__ import annotations

from typing import Any

import click

from kb.actions import ActionError
from kb.backends.base import ACTION_STATUSES
from kb.cli import Context, cli, emit, filter_options, json_option, pass_ctx
from kb.core import Actor
from kb.filters import FilterError

STATUS_CHOICE = click.Choice([*ACTION_STATUSES, "all"])


def _line(a: dict[str, Any]) -> str:
    flag = click.style("OVERDUE ", fg="red", bold=True) if a["overdue"] else ""
    due = a["due"] or (f"'{a['due_text']}' (unread)" if a["due_text"] else "no due date")
    return (
        f"{a['id']}  [{a['status']}] {flag}{a['text'][:120]}\n"
        f"      owner {a['owner'] or '-'}; due {due}; {a['document_title']} "
        f"({a['section'] or '-'}, lines {a['lines'][0]}-{a['lines'][1]})"
    )


@cli.command("actions")
@click.option("--status", type=STATUS_CHOICE, default="open", show_default=True)
@click.option("--overdue", is_flag=True, help="Only open items whose due date has passed.")
@click.option("--owner", default=None, help="Only items whose owner contains this (any case).")
@filter_options
@click.option("--recurring", is_flag=True, help="Group items asked for in several documents.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=500, show_default=True)
@json_option
@pass_ctx
def actions(
    obj: Context,
    status: str,
    overdue: bool,
    owner: str | None,
    recurring: bool,
    limit: int,
    as_json: bool,
    **filters: Any,
) -> None:
    """Action items read from postmortems and handoffs, overdue ones first.

    Items come from tables with owner / due / status columns, "Action:" lines, checkboxes and
    sentences such as "Maria will write the runbook by 30 June". Change one with `kb action`.

    \b
    Example:
      kb actions --overdue --department claims
      kb actions --owner "dana" --status all --json
      kb actions --recurring          # the same remediation in several projects
    """
    chosen = {k: list(v) for k, v in filters.items() if v}
    try:
        if recurring:
            groups = obj.kb.recurring_actions(filters=chosen, limit=limit)
            if as_json:
                emit(groups)
                return
            for g in groups:
                click.secho(f"{g['documents']} documents: {g['action']}", bold=True)
                click.echo(
                    f"      departments: {', '.join(g['departments']) or '-'}; open {g['open']}"
                )
                for a in g["items"]:
                    click.echo(f"      - {a['text'][:100]}  ({a['document_title']})")
            click.echo(f"{len(groups)} recurring actions", err=True)
            return
        items = obj.kb.actions(
            status=status, overdue=overdue, owner=owner, filters=chosen, limit=limit
        )
    except (ActionError, FilterError) as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        emit(items)
        return
    for a in items:
        click.echo(_line(a))
    late = sum(1 for a in items if a["overdue"])
    click.echo(f"{len(items)} action items, {late} overdue", err=True)


@cli.command("action")
@click.argument("action_id")
@click.option("--status", type=click.Choice(ACTION_STATUSES), default=None)
@click.option("--owner", default=None, help="The new owner ('' to clear it).")
@json_option
@pass_ctx
def action(
    obj: Context, action_id: str, status: str | None, owner: str | None, as_json: bool
) -> None:
    """Show an action item, or change its status or owner (recorded in the audit trail).

    \b
    Example:
      kb action 4bd81dcb06ef-a1b2c3d4 --status done
      kb action 4bd81dcb06ef-a1b2c3d4 --owner "Priya Nair"
    """
    if status is None and owner is None:
        item = obj.kb.get_action(action_id)
    else:
        item = obj.kb.update_action(action_id, status=status, owner=owner, actor=Actor())
    if item is None:
        raise click.ClickException(f"no action item {action_id!r}; list them with `kb actions`")
    if as_json:
        emit(item)
        return
    click.echo(_line(item))
    if item.get("warning"):
        click.echo(f"      note: {item['warning']}")


@cli.command("digest")
@click.option(
    "--since",
    default="7d",
    show_default=True,
    help="The period: 24h, 7d, 2w, 1m, or a date such as 2026-11-01.",
)
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown")
@pass_ctx
def digest(obj: Context, since: str, fmt: str) -> None:
    """What was added, which failure patterns recurred, which action items fell overdue.

    \b
    Example:
      kb digest --since 7d > weekly.md      # paste into mail or chat
      kb digest --since 2026-11-01 --format json
    """
    from kb.digest import markdown

    try:
        result = obj.kb.digest(since=since)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        emit(result)
        return
    click.echo(markdown(result), nl=False)


@cli.group()
def feedback() -> None:
    """Votes on search results and charter suggestions (from the pages and POST /feedback)."""


@feedback.command("stats")
@click.option("--since", default=None, help="Only votes from this date (e.g. 2026-11-01).")
@json_option
@pass_ctx
def feedback_stats(obj: Context, since: str | None, as_json: bool) -> None:
    """Votes in all, by context and query, and the results voted down most.

    \b
    Example:
      kb feedback stats
      kb eval --from-feedback       # the votes as judgments, to compare ranking modes
    """
    result = obj.kb.feedback_stats(since=since)
    if as_json:
        emit(result)
        return
    click.echo(f"{result['votes']} votes: {result['up']} up, {result['down']} down")
    for context, c in result["by_context"].items():
        click.echo(f"  {context:<8} up {c['up']:>4}  down {c['down']:>4}")
    if result["queries"]:
        click.secho("By query", bold=True)
        for q in result["queries"][:20]:
            click.echo(f"  up {q['up']:>3} down {q['down']:>3}  {q['query'][:80]}")
    if result["most_down"]:
        click.secho("Voted down most", bold=True)
        for t in result["most_down"]:
            click.echo(f"  {t['down']:>3} down, {t['up']:>3} up  {t['target']}")


@feedback.command("add")
@click.option("--vote", type=click.Choice(["up", "down"]), required=True)
@click.option("--unit", "unit_id", default=None, help="The unit voted on (a search hit's unit_id).")
@click.option("--document", "document_id", default=None, help="Or a whole document.")
@click.option("--query", default=None, help="The search the result came from.")
@click.option("--context", type=click.Choice(["search", "charter"]), default="search")
@click.option("--comment", default=None)
@json_option
@pass_ctx
def feedback_add(obj: Context, as_json: bool, **vote: Any) -> None:
    """Record a vote from the command line (the pages and POST /feedback do the same)."""
    from kb.feedback import FeedbackError, NotFound

    try:
        entry = obj.kb.add_feedback(actor=Actor(), **vote)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    except FeedbackError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        emit(entry)
        return
    click.echo(
        f"vote {entry['id']} recorded ({vote['vote']} on {entry['unit_id'] or entry['document_id']})"
    )
