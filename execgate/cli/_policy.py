"""``execgate policy``: write, validate, explain and extend policy files."""

from __future__ import annotations

import json
import sys
from importlib import resources
from pathlib import Path

import click

from ..errors import ExecgateError, PolicyInvalid
from ..policy import always_refused, load_policy, policy_schema, suggest, unchecked_programs
from ..store import EventFilter
from ._common import (
    CONTEXT,
    POLICY_FILE_NAME,
    existing_store,
    fail,
    policy_option,
    policy_path_or_found,
    since,
    store_option,
)


@click.group(context_settings=CONTEXT)
def policy() -> None:
    """Work with policy files."""


@policy.command("validate")
@click.argument("path", metavar="[FILE]", required=False, envvar="EXECGATE_POLICY")
def policy_validate(path: str | None) -> None:
    """Check FILE (default: $EXECGATE_POLICY, else the execgate.toml here or above); print
    every problem with its key path, line and column.

    Exit 0 valid, 1 invalid, 2 no file to check.
    """
    path = policy_path_or_found(path)
    if path is None:
        raise click.UsageError(
            f"no FILE given, no EXECGATE_POLICY, and no {POLICY_FILE_NAME} here or above"
        )
    try:
        p = load_policy(path)
    except PolicyInvalid as exc:
        click.echo(f"{path}: invalid", err=True)
        for problem in exc.problems or (exc.message,):
            click.echo(f"  {problem}")
        sys.exit(1)
    click.echo(
        f"{path}: valid — workspace {p.root}, {len(p.allow)} allow rule(s), "
        f"{len(p.deny)} deny rule(s), recorder level {p.recorder.level}"
    )
    for name in unchecked_programs(p):
        click.echo(
            f"  warning: {name!r} has no built-in rules, so its arguments pass unread; "
            'say args = "any" if that is meant',
            err=True,
        )
    for name in always_refused(p):
        click.echo(
            f"  warning: {name!r} is refused in every use but --version/--help under its "
            'built-in rules; say args = "any" to allow it',
            err=True,
        )


@policy.command("suggest", context_settings=CONTEXT)
@store_option
@policy_option("Read the default store of this policy's workspace.")
@click.option("--since", "when", metavar="15m|2h|7d|ISO", help="Only refusals since then.")
@click.option("--session", "session_id", metavar="ID", help="Only this session's refusals.")
def policy_suggest(
    store: str, policy_path: str | None, when: str | None, session_id: str | None
) -> None:
    """Print the smallest set of rules that would allow the refused requests on record,
    each with the requests it covers. Safety refusals (paths outside the workspace, secrets,
    options that run programs, shell constructs) are never suggested."""
    where = EventFilter(since=since(when), session_id=session_id, decision="deny")
    st = existing_store(store, policy_path, False)
    try:
        try:
            events = st.query(limit=None, where=where)
        finally:
            st.close()
    except ExecgateError as exc:
        fail(exc, False)
    found = suggest(events)
    if not found:
        click.echo("# no refusal on record that a rule would allow")
        return
    for item in found:
        click.echo(f"# allows {len(item.requests)} refused request(s):")
        for request in item.requests[:5]:
            click.echo(f"#   {request[:120]}")
        click.echo(item.toml + "\n")


@policy.command("schema")
def policy_schema_cmd() -> None:
    """Print the policy file's JSON Schema."""
    click.echo(json.dumps(policy_schema(), indent=2))


@policy.command("init")
@click.argument("path", default=POLICY_FILE_NAME, metavar="[FILE]")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--template",
    type=click.Choice(["readonly", "python", "node", "python-node"]),
    default="readonly",
    show_default=True,
    help="readonly: the embedded default; the others: a development policy for that kind "
    "of repository.",
)
def policy_init(path: str, force: bool, template: str) -> None:
    """Write a commented starter policy to FILE (default: execgate.toml, which commands run
    here or below then find)."""
    target = Path(path)
    if target.exists() and not force:
        raise click.ClickException(f"{path} exists; use --force to overwrite it")
    source = resources.files("execgate.policy")
    if template == "readonly":
        text = source.joinpath("default.toml").read_text("utf-8")
    else:
        text = source.joinpath("templates", f"{template}.toml").read_text("utf-8")
    target.write_text(text)
    load_policy(target)  # what we wrote must load
    click.echo(f"wrote {path}; edit [[allow]] to grant more, then: execgate policy validate {path}")
