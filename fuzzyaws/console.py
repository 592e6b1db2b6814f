"""The console: the only writer to the terminal outside the pickers.

It owns the output streams (made safe for any locale: a character the encoding cannot
carry becomes `?` rather than an error), error and warning lines (a warning with a
`once` key is said once per run), the live progress line on a terminal, and
confirmation prompts, asked on the terminal itself (/dev/tty) so that they work while
stdin and stdout are pipes.
"""
from __future__ import annotations

import os
import sys
from _thread import allocate_lock  # not `threading`: the warm path has no threads to import

PREFIX = "fuzzyaws: "


def _safe(stream):
    """`stream` writing `?` for characters its encoding lacks (LC_ALL=C, ISO-8859-1)."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None and getattr(stream, "errors", "") == "strict":
        try:
            reconfigure(errors="replace")
        except (ValueError, OSError):  # already written to, or closed
            pass
    return stream


def open_tty():
    """The controlling terminal as an unbuffered binary file, or None if there is none."""
    try:
        return open("/dev/tty", "r+b", buffering=0)
    except OSError:
        return None


class Console:
    def __init__(self, stdin=None, stdout=None, stderr=None, tty=open_tty, fresh_line=False):
        self.stdin = stdin or sys.stdin
        self.stdout = _safe(stdout or sys.stdout)
        self.stderr = _safe(stderr or sys.stderr)
        self._tty = tty  # () -> a binary terminal file, or None
        self._lock = allocate_lock()
        self._said: set = set()
        self._progress = False
        self._held: "list | None" = None
        # Under a shell widget (FUZZYAWS_WIDGET=1) the cursor sits in the line being typed:
        # what is said starts on a line of its own, and the widget redraws the prompt.
        self._fresh_line = fresh_line

    def _start(self) -> None:
        if self._fresh_line:
            self._fresh_line = False
            if self.interactive:
                self.stderr.write("\r\n")

    # -- facts about the streams -----------------------------------------------------
    @property
    def interactive(self) -> bool:
        """stderr is a terminal: progress lines are drawn in place."""
        return _isatty(self.stderr)

    @property
    def utf8(self) -> bool:
        """stdout carries any character (else --json escapes non-ASCII, losslessly)."""
        return (getattr(self.stdout, "encoding", "") or "").lower().replace("-", "") in ("utf8", "")

    def columns(self) -> "int | None":
        """The terminal's width when stdout is a terminal."""
        if not _isatty(self.stdout):
            return None
        try:
            return os.get_terminal_size(self.stdout.fileno()).columns
        except (OSError, ValueError, AttributeError):
            return None

    # -- output ------------------------------------------------------------------------
    def out(self, text: str) -> None:
        self.stdout.write(text)

    def flush(self) -> None:
        for stream in (self.stdout, self.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass

    def _line(self, text: str) -> None:
        with self._lock:
            if self._held is not None:
                self._held.append(text)
                return
            if self._progress:
                self.stderr.write("\r\033[K")
                self._progress = False
            self._start()
            self.stderr.write(text + "\n")
            self.stderr.flush()

    def error(self, message: str) -> None:
        self._line(PREFIX + message)

    def warn(self, message: str, once: "str | None" = None) -> None:
        """A warning line; with `once`, only the first warning with that key is said."""
        with self._lock:
            if once is not None:
                if once in self._said:
                    return
                self._said.add(once)
        self._line(PREFIX + "warning: " + message)

    def info(self, message: str) -> None:
        """A line for people watching (-v, or a terminal); never part of the output."""
        self._line(PREFIX + message)

    def hold(self) -> None:
        """Keep lines back while a picker owns the terminal (a refresh behind it warns)."""
        with self._lock:
            self._held = []

    def release(self) -> None:
        """Say what was held back."""
        with self._lock:
            held, self._held = self._held or [], None
        for text in held:
            self._line(text)

    def progress(self, text: str) -> None:
        """Replace the progress line (on a terminal only, and not under a picker)."""
        if not self.interactive or self._held is not None:
            return
        with self._lock:
            self._start()
            self.stderr.write("\r\033[K" + PREFIX + text)
            self.stderr.flush()
            self._progress = True

    def progress_done(self) -> None:
        with self._lock:
            if self._progress:
                self.stderr.write("\r\033[K")
                self.stderr.flush()
                self._progress = False

    # -- asking ------------------------------------------------------------------------
    def confirm(self, question: str) -> bool:
        """Ask `question [y/N]` on the terminal; True only for y/yes. Ctrl-C or end of input
        is no. Raises UsageError when there is no terminal to ask on."""
        from fuzzyaws.status import UsageError
        tty = self._tty()
        if tty is None:
            raise UsageError("no terminal to confirm on: pass --yes to go ahead without asking")
        self.progress_done()
        with tty:
            tty.write((question + " [y/N] ").encode("utf-8", "replace"))
            try:
                answer = tty.readline().decode("utf-8", "replace")
            except KeyboardInterrupt:
                tty.write(b"\n")
                return False
        return answer.strip().lower() in ("y", "yes")


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
