"""Pickers: the fzf binary (pickers/fzf.py) or the built-in prompt_toolkit picker
(pickers/builtin.py), behind one seam that tests replace.

What travels to a picker is a `Listing` (keys, lines, header: one type, so that keys and
lines cannot be swapped on the way) inside a `Request`. A picker is any object with

    live: bool                    merges a background refresh in place (request.refresh);
                                  else it reruns request.reload_argv itself (fzf)

Both bind Alt-C (copy the marked ARNs, or the one under the cursor, to the terminal's
clipboard through OSC 52) and Alt-O (open the console page of the one under the cursor).
    pick(request) -> list | None  the keys accepted, in the order shown ([] when nothing
                                  was selected or matched), None when aborted (Esc, Ctrl-C)

It draws on the terminal (/dev/tty), never on stdout, so that `$(fuzzyaws pick)` works.
"""
from __future__ import annotations

from fuzzyaws import PICKERS
from fuzzyaws.frozen import Frozen
from fuzzyaws.status import UsageError
from fuzzyaws.which import which


class Listing(Frozen):
    keys: list  # the ARN of each line
    lines: list  # the stored lines (layout.py), already sanitised: one per resource, in order
    header: str = ""  # counts and data age
    widest: dict = {}  # the widest value of each display column
    accounts: int = 1  # accounts listed (the account column shows when several are)

    def display(self, columns: int, color: bool = False):
        """The lines as shown `columns` wide (layout.Lines: made when first asked for)."""
        from fuzzyaws.layout import Display, Lines
        return Lines(self.lines, Display(self.widest, columns, self.accounts), color)


class Refresh:
    """A background refresh a live picker merges in when it is done: `done` is set when
    `result` holds the new Listing (None if the refresh failed: keep what is shown).
    `work()`, if given, runs on a thread from `start()`: the picker starts it once its
    first frame is on the screen (the refresh imports boto3, which would delay it)."""

    def __init__(self, work=None):
        import threading  # only a live picker refreshes behind itself
        self.done = threading.Event()
        self.result: "Listing | None" = None
        self._work = work

    def start(self) -> None:
        work, self._work = self._work, None
        if work is not None:
            import threading
            threading.Thread(target=work, name="fuzzyaws-refresh", daemon=True).start()

    def finish(self, result: "Listing | None") -> None:
        self.result = result
        self.done.set()


class Request(Frozen):
    listing: Listing
    query: str = ""
    multi: bool = False
    preview: "object | None" = None  # key -> preview text (the built-in picker calls it)
    preview_argv: list = []  # + [key]: a command printing the preview (fzf runs it)
    reload_argv: list = []  # a command printing a fresh listing (fzf: `pick --list`)
    open: "object | None" = None  # key -> None: opens its console page (Alt-O, built-in)
    open_argv: list = []  # + [key]: a command doing that (fzf)
    copy_argv: list = []  # + [keys]: a command copying them to the clipboard (Alt-C, fzf)
    refresh: "Refresh | None" = None  # a refresh a live picker merges in
    fullscreen: bool = False


def items(listing: Listing, columns: int, color: bool = False):
    """What fzf reads (and `pick --list` prints for its reload), made as it is read: the
    header line, then LINE<TAB>KEY per resource, the line as shown `columns` wide. The key
    comes last, past the screen's edge, so that fzf needs no --with-nth (which would triple
    its load time) to hide it; --nth=1 keeps it out of matching."""
    yield listing.header
    lines, keys = listing.display(columns, color), listing.keys
    for i in range(len(keys)):  # by index: a view's first screenful is read alone (view.Rows)
        yield f"{lines[i]}\t{keys[i]}"


def choose(name: str, env: dict):
    """The picker for `--picker auto|fzf|builtin` (auto: fzf when it is on PATH)."""
    if name not in PICKERS:
        raise UsageError(f"unknown picker {name!r} (choose auto, fzf or builtin)")
    fzf_path = which("fzf", env.get("PATH"))
    if name == "fzf" and not fzf_path:
        raise UsageError("the fzf picker needs the fzf binary on PATH "
                         "(apt install fzf, brew install fzf), or use --picker builtin")
    if name == "builtin" or not fzf_path:
        from fuzzyaws.pickers.builtin import BuiltinPicker
        return BuiltinPicker()
    from fuzzyaws.pickers.fzf import FzfPicker
    return FzfPicker(fzf_path, env)
