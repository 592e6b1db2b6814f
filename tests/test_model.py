from fuzzyaws.model import Resource, clean, pad, tag_dict, width


def hostile():
    return Resource(kind="ec2", key="arn:aws:ec2:us-east-1:111111111111:instance/i-1", id="i-1",
                    name="web\n01\x1b[31m", account="111111111111", region="us-east-1",
                    state="running", address="10.0.0.1",
                    tags={"Name": "web\n01", "Evil": "$(touch x)\r\n`id`\x07'\"\u202eabc",
                          "팀": "서버-웹", "Tab": "a\tb"})


def test_line_is_one_safe_line_of_nine_tab_separated_fields():
    line = hostile().line()
    assert "\n" not in line and "\r" not in line and line.count("\t") == 8
    assert not any((ord(c) < 0x20 and c != "\t") or 0x7f <= ord(c) < 0xa0 for c in line)
    assert "\u202e" not in line  # a bidi override could reorder what the user sees
    assert "Evil=$(touch x)␍␊`id`␇'\"\ufffdabc" in line
    assert "팀=서버-웹" in line
    assert "web␊01␛[31m" in line
    assert "Name=" not in line  # the Name tag is the name column


def test_fields_in_order_each_one_token():
    fields = hostile().line().split("\t")
    assert fields[:8] == ["ec2", "web␊01␛[31m", "i-1", "running", "-", "10.0.0.1", "us-east-1", "111111111111"]
    assert fields[8].startswith("Evil=")
    bare = Resource(kind="sqs", key="k", id="q", name="q", account="1", region="r")
    assert bare.line().split("\t") == ["sqs", "q", "q", "-", "-", "-", "r", "1", "-"]  # empty: "-"


def test_ssm_status_is_a_field_of_its_own():
    r = Resource(kind="ec2", key="k", id="i-2", name="n", account="1", region="r", state="running",
                 attrs={"ssm_ping": "ConnectionLost"})
    assert r.line().split("\t")[3:5] == ["running", "ssm:connectionlost"]


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


def test_text_left_as_it_is_when_printable_holds_nothing_clean_replaces():
    """clean() returns printable text untouched: exact only while every character it
    replaces is one Python calls unprintable."""
    from fuzzyaws.model import _CLEAN
    assert all(not chr(c).isprintable() for c in _CLEAN)
    assert clean("web\u202e-1\x1b[2J") == "web\ufffd-1\u241b[2J" and clean("wéb 名前") == "wéb 名前"


def test_replace_changes_a_copy_and_refuses_unknown_fields():
    import pytest
    r = Resource(kind="ec2", key="arn:1", id="i-1", name="web", account="1", region="eu-west-1",
                 tags={"Team": "a"}, attrs={"vpc": "v"})
    changed = r.replace(attrs={"vpc": "w"}, state="running")
    assert changed == Resource(kind="ec2", key="arn:1", id="i-1", name="web", account="1", region="eu-west-1",
                               state="running", tags={"Team": "a"}, attrs={"vpc": "w"})
    assert r.attrs == {"vpc": "v"} and r.state == "" and type(changed) is Resource
    with pytest.raises(TypeError):
        r.replace(colour="red")
    with pytest.raises(AttributeError):
        changed.name = "db"
