"""The fzf picker: the fzf binary through pyfzf (the only module that imports pyfzf).

pyfzf's own `prompt` writes every item to a temporary file, then runs fzf through
/bin/sh with the options pasted into the command line. `StreamingFzf` extends it: fzf is
started with an argv (no shell, so nothing needs quoting) and the items are streamed to
it over a pipe while it is already drawing; its exit status tells an abort (130) from no
match (1) and a bad option (2). Ctrl-G's first frame waits on what runs before fzf does,
so fzf is started first (`Started`: os.posix_spawn, not `subprocess`, whose import costs
more than reading the inventory) and fed its first screenful; pyfzf (whose import of
tempfile and shutil costs more than a Python start) is imported while fzf draws, and its
`StreamingFzf` (pickers/streaming.py) feeds the rest and reads the answer. The commands
fzf runs are quoted here (not with `shlex`, which imports `re`).

The user's FZF_DEFAULT_OPTS win over our looks (height, layout, colours), as in fzf's own
shell bindings: ours go first in FZF_DEFAULT_OPTS, theirs after, and only what makes the
picker work (fields, query, header, preview, reload) is on the command line.
"""
from __future__ import annotations

import os
from itertools import islice

from fuzzyaws.pickers import items
from fuzzyaws.status import UsageError

# The preview takes the right half from 120 columns on; below that it is hidden (`?`
# shows it), so that the list keeps the width its columns need. (fzf's threshold is the
# preview's own width: half. Quoted: fzf reads FZF_DEFAULT_OPTS as shell words, and
# ignores all of it if parentheses are bare.)
PREVIEW_MIN_COLUMNS = 120
LOOKS = "--height=40% --min-height=12 --layout=reverse --info=inline --tiebreak=index " \
        f"--preview-window='right,50%,wrap,<{PREVIEW_MIN_COLUMNS // 2}(hidden)' --bind=?:toggle-preview " \
        "--prompt='aws> ' --pointer='>' --marker='>'"
CHROME = 3  # columns fzf takes left of a line: pointer, marker, a space
FIRST_SCREEN = 200  # items fed before anything else is done: more than a screen shows
# fzf's alternative delimiters for an action's argument, tried in order.
_DELIMITERS = ("()", "[]", "{}", "<>", "~~", "!!", "@@", "##", "%%", "^^", "&&", "**", ";;", "//", "||")


_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-")


def _join(words) -> str:
    """shlex.join: each word as /bin/sh reads it back, single-quoted unless plain."""
    return " ".join(w if w and _SAFE.issuperset(w) else "'" + w.replace("'", "'\"'\"'") + "'" for w in words)


def _action(name: str, argument: str) -> str:
    for left, right in _DELIMITERS:
        if left not in argument and right not in argument:
            return f"{name}{left}{argument}{right}"
    raise UsageError(f"cannot pass {argument!r} to fzf's {name} action")


def arguments(request, reload: list, color: bool) -> list:
    """fzf's command-line arguments for a request (`reload`: the listing command)."""
    # Items are LINE<TAB>KEY (see items()): the key is the last field, {-1}, and not
    # matched. The first item is the header (counts, data age), so that a reload can bring
    # a new one. No hscroll: the name at the start of a line stays on screen whatever the
    # match, and the key beyond its end stays out of sight.
    args = ["--delimiter=\t", "--nth=1", "--header-lines=1", "--no-hscroll",
            "--multi" if request.multi else "--no-multi", "--query=" + request.query]
    if color:
        args.append("--ansi")
    if request.multi:
        args.append("--bind=ctrl-a:select-all")
    if request.fullscreen:
        args.append("--no-height")
    if request.preview_argv:
        # fzf quotes {-1} (the key field) itself when it runs the preview command
        args.append("--preview=" + _join(request.preview_argv) + " {-1}")
    if request.copy_argv:  # {+-1}: the keys of the marked rows, else of the one under the cursor
        args.append("--bind=alt-c:" + _action("execute-silent", _join(request.copy_argv) + " {+-1}"))
    if request.open_argv:
        args.append("--bind=alt-o:" + _action("execute-silent", _join(request.open_argv) + " {-1}"))
    if reload:
        # Stale data is shown at once; fzf reruns the listing (which refreshes what is due)
        # and swaps it in when it is complete, keeping the query and the marks. If the
        # refresh fails entirely, the cached lines are listed again, never an empty list.
        command = _join(reload)
        fallback = _join(reload + ["--offline"])
        args.append("--bind=start:" + _action("reload-sync", f"{command} 2>/dev/null || {fallback} 2>/dev/null"))
    return args


class Started:
    """fzf, started with os.posix_spawn, a pipe feeding it the items and one bringing back
    what it prints."""

    def __init__(self, path: str, args: list, env: dict, terminal):
        import _signal  # not `signal`: its import builds enums
        feed_r, feed_w = os.pipe()  # both ends close on exec; dup2 makes fzf's own ones inheritable
        out_r, out_w = os.pipe()
        try:
            self.pid = os.posix_spawn(path, [path, *args], env, file_actions=[
                (os.POSIX_SPAWN_DUP2, feed_r, 0), (os.POSIX_SPAWN_DUP2, out_w, 1),
                (os.POSIX_SPAWN_DUP2, terminal.fileno(), 2)],
                setsigdef=(_signal.SIGPIPE, _signal.SIGXFSZ))  # as subprocess does: Python ignores them
        finally:
            os.close(feed_r)
            os.close(out_w)
        self.feed, self.out = open(feed_w, "wb"), open(out_r, "rb")

    def write(self, lines: list) -> bool:
        """Feed `lines`; False once fzf stopped reading (accepted or aborted early)."""
        try:
            self.feed.write(("\n".join(lines) + "\n").encode("utf-8", "replace"))
            self.feed.flush()
            return True
        except BrokenPipeError:
            return False


class FzfPicker:
    live = False  # fzf reruns `pick --list` itself (reload_argv)

    def __init__(self, path: str, env: dict):
        self.path, self.env = path, env

    def pick(self, request) -> "list | None":
        try:
            terminal = open("/dev/tty", "wb")
        except OSError:
            raise UsageError("the picker needs a terminal (/dev/tty); for scripts use `fuzzyaws ls`") from None
        env = dict(self.env)
        theirs = self.env.get("FZF_DEFAULT_OPTS") or ""
        env["FZF_DEFAULT_OPTS"] = f"{LOOKS} {theirs}".strip()
        # no colours of ours where the user wants none: NO_COLOR, or fzf told so
        color = not self.env.get("NO_COLOR") and not any(o in theirs for o in ("--no-color", "--color=bw"))
        columns = list_columns(terminal)
        reload = request.reload_argv and request.reload_argv + ["--columns", str(columns)] + \
            (["--ansi"] if color else [])
        # fzf draws on stderr with --height: the terminal, so that `2>file` cannot hide it
        with terminal:
            fzf = Started(self.path, arguments(request, reload, color), env, terminal)
            lines = items(request.listing, columns, color)
            fzf.write(list(islice(lines, FIRST_SCREEN)))
            from fuzzyaws.pickers.streaming import StreamingFzf  # while fzf draws
            status, chosen = StreamingFzf(self.path).finish(fzf, lines)
        if status == 130:
            return None
        if status == 1:
            return []
        if status != 0:
            raise UsageError(f"fzf failed (exit {status}): check FZF_DEFAULT_OPTS")
        return [line.rsplit("\t", 1)[-1] for line in chosen]


def list_columns(terminal) -> int:
    """How wide fzf's list is on `terminal`: all of it, or half beside the preview."""
    try:
        columns = os.get_terminal_size(terminal.fileno()).columns
    except OSError:
        columns = 80
    return (columns if columns < PREVIEW_MIN_COLUMNS else columns // 2) - CHROME
