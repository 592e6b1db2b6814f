"""The fzf picker: the fzf binary through pyfzf (the only module that imports pyfzf).

pyfzf runs `FZF OPTIONS < items > output` through /bin/sh, so: the options are constants,
every variable part (query, header, commands) is `shlex.quote`d, and resource text goes
only through pyfzf's items file. pyfzf returns [] for an abort, no match and a bad option
alike; to tell them apart, fzf runs under a tiny `sh -c` that writes its exit status to a
file of ours.

The user's FZF_DEFAULT_OPTS win over our looks (height, layout, colours), as in fzf's own
shell bindings: ours go first in FZF_DEFAULT_OPTS, theirs after, and only what makes the
picker work (fields, query, header, preview, reload) is on the command line.
"""
from __future__ import annotations

import os
import shlex
import shutil
import tempfile

from pyfzf.pyfzf import FzfPrompt

from fuzzyaws.pickers import items
from fuzzyaws.status import UsageError

LOOKS = "--height=40% --min-height=12 --layout=reverse --info=inline --tiebreak=index " \
        "--preview-window=right,50%,wrap --bind=?:toggle-preview --prompt='aws> '"
# fzf's alternative delimiters for an action's argument, tried in order.
_DELIMITERS = ("()", "[]", "{}", "<>", "~~", "!!", "@@", "##", "%%", "^^", "&&", "**", ";;", "//", "||")


def _action(name: str, argument: str) -> str:
    for left, right in _DELIMITERS:
        if left not in argument and right not in argument:
            return f"{name}{left}{argument}{right}"
    raise UsageError(f"cannot pass {argument!r} to fzf's {name} action")


def options(request) -> str:
    """fzf's command-line options for a request, every variable part quoted for /bin/sh."""
    # Items are KEY<TAB>LINE: the key is hidden from matching and display. The first item
    # is the header (counts, data age), so that a reload can bring a new one.
    opts = ["--delimiter='\\t'", "--with-nth=2..", "--header-lines=1"]
    opts.append("--multi" if request.multi else "--no-multi")
    if request.multi:
        opts.append("--bind=ctrl-a:select-all")
    if request.fullscreen:
        opts.append("--no-height")
    opts.append("--query=" + shlex.quote(request.query))
    if request.preview_argv:
        # fzf quotes {1} (the key field) itself when it runs the preview command
        opts.append("--preview=" + shlex.quote(shlex.join(request.preview_argv) + " {1}"))
    if request.reload_argv:
        # Stale data is shown at once; fzf reruns the listing (which refreshes what is due)
        # and swaps it in when it is complete, keeping the query and the marks. If the
        # refresh fails entirely, the cached lines are listed again, never an empty list.
        command = shlex.join(request.reload_argv)
        fallback = shlex.join(request.reload_argv + ["--offline"])
        reload = _action("reload-sync", f"{command} 2>/dev/null || {fallback} 2>/dev/null")
        opts.append("--bind=" + shlex.quote(f"start:{reload}"))
    return " ".join(opts)


def pick(request, fzf_path: "str | None" = None) -> "list | None":
    fzf_path = fzf_path or shutil.which("fzf")
    if not fzf_path:
        raise UsageError("fzf is not on PATH (apt install fzf, brew install fzf), "
                         "or use --picker builtin")
    try:
        os.close(os.open("/dev/tty", os.O_RDWR))
    except OSError:
        raise UsageError("the picker needs a terminal (/dev/tty); for scripts use `fuzzyaws ls`") from None
    fd, status_path = tempfile.mkstemp(prefix="fuzzyaws-fzf-")
    os.close(fd)
    keep = os.environ.get("FZF_DEFAULT_OPTS")
    os.environ["FZF_DEFAULT_OPTS"] = f"{LOOKS} {keep or ''}".strip()
    try:
        # fzf draws on stderr: send it to the terminal, so that `2>file` cannot hide the picker
        wrapper = f'"$0" "$@" 2>/dev/tty; echo $? > {shlex.quote(status_path)}'
        prompt = FzfPrompt(executable_path=f"sh -c {shlex.quote(wrapper)} {shlex.quote(fzf_path)}")
        chosen = prompt.prompt(items(request.header, request.keys, request.lines), options(request))
        with open(status_path) as fh:
            status = int(fh.read().strip() or 2)
    finally:
        os.unlink(status_path)
        if keep is None:
            del os.environ["FZF_DEFAULT_OPTS"]
        else:
            os.environ["FZF_DEFAULT_OPTS"] = keep
    if status == 130:
        return None
    if status == 1:
        return []
    if status != 0:
        raise UsageError(f"fzf failed (exit {status}): check FZF_DEFAULT_OPTS")
    return [line.split("\t", 1)[0] for line in chosen if line]
