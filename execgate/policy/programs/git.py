"""git: the environment it runs with, and its table. Pure.

:data:`HARDENING` is the one list of what git runs with under its built-in rules (repository
settings that would run a program switched off); the plan's own git options are pinned in
``_pins``. The table holds the reading subcommands (log, diff, status, show, ...) and the
reading subsets of those that also write (branch, tag, remote, config, stash, symbolic-ref).
"""

from __future__ import annotations

from ._reader import RUNS_PROGRAM, WRITES, Options, Spec, _s

#: Repository config the job can write turns read-only git commands into programs
#: (fsmonitor and hooks run on `git status`, a pager on `git log`, an external diff on
#: `git diff`): under its built-in rules git runs with these switched off, unless the policy's
#: [env] set names the variables itself. Filters and textconv drivers named in
#: .gitattributes cannot be switched off this way: secure mode confines what they could do.
HARDENING = {
    "GIT_CONFIG_COUNT": "13",
    "GIT_CONFIG_KEY_0": "core.fsmonitor",
    "GIT_CONFIG_VALUE_0": "false",
    "GIT_CONFIG_KEY_1": "core.pager",
    "GIT_CONFIG_VALUE_1": "cat",
    "GIT_CONFIG_KEY_2": "core.hooksPath",
    "GIT_CONFIG_VALUE_2": "/dev/null",
    "GIT_CONFIG_KEY_3": "diff.external",
    "GIT_CONFIG_VALUE_3": "",
    # signature checks (`log --show-signature`, `%G?`, log.showSignature) run gpg.program
    "GIT_CONFIG_KEY_4": "log.showSignature",
    "GIT_CONFIG_VALUE_4": "false",
    "GIT_CONFIG_KEY_5": "gpg.program",
    "GIT_CONFIG_VALUE_5": "/nonexistent/execgate-no-gpg",
    "GIT_CONFIG_KEY_6": "gpg.ssh.program",
    "GIT_CONFIG_VALUE_6": "/nonexistent/execgate-no-gpg",
    "GIT_CONFIG_KEY_7": "gpg.x509.program",
    "GIT_CONFIG_VALUE_7": "/nonexistent/execgate-no-gpg",
    "GIT_PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    # ":" is git's own "no editor": a commit without -m aborts rather than run a program
    "GIT_EDITOR": ":",
    "GIT_SEQUENCE_EDITOR": ":",
    # submodules are other repositories, whose configuration is not decided: not entered
    "GIT_CONFIG_KEY_8": "diff.ignoreSubmodules",
    "GIT_CONFIG_VALUE_8": "all",
    "GIT_CONFIG_KEY_9": "status.submoduleSummary",
    "GIT_CONFIG_VALUE_9": "false",
    "GIT_CONFIG_KEY_10": "submodule.recurse",
    "GIT_CONFIG_VALUE_10": "false",
    # a bare repository git would find by itself (a directory holding HEAD, objects/ and
    # refs/) is one the gate did not decide on: git uses only the repository the plan names
    "GIT_CONFIG_KEY_11": "safe.bareRepository",
    "GIT_CONFIG_VALUE_11": "explicit",
    "GIT_CONFIG_KEY_12": "diff.submodule",
    "GIT_CONFIG_VALUE_12": "short",
    # a reading command writes nothing: `git status` refreshes no index
    "GIT_OPTIONAL_LOCKS": "0",
}


def _git_branch(operands: tuple[str, ...], options: Options) -> str | None:
    return "creating, renaming or deleting branches is refused" if operands else None


def _git_tag(operands: tuple[str, ...], options: Options) -> str | None:
    listing = {"-l", "--list"} & {n for n, _ in options}
    return None if not operands or listing else "creating tags is refused"


def _git_remote(operands: tuple[str, ...], options: Options) -> str | None:
    if operands[:1] == ("show",) and "-n" not in {n for n, _ in options}:
        # without -n, `remote show NAME` connects to the remote (ssh, upload-pack, http)
        return "`git remote show` contacts the remote: add -n to show what is configured"
    return (
        None
        if not operands or operands[0] in ("show", "get-url")
        else ("changing remotes is refused")
    )


def _git_config(operands: tuple[str, ...], options: Options) -> str | None:
    names = {n for n, _ in options}
    reading = {"--get", "--get-all", "--get-regexp", "--list", "-l"} & names
    if not (reading and len(operands) <= 1) and not (
        operands and operands[0] in ("get", "list") and len(operands) <= 2
    ):
        return "only reading configuration is built in"
    # ~/.gitconfig and /etc/gitconfig are files outside the workspace, and where credentials
    # live (credential helpers, url.*.insteadOf with tokens): only the repository's own
    if names & {"--global", "--system"} or "--local" not in names:
        return (
            "reading configuration outside the repository's own (~/.gitconfig, "
            "/etc/gitconfig) reads files outside the workspace; add --local"
        )
    return None


def _git_stash(operands: tuple[str, ...], options: Options) -> str | None:
    return (
        None
        if operands and operands[0] in ("list", "show")
        else ("only `git stash list` and `git stash show` are built in")
    )


def _git_worktree(operands: tuple[str, ...], options: Options) -> str | None:
    return (
        None
        if operands[:1] == ("list",) and len(operands) == 1
        else "only `git worktree list` is built in"
    )


def _git_symbolic_ref(operands: tuple[str, ...], options: Options) -> str | None:
    return "setting a symbolic ref is refused" if len(operands) > 1 else None


def _git_log(operands: tuple[str, ...], options: Options) -> str | None:
    for name, value in options:
        if name in ("--format", "--pretty") and "%G" in (value or ""):
            return f"{name} with %G… verifies signatures, which runs gpg.program"
    return None


GIT_DIFF_FLAGS = _s(
    "--numstat",
    "--shortstat",
    "--name-only",
    "--name-status",
    "--cached",
    "--staged",
    "--no-color",
    "-p",
    "-u",
    "--patch",
    "-s",
    "--no-patch",
    "--raw",
    "--summary",
    "--check",
    "-w",
    "-b",
    "--ignore-all-space",
    "--ignore-space-change",
    "--minimal",
    "--patience",
    "--histogram",
    "-R",
    "--no-index",
    "--exit-code",
    "--quiet",
    "--color-words",
    "--full-index",
    "--binary",
    "--no-renames",
    "--no-ext-diff",
    "--no-textconv",
    "--merge-base",
    "-z",
    "--help",
    "-h",
    "--pickaxe-all",
    "--irreversible-delete",
    "-D",
    "--ita-invisible-in-index",
    "--compact-summary",
)
GIT_DIFF_VALUED = _s(
    "-U",
    "--unified",
    "--diff-filter",
    "--stat-width",
    "-S",
    "-G",
    "--word-diff-regex",
    "--src-prefix",
    "--dst-prefix",
    "--diff-algorithm",
    "--inter-hunk-context",
    "-l",
    "--anchored",
    "-O",
)
GIT_DIFF_OPTIONAL = _s(
    "--color",
    "--relative",
    "--find-renames",
    "--find-copies",
    "--abbrev",
    "--dirstat",
    "--word-diff",
    "--stat",
    "-M",
    "-C",
    "--decorate",
    "--color-moved",
    "--submodule",
)
GIT_DIFF_DENIED = {
    "--ext-diff": RUNS_PROGRAM,
    "--textconv": RUNS_PROGRAM,
    "--output": WRITES,
}
GIT_LOG = Spec(
    optional=GIT_DIFF_OPTIONAL,
    flags=GIT_DIFF_FLAGS
    | _s(
        "-i",
        "--regexp-ignore-case",
        "-E",
        "--extended-regexp",
        "-F",
        "--fixed-strings",
        "-P",
        "--perl-regexp",
        "--all-match",
        "--invert-grep",
        "-c",
        "--cc",
        "-m",
        "--remerge-diff",
        "--oneline",
        "--graph",
        "--all",
        "--no-decorate",
        "--reverse",
        "--first-parent",
        "--merges",
        "--no-merges",
        "--follow",
        "--abbrev-commit",
        "--no-abbrev-commit",
        "--date-order",
        "--topo-order",
        "--full-history",
        "--source",
        "--use-mailmap",
        "--left-right",
        "--boundary",
        "--cherry-pick",
        "--branches",
        "--tags",
        "--remotes",
        "--walk-reflogs",
        "-g",
        "--simplify-by-decoration",
        "--mailmap",
        "--no-walk",
        "--children",
        "--parents",
    ),
    valued=GIT_DIFF_VALUED
    | _s(
        "-n",
        "--max-count",
        "--skip",
        "--since",
        "--after",
        "--until",
        "--before",
        "--author",
        "--committer",
        "--grep",
        "--format",
        "--pretty",
        "--date",
        "-L",
        "--encoding",
        "--min-parents",
        "--max-parents",
    ),
    denied={
        **GIT_DIFF_DENIED,
        "--show-signature": "verifying signatures runs gpg.program, which the job can configure",
    },
    numeric=True,
    extra=_git_log,
)
GIT_DIFF = Spec(
    flags=GIT_DIFF_FLAGS, valued=GIT_DIFF_VALUED, optional=GIT_DIFF_OPTIONAL, denied=GIT_DIFF_DENIED
)
GIT_STATUS = Spec(
    optional=_s(
        "--porcelain",
        "--untracked-files",
        "--ignore-submodules",
        "--column",
        "--ignored",
        "--find-renames",
        "-u",
    ),
    flags=_s(
        "-s",
        "-b",
        "-v",
        "-z",
        "--short",
        "--branch",
        "--long",
        "--verbose",
        "--show-stash",
        "--ahead-behind",
        "--no-ahead-behind",
        "--renames",
        "--no-renames",
        "--help",
        "-h",
    ),
    valued=_s(
        "--no-column",
    ),
)
GIT_READ = Spec(
    flags=_s(
        "-h",
        "--help",
        "-q",
        "--quiet",
        "-v",
        "--verbose",
        "-a",
        "-r",
        "-l",
        "--list",
        "--all",
        "-z",
        "--abbrev-ref",
        "--show-toplevel",
        "--is-inside-work-tree",
        "--git-dir",
        "--short",
        "--verify",
        "--symbolic-full-name",
        "--show-prefix",
        "--cached",
        "--others",
        "--modified",
        "--deleted",
        "--stage",
        "--exclude-standard",
        "--ignored",
        "--full-name",
        "-s",
        "-c",
        "-d",
        "-m",
        "-o",
        "-t",
        "-n",
        "-p",
        "-w",
        "-i",
        "--tags",
        "--always",
        "--long",
        "--merged",
        "--no-merged",
        "--show-current",
        "--name-only",
        "--oneline",
        "--porcelain",
        "--line-porcelain",
        "--show-email",
        "--root",
        "-f",
        "--heads",
        "--exit-code",
        "--get",
        "--get-all",
        "--get-regexp",
        "--show-origin",
        "--line-number",
        "--count",
        "--ignore-case",
        "--word-regexp",
        "-x",
    ),
    valued=_s(
        "-L",
        "--format",
        "--abbrev",
        "--points-at",
        "--sort",
        "--match",
        "--exclude",
        "--depth",
        "--contains",
        "-e",
        "--max-depth",
        "-A",
        "-B",
        "-C",
        "--default",
    ),
    denied={
        "-O": RUNS_PROGRAM,
        "--open-files-in-pager": RUNS_PROGRAM,
        "--ext-grep": RUNS_PROGRAM,
        "--textconv": RUNS_PROGRAM,
        "--output": WRITES,
    },
    numeric=True,
)
GIT = Spec(
    flags=_s(
        "--no-pager",
        "-P",
        "--no-replace-objects",
        "--bare",
        "--literal-pathspecs",
        "--no-optional-locks",
        "--version",
        "--help",
        "-h",
        "--no-advice",
    ),
    valued=_s("-C", "--git-dir", "--work-tree", "--namespace"),
    paths=_s("-C", "--git-dir", "--work-tree"),
    denied={
        "-c": "config overrides can set programs (core.pager, core.fsmonitor, aliases)",
        "--config-env": "config overrides can set programs",
        "--exec-path": RUNS_PROGRAM,
        "-p": "a pager is a program execgate cannot decide",
        "--paginate": "a pager is a program execgate cannot decide",
        "--upload-pack": RUNS_PROGRAM,
        "--receive-pack": RUNS_PROGRAM,
        "--super-prefix": "internal option",
        "--list-cmds": "internal option",
    },
    subcommands={
        "status": GIT_STATUS,
        "log": GIT_LOG,
        "show": GIT_LOG,
        "diff": GIT_DIFF,
        "blame": GIT_READ,
        "rev-parse": GIT_READ,
        "ls-files": GIT_READ,
        "ls-tree": GIT_READ,
        "branch": Spec(
            flags=_s(
                "-a",
                "-r",
                "-l",
                "--list",
                "-v",
                "-vv",
                "--all",
                "--remotes",
                "--show-current",
                "--merged",
                "--no-merged",
                "--no-color",
                "--help",
            ),
            valued=_s("--contains", "--sort", "--format", "--points-at", "--color"),
            extra=_git_branch,
            reading_subset=True,
        ),
        "tag": Spec(
            flags=_s("-l", "--list", "-n", "--help"),
            valued=_s("--sort", "--contains", "--points-at", "--format"),
            extra=_git_tag,
            reading_subset=True,
        ),
        "describe": GIT_READ,
        "shortlog": GIT_LOG,
        "grep": GIT_READ,
        "cat-file": GIT_READ,
        "rev-list": GIT_LOG,
        "merge-base": GIT_READ,
        "name-rev": GIT_READ,
        "show-ref": GIT_READ,
        "remote": Spec(
            flags=_s("-v", "--verbose", "-n", "--help"), extra=_git_remote, reading_subset=True
        ),
        "config": Spec(
            flags=_s(
                "--get",
                "--get-all",
                "--get-regexp",
                "--list",
                "-l",
                "--show-origin",
                "--local",
                "--global",
                "--system",
                "-z",
                "--name-only",
                "--help",
            ),
            extra=_git_config,
            reading_subset=True,
        ),
        "stash": Spec(flags=_s("--help"), extra=_git_stash, reading_subset=True),
        "worktree": Spec(
            flags=_s("--porcelain", "-z", "-v", "--verbose", "--help"),
            extra=_git_worktree,
            reading_subset=True,
        ),
        "symbolic-ref": Spec(
            flags=_s("--short", "-q", "--quiet", "--no-recurse", "--recurse", "--help"),
            extra=_git_symbolic_ref,
            reading_subset=True,
        ),
        "version": Spec(flags=_s("--build-options")),
        "help": Spec(flags=_s("-a", "--all", "-g")),
    },
    posix=True,
)
