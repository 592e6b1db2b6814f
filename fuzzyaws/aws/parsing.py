"""botocore's response parsing, made cheaper and kept exactly as it answers.

For every structure in a response (each EC2 instance, each of its network interfaces,
each SSM node...), botocore walks *every* member of the shape's model, asking each for
its location, serialized name and flags again, and strips the XML namespace of each
element with a regular expression. A refresh of an organization spent a fifth of its
CPU there. `speed_up()` replaces three of botocore's parser methods with versions that
read a per-shape table of (member, shape, wire name), made once, and a per-tag cache, and
that read a string member at once (an element's text, a JSON string as it is) instead of
through botocore's per-value dispatch (nearly a third of an EC2 page's parsing);
everything unusual (exceptions, tagged unions, XML attributes, documents) is left to
botocore's own code. tests/test_parsing.py holds them to botocore's answers, byte for
byte, on real responses of every protocol fuzzyaws reads.

If botocore's internals change, `speed_up` leaves them alone.
"""
from __future__ import annotations

from xml.etree.ElementTree import Element

import botocore.parsers as parsers

ORIGINAL: dict = {}  # (class, method name) -> botocore's own function (tests compare them)
_PLANS = "_fuzzyaws_members"


def _members(shape, wire_name) -> "tuple | None":
    """((member name, member shape, wire name, is a string), ...) of a structure, without
    the members read from elsewhere (headers, status code); None where botocore's own code
    must run."""
    plan = shape.__dict__.get(_PLANS)
    if plan is None:
        rows = []
        usual = not (shape.metadata.get("exception", False) or getattr(shape, "is_tagged_union", False)
                     or getattr(shape, "is_document_type", False))
        for name, member in shape.members.items():
            serialization = member.serialization
            if serialization.get("location") in parsers.ResponseParser.KNOWN_LOCATIONS \
                    or serialization.get("eventheader"):
                continue
            if serialization.get("xmlAttribute"):
                usual = False
            rows.append((name, member, wire_name(member, name), member.type_name == "string"))
        plan = tuple(rows) if usual else ()
        shape.__dict__[_PLANS] = plan
    return plan or None


def _xml_structure(self, shape, node):
    plan = _members(shape, self._member_key_name)
    if plan is None:
        return ORIGINAL[(parsers.BaseXMLResponseParser, "_handle_structure")](self, shape, node)
    wire = self._build_name_to_xml_node(node)
    if type(self)._handle_string not in _XML_STRINGS:
        return _parsed(self, plan, wire)
    parsed = {}
    for name, member, wire_name, string in plan:
        found = wire.get(wire_name)
        if found is None:
            continue
        if string and type(found) is Element:  # botocore's _handle_string, without its dispatch
            text = found.text
            parsed[name] = "" if text is None else text
        else:
            parsed[name] = self._parse_shape(member, found)
    return parsed


def _json_structure(self, shape, value):
    plan = _members(shape, lambda member, name: member.serialization.get("name", name))
    if plan is None or value is None:
        return ORIGINAL[(parsers.BaseJSONParser, "_handle_structure")](self, shape, value)
    if hasattr(type(self), "_handle_string"):
        return _parsed(self, plan, value)
    parsed = {}
    for name, member, wire_name, string in plan:
        found = value.get(wire_name)
        if found is not None:  # a JSON string is botocore's answer as it is (_default_handle)
            parsed[name] = found if string else self._parse_shape(member, found)
    return parsed


def _parsed(parser, plan: tuple, wire: dict) -> dict:
    """{member: its parsed value} of the members present in `wire` ({wire name: value})."""
    parsed = {}
    for name, member, wire_name, _ in plan:
        found = wire.get(wire_name)
        if found is not None:
            parsed[name] = parser._parse_shape(member, found)
    return parsed


_TAGS: dict = {}
_XML_STRINGS: set = set()  # botocore's own XML string handlers: an element's text, "" if empty


def _node_tag(self, node):
    tag = node.tag
    try:
        return _TAGS[tag]
    except KeyError:
        if len(_TAGS) < 10_000:  # a service's tags are a few hundred; never grow without end
            _TAGS[tag] = ORIGINAL[(parsers.BaseXMLResponseParser, "_node_tag")](self, node)
            return _TAGS[tag]
        return ORIGINAL[(parsers.BaseXMLResponseParser, "_node_tag")](self, node)


_FASTER = {(parsers.BaseXMLResponseParser, "_handle_structure"): _xml_structure,
           (parsers.BaseXMLResponseParser, "_node_tag"): _node_tag,
           (parsers.BaseJSONParser, "_handle_structure"): _json_structure}


def speed_up() -> None:
    if ORIGINAL:
        return
    needed = [(cls, name) for cls, name in _FASTER] + [(parsers.BaseXMLResponseParser, "_member_key_name"),
                                                      (parsers.BaseXMLResponseParser, "_build_name_to_xml_node")]
    if not all(callable(cls.__dict__.get(name)) for cls, name in needed) \
            or not hasattr(parsers.ResponseParser, "KNOWN_LOCATIONS"):
        return
    _XML_STRINGS.update({parsers.BaseXMLResponseParser._handle_string, parsers.RestXMLParser._handle_string})
    for (cls, name), faster in _FASTER.items():
        ORIGINAL[(cls, name)] = cls.__dict__[name]
        setattr(cls, name, faster)
