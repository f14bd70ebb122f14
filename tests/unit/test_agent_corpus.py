"""Real agent command lines stay allowed: a floor under the python-node template.

The corpus (``benchmarks/data/agent_lines.jsonl``) holds command lines from published coding-agent
trajectories, each with its source; ``benchmarks/agent_lines.py`` decides them under every
template and reports why the rest refuse. This test runs the same decision loop under the
python-node template and fails when fewer lines are allowed than the floor measured on this
corpus, so a change to the engine or the template that refuses what agents ordinarily send shows
up here. Raise the floor when the engine learns a shape; never lower it without saying why.
"""

from __future__ import annotations

import os
import sys
from collections import Counter

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "benchmarks"))

import agent_lines

#: Allowed lines under python-node, as measured on this corpus (see the benchmark's report).
ALLOWED_FLOOR = 1015
#: The same with bash and sh allowed (a line may also run a workspace script with bash).
ALLOWED_FLOOR_WITH_SHELLS = 1015


@pytest.fixture(scope="module")
def corpus() -> list[agent_lines.Line]:
    return agent_lines.load_corpus()


@pytest.fixture(scope="module")
def outcomes(corpus: list[agent_lines.Line]) -> dict[str, list[agent_lines.Outcome]]:
    return agent_lines.run(["python-node", "python-node+sh"], corpus)


def test_the_corpus_is_real_lines_with_sources(corpus: list[agent_lines.Line]) -> None:
    assert len(corpus) >= 500
    keys = [(line.agent, line.text()) for line in corpus]
    assert len(set(keys)) == len(keys), "a line is listed twice"
    for line in corpus:
        assert line.source.startswith("github:") and "@" in line.source, line
    agents = Counter(line.agent for line in corpus)
    assert {"claude-code", "codex", "mini-swe-agent", "openhands"} <= set(agents)


def test_no_line_of_the_corpus_carries_a_live_credential(corpus: list[agent_lines.Line]) -> None:
    """Published sessions leak tokens; lines carrying one were left out of the corpus. What the
    scanner still finds are the placeholder values of test settings (``'test-secret-key'``)."""
    from execgate import scan_text

    for line in corpus:
        text = line.text()
        for f in scan_text(text, line.source):
            assert "test" in text[f.start : f.end].lower(), (line.source, f.rule_id)


def test_every_line_is_decided_and_the_floor_is_allowed(
    outcomes: dict[str, list[agent_lines.Outcome]],
) -> None:
    """One test over the corpus decided once (deciding it is most of the time): no refusal
    is an engine failure, and python-node (with and without shells) allows at least the
    measured floor."""
    outs = outcomes["python-node"]
    assert sum(o.allowed for o in outs) >= ALLOWED_FLOOR, _summary(outs)
    shells = outcomes["python-node+sh"]
    assert sum(o.allowed for o in shells) >= ALLOWED_FLOOR_WITH_SHELLS, _summary(shells)
    for outs in outcomes.values():
        for o in outs:
            assert o.verdict in ("allow", "deny", "ask"), o
            assert o.code not in ("EG-POLICY-ENGINE-ERROR", "EG-INTERNAL"), (o.code, o.line)
            if not o.allowed:
                assert o.reason.strip(), o.line


def _summary(outs: list[agent_lines.Outcome]) -> str:
    causes = Counter((o.code, agent_lines.cause(o)) for o in outs if not o.allowed)
    return "\n".join(f"{n:4} {code} {label}" for (code, label), n in causes.most_common(15))


@pytest.mark.slow
def test_a_parse_refusal_is_a_misreading_only_when_bash_reads_the_line() -> None:
    """Shapes mini-swe-agent sent: a sed script whose quote bash cannot close, and reST's
    ``COALESCE`` inside double quotes, which bash reads (two empty command substitutions)."""
    broken = agent_lines.Line("t", "github:t/t/x@0", command="sed -i '935a\\ it doesn\\'t' f.py")
    readable = agent_lines.Line("t", "github:t/t/x@0", command='echo "``COALESCE``"')
    outs = agent_lines.run(["python-node"], [broken, readable])["python-node"]
    assert [(o.allowed, o.code) for o in outs] == [(False, "EG-SHELL-PARSE")] * 2
    assert outs[0].bash_parses is False and agent_lines.classify(outs[0]) == "safety"
    assert outs[1].bash_parses is True and agent_lines.classify(outs[1]) == "fluency"


def _refusal(code: str, reason: str) -> agent_lines.Outcome:
    line = agent_lines.Line("t", "github:t/t/x@0", command="x")
    return agent_lines.Outcome(line, "deny", code, reason)


@pytest.mark.parametrize(
    ("code", "reason", "klass"),
    [
        # a program this host lacks: nothing here can run it, whatever the policy says
        ("EG-PROGRAM-NOT-FOUND", "program 'gh' was not found on the policy's PATH", "environment"),
        (
            "EG-PROGRAM-NOT-FOUND",
            "command 1 ('sphinx-build'): program 'sphinx-build' was not found on the policy's PATH",
            "environment",
        ),
        # ... unless it is named by a path outside the workspace: that is a path escape
        (
            "EG-PROGRAM-NOT-FOUND",
            "command 1 ('/tmp/x.sh'): program '/tmp/x.sh' was not found on the policy's PATH",
            "safety",
        ),
        # programs that reach other processes are refused on purpose, rule or no rule
        (
            "EG-POLICY-NOT-ALLOWED",
            "command 1 ('ps'): 'ps' (/usr/bin/ps) is not allowed by any rule of this policy; "
            'to allow it, add [[allow]] command = "ps"',
            "safety",
        ),
        (
            "EG-POLICY-NOT-ALLOWED",
            "'pkill' (/usr/bin/pgrep) is not allowed by any rule of this policy",
            "safety",
        ),
        (
            "EG-POLICY-NOT-ALLOWED",
            "'killall' (/usr/bin/killall) is not allowed by any rule",
            "safety",
        ),
        # a program merely named like one is not
        ("EG-POLICY-NOT-ALLOWED", "'psql' (/usr/bin/psql) is not allowed by any rule", "fluency"),
        # the network, though the reason names what a rule could add
        (
            "EG-POLICY-FLAG",
            "git: 'fetch' is not a subcommand execgate's built-in rules accept",
            "safety",
        ),
        (
            "EG-POLICY-FLAG",
            "git: 'stash' is not a subcommand execgate's built-in rules accept",
            "fluency",
        ),
        (
            "EG-POLICY-FLAG",
            "python: -m http.server serves the workspace on a network port; a mode rule such as",
            "safety",
        ),
        # a variable that names a command, though env.allow could name it
        (
            "EG-ENV-DENIED",
            "env override 'MD_TO_JSON_COMMAND' is not in this policy's env.allow",
            "safety",
        ),
        ("EG-ENV-DENIED", "env override 'CI_FLAG' is not in this policy's env.allow", "fluency"),
        # find -delete where rm is not granted: the template's choice
        (
            "EG-POLICY-NOT-ALLOWED",
            "inside bash -c: find -delete removes what it finds, decided as `rm -r -- "
            "START...`: 'rm' (/usr/bin/rm) is not allowed by any rule of this policy",
            "fluency",
        ),
        ("EG-POLICY-WRAPPER", "find: -exec runs a command", "safety"),
        # inline code is no more than a workspace script, which the same template runs
        (
            "EG-POLICY-FLAG",
            "node: -e is refused: inline code cannot be decided; run a script",
            "fluency",
        ),
        # decided on files an earlier command of the line may change before it runs
        (
            "EG-SHELL-UNSUPPORTED",
            "command 2 names 't/x.py' after git in the same line, which can create or move "
            "symlinks on its way; send it as a request of its own",
            "safety",
        ),
        (
            "EG-SHELL-UNSUPPORTED",
            "command 2 reads configuration from the workspace that git stash may write earlier "
            "in the same line (pytest.ini, pyproject.toml, .npmrc...)",
            "safety",
        ),
    ],
)
def test_each_refusal_is_classed_by_what_running_it_would_reach(
    code: str, reason: str, klass: str
) -> None:
    assert agent_lines.classify(_refusal(code, reason)) == klass


def test_a_safety_refusal_says_why() -> None:
    why = agent_lines.classification(
        _refusal("EG-POLICY-NOT-ALLOWED", "'lsof' (/usr/bin/lsof) is not allowed by any rule")
    )
    assert why == ("safety", "reaches processes outside the job")
    assert agent_lines.classification(
        _refusal("EG-SHELL-UNSUPPORTED", "'&' is not accepted in a command line")
    ) == ("safety", "a background job outlives the gate")
