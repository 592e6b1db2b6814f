"""`fuzzyaws init zsh|bash|fish [--key KEY] [--no-bind]`: print the shell integration.

The scripts are shell/fuzzyaws.{zsh,bash,fish} in the source tree; the package reaches
them as fuzzyaws/shell/ (a symlink to ../shell in the tree, the files themselves in the
wheel) and this reads them with importlib.resources. Each ends with a `# fuzzyaws-bind`
line and the code that binds Ctrl-G unless FUZZYAWS_NO_BIND is set when it is loaded; init
prints the script as it is, with that key replaced by --key's, or without the binding
code for --no-bind or FUZZYAWS_NO_BIND (set, not 0) in init's own environment.

--key takes ctrl-X, alt-X and each shell's spellings of them (^X, C-x, \\C-x, \\cx, M-x,
\\ex, ^[x) and writes them the way the shell binds them; anything else is passed on as the
shell's own key notation (e.g. '^X^A' for zsh).
"""
from __future__ import annotations

import re
import shlex
from importlib import resources

from fuzzyaws.status import ExitStatus, UsageError

MARKER = "# fuzzyaws-bind:"
# the binding line's key in each shipped script, as the shell spells it (quoted)
DEFAULT_KEY = {"zsh": "'^G'", "bash": "'\\C-g'", "fish": "\\cg"}

_CTRL = re.compile(r"(?:ctrl-|control-|c-|\^|\\c-?)([a-z])", re.IGNORECASE)
_UNSAFE = set(" \t\"'`$;|&<>(){}*?#~!")  # raw keys are words in the scripts
_ALT = re.compile(r"(?:alt-|meta-|m-|\\e|\\m-|\^\[)([a-z0-9])", re.IGNORECASE)


def source(shell: str) -> str:
    """The shipped script for `shell`, from the installed package."""
    return resources.files("fuzzyaws").joinpath("shell", f"fuzzyaws.{shell}").read_text(encoding="utf-8")


def key_notation(shell: str, key: str) -> str:
    """`key` as `shell` binds it: zsh bindkey '^G', bash readline '\\C-g', fish '\\cg'."""
    ctrl, alt = _CTRL.fullmatch(key), _ALT.fullmatch(key)
    if ctrl:
        letter = ctrl.group(1).lower()
        return {"zsh": f"^{letter.upper()}", "bash": f"\\C-{letter}", "fish": f"\\c{letter}"}[shell]
    if alt:
        char = alt.group(1)
        return {"zsh": f"^[{char}", "bash": f"\\e{char}", "fish": f"\\e{char}"}[shell]
    if not key or not key.isascii() or not key.isprintable() or any(c in _UNSAFE for c in key):
        raise UsageError(f"cannot bind key {key!r}: use ctrl-X, alt-X or the shell's own "
                         "notation (no spaces, quotes or shell syntax)")
    return key


def quote(shell: str, key: str) -> str:
    """`key` (from key_notation) as a word of `shell`: single-quoted for zsh and bash; bare
    for fish, whose parser (not `bind`) turns \\cg into the control character."""
    return key if shell == "fish" else shlex.quote(key)


def render(shell: str, key: "str | None" = None, bind: bool = True) -> str:
    """The integration code `init` prints."""
    text = source(shell)
    at = text.index(MARKER)
    head, block = text[:at], text[at:]
    if not bind:
        return head + "# (no key bound: the widget is fuzzyaws-widget)\n"
    if key is not None:
        assert block.count(DEFAULT_KEY[shell]) == 1, f"the {shell} script's binding line moved"
        block = block.replace(DEFAULT_KEY[shell], quote(shell, key_notation(shell, key)))
    return head + block


def run(app, opts) -> ExitStatus:
    bind = not opts.no_bind and app.env.get("FUZZYAWS_NO_BIND", "") in ("", "0")
    app.console.out(render(opts.shell, opts.key, bind))
    return ExitStatus.OK
