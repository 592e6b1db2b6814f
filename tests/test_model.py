from fuzzyaws.model import Resource, clean, pad, tag_dict, width


def hostile():
    return Resource(kind="ec2", key="arn:aws:ec2:us-east-1:111111111111:instance/i-1", id="i-1",
                    name="web\n01\x1b[31m", account="111111111111", region="us-east-1",
                    state="running", address="10.0.0.1",
                    tags={"Name": "web\n01", "Evil": "$(touch x)\r\n`id`\x07'\"\u202eabc",
                          "팀": "서버-웹", "Tab": "a\tb"})


def test_line_is_one_safe_line():
    line = hostile().line()
    assert "\n" not in line and "\r" not in line and "\t" not in line
    assert not any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in line)
    assert "\u202e" not in line  # a bidi override could reorder what the user sees
    assert "Evil=$(touch x)␍␊`id`␇'\"\ufffdabc" in line
    assert "팀=서버-웹" in line
    assert "web␊01␛[31m" in line
    assert "Name=" not in line  # the Name tag is the name column


def test_columns_in_order():
    r = hostile()
    parts = r.line().split()
    assert parts[0] == "ec2"
    assert parts.index("i-1") < parts.index("running") < parts.index("10.0.0.1") < parts.index("us-east-1")


def test_ssm_status_in_state_column():
    r = Resource(kind="ec2", key="k", id="i-2", name="n", account="1", region="r", state="running",
                 attrs={"ssm_ping": "Online"})
    assert "running ssm:online" in r.line()


def test_round_trip_keeps_raw_values():
    r = hostile()
    assert Resource.from_dict(r.to_dict()) == r
    assert r.to_dict()["tags"]["Evil"].startswith("$(touch x)\r\n")


def test_width_counts_wide_characters():
    assert width("서버") == 4 and width("ab") == 2
    assert width(pad("서버", 6)) == 6


def test_clean_and_tags():
    assert clean("a\x1bb\x7f\x9b") == "a␛b\ufffd\ufffd"
    assert tag_dict([{"Key": "a", "Value": "1"}, {"key": "b", "value": "2"}]) == {"a": "1", "b": "2"}
