"""Write the generated parts of the documentation from the code.

    python docs/gen.py            # rewrite every generated block in docs/
    python docs/gen.py --check    # exit 1 and name each stale block (what the tests run)

A page holds a generated block between two markers::

    <!-- generated: NAME -->
    ...
    <!-- end generated -->

and only what lies between them is rewritten: the prose around a table is written by hand, the
table itself never is. The blocks are the program table and the policy's JSON Schema (from
``execgate.policy``), the error table (``execgate/errors.py``), the secret rule table
(``execgate/scan``) and the command line's help (``execgate.cli``). The performance page is not
here: it is a measurement, written by ``benchmarks/suite.py --markdown``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent

MARKER = re.compile(
    r"(<!-- generated: (?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- end generated -->)", re.S
)


def _code(words: Iterable[str]) -> str:
    return ", ".join(f"`{w}`" for w in words)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# --- errors -----------------------------------------------------------------------------------


def errors() -> str:
    from execgate import errors as e

    rows: dict[str, tuple[str, str, str]] = {}
    stack: list[type[e.ExecgateError]] = [e.ExecgateError]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "summary" in vars(cls) or cls is e.ExecgateError:
            rows[cls.code] = (cls.__name__, cls.fault, cls.summary)
    for code, (cls, summary) in e.DENIAL_CODES.items():
        rows[code] = (cls.__name__, cls.fault, summary)
    missing = set(e.all_error_codes()) - set(rows)
    assert not missing, f"codes without a class: {missing}"
    rows["EG-ALLOWED"] = ("(decision)", "—", "not an error: the code of an allow decision")
    lines = ["| code | class | fault | meaning |", "|---|---|---|---|"]
    for code, (name, fault, summary) in sorted(rows.items()):
        klass = name if name.startswith("(") else f"`{name}`"
        lines.append(f"| `{code}` | {klass} | {fault} | {_cell(summary)} |")
    return "\n".join(lines)


# --- secret rules -----------------------------------------------------------------------------


def secret_rules() -> str:
    from execgate.scan import RULES

    providers: dict[str, list[Any]] = {}
    for rule in RULES:
        providers.setdefault(rule.provider, []).append(rule)
    lines = [
        f"{len(RULES)} rules over {len(providers)} providers.",
        "",
        "| provider | rule | confidence | checksum |",
        "|---|---|---|---|",
    ]
    for provider, rules in providers.items():
        for rule in rules:
            checksum = f"`{rule.checksum}`" if rule.checksum else ""
            lines.append(f"| {provider} | `{rule.rule_id}` | {rule.confidence:.2f} | {checksum} |")
    return "\n".join(lines)


# --- programs ---------------------------------------------------------------------------------


def _programs_module() -> Any:
    """The module holding ``BUILTINS`` (the program tables may live in a package)."""
    for name in ("execgate.policy.programs", "execgate.policy._programs"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "BUILTINS"):
            return module
    raise ImportError("no module of execgate.policy holds BUILTINS")


def _options(spec: Any) -> tuple[list[str], dict[str, str], list[str]]:
    accepted = sorted({*spec.flags, *spec.valued, *spec.optional})
    return accepted, dict(sorted(spec.denied.items())), sorted(spec.paths)


def _spec_section(title: str, spec: Any, level: int) -> list[str]:
    accepted, denied, paths = _options(spec)
    lines = [f"{'#' * level} {title}", ""]
    facts = []
    if spec.script_operand:
        facts.append("the first operand is a script to run: it must be in the workspace")
    if spec.posix and spec.operands_before_end:
        facts.append(
            f"options end at the operand after the first {spec.operands_before_end}: they "
            "are read after those too (ssh reads them again after the destination)"
        )
    elif spec.posix:
        facts.append("options end at the first operand")
    if spec.single_dash_long:
        facts.append("Go-style single-dash long options (no bundling, no abbreviation)")
    if spec.numeric:
        facts.append("`-NUM` is an option")
    normalize = getattr(spec, "normalize", None)
    if normalize:
        doc = (normalize.__doc__ or "").strip().split("\n\n")[0]
        facts.append(
            "options read as the program spells them"
            + (f": {' '.join(doc.split())}" if doc else "")
        )
    if spec.extra:
        doc = (spec.extra.__doc__ or "").strip().split("\n\n")[0]
        facts.append(
            "further checks on the arguments"
            + (f": {' '.join(doc.split())}" if doc else " (program-specific)")
        )
    lines += [f"- {fact}" for fact in facts]
    if accepted:
        lines.append(f"- accepted options: {_code(accepted)}")
    if paths:
        lines.append(f"- path-valued (must resolve inside the workspace): {_code(paths)}")
    if denied:
        lines += ["- refused:", ""]
        lines += [f"    - `{option}`: {_cell(why)}" for option, why in denied.items()]
    if spec.subcommands:
        lines.append(f"- subcommands: {_code(sorted(spec.subcommands))}")
    tools = getattr(spec, "tools", None) or {}
    if tools:
        named = ", ".join(f'`"{title} {t}"`' for t in sorted(tools))
        lines.append(
            f"- what it runs, with a table of its own under a mode rule naming it: {named}"
        )
    lines.append("")
    for sub, subspec in sorted((spec.subcommands or {}).items()):
        if subspec is not spec:
            lines += _spec_section(f"{title} {sub}", subspec, min(level + 1, 4))
    for tool, toolspec in sorted(tools.items()):
        lines += _spec_section(f"{title} {tool}", toolspec, min(level + 1, 4))
    return lines


def programs() -> str:
    module = _programs_module()
    builtins: Mapping[str, Any] = module.BUILTINS
    names: dict[int, list[str]] = {}
    specs: dict[int, Any] = {}
    for name, spec in builtins.items():
        names.setdefault(id(spec), []).append(name)
        specs[id(spec)] = spec
    lines = [
        "| program | subcommands | path-valued options | refused options |",
        "|---|---|---|---|",
    ]
    for key, spec in specs.items():
        _accepted, denied, paths = _options(spec)
        subs = _code(sorted(spec.subcommands)) if spec.subcommands else "—"
        lines.append(
            f"| {' / '.join(names[key])} | {subs} | {_code(paths) or '—'} "
            f"| {_code(denied) or '—'} |"
        )
    modules: Mapping[str, Any] = getattr(module, "PYTHON_MODULES", {})
    if modules:
        lines += ["", f"`python -m MODULE` with rules of its own: {_code(sorted(modules))}."]
    try:
        from execgate.policy._shells import SHELLS
    except ImportError:  # the shell rules moved: the table above still stands
        SHELLS = frozenset()
    if SHELLS:
        shells = _code(sorted(SHELLS))
        lines += ["", f"Shells read by the shell rules (`-c LINE` or a script): {shells}."]
    lines.append("")
    for key, spec in specs.items():
        lines += _spec_section(" / ".join(names[key]), spec, 3)
    return "\n".join(lines).rstrip()


# --- the policy's JSON Schema -----------------------------------------------------------------


def policy_schema() -> str:
    from execgate.policy import policy_schema as schema

    return "```json\n" + json.dumps(schema(), indent=2) + "\n```"


# --- the command line -------------------------------------------------------------------------


def cli() -> str:
    import click

    from execgate.cli import main

    lines: list[str] = []

    def walk(command: click.Command, path: list[str], parent: click.Context | None) -> None:
        # the command's own context settings (its -h), as click's make_context applies them:
        # the help then never depends on what ran before in this process
        settings = {**command.context_settings, "terminal_width": 100, "max_content_width": 100}
        ctx = click.Context(command, info_name=path[-1], parent=parent, **settings)
        if len(path) > 1:
            lines.extend([f"{'#' * min(len(path) + 1, 4)} `{' '.join(path)}`", ""])
            lines.extend(["```text", command.get_help(ctx).rstrip(), "```", ""])
        if isinstance(command, click.Group):
            for name in sorted(command.list_commands(ctx)):
                sub = command.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk(sub, [*path, name], ctx)

    walk(main, ["execgate"], None)
    return "\n".join(lines).rstrip()


GENERATORS: dict[str, Callable[[], str]] = {
    "errors": errors,
    "secret-rules": secret_rules,
    "programs": programs,
    "policy-schema": policy_schema,
    "cli": cli,
}


def pages() -> list[Path]:
    return sorted(p for p in DOCS.rglob("*.md") if "incoming" not in p.relative_to(DOCS).parts)


def render(text: str) -> str:
    """``text`` with every generated block rewritten from the code."""

    def block(m: re.Match[str]) -> str:
        name = m.group("name")
        if name not in GENERATORS:
            raise SystemExit(f"unknown generated block {name!r}")
        return f"{m.group(1)}{GENERATORS[name]()}\n{m.group(4)}"

    return MARKER.sub(block, text)


def stale() -> list[str]:
    """The pages whose generated blocks differ from what the code generates now."""
    return [str(p.relative_to(DOCS)) for p in pages() if render(p.read_text()) != p.read_text()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a generated block is stale")
    args = ap.parse_args()
    if args.check:
        old = stale()
        if old:
            print(f"stale: {', '.join(old)}; run python docs/gen.py", file=sys.stderr)
            sys.exit(1)
        return
    for page in pages():
        text = page.read_text()
        new = render(text)
        if new != text:
            page.write_text(new)
            print(f"wrote {page.relative_to(DOCS)}")


if __name__ == "__main__":
    main()
