"""Pickers: the fzf binary (pickers/fzf.py) or the built-in prompt_toolkit picker
(pickers/builtin.py), behind one seam that tests replace.

A picker is given a `Request` and returns the keys (ARNs) the user accepted, in the order
shown; `[]` when nothing was selected or nothing matched; `None` when the user aborted
(Esc / Ctrl-C). It draws on the terminal (/dev/tty), never on stdout, so that
`$(fuzzyaws pick)` works.
"""
from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass, field
from typing import Callable, Optional

from fuzzyaws import PICKERS
from fuzzyaws.status import UsageError


class Refresh:
    """A background refresh the picker may merge in when it is done: `done` is set when the
    new (lines, keys, header) are ready in `result` (None if the refresh failed: keep what
    is shown)."""

    def __init__(self):
        self.done = threading.Event()
        self.result: "Optional[tuple]" = None

    def finish(self, result: "Optional[tuple]") -> None:
        self.result = result
        self.done.set()


@dataclass
class Request:
    lines: list  # display lines, already sanitised: one per resource
    keys: list  # the ARN of each line, same order
    query: str = ""
    multi: bool = False
    header: str = ""  # counts and data age
    preview: Callable[[str], str] = lambda key: ""  # key -> preview text (built-in picker)
    preview_argv: list = field(default_factory=list)  # + [key]: a command printing it (fzf)
    reload_argv: list = field(default_factory=list)  # a command printing fresh KEY<TAB>LINEs (fzf)
    fullscreen: bool = False
    refresh: Optional[Refresh] = None  # set when stale data is shown while refreshing (built-in)


def items(header: str, keys: list, lines: list) -> list:
    """What fzf reads (and `pick --list` prints for its reload): the header line, then
    KEY<TAB>LINE per resource."""
    return ["\t" + header] + [f"{key}\t{line}" for key, line in zip(keys, lines)]


def choose(name: str, fzf_path: "str | None" = None):
    """The picker module for `--picker auto|fzf|builtin`."""
    if name not in PICKERS:
        raise UsageError(f"unknown picker {name!r} (choose auto, fzf or builtin)")
    fzf_path = fzf_path or shutil.which("fzf")
    if name == "fzf" and not fzf_path:
        raise UsageError("the fzf picker needs the fzf binary on PATH "
                         "(apt install fzf, brew install fzf), or use --picker builtin")
    if name == "builtin" or (name == "auto" and not fzf_path):
        from fuzzyaws.pickers import builtin
        return builtin
    from fuzzyaws.pickers import fzf
    return fzf
