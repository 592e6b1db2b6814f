"""The built-in picker: an fzf-like list drawn with prompt_toolkit on the terminal.

It is used when fzf is not installed (or with `--picker builtin`). Like fzf it draws on
/dev/tty, never on stdout, so `$(fuzzyaws pick)` works, and by default it takes 40% of the
terminal below the cursor (at least 12 rows, like the fzf picker's `--min-height=12`);
`request.fullscreen` takes the whole screen.

    > query                    (fzf query syntax, ranked as `ls` ranks: fuzzyaws.match)
      12/3400 (2 marked)  refreshing…
    header                     (request.listing.header: counts, data age)
    >  best match               │ preview of the row under the cursor
     * a marked row             │ (request.preview(key), right half of the screen,
       ...                      │  hidden below 80 columns; `?` toggles it)

Keys (fzf's defaults, plus the fzf picker's bindings):

    Up / Ctrl-P / Ctrl-K      move up          Down / Ctrl-N / Ctrl-J   move down
    PgUp / PgDn               a page up / down
    Tab / Shift-Tab           mark or unmark the row, then move down / up (multi only)
    Ctrl-A                    mark every match (multi); else start of the query
    Enter                     accept: the marked keys in the order they were marked, else
                              the key under the cursor, else [] (nothing matches)
    Esc, Ctrl-C, Ctrl-G, Ctrl-Q, Ctrl-D on an empty query     abort: None
    ?                         show / hide the preview (so `?` cannot be typed in the query
                              while there is a preview; it can when there is none)
    Left / Right, Ctrl-B / Ctrl-F, Home / End, Ctrl-E, Backspace, Delete, Ctrl-D,
    Ctrl-U (delete to the start), Ctrl-W (delete the word before the cursor)   edit the query

Lines are cut at the pane's width with ".." (never wrapped); when the last match lies
beyond it the start is cut instead, as fzf's hscroll does. Lines, header and preview are
drawn as plain text fragments with control characters replaced, never as raw bytes.
Filtering runs at each redraw (keys typed meanwhile are taken together); a query that
only narrows the previous one (see `narrows`) ranks just the previous matches again.

Marks are kept by key, across query changes and live refreshes; a refresh that drops a
resource drops its mark. The preview is computed on a worker thread (the callable may be
slow), once per key, and an exception is shown in the pane instead of the text.

prompt_toolkit is imported only when a picker is built (it costs ~100 ms), and only this
module (and the progress display) may import it.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict

from fuzzyaws.match import Query, rank_lines
from fuzzyaws.pickers import Request
from fuzzyaws.status import UsageError

PROMPT = "aws> "  # as the fzf picker's
FIRST_FRAME_LINES = 2000  # ranked for the first frame; the rest is ranked behind it
INLINE_PERCENT = 40
INLINE_MIN_ROWS = 12
PREVIEW_MIN_COLUMNS = 120  # below this the preview pane is hidden (as the fzf picker's)
PREVIEW_MAX_CHARS = 50_000  # of one preview text, kept for display
REFRESH_POLL = 0.1  # seconds between looks at request.refresh
ESCAPE_DELAY = 0.1  # a lone ESC is Esc after this long, as fzf's ESCDELAY
HSCROLL_OFF = 10  # cells kept after the last match when a long line is cut at the start

STYLE = {
    "kind": "fg:ansicyan",
    "green": "fg:ansigreen",
    "yellow": "fg:ansiyellow",
    "red": "fg:ansired",
    "prompt": "fg:ansiblue bold",
    "info": "fg:ansibrightblack",
    "refreshing": "fg:ansiyellow",
    "header": "fg:ansicyan",
    "current": "bg:#3a3a3a bold",
    "match": "fg:ansigreen bold",
    "pointer": "fg:ansired bold",
    "marker": "fg:ansimagenta bold",
    "dots": "fg:ansibrightblack",
    "border": "fg:ansibrightblack",
    "preview-pending": "fg:ansibrightblack",
    "preview-error": "fg:ansired",
}


# --------------------------------------------------------------------------
# Filtering
# --------------------------------------------------------------------------
def narrows(old: str, new: str) -> bool:
    """True if every line matching query `new` also matches query `old`, judged from the
    text alone (conservatively: False when unsure), so that `new` need only be run over
    `old`'s matches. Typing more usually narrows, but not always in fzf's syntax: extending
    an inverse term (`!we` -> `!web`) or a term after a `$` (`web$` -> `web$x` is fuzzy), an
    OR group (`a |` -> `a | b`) or an escaped space (`a\\` -> `a\\ b`) widen it."""
    if not new.startswith(old):
        return False
    if not old.strip(" "):
        return True  # `old` matched every line
    if "|" in new or "\\" in new or "\t" in new:
        return False
    if new[len(old)] == " ":
        return True  # a new term, ANDed with the others
    last = old.rsplit(" ", 1)[-1]  # the term being extended
    return not last.startswith("!") and not last.endswith("$")


def _same_query(text: str) -> str:
    """`text` without the spaces fzf ignores (leading, trailing unless escaped): typing the
    space before a new term does not filter again."""
    text = text.lstrip(" ")
    while text.endswith(" ") and not text.endswith("\\ "):
        text = text[:-1]
    return text


class Matcher:
    """Ranks `lines` for a query exactly as `ls` does (fuzzyaws.match.rank_lines: best
    first, ties in the given order), remembering the last few results: typing more
    filters only the previous matches (see `narrows`), deleting finds the earlier result."""

    KEEP = 8

    def __init__(self, lines: list):
        self.lines = lines
        self._cache: "OrderedDict[str, list]" = OrderedDict()  # query -> [ranked, sorted|None]
        self._lock = threading.Lock()  # the first query may be ranked on a thread

    def rank(self, text: str) -> list:
        with self._lock:
            return self._rank(_same_query(text))

    def _rank(self, text: str) -> list:
        entry = self._cache.get(text)
        if entry is not None:
            self._cache.move_to_end(text)
            return entry[0]
        pool = self._pool(text)
        if pool is None:
            ranked = rank_lines(text, self.lines)
        else:
            # the pool is in the given order, so ties still keep the given order
            lines = self.lines
            ranked = [pool[j] for j in rank_lines(text, [lines[i] for i in pool])]
        self._cache[text] = [ranked, None]
        while len(self._cache) > self.KEEP:
            self._cache.popitem(last=False)
        return ranked

    def _pool(self, text: str):
        """The matches (in the given order) of the longest remembered query that `text`
        narrows, or None to run over every line."""
        best = None
        for old, entry in self._cache.items():
            if len(old) < len(text) and (best is None or len(old) > len(best[0])) \
                    and narrows(old, text):
                best = (old, entry)
        if best is None or len(best[1][0]) == len(self.lines):
            return None
        entry = best[1]
        if entry[1] is None:
            entry[1] = sorted(entry[0])
        return entry[1]


# --------------------------------------------------------------------------
# Display text: never trusted
# --------------------------------------------------------------------------
_TABLE = None


def _table() -> dict:
    """Characters that must not reach the terminal as they are, each replaced by ONE
    character so that match positions still line up: C0/C1 controls and DEL (escape
    sequences), lone surrogates (unencodable), bidi and invisible format characters."""
    global _TABLE
    if _TABLE is None:
        bad = [*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0x200B, 0x2010),
               *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0xFEFF,
               *range(0xFFF9, 0xFFFC), *range(0xD800, 0xE000)]
        _TABLE = dict.fromkeys(bad, "?")
        _TABLE.update({0x09: " ", 0x2028: " ", 0x2029: " "})
    return _TABLE


def clean(text: str) -> str:
    """`text` safe to draw on one row, with the same length."""
    return text.translate(_table())


_cwidth = None


def _get_cwidth():
    global _cwidth
    if _cwidth is None:
        from prompt_toolkit.utils import get_cwidth  # the widths the renderer uses
        _cwidth = get_cwidth
    return _cwidth


PLAIN, MATCH, DOTS = 0, 1, 2


def fit(line: str, positions, width: int, cw=None):
    """Cut `line` (already cleaned) to at most `width` cells: a list of (kind, text) pieces
    (PLAIN, MATCH: a matched character, DOTS: the ".." marking a cut) and the cells used.
    As fzf does, when the last matched character lies beyond the width the start is cut
    instead, so that the match is seen."""
    if width <= 0:
        return [], 0
    cw = cw or _get_cwidth()
    n = len(line)
    start = 0
    last = max(positions) if positions else -1
    if not (line.isascii() and n <= width):
        # cells up to and including the last match
        cells = 0
        for c in line[:last + 1]:
            cells += cw(c)
            if cells > width:
                break
        if cells > width and width > 4:
            # walk back from the last match until it fits after the leading "..", with
            # room for the trailing ".." and, as fzf's --hscroll-off, some text after it
            room = width - 4 - min(HSCROLL_OFF, max(0, (width - 8) // 3))
            used = 0
            start = last + 1
            while start > 0 and used + cw(line[start - 1]) <= room:
                start -= 1
                used += cw(line[start])
    lead = 2 if start > 0 else 0
    avail = width - lead
    cells = 0
    end = start
    widths = []
    while end < n:
        w = cw(line[end])
        if cells + w > avail:
            break
        widths.append(w)
        cells += w
        end += 1
    trail = end < n
    if trail and avail >= 4:
        while widths and cells > avail - 2:
            cells -= widths.pop()
            end -= 1
    pieces = []
    if lead:
        pieces.append((DOTS, ".."))
    if positions:
        marked = set(positions)
        run_kind = None
        run_start = start
        for i in range(start, end):
            kind = MATCH if i in marked else PLAIN
            if kind != run_kind:
                if run_kind is not None and i > run_start:
                    pieces.append((run_kind, line[run_start:i]))
                run_kind, run_start = kind, i
        if run_kind is not None and end > run_start:
            pieces.append((run_kind, line[run_start:end]))
    elif end > start:
        pieces.append((PLAIN, line[start:end]))
    if trail and avail >= 4:
        pieces.append((DOTS, ".."))
        cells += 2
    return pieces, cells + lead


# --------------------------------------------------------------------------
# Preview
# --------------------------------------------------------------------------
class Previewer:
    """`fn(key)` computed on a worker thread, once per key, for the key last asked for;
    `get(key)` returns (ok, text) or None while it is being computed, and calls
    `on_ready()` (thread-safe redraw) when a result arrives."""

    KEEP = 512
    WAIT = 0.03  # a fast preview is drawn at once rather than after a "…" frame

    def __init__(self, fn, on_ready=lambda: None):
        self.fn = fn
        self.on_ready = on_ready
        self.cache: dict = {}
        self._wanted = None
        self._gen = 0
        self._closed = False
        self._cond = threading.Condition()
        self._thread = None

    def get(self, key):
        with self._cond:
            if key in self.cache:
                return self.cache[key]
            self._wanted = key
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="fuzzyaws-preview",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()
            self._cond.wait_for(lambda: key in self.cache, timeout=self.WAIT)
            return self.cache.get(key)

    def clear(self):
        """Forget every preview (the data changed); a result being computed is dropped."""
        with self._cond:
            self.cache.clear()
            self._gen += 1

    def close(self):
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _work(self):
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._closed or (
                    self._wanted is not None and self._wanted not in self.cache))
                if self._closed:
                    return
                key, gen = self._wanted, self._gen
            try:
                text = self.fn(key)
                value = (True, "" if text is None else str(text))
            except Exception as e:  # shown in the pane: a preview must not end the picker
                value = (False, f"preview failed: {type(e).__name__}: {e}")
            with self._cond:
                if gen == self._gen and not self._closed:
                    if len(self.cache) >= self.KEEP:
                        del self.cache[next(iter(self.cache))]
                    self.cache[key] = value
                self._cond.notify_all()
            self.on_ready()


# --------------------------------------------------------------------------
# State and actions
# --------------------------------------------------------------------------
class Picker:
    """The picker's state and actions, apart from the terminal: `build()` wires it to a
    prompt_toolkit Application (as `app.picker`), tests may drive either."""

    def __init__(self, request: Request, invalidate=lambda: None, columns: int = 200):
        self.request = request
        self.columns = columns  # the list's width: lines are laid out for it
        self.multi = bool(request.multi)
        self.has_preview = request.preview is not None
        self.preview_on = self.has_preview
        self.previewer = Previewer(request.preview, invalidate) if self.has_preview else None
        self.text = request.query or ""
        self.cursor = 0  # index into ranked()
        self.offset = 0  # first ranked() index on screen
        self.height = 10  # list rows, as last drawn
        self.marks: dict = {}  # key -> None, in the order marked
        self._query = None
        self._set_data(request.listing)
        header = clean_block(request.listing.header or "")
        self.header_lines = header.split("\n") if header else []
        refresh = request.refresh
        self.refreshing = refresh is not None
        if refresh is not None and refresh.done.is_set():
            self.merge(refresh.result)
        if self.text.strip() and len(self.lines) > FIRST_FRAME_LINES:
            self._rank_behind(invalidate)

    def _rank_behind(self, invalidate) -> None:
        """Rank the first lines now and every line on a thread: a long list with a starting
        query (Ctrl-G on a word) draws its first frame at once, as fzf does."""
        text, head = self.text, FIRST_FRAME_LINES
        self._first = (text, rank_lines(text, self.lines[:head]))
        matcher = self.matcher

        def work():
            matcher.rank(text)
            if self.matcher is matcher:
                self._first = None
                invalidate()

        threading.Thread(target=work, name="fuzzyaws-rank", daemon=True).start()

    def _set_data(self, listing):
        self.lines = listing.display(self.columns)  # laid out as each is first drawn or matched
        self.keys = list(listing.keys)
        self.matcher = Matcher(self.lines)
        self._first = None  # (query, its ranking of the first lines) while the rest is ranked

    # -- queries --------------------------------------------------------------
    def set_query(self, text: str):
        if text != self.text:
            self.text = text
            self.cursor = self.offset = 0

    def query(self) -> Query:
        if self._query is None or self._query.text != self.text:
            self._query = Query(self.text)
        return self._query

    @property
    def ranking(self) -> bool:
        """The starting query is still being ranked over every line."""
        return self._first is not None and self._first[0] == self.text

    def ranked(self) -> list:
        """Indexes of the matching lines, best first (while the starting query is ranked
        behind the first frame: of the first lines)."""
        if self.ranking:
            return self._first[1]
        return self.matcher.rank(self.text)

    def current_key(self):
        r = self.ranked()
        if not r:
            return None
        self.cursor = max(0, min(self.cursor, len(r) - 1))
        return self.keys[r[self.cursor]]

    # -- actions --------------------------------------------------------------
    def move(self, delta: int):
        n = len(self.ranked())
        self.cursor = max(0, min(self.cursor + delta, n - 1)) if n else 0

    def toggle(self, delta: int):
        if not self.multi:
            return
        key = self.current_key()
        if key is None:
            return
        if key in self.marks:
            del self.marks[key]
        else:
            self.marks[key] = None
        self.move(delta)

    def mark_all(self):
        if self.multi:
            keys = self.keys
            for i in self.ranked():
                self.marks.setdefault(keys[i], None)

    def accept(self) -> list:
        if self.marks:
            return list(self.marks)
        key = self.current_key()
        return [] if key is None else [key]

    def merge(self, listing):
        """A finished refresh: its Listing replaces the list, keeping the query, the key
        under the cursor (and its row on screen) and the marks; None keeps the data."""
        self.refreshing = False
        if listing is None or len(listing.lines) != len(listing.keys):
            return
        header = clean_block(listing.header or "")
        self.header_lines = header.split("\n") if header else []
        key = self.current_key()
        row = self.cursor - self.offset
        self._set_data(listing)
        present = set(self.keys)
        self.marks = {k: None for k in self.marks if k in present}
        if self.previewer is not None:
            self.previewer.clear()
        r = self.ranked()
        if key is not None and key in present:
            at = self.keys.index(key)
            try:
                self.cursor = r.index(at)
            except ValueError:  # no longer matches the query
                pass
        self.cursor = max(0, min(self.cursor, len(r) - 1))
        self.offset = max(0, self.cursor - row)

    # -- drawing --------------------------------------------------------------
    def rows(self, width: int, height: int) -> list:
        """Formatted-text fragments of the visible list rows."""
        self.height = height = max(1, height)
        r = self.ranked()
        n = len(r)
        self.cursor = max(0, min(self.cursor, n - 1)) if n else 0
        if self.cursor < self.offset:
            self.offset = self.cursor
        elif self.cursor >= self.offset + height:
            self.offset = self.cursor - height + 1
        self.offset = max(0, min(self.offset, n - height))
        query = self.query()
        out = []
        for i in range(self.offset, min(n, self.offset + height)):
            idx = r[i]
            line = clean(self.lines[idx])
            positions = query.positions(self.lines[idx]) if query else []
            current = i == self.cursor
            base = "class:current " if current else ""
            marked = self.keys[idx] in self.marks
            frags = [(base + "class:pointer", ">" if current else " "),
                     (base + "class:marker", ">" if marked else " ")]
            pieces, cells = fit(line, positions, width - 2)
            spans = self.lines.spans(idx) if hasattr(self.lines, "spans") else []
            for style, text in _painted(pieces, spans):
                frags.append((base + style, text))
            if current and cells < width - 2:
                frags.append((base.strip(), " " * (width - 2 - cells)))
            out.append(frags)
        return out

    def info(self) -> list:
        text = f"  {len(self.ranked())}{'…' if self.ranking else ''}/{len(self.lines)}"
        if self.multi and self.marks:
            text += f" ({len(self.marks)})"  # as fzf counts the marked
        frags = [("class:info", text)]
        if self.refreshing:
            frags.append(("class:refreshing", "  refreshing…"))
        return frags

    def header(self) -> list:
        return [("class:header", "\n".join(self.header_lines))]

    def preview(self) -> list:
        key = self.current_key()
        if key is None or self.previewer is None:
            return []
        got = self.previewer.get(key)
        if got is None:
            return [("class:preview-pending", "…")]
        ok, text = got
        return [("" if ok else "class:preview-error", clean_block(text[:PREVIEW_MAX_CHARS]))]


_KIND_STYLE = {PLAIN: "class:text", MATCH: "class:match", DOTS: "class:dots"}


def _painted(pieces: list, spans: list) -> list:
    """(style, text) of fit's pieces, the plain text of a line's kind and status columns
    (`spans`: char ranges and their tone) in their colours; matches stay match-coloured.
    A line cut at its start (the match far right) is left plain."""
    if not spans or (pieces and pieces[0][0] == DOTS):
        return [(_KIND_STYLE[kind], text) for kind, text in pieces]
    out, at = [], 0
    for kind, text in pieces:
        if kind != PLAIN:
            out.append((_KIND_STYLE[kind], text))
        else:
            cuts = sorted({at, at + len(text), *(b for s in spans for b in s[:2] if at < b < at + len(text))})
            for start, end in zip(cuts, cuts[1:]):
                tone = next((t for a, b, t in spans if a <= start and end <= b), None)
                out.append((f"class:{tone}" if tone else "class:text", text[start - at:end - at]))
        at += len(text) if kind != DOTS else 0
    return out


def clean_block(text: str) -> str:
    """Multi-line `text` safe to draw: `clean` line by line, tabs expanded."""
    text = text.replace("\r\n", "\n")
    return "\n".join(clean(line.expandtabs(8)) for line in text.split("\n"))


# --------------------------------------------------------------------------
# prompt_toolkit
# --------------------------------------------------------------------------
def build(request: Request, input=None, output=None):
    """The picker as a prompt_toolkit Application whose `run()` returns what `pick`
    returns; its state is `app.picker` (a Picker). Tests pass a pipe input and a
    DummyOutput; `pick` passes the terminal."""
    from prompt_toolkit.application import Application
    from prompt_toolkit.buffer import Buffer
    from prompt_toolkit.document import Document
    from prompt_toolkit.filters import Condition
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.keys import Keys
    from prompt_toolkit.layout import (ConditionalContainer, FormattedTextControl, HSplit,
                                       Layout, VSplit, Window)
    from prompt_toolkit.layout.controls import BufferControl, UIContent, UIControl
    from prompt_toolkit.layout.dimension import Dimension
    from prompt_toolkit.layout.processors import BeforeInput
    from prompt_toolkit.styles import Style

    holder = []  # the app, once made (the picker's redraw callback needs it)

    def redraw_soon():
        """From the preview thread: redraw, unless the app has ended meanwhile."""
        app = holder[0] if holder else None
        loop = app.loop if app is not None and app.is_running else None
        if loop is not None:
            try:
                loop.call_soon_threadsafe(app.invalidate)
            except RuntimeError:  # the loop closed meanwhile
                pass

    columns = output.get_size().columns if output is not None else 200
    picker = Picker(request, invalidate=redraw_soon,
                    columns=(columns if columns < PREVIEW_MIN_COLUMNS else columns // 2) - 3)

    class ListControl(UIControl):
        def create_content(self, width, height):
            rows = picker.rows(width, height)
            return UIContent(get_line=rows.__getitem__, line_count=len(rows),
                             show_cursor=False)

        def is_focusable(self):
            return False

    query = Buffer(document=Document(picker.text), multiline=False,
                   on_text_changed=lambda buf: picker.set_query(buf.text))

    def size():
        return holder[0].output.get_size()

    def preview_shown():
        return picker.preview_on and size().columns >= PREVIEW_MIN_COLUMNS

    prompt = Window(BufferControl(query, input_processors=[
        BeforeInput(PROMPT, style="class:prompt")]), height=1)
    left = HSplit([
        prompt,
        Window(FormattedTextControl(picker.info), height=1),
        ConditionalContainer(
            Window(FormattedTextControl(picker.header),
                   height=lambda: Dimension.exact(len(picker.header_lines))),
            filter=Condition(lambda: bool(picker.header_lines))),
        Window(ListControl()),
    ], width=Dimension(weight=1))
    right = ConditionalContainer(VSplit([
        Window(width=1, char="│", style="class:border"),
        Window(FormattedTextControl(picker.preview), wrap_lines=True),
    ], width=Dimension(weight=1)), filter=Condition(preview_shown))

    def inline_height():
        rows = size().rows
        return Dimension.exact(min(rows, max(INLINE_MIN_ROWS, rows * INLINE_PERCENT // 100)))

    root = VSplit([left, right])
    if not request.fullscreen:
        # prompt_toolkit gives an inline app every row below the cursor: keep to ours
        root = HSplit([VSplit([left, right], height=inline_height)])

    kb = KeyBindings()

    def bind(keys, **kw):
        def register(handler):
            for key in keys:
                kb.add(*(key if isinstance(key, tuple) else (key,)), **kw)(handler)
            return handler
        return register

    def finish(event, result):
        if not event.app.is_done:
            event.app.exit(result=result)

    @bind(["up", "c-p", "c-k"])
    def _up(event):
        picker.move(-1)

    @bind(["down", "c-n", "c-j"])
    def _down(event):
        picker.move(1)

    @bind(["pageup"])
    def _page_up(event):
        picker.move(-picker.height)

    @bind(["pagedown"])
    def _page_down(event):
        picker.move(picker.height)

    @bind(["tab"])
    def _tab(event):
        picker.toggle(1)

    @bind(["s-tab"])
    def _shift_tab(event):
        picker.toggle(-1)

    @bind(["c-a"])
    def _ctrl_a(event):
        if picker.multi:
            picker.mark_all()
        else:
            query.cursor_position = 0

    @bind(["enter"])
    def _accept(event):
        finish(event, picker.accept())

    # a lone Esc is an abort once ESCAPE_DELAY has passed without a key after it (Alt-C is
    # Esc then c), as fzf's ESCDELAY
    @bind(["escape"])
    def _esc(event):
        finish(event, None)

    @bind(["c-c", "c-g", "c-q", Keys.SIGINT])
    def _abort(event):
        finish(event, None)

    @bind(["c-d"])
    def _ctrl_d(event):
        if query.text:
            query.delete(1)
        else:
            finish(event, None)

    @bind([("escape", "c")])
    def _copy(event):
        """Alt-C: the marked keys (or the one under the cursor) onto the terminal's clipboard."""
        keys = picker.accept()
        if keys:
            from fuzzyaws.clipboard import osc52
            event.app.output.write_raw(osc52("\n".join(keys)).decode("ascii"))
            event.app.output.flush()

    @bind([("escape", "o")])
    def _open(event):
        """Alt-O: the console page of the row under the cursor."""
        key = picker.current_key()
        if key is not None and request.open is not None:
            request.open(key)

    @bind(["?"])
    def _question(event):
        if picker.has_preview:
            picker.preview_on = not picker.preview_on
        else:
            query.insert_text("?")

    @bind(["left", "c-b"])
    def _left(event):
        query.cursor_position = max(0, query.cursor_position - 1)

    @bind(["right", "c-f"])
    def _right(event):
        query.cursor_position = min(len(query.text), query.cursor_position + 1)

    @bind(["home"])
    def _home(event):
        query.cursor_position = 0

    @bind(["end", "c-e"])
    def _end(event):
        query.cursor_position = len(query.text)

    @bind(["c-h"])
    def _backspace(event):
        query.delete_before_cursor(1)

    @bind(["delete"])
    def _delete(event):
        query.delete(1)

    @bind(["c-u"])
    def _discard(event):
        query.delete_before_cursor(query.cursor_position)

    @bind(["c-w"])
    def _rubout(event):
        # unix-word-rubout: the spaces before the cursor, then the word before them
        before = query.document.text_before_cursor
        i = len(before)
        while i and before[i - 1] == " ":
            i -= 1
        while i and before[i - 1] != " ":
            i -= 1
        query.delete_before_cursor(len(before) - i)

    @bind(["c-x", "c-z", "c-t", "c-y", "c-_", "c-@", "c-v", "c-o", "c-r", "c-s", "c-l"],
          eager=True)
    def _ignore(event):
        pass  # prompt_toolkit's emacs defaults for these make no sense in a picker

    @bind([Keys.Any])
    def _type(event):
        data = event.data
        if data and data.isprintable():
            query.insert_text(data)

    @bind([Keys.BracketedPaste])
    def _paste(event):
        text = " ".join(event.data.replace("\r\n", "\n").splitlines())
        query.insert_text("".join(c for c in text if c.isprintable()))

    app = Application(
        layout=Layout(root, focused_element=prompt),
        key_bindings=kb,
        style=Style.from_dict(STYLE),
        full_screen=bool(request.fullscreen),
        erase_when_done=True,
        mouse_support=False,
        input=input,
        output=output,
    )
    app.ttimeoutlen = ESCAPE_DELAY
    holder.append(app)
    app.picker = picker

    async def watch_refresh():
        import asyncio
        refresh = request.refresh
        while not refresh.done.is_set():
            await asyncio.sleep(REFRESH_POLL)
        picker.merge(refresh.result)
        app.invalidate()

    if picker.refreshing:
        app.pre_run_callables.append(lambda: app.create_background_task(watch_refresh()))
    return app


def run(app):
    """Run a built picker: the accepted keys, [] or None; never a KeyboardInterrupt."""
    try:
        return app.run()
    except (KeyboardInterrupt, EOFError):
        return None
    finally:
        if app.picker.previewer is not None:
            app.picker.previewer.close()


class BuiltinPicker:
    live = True  # merges request.refresh in place

    def pick(self, request: Request) -> "list | None":
        return pick(request)


def pick(request: Request) -> "list | None":
    """Show the picker on the terminal: the keys accepted (the marked ones in the order
    marked, else the one under the cursor), [] if nothing matched, None if aborted."""
    try:
        tty_in = open("/dev/tty", "r")
        try:
            tty_out = open("/dev/tty", "w")
        except OSError:
            tty_in.close()
            raise
    except OSError as e:
        raise UsageError(f"no terminal for the picker (/dev/tty: {e.strerror or e}); "
                         "without one, list with `fuzzyaws ls QUERY`") from None
    saved = None
    try:
        if not request.fullscreen and not (request.query or "").strip():
            saved = _quiet(tty_in)
            sketch(request, tty_out)
        if request.refresh is not None:
            request.refresh.start()  # behind the picker, now that its first frame shows
        from prompt_toolkit.input import create_input
        from prompt_toolkit.output import create_output
        return run(build(request, input=create_input(stdin=tty_in),
                         output=create_output(stdout=tty_out)))
    finally:
        if saved is not None:
            import termios
            termios.tcsetattr(tty_in.fileno(), termios.TCSANOW, saved)
        tty_in.close()
        tty_out.close()


def _quiet(tty) -> "list | None":
    """Keys typed over the sketch must not be echoed onto it (they wait for the picker):
    no echo, no line editing until prompt_toolkit takes the terminal. The attributes as
    they were, to put back when the picker is done (prompt_toolkit restores what it found)."""
    import termios
    try:
        saved = termios.tcgetattr(tty.fileno())
        quiet = termios.tcgetattr(tty.fileno())
        quiet[3] &= ~(termios.ECHO | termios.ICANON)
        # as prompt_toolkit's raw mode: an Enter typed now must reach it as Enter (\r),
        # not as the \n (Ctrl-J: move down) the terminal would make of it
        quiet[0] &= ~(termios.ICRNL | termios.INLCR | termios.IGNCR | termios.IXON | termios.IXOFF)
        termios.tcsetattr(tty.fileno(), termios.TCSANOW, quiet)
        return saved
    except termios.error:
        return None


def sketch(request: Request, tty) -> None:
    """Draw the first frame's text at once, as plain text where the picker will be, and
    put the cursor back: prompt_toolkit's import alone takes longer than a dozen Python
    starts, and the list is ready long before. The picker then draws over it (keys typed
    meanwhile wait in the terminal, see `_quiet`). For an empty query only (a query's
    ranking needs the matcher): its rows laid out as the picker lays them out."""
    try:
        size = os.get_terminal_size(tty.fileno())
    except OSError:
        return
    columns, height = size.columns, min(size.lines, max(INLINE_MIN_ROWS, size.lines * INLINE_PERCENT // 100))
    shown = request.preview is not None and columns >= PREVIEW_MIN_COLUMNS
    width = (columns - 1) // 2 if shown else columns  # the preview pane takes the other half
    from fuzzyaws.model import width as cells
    listing = request.listing
    header = clean_block(listing.header or "")
    frame = [PROMPT, f"  {len(listing.keys)}/{len(listing.keys)}"] + (header.split("\n") if header else [])
    lines = listing.display((columns if columns < PREVIEW_MIN_COLUMNS else columns // 2) - 3)
    for i in range(min(len(lines), height - len(frame))):
        pieces, _ = fit(clean(lines[i]), [], width - 2, cw=cells)
        frame.append(("> " if i == 0 else "  ") + "".join(text for _, text in pieces))
    frame = [line[:width - 1] for line in frame[:height]]  # never wraps
    tty.write("\r\x1b[J" + "\r\n".join(frame) + (f"\x1b[{len(frame) - 1}A" if len(frame) > 1 else "") + "\r")
    tty.flush()
