"""The usual command lines of the warm commands, parsed without argparse.

`ls`, `pick` and `preview` run on every Ctrl-G, every cursor move in fzf and every Tab of
a completion; argparse's import alone (re, gettext, locale) would cost them more than the
rest of their work. `parse` understands their plain spellings (`ls --offline --keys web`,
`pick -m --print arn -q 'prod '`, `preview ARN`, global options as separate words) and
gives up, returning None, on anything else (`--opt=value`, bundled short flags,
abbreviations, `--help`, `--`, a bad value): argparse then parses the line and gives its
own answer or its own error. tests/test_quick.py holds both to the same result.
"""
from __future__ import annotations

from fuzzyaws import PICKERS

# global options: (flag name, option words); those taking a value first
VALUED = ("--profile", "--region", "--cache-dir", "--ttl", "--config")
_GLOBAL_VALUE = {"--profile": "profiles", "--region": "regions", "--cache-dir": "cache_dir",
                 "--ttl": "ttl", "--config": "config"}
_GLOBAL_SWITCH = {"-v": "verbose", "--verbose": "verbose", "--traceback": "traceback"}
PRINTS = ("id", "arn", "name", "address", "url", "json")

# per command: its switches (word -> field) and options taking a value (word -> field)
_SWITCHES = {
    "ls": {"--offline": "offline", "--keys": "keys", "--json": "json"},
    "pick": {"-m": "multi", "--multi": "multi", "--offline": "offline", "--list": "list",
             "--fullscreen": "fullscreen", "--ansi": "ansi"},
    "preview": {},
}
_VALUES = {
    "ls": {},
    "pick": {"-q": "query_option", "--query": "query_option", "--print": "print",
             "--picker": "picker", "--columns": "columns"},
    "preview": {},
}
_CHOICES = {"print": PRINTS, "picker": PICKERS}


def command_of(argv: list) -> "str | None":
    """The command word of `argv` (the first word that is not a global option or its value)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in VALUED:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def parse(argv: list) -> "tuple | None":
    """(command, global flags, options) as cli.parse would give, or None: ask argparse."""
    name = command_of(argv)
    if name not in _SWITCHES:
        return None
    flags: dict = {}
    given: dict = {}
    words: list = []
    switches, values = _SWITCHES[name], _VALUES[name]
    seen_name = False
    after: set = set()  # list options given after the command
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in _GLOBAL_VALUE or word in values:
            if i + 1 == len(argv) or argv[i + 1].startswith("-"):
                return None  # a missing value, or one argparse would take for an option
            if word in values and not seen_name:
                return None  # a command's option before the command
            value = argv[i + 1]
            if word in _GLOBAL_VALUE:
                field = _GLOBAL_VALUE[word]
                if field in ("profiles", "regions"):
                    if seen_name and field not in after:
                        after.add(field)  # as argparse: the command's own list replaces one before it
                        flags.pop(field, None)
                    flags.setdefault(field, []).append(value)
                else:
                    flags[field] = value
            else:
                given[values[word]] = value
            i += 2
            continue
        if word in _GLOBAL_SWITCH:
            flags[_GLOBAL_SWITCH[word]] = True
        elif word in switches and seen_name:
            given[switches[word]] = True
        elif word.startswith("-"):
            return None
        elif not seen_name:
            seen_name = True
        elif words and argv[i - 1] != words[-1]:
            return None  # words on both sides of an option: argparse takes only the first run
        else:
            words.append(word)
        i += 1
    opts = _options(name, given, words)
    return None if opts is None else (name, flags, opts)


def _options(name: str, given: dict, words: list):
    from fuzzyaws import options as o
    for field, choices in _CHOICES.items():
        if field in given and given[field] not in choices:
            return None
    if name == "ls":
        if given.get("json") and given.get("keys"):
            return None  # argparse says they exclude each other
        return o.Ls(query=" ".join(words), offline=bool(given.get("offline")),
                    output="json" if given.get("json") else "keys" if given.get("keys") else "lines")
    if name == "preview":
        return o.Preview(key=words[0]) if len(words) == 1 else None
    columns = given.get("columns")
    if columns is not None:
        if not columns.isdigit() or not columns.isascii():
            return None
        columns = int(columns)
    query = given.get("query_option")
    return o.Pick(query=query if query is not None else " ".join(words), multi=bool(given.get("multi")),
                  print=given.get("print", "id"), picker=given.get("picker"),
                  fullscreen=bool(given.get("fullscreen")), offline=bool(given.get("offline")),
                  list=bool(given.get("list")), columns=columns, ansi=bool(given.get("ansi")))
