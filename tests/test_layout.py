"""The display line: aligned columns from the data's widest values and the screen's width,
what shows at 80 and 200 columns, colours, and cutting to the screen."""
from fuzzyaws.layout import Display, Lines, cell_widths
from fuzzyaws.model import Resource, width


def rows():
    return [Resource(kind="ec2", key=f"k{i}", id=f"i-0123456789abcdef{i}", name=name, account=account,
                     region=region, state=state, address="10.0.0.1", tags={"Team": "platform", "Env": "prod"},
                     attrs={"ssm_ping": ping} if ping else {}).line()
            for i, (name, account, region, state, ping) in enumerate([
                ("web-01", "111111111111", "us-east-1", "running", "Online"),
                ("checkout-service-prod", "222222222222", "ap-southeast-2", "running", "ConnectionLost"),
                ("서버-웹", "111111111111", "eu-west-1", "stopped", None)])]


def columns_of(display_line: str) -> list:
    return [part for part in display_line.split("  ") if part]


def test_aligned_without_drift():
    lines = rows()
    display = Display(cell_widths(lines), 200, accounts=2)
    shown = [display.plain(line) for line in lines]
    # the status column starts at the same cell on every row, wide characters included
    starts = [width(line[:line.index(s)]) for line, s in zip(shown, ("running", "running", "stopped"))]
    assert len(set(starts)) == 1
    assert all("111111111111" in s or "222222222222" in s for s in shown)  # several accounts: shown


def test_80_columns_show_name_state_region_and_the_start_of_the_tags():
    lines = rows()
    display = Display(cell_widths(lines), 77, accounts=2)
    for line in lines:
        cut = display.cut(line, 77)
        assert width(cut) <= 77
        kind, name, *_ = line.split("\t")
        assert name in cut and ("running" in cut or "stopped" in cut) and "Env=" in cut
    one_account = Display(cell_widths(lines), 77, accounts=1).cut(lines[0], 77)
    assert "111111111111" not in one_account.split("Env=")[0]  # one account: no column for it


def test_a_name_too_long_is_cut_and_repeated_whole_for_matching():
    long = Resource(kind="ec2", key="k", id="i-1", name="a-very-long-name-" * 4, account="1",
                    region="us-east-1").line()
    display = Display(cell_widths([long]), 80, accounts=1)
    shown = display.plain(long)
    assert "…" in shown.split("  ")[1] and shown.endswith("a-very-long-name-" * 4)


def test_colours_and_spans():
    lines = rows()
    display = Display(cell_widths(lines), 200, accounts=2)
    assert display._format(lines[0], True).startswith("\x1b[36mec2")
    assert "\x1b[32mrunning\x1b[0m" in display._format(lines[0], True)
    assert "\x1b[33mssm:connectionlost" in display._format(lines[1], True)
    assert "\x1b[31mstopped" in display._format(lines[2], True)
    view = Lines(lines, display)
    for i, line in enumerate(lines):
        for start, end, tone in view.spans(i):
            assert view[i][start:end].strip() in ("ec2", "running", "stopped", "ssm:online", "ssm:connectionlost")
    assert Lines(["not a stored line"], display)[0] == "not a stored line"


def test_every_cut_cell_is_repeated_whole_so_that_matching_sees_every_word():
    line = Resource(kind="stepfunctions:statemachine", key="k", id="orders", name="orders",
                    account="1", region="ap-southeast-2", state="active").line()
    for columns in (60, 80, 200):
        shown = Display(cell_widths([line]), columns, accounts=1).plain(line)
        for word in ("stepfunctions:statemachine", "ap-southeast-2", "orders", "active"):
            assert word in shown, (columns, shown)
        assert shown.startswith("stepfunctions… ")  # the kind column's widest is 14 cells
