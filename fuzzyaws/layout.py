"""The two ways a resource is written on one line.

**The stored line** (what `ls` prints into a pipe, and what `ls QUERY` matches): tab-separated
fields, always nine, each one token (control characters, tabs included, are replaced by
visible stand-ins; an empty field is `-`), so that `cut -f3` or `awk -F'\\t' '{print $3}'`
finds the same field on every row:

    kind  name  id  state  ssm  address  region  account  tags
    ec2   web-1 i-0abc…  running  ssm:online  10.0.1.5  us-east-1  111111111111  Env=prod Role=web

**The display line** (the pickers, and `ls` on a terminal): the same fields aligned in
columns for a reader, in the order that matters at a glance: kind, name, state (with the
SSM status), region, the account when several are listed, then the tags, the id and the
address, so that at 80 columns the name, state, region and the start of the tags are on
screen. Column widths come from the data (each shard records its widest values) and the
screen width; a name too long for its column is cut with `…` and repeated in full at the
end, so that matching still sees all of it. Kinds and states are coloured unless NO_COLOR.
"""
from __future__ import annotations

from fuzzyaws.model import width

FIELDS = ("kind", "name", "id", "state", "ssm", "address", "region", "account", "tags")
# The aligned columns of the display line: (field, widest allowed, narrowest when squeezed).
COLUMNS = (("kind", 14, 4), ("name", 40, 14), ("status", 30, 12), ("region", 14, 9), ("account", 12, 12))
SQUEEZE = ("region", "kind", "status", "name")  # what gives way first on a narrow screen
TAGS_ROOM = 6  # cells kept for the start of the tags

GREEN = ("running", "available", "active", "online", "in-service", "in_service", "complete", "healthy",
         "registered", "ssm:online")
YELLOW = ("pending", "starting", "stopping", "creating", "modifying", "updating", "rebooting",
          "in_progress", "provisioning", "deactivating", "ssm:connectionlost", "backing-up")
RED = ("stopped", "failed", "deleting", "deleted", "terminated", "shutting-down", "inactive",
       "rollback", "error", "impaired", "ssm:inactive")
ANSI = {"kind": "\x1b[36m", "green": "\x1b[32m", "yellow": "\x1b[33m", "red": "\x1b[31m"}
RESET = "\x1b[0m"


def status(state: str, ssm: str) -> str:
    return state if ssm == "-" else f"{state} {ssm}"


def cell_widths(lines) -> dict:
    """{column: widest cells} over stored lines: what a shard records for the display."""
    widest = dict.fromkeys(("kind", "name", "status", "region", "account"), 0)
    for line in lines:
        f = line.split("\t")
        for column, value in (("kind", f[0]), ("name", f[1]), ("status", status(f[3], f[4])),
                              ("region", f[6]), ("account", f[7])):
            cells = len(value) if value.isascii() else width(value)
            if cells > widest[column]:
                widest[column] = cells
    return widest


def tone(value: str) -> "str | None":
    """green, yellow, red or None: how a state word reads."""
    word = value.lower()
    for name, words in (("green", GREEN), ("yellow", YELLOW), ("red", RED)):
        if any(w in word for w in words):
            return name
    return None


class Display:
    """Display lines for a screen `columns` wide, from the widest values of the data."""

    def __init__(self, widest: dict, columns: int, accounts: int = 1, color: bool = False):
        self.color = color
        shown = [c for c in COLUMNS if c[0] != "account" or accounts > 1]
        self.widths = {name: min(widest.get(name, 0), cap) for name, cap, _ in shown}
        self.widths["name"] = max(self.widths["name"], 4)
        # on a narrow screen, squeeze columns (the name last) until the start of the tags fits
        floors = {name: floor for name, _, floor in shown}
        for name in SQUEEZE:
            over = sum(self.widths.values()) + 2 * len(shown) + TAGS_ROOM - columns
            if over > 0:
                self.widths[name] = max(min(self.widths[name], floors[name]), self.widths[name] - over)
        self.aligned = sum(self.widths.values()) + 2 * len(self.widths)  # cells before the rest
        self._cells: dict = {}

    def plain(self, line: str) -> str:
        return self._format(line, False)

    def __call__(self, line: str) -> str:
        return self._format(line, self.color)

    def cut(self, line: str, columns: int) -> str:
        """The display line cut to `columns` cells (`ls` on a terminal: no line wraps)."""
        return self._format(line, self.color, columns)

    def _format(self, line: str, color: bool, limit: "int | None" = None) -> str:
        kind, name, ident, state, ssm, address, region, account, tags = line.split("\t")
        w = self.widths
        # The kind and the status-region-account cells repeat across a fleet: made once
        # each, with the values they had to cut (repeated whole at the end, as a cut name
        # is: matching sees every word at any width).
        head, cut_kind = self._cells.get((kind, color)) or self._head(kind, color)
        tail, cut_rest = self._cells.get((state, ssm, region, account, color)) or \
            self._tail(state, ssm, region, account, color)
        cell = _fit(name, w["name"])
        rest = [v for v in (tags, ident, address) if v != "-"] + cut_kind + cut_rest
        if cell.rstrip().endswith("…"):
            rest.append(name)
        rest = "  ".join(rest)
        if limit is not None:
            rest = _fit(rest, max(0, limit - self.aligned)).rstrip()
        return f"{head}  {cell}  {tail}  {rest}"

    def _head(self, kind: str, color: bool) -> tuple:
        cell = _fit(kind, self.widths["kind"])
        made = (ANSI["kind"] + cell + RESET if color else cell), _overflow(cell, kind)
        self._cells[kind, color] = made
        return made

    def _tail(self, state: str, ssm: str, region: str, account: str, color: bool) -> tuple:
        w = self.widths
        values = [status(state, ssm), region] + ([account] if "account" in w else [])
        cells = [_fit(v, w[c]) for v, c in zip(values, ("status", "region", "account"))]
        cut = [v for c, v in zip(cells, values) if _overflow(c, v)]
        if color:
            cells[0] = _paint(cells[0], state, ssm)
        made = "  ".join(cells), cut
        self._cells[state, ssm, region, account, color] = made
        return made


def _overflow(cell: str, value: str) -> list:
    """[value] when `cell` had to cut it, else []."""
    return [value] if cell.rstrip().endswith("…") and not value.endswith("…") else []


def _fit(value: str, cells: int) -> str:
    """`value` padded to `cells`, or cut with … to fit."""
    if value.isascii():
        if len(value) <= cells:
            return value.ljust(cells)
        return value[:max(0, cells - 1)] + "…"
    used, out = 0, []
    for ch in value:
        w = width(ch)
        if used + w > cells - (1 if width(value) > cells else 0):
            out.append("…")
            used += 1
            break
        out.append(ch)
        used += w
    return "".join(out) + " " * max(0, cells - used)


def _paint(cell: str, state: str, ssm: str) -> str:
    """The status cell with its state and SSM words coloured by how they read."""
    text = cell.rstrip()
    pad = cell[len(text):]
    words = text.split(" ", 1)
    painted = []
    for word, value in zip(words, (state, ssm)):
        shade = tone(value)
        painted.append(ANSI[shade] + word + RESET if shade else word)
    return " ".join(painted) + pad


class Lines:
    """The display lines of stored lines, made when first asked for: a picker draws a page
    of them, and fzf is fed them while it already shows the first ones. A line that is not
    a stored line is shown as it is."""

    def __init__(self, stored: list, display: Display, color: bool = False):
        self.stored, self.display, self.color = stored, display, color
        self._made: dict = {}

    def __len__(self) -> int:
        return len(self.stored)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        line = self._made.get(index)
        if line is None:
            stored = self.stored[index]
            line = self.display._format(stored, self.color) if stored.count("\t") == 8 else stored
            self._made[index] = line
        return line

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def spans(self, index: int) -> list:
        """[(first char, end char, tone)] of the kind and status of display line `index`:
        where a picker that draws styles itself colours them."""
        stored = self.stored[index]
        if stored.count("\t") != 8:
            return []
        f = stored.split("\t")
        line = self[index]
        kind_end = len(_fit(f[0], self.display.widths["kind"]))
        name_end = kind_end + 2 + len(_fit(f[1], self.display.widths["name"]))
        state_end = name_end + 2 + len(f[3])
        spans = [(0, kind_end, "kind")]
        if tone(f[3]):
            spans.append((name_end + 2, state_end, tone(f[3])))
        if f[4] != "-" and tone(f[4]):
            spans.append((state_end + 1, state_end + 1 + len(f[4]), tone(f[4])))
        return [s for s in spans if s[1] <= len(line)]
