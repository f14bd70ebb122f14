"""The ``execgate`` command line.

stdout carries only results (the job's output, a decision, events, or JSON with ``--json``);
every diagnostic goes to stderr. Exit codes follow coreutils ``timeout`` and docker: the
job's code; 128+N when it was killed by signal N; 124 timed out; 125 execgate itself failed;
126 refused by the policy or the scanner; 127 program not found; 2 bad usage (an unknown
option or value, nothing to run, no store to read).

One module per group of commands: ``_run`` (run, check), ``_records`` (log, export, verify,
fleet, recover, purge), ``_policy``, ``_doctor`` (doctor, scan), ``_mcp``; ``_common``
finds the policy and the store for all of them.
"""

from __future__ import annotations

import click

from ._common import CONTEXT
from ._doctor import doctor, scan
from ._mcp import mcp
from ._policy import policy
from ._records import export, fleet, log, purge, recover, verify
from ._run import check, run


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="execgate")
def main() -> None:
    """execgate: scan, decide, run under hard limits, and record every command.

    The policy is --policy FILE, else $EXECGATE_POLICY, else an execgate.toml in this
    directory or above (up to your home), else the embedded read-only policy. The store is
    --store URL, else $EXECGATE_STORE, else the workspace's own.
    """


for _command in (run, check, log, export, verify, fleet, recover, purge, policy, doctor, scan, mcp):
    main.add_command(_command)

__all__ = ["main"]
