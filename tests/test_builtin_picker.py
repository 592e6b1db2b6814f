"""The built-in picker, headless: prompt_toolkit pipe input for the keys, DummyOutput (or
a Vt100 output into a string) for the screen."""
from __future__ import annotations

import asyncio
import io
import random
import threading
import time

import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.formatted_text.utils import fragment_list_width
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output

from fuzzyaws.match import rank_lines
from fuzzyaws.pickers import Listing, Refresh, Request
from fuzzyaws.pickers import builtin
from fuzzyaws.status import UsageError

UP, DOWN, PGUP, PGDN = "\x1b[A", "\x1b[B", "\x1b[5~", "\x1b[6~"
LEFT, RIGHT = "\x1b[D", "\x1b[C"
TAB, STAB, ENTER, ESC = "\t", "\x1b[Z", "\r", "\x1b"
CTRL = {c: chr(ord(c) - 96) for c in "abcdefghijklmnopqrstuvwxyz"}
BACKSPACE = "\x7f"

LINES = ["web-1 prod", "api-1 prod", "web-2 dev", "db-1 prod", "cache-1 dev"]
KEYS = ["k-web1", "k-api1", "k-web2", "k-db1", "k-cache1"]


class SizedOutput(DummyOutput):
    def __init__(self, rows=40, columns=120):
        super().__init__()
        self.size = Size(rows=rows, columns=columns)

    def get_size(self):
        return self.size


def request(lines=None, keys=None, header="", **kw):
    listing = Listing(keys=list(KEYS if keys is None else keys),
                      lines=list(LINES if lines is None else lines), header=header)
    return Request(listing=listing, **kw)


def press(req, text, output=None):
    """Run the picker with all of `text` typed at once; its result."""
    with create_pipe_input() as inp:
        inp.send_text(text)
        app = builtin.build(req, input=inp, output=output or DummyOutput())
        result = builtin.run(app)
        press.app = app
        return result


async def until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def drive(req, script, output=None):
    """Run the picker while the async `script(app, send)` types step by step; the result."""
    async def main():
        with create_pipe_input() as inp:
            # wide enough for the preview pane
            app = builtin.build(req, input=inp, output=output or SizedOutput(columns=160))
            task = asyncio.ensure_future(app.run_async())

            async def send(text, settle=0.05):
                inp.send_text(text)
                await asyncio.sleep(settle)

            try:
                await until(lambda: app.is_running)
                await script(app, send)
                return await asyncio.wait_for(task, 5)
            finally:
                if app.picker.previewer is not None:
                    app.picker.previewer.close()
    return asyncio.run(main())


# -- accept, abort ------------------------------------------------------------------
def test_enter_accepts_the_best_match():
    assert press(request(), "web" + ENTER) == ["k-web1"]
    assert press(request(), "'dev cach" + ENTER) == ["k-cache1"]


def test_enter_on_empty_query_takes_the_first_line():
    assert press(request(), ENTER) == ["k-web1"]


@pytest.mark.parametrize("key", [ESC, CTRL["c"], CTRL["g"], CTRL["q"], CTRL["d"]])
def test_abort_keys_return_none(key):
    assert press(request(), key) is None


def test_escape_aborts_after_typing():
    assert press(request(), "web" + DOWN + ESC) is None


def test_ctrl_d_deletes_when_the_query_is_not_empty():
    # "db-x", cursor onto "x", Ctrl-D deletes it: "db-" accepts db-1
    assert press(request(), "db-x" + LEFT + CTRL["d"] + ENTER) == ["k-db1"]
    assert press.app.picker.text == "db-"


def test_no_match_enter_returns_empty_list():
    assert press(request(), "zzzz" + ENTER) == []
    assert press(request(lines=[], keys=[]), ENTER) == []


def test_prefilled_query_with_cursor_at_end():
    assert press(request(query="web"), ENTER) == ["k-web1"]
    assert press(request(query="web-"), "2" + ENTER) == ["k-web2"]
    assert press.app.picker.text == "web-2"


def test_keyboard_interrupt_is_an_abort():
    class App:
        picker = builtin.Picker(request())

        def run(self):
            raise KeyboardInterrupt

    assert builtin.run(App()) is None


def test_no_terminal_is_a_usage_error(monkeypatch):
    def no_tty(path, *args, **kw):
        assert path == "/dev/tty"
        raise OSError(6, "No such device or address")

    monkeypatch.setattr(builtin, "open", no_tty, raising=False)
    with pytest.raises(UsageError, match="no terminal for the picker"):
        builtin.pick(request())


# -- moving -------------------------------------------------------------------------
def test_moving_with_arrows_and_emacs_keys():
    assert press(request(), DOWN + ENTER) == ["k-api1"]
    assert press(request(), CTRL["n"] + CTRL["j"] + ENTER) == ["k-web2"]
    assert press(request(), DOWN * 3 + UP + CTRL["p"] + ENTER) == ["k-api1"]
    assert press(request(), DOWN * 3 + CTRL["k"] + ENTER) == ["k-web2"]


def test_moving_stops_at_both_ends():
    assert press(request(), UP * 3 + ENTER) == ["k-web1"]
    assert press(request(), DOWN * 20 + ENTER) == ["k-cache1"]


def test_page_down_and_up():
    lines = [f"host-{i:03d}" for i in range(100)]
    keys = [f"k{i}" for i in range(100)]
    out = SizedOutput(rows=40)  # 16 rows inline: prompt, info, 14 list rows
    assert press(request(lines=lines, keys=keys), PGDN + ENTER, out) == ["k14"]
    assert press(request(lines=lines, keys=keys), PGDN * 2 + PGUP + DOWN + ENTER, out) == ["k15"]
    assert press(request(lines=lines, keys=keys), PGDN * 50 + ENTER, out) == ["k99"]


def test_typing_moves_the_cursor_back_to_the_top():
    assert press(request(), DOWN * 2 + "prod" + ENTER) == ["k-web1"]


# -- marks --------------------------------------------------------------------------
def test_multi_returns_marks_in_the_order_marked():
    # mark web-2 (row 3), then web-1 (row 1): fzf prints them in the order marked
    keys = DOWN * 2 + TAB + UP * 3 + TAB + ENTER
    assert press(request(multi=True), keys) == ["k-web2", "k-web1"]


def test_tab_moves_down_and_toggles():
    assert press(request(multi=True), TAB + TAB + ENTER) == ["k-web1", "k-api1"]
    # Tab on a marked row unmarks it
    assert press(request(multi=True), TAB + UP + TAB + TAB + ENTER) == ["k-api1"]


def test_shift_tab_marks_and_moves_up():
    keys = DOWN * 3 + STAB + STAB + ENTER
    assert press(request(multi=True), keys) == ["k-db1", "k-web2"]


def test_ctrl_a_marks_every_match_after_earlier_marks():
    keys = "db" + TAB + CTRL["u"] + "web" + CTRL["a"] + ENTER
    assert press(request(multi=True), keys) == ["k-db1", "k-web1", "k-web2"]
    assert press(request(multi=True), CTRL["a"] + ENTER) == KEYS


def test_marks_survive_query_changes_and_win_over_the_cursor():
    keys = "cache" + TAB + CTRL["u"] + "web" + ENTER
    assert press(request(multi=True), keys) == ["k-cache1"]


def test_without_multi_tab_does_nothing_and_ctrl_a_goes_to_start():
    assert press(request(), TAB + TAB + STAB + ENTER) == ["k-web1"]
    assert press.app.picker.marks == {}
    assert press(request(query="b-2"), CTRL["a"] + "we" + ENTER) == ["k-web2"]
    assert press.app.picker.text == "web-2"


# -- editing the query --------------------------------------------------------------
def test_query_editing_keys():
    assert press(request(), "xyz" + CTRL["u"] + "db" + ENTER) == ["k-db1"]
    assert press(request(), "prod web" + CTRL["w"] + "cache" + ENTER) == []
    assert press.app.picker.text == "prod cache"
    assert press(request(), "prod  web  " + CTRL["w"] + CTRL["w"] + "db" + ENTER) == ["k-db1"]
    assert press.app.picker.text == "db"
    assert press(request(), "wex" + BACKSPACE + "b-2" + ENTER) == ["k-web2"]
    assert press(request(), "we2" + LEFT + "b-" + RIGHT + ENTER) == ["k-web2"]
    assert press(request(), "ab" + CTRL["b"] + CTRL["b"] + CTRL["e"] + "c" + ENTER) == []
    assert press.app.picker.text == "abc"


def test_question_mark_is_typed_when_there_is_no_preview():
    press(request(), "a?" + ENTER)
    assert press.app.picker.text == "a?"
    press(request(preview=lambda k: k), "a?" + ENTER)
    assert press.app.picker.text == "a"


def test_bracketed_paste_goes_into_the_query_cleaned():
    paste = "\x1b[200~web\x1b[31m\n-2\x1b[201~"
    press(request(), paste + ENTER)
    assert "\x1b" not in press.app.picker.text
    assert press.app.picker.text.startswith("web")


# -- ranking ------------------------------------------------------------------------
def test_ranking_is_rank_lines_and_stable():
    lines = ["x web", "web", "y web", "z-w-e-b", "web", "a web"]
    keys = [f"k{i}" for i in range(len(lines))]
    picker = builtin.Picker(request(lines=lines, keys=keys))
    for q in ["", "w", "we", "web", "web ", "web !y"]:
        picker.set_query(q)
        assert picker.ranked() == rank_lines(q, lines)
    picker.set_query("web")
    assert picker.ranked() == [0, 1, 2, 4, 5, 3]  # equal scores keep the given order
    assert press(request(lines=lines, keys=keys), "web" + DOWN * 3 + ENTER) == ["k4"]
    assert press(request(lines=lines, keys=keys), "web" + DOWN * 9 + ENTER) == ["k3"]


def test_empty_query_keeps_the_given_order():
    picker = builtin.Picker(request())
    assert picker.ranked() == list(range(len(LINES)))


@pytest.mark.parametrize("old,new,expected", [
    ("", "!web", True), ("web", "webs", True), ("web", "web !db", True),
    ("!we", "!web", False), ("web$", "web$x", False), ("web$", "web$ x", True),
    ("a |", "a | b", False), ("a\\", "a\\ b", False), ("'we", "'web", True),
    ("^we", "^web", True), ("web", "we", False), ("!db", "!db x", True),
])
def test_narrows(old, new, expected):
    assert builtin.narrows(old, new) is expected


def test_incremental_filtering_equals_a_full_filter():
    rnd = random.Random(7)
    alphabet = "abcAB$!^'| \\é-"
    lines = ["".join(rnd.choice("abcABé$!^'| -xyz") for _ in range(rnd.randrange(0, 12)))
             for _ in range(400)]
    for _ in range(150):
        matcher = builtin.Matcher(lines)
        query = ""
        for _ in range(rnd.randrange(1, 9)):
            if query and rnd.random() < 0.2:
                query = query[:-1]
            else:
                query += rnd.choice(alphabet)
            assert matcher.rank(query) == rank_lines(query, lines), query


# -- drawing ------------------------------------------------------------------------
EVIL = "evil \x1b[31mRED\x1b]2;PWNED\x07 \x9b2J \u202eabc\ud800 tab\there"
LONG = "long " + "x" * 5000 + " needle"
KOREAN = "서울 웹서버 web-kr " * 30


def hostile():
    return request(lines=[EVIL, LONG, KOREAN, "plain"], keys=["k-evil", "k-long", "k-kr", "k-plain"],
                   header="head\x1b[2Jer\nsecond", preview=lambda k: "pv \x1b]2;PWNED\x07 " + k)


@pytest.mark.parametrize("width", [1, 5, 20, 57, 80])
@pytest.mark.parametrize("query", ["", "needle", "웹", "red"])
def test_hostile_rows_fit_one_row_without_escapes(width, query):
    picker = builtin.Picker(hostile())
    picker.set_query(query)
    rows = picker.rows(width, 10)
    assert rows
    for row in rows:
        assert fragment_list_width(row) <= max(width, 2)
        for style, text in row:
            assert "\n" not in text and "\x1b" not in text and "\x07" not in text
            assert "\x9b" not in text and "\u202e" not in text and "\ud800" not in text
            assert "ZeroWidthEscape" not in style


def test_long_line_is_cut_and_its_far_match_shown():
    picker = builtin.Picker(hostile())
    picker.set_query("needle")
    (row,) = picker.rows(40, 10)
    text = "".join(t for _, t in row)
    assert text.startswith(">") and text[2:4] == ".." and text.rstrip().endswith("needle")
    assert [t for s, t in row if "match" in s] == ["needle"]


def test_cut_start_keeps_some_text_after_the_match():
    line = "x" * 100 + " needle " + "y" * 50
    pieces, cells = builtin.fit(line, list(range(101, 107)), 40)
    assert cells == 40
    assert pieces[0] == (builtin.DOTS, "..") and pieces[-1] == (builtin.DOTS, "..")
    assert (builtin.MATCH, "needle") in pieces
    assert pieces[-2][1].startswith(" yyy")  # like fzf's --hscroll-off


def test_wide_characters_are_cut_by_cells():
    pieces, cells = builtin.fit("서울웹서버" * 10, [], 11)
    assert cells <= 11
    assert pieces[-1] == (builtin.DOTS, "..")
    assert pieces[0] == (builtin.PLAIN, "서울웹서")


def test_hostile_lines_render_through_a_real_vt100_output():
    buf = io.StringIO()
    out = Vt100_Output(buf, lambda: Size(rows=24, columns=100), term="xterm")
    result = press(hostile(), DOWN + DOWN + "?" + "?" + UP + ENTER, out)
    assert result == ["k-long"]
    written = buf.getvalue()
    for raw in ("\x1b]2;PWNED", "PWNED\x07", "\x1b[31mRED", "\x1b[2Jer", "\x9b", "\u202e"):
        assert raw not in written
    assert "서울" in written and "needle" not in written  # cut (no match to show)
    assert "head?[2Jer" in written  # the header, cleaned


def test_info_line_and_header():
    picker = builtin.Picker(request(multi=True, header="5 resources\x1b[1m"))
    picker.set_query("web")
    picker.toggle(1)
    assert "".join(t for _, t in picker.info()) == "  2/5 (1)"  # as fzf counts the marked
    assert picker.header_lines == ["5 resources?[1m"]
    assert "".join(t for _, t in builtin.Picker(request()).info()) == "  5/5"
    refreshing = builtin.Picker(request(refresh=Refresh()))
    assert "refreshing…" in "".join(t for _, t in refreshing.info())


def test_a_long_list_with_a_starting_query_draws_before_it_is_all_ranked(monkeypatch):
    lines = [f"host-{i:05d} {'web' if i % 3 else 'db'}" for i in range(builtin.FIRST_FRAME_LINES * 5)]
    keys = [f"k{i}" for i in range(len(lines))]
    gate, drawn = threading.Event(), threading.Event()
    rank = builtin.Matcher.rank
    monkeypatch.setattr(builtin.Matcher, "rank", lambda self, text: gate.wait(10) and rank(self, text))
    picker = builtin.Picker(request(lines=lines, keys=keys, query="web"), invalidate=drawn.set)
    first = picker.ranked()  # the full ranking is held at the gate meanwhile
    assert picker.ranking and first and all(i < builtin.FIRST_FRAME_LINES for i in first)
    assert "…/" in "".join(t for _, t in picker.info())
    gate.set()
    assert drawn.wait(10)  # the rest ranked behind it, then redrawn
    assert not picker.ranking and picker.ranked() == rank_lines("web", lines)
    assert "…" not in "".join(t for _, t in picker.info())


def test_inline_height_is_40_percent_with_a_minimum():
    for rows, expected in [(40, 16), (20, 12), (8, 8), (100, 40)]:
        with create_pipe_input() as inp:
            app = builtin.build(request(), input=inp, output=SizedOutput(rows=rows))
            assert app.layout.container.preferred_height(80, rows).preferred == expected
    with create_pipe_input() as inp:
        app = builtin.build(request(fullscreen=True), input=inp, output=SizedOutput())
        assert app.full_screen


def test_fullscreen_picks():
    assert press(request(fullscreen=True), "db" + ENTER) == ["k-db1"]


# -- preview ------------------------------------------------------------------------
def test_preview_follows_the_cursor_and_toggles():
    calls = []

    def preview(key):
        calls.append(key)
        return "about " + key

    async def script(app, send):
        await until(lambda: calls == ["k-web1"])
        await send(DOWN)
        await until(lambda: calls == ["k-web1", "k-api1"])
        assert "".join(t for _, t in app.picker.preview()) == "about k-api1"
        await send("?")  # hide
        assert not app.picker.preview_on
        await send(DOWN, settle=0.2)
        assert calls == ["k-web1", "k-api1"]  # hidden: not computed
        await send("?")  # show again, for the row under the cursor
        await until(lambda: calls[-1] == "k-web2")
        await send(UP + UP + DOWN, settle=0.2)  # cached per key
        assert calls == ["k-web1", "k-api1", "k-web2"]
        await send(ENTER)

    assert drive(request(preview=preview), script) == ["k-api1"]


def test_preview_errors_are_shown_not_raised():
    def preview(key):
        raise RuntimeError("no such resource")

    async def script(app, send):
        await until(lambda: "failed" in "".join(t for _, t in app.picker.preview()))
        text = "".join(t for _, t in app.picker.preview())
        assert text == "preview failed: RuntimeError: no such resource"
        await send(DOWN + ENTER)

    assert drive(request(preview=preview), script) == ["k-api1"]


def test_slow_preview_does_not_block_and_arrives():
    gate = threading.Event()

    def preview(key):
        gate.wait(5)
        return "slow " + key

    async def script(app, send):
        assert "".join(t for _, t in app.picker.preview()) == "…"
        gate.set()
        await until(lambda: "".join(t for _, t in app.picker.preview()) == "slow k-web1")
        await send(ENTER)

    assert drive(request(preview=preview), script) == ["k-web1"]


def test_preview_hidden_on_narrow_terminals():
    calls = []
    out = SizedOutput(rows=24, columns=70)
    press(request(preview=calls.append), DOWN + ENTER, out)
    assert calls == []


# -- live refresh -------------------------------------------------------------------
NEW_LINES = ["db-1 prod", "web-3 new", "web-1 prod", "web-2 dev", "api-1 prod"]
NEW_KEYS = ["k-db1", "k-web3", "k-web1", "k-web2", "k-api1"]  # cache-1 is gone
NEW = Listing(keys=NEW_KEYS, lines=NEW_LINES)


def test_live_refresh_keeps_query_cursor_key_and_marks():
    refresh = Refresh()

    async def script(app, send):
        picker = app.picker
        assert picker.refreshing
        await send(CTRL["u"] + "e")  # web-1, web-2, cache-1
        await until(lambda: picker.text == "e")
        ranked_keys = [picker.keys[i] for i in picker.ranked()]
        cache_row = ranked_keys.index("k-cache1")
        web2_row = ranked_keys.index("k-web2")
        top = UP * 10
        await send(top + DOWN * cache_row + TAB)  # mark cache-1 (it will disappear)
        await send(top + DOWN * web2_row + TAB)  # mark web-2
        web1_row = ranked_keys.index("k-web1")
        await send(top + DOWN * web1_row)  # the cursor on web-1
        await until(lambda: len(picker.marks) == 2 and picker.current_key() == "k-web1")
        under = picker.current_key()
        threading.Thread(target=refresh.finish, args=(NEW,)).start()
        await until(lambda: not picker.refreshing)
        assert list(picker.lines) == NEW_LINES
        assert picker.text == "e"
        assert picker.current_key() == under
        assert list(picker.marks) == ["k-web2"]
        assert "refreshing" not in "".join(t for _, t in picker.info())
        await send(ENTER)

    assert drive(request(multi=True, refresh=refresh), script) == ["k-web2"]


def test_live_refresh_moves_the_cursor_with_its_key():
    refresh = Refresh()

    async def script(app, send):
        await send(DOWN * 2)  # web-2, third of the old list, fourth of the new
        threading.Thread(target=refresh.finish, args=(NEW,)).start()
        await until(lambda: not app.picker.refreshing)
        assert app.picker.cursor == 3
        await send(ENTER)

    assert drive(request(refresh=refresh), script) == ["k-web2"]


def test_failed_refresh_keeps_the_data():
    refresh = Refresh()

    async def script(app, send):
        await send("db")
        threading.Thread(target=refresh.finish, args=(None,)).start()
        await until(lambda: not app.picker.refreshing)
        assert list(app.picker.lines) == LINES and app.picker.text == "db"
        await send(ENTER)

    assert drive(request(refresh=refresh), script) == ["k-db1"]


def test_refresh_done_before_start_is_merged_at_once():
    refresh = Refresh()
    refresh.finish(NEW)
    picker = builtin.Picker(request(refresh=refresh))
    assert not picker.refreshing and picker.keys == NEW_KEYS
    bad = Refresh()
    bad.finish(Listing(keys=["k1", "k2"], lines=["one"]))  # malformed: keep what is shown
    assert builtin.Picker(request(refresh=bad)).keys == KEYS


def test_the_first_frame_is_sketched_before_prompt_toolkit_is_loaded_then_drawn_over():
    """What `sketch` writes on a 100x30 terminal: the frame the application draws (prompt,
    count, header, rows from the same Picker), no line as wide as the screen (nothing wraps),
    then the cursor back where the application starts drawing over it."""
    import fcntl
    import os
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    attrs = termios.tcgetattr(slave)
    attrs[1] &= ~termios.OPOST  # bytes as written (no \n -> \r\n)
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    with os.fdopen(slave, "w") as tty:
        builtin.sketch(request(header="3 resources · 1 account"), tty)
    written = os.read(master, 65536).decode()
    os.close(master)
    body = written.removeprefix("\r\x1b[J")
    frame, _, cursor = body.rpartition("\x1b[")
    lines = frame.split("\r\n")
    assert lines[:3] == ["aws> ", "  5/5", "3 resources · 1 account"]
    picker = builtin.Picker(request(), columns=97)
    expected = ["".join(text for _, text in row).rstrip() for row in picker.rows(100, 12 - 3)]
    assert [line.rstrip() for line in lines[3:]] == expected and len(lines) == 8
    assert lines[3].startswith(">") and "web-1" in lines[3]
    assert cursor == f"{len(lines) - 1}A\r"
