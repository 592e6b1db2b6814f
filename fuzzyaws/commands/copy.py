"""`fuzzyaws copy TEXT...`: put TEXT (one per line) on the terminal's clipboard through OSC 52.
The pickers' Alt-C runs it with the ARNs of the marked rows (or the one under the cursor)."""
from __future__ import annotations

from fuzzyaws.clipboard import osc52
from fuzzyaws.console import open_tty
from fuzzyaws.status import ExitStatus, UsageError


def run(app, opts) -> ExitStatus:
    tty = open_tty()
    if tty is None:
        raise UsageError("no terminal to copy through (OSC 52 needs one)")
    with tty:
        tty.write(osc52("\n".join(opts.text)))
    return ExitStatus.OK
