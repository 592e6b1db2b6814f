"""Copying text to the clipboard of the terminal the user sits at, with the OSC 52 escape
sequence: it works over ssh and through tmux (with `set -g set-clipboard on`), where
there is no local clipboard program to call."""
from __future__ import annotations

import base64


def osc52(text: str) -> bytes:
    """The escape sequence that puts `text` on the terminal's clipboard."""
    return b"\x1b]52;c;" + base64.b64encode(text.encode("utf-8")) + b"\x07"
