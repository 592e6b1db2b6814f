"""fzf-compatible query matching for fuzzyaws (pure Python, standard library).

This module implements fzf's *extended-search* query syntax, modelled on fzf
0.38 (``src/pattern.go`` and ``src/algo/algo.go``) with fzf's default options
(``--extended``, smart case, Latin normalisation on, ``--algo=v2``, default
scoring scheme).

Query syntax
------------
The query is split into terms on spaces (``\\ `` is a literal space inside a
term; a literal tab also becomes a space, as in fzf).  All terms must match
(AND); terms joined by a lone ``|`` form an OR group::

    web             fuzzy: w, e, b in this order
    'web            exact substring
    ^web            prefix (leading whitespace of the line is ignored)
    web$            suffix (trailing whitespace of the line is ignored)
    ^web$           equal (ignoring surrounding whitespace)
    !web            line does NOT contain the substring "web"
    !^web  !web$    inverse prefix / inverse suffix;  !^web$  inverse equal
    !'web           line does NOT fuzzy-match "web"
    'web$           exact "web" (a leading ' wins over a trailing $, as in fzf)
    ^web | ^api     OR group

Odd terms behave as in fzf: terms that become empty (``'``, ``^``, ``!``,
``^$``, ``!^``...) are dropped, ``$`` alone is a fuzzy "$", ``|`` at the start
of a group is a fuzzy "|", and a trailing ``|`` is ignored.  A query without
terms matches every line.

Each term is case-insensitive unless it contains an uppercase letter (smart
case), and -- unless the term itself contains an accented Latin letter -- text
is compared after fzf's Latin normalisation (``cafe`` matches ``café``).
Lowercasing follows Go's ``unicode.ToLower`` rune by rune, and fuzzy terms, as
in fzf, only lowercase text runes of category Lu.

API
---
``Query(text)``
    Parsed, immutable and reusable query.  ``bool(q)`` is False when the query
    has no terms (it then matches everything).

    * ``q.matches(line) -> bool``
    * ``q.score(line) -> int | None`` -- None if the line does not match;
      higher is better.  Modelled on fzf's FuzzyMatchV2 scoring (16 points
      per matched rune, bonuses for word boundaries / camelCase / digits /
      consecutive chunks, gap penalties; the sum over the AND groups).  The
      optimal alignment is approximated -- the best contiguous occurrence
      (picked as fzf picks it for exact terms), else fzf's V1 window -- so
      numbers may differ from fzf's, mostly for scattered fuzzy matches.
    * ``q.positions(line) -> list[int]`` -- sorted character indexes to
      highlight (the alignment that was scored); [] if the line does not
      match or the query is empty.

``filter_lines(query, lines) -> list[int]``
    Indexes of matching lines, in input order (the same set as
    ``fzf --filter``).

``rank_lines(query, lines) -> list[int]``
    Indexes of matching lines, best score first; ties keep input order (fzf's
    default tiebreak would prefer shorter lines; this is ``--tiebreak=index``).
    For an empty query all indexes in input order.

``query`` may be a ``str`` (parsed queries are cached) or a ``Query``.

Implementation: every pattern rune becomes the exact character class of the
text runes fzf considers equal to it (case folding and normalisation
included), each AND group is one C-level ``re`` pass over the remaining lines
(fuzzy terms use possessive, backtracking-free regexes), and pure-ASCII lines
are matched lowercased against plain literals.  Scores are computed only for
matching lines, mostly by further regex passes (boundary / camelCase / other
occurrences).  Known differences from fzf 0.38: Python's Unicode database
(14.0 on 3.11) rather than Go's is used for case mapping and character
classes, and camelCase bonuses are only detected after ASCII/Latin-1
lowercase letters (both only affect scores or truly exotic characters).
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from itertools import compress, repeat
from operator import add, attrgetter, getitem, mod, mul, not_, or_, sub, truth
from re import Match
from typing import Iterable, List, Optional, Sequence, Tuple, Union

__all__ = ["Query", "filter_lines", "rank_lines"]

# --------------------------------------------------------------------------
# Scoring constants (algo.go, default scheme)
# --------------------------------------------------------------------------
_SCORE_MATCH = 16
_GAP_START = -3
_GAP_EXT = -1
_B_BOUNDARY = 8
_B_NONWORD = 8
_B_CAMEL = 7
_B_CONSECUTIVE = 4
_B_WHITE = 10
_B_DELIMITER = 9
_FIRST_MULT = 2

# Character classes, in fzf's order (the order matters: "class > NONWORD").
_WHITE, _NONWORD, _DELIMITER, _LOWER, _UPPER, _LETTER, _NUMBER = range(7)


def _bonus_for(prev: int, cls: int) -> int:
    if cls > _NONWORD:
        if prev == _WHITE:
            return _B_WHITE
        if prev == _DELIMITER:
            return _B_DELIMITER
        if prev == _NONWORD:
            return _B_BOUNDARY
    if (prev == _LOWER and cls == _UPPER) or (prev != _NUMBER and cls == _NUMBER):
        return _B_CAMEL
    if cls == _NONWORD:
        return _B_NONWORD
    if cls == _WHITE:
        return _B_WHITE
    return 0


_BONUS = tuple(tuple(_bonus_for(p, c) for c in range(7)) for p in range(7))

# Go's unicode.IsSpace.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(chr(c) for c in range(0x2000, 0x200B))
    + "\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_SPACE = "\t\n\v\f\r "

_CLASS = {}  # char -> class; ASCII prefilled, the rest computed lazily
for _i in range(128):
    _c = chr(_i)
    if "a" <= _c <= "z":
        _CLASS[_c] = _LOWER
    elif "A" <= _c <= "Z":
        _CLASS[_c] = _UPPER
    elif "0" <= _c <= "9":
        _CLASS[_c] = _NUMBER
    elif _c in _ASCII_SPACE:
        _CLASS[_c] = _WHITE
    elif _c in "/,:;|":
        _CLASS[_c] = _DELIMITER
    else:
        _CLASS[_c] = _NONWORD
del _i, _c

_unicodedata = None


def _category(c: str) -> str:
    global _unicodedata
    if _unicodedata is None:
        import unicodedata as _ud  # imported lazily: only for non-ASCII

        _unicodedata = _ud
    return _unicodedata.category(c)


def _char_class(c: str) -> int:
    """fzf's charClassOf (non-ASCII: Go's unicode.IsLower/IsUpper/...)."""
    k = _CLASS.get(c)
    if k is None:
        cat = _category(c)
        if cat == "Ll":
            k = _LOWER
        elif cat == "Lu":
            k = _UPPER
        elif cat[0] == "N":
            k = _NUMBER
        elif cat[0] == "L":
            k = _LETTER
        elif c in _GO_SPACE:
            k = _WHITE
        else:
            k = _NONWORD
        _CLASS[c] = k
    return k


# --------------------------------------------------------------------------
# Case folding and normalisation
# --------------------------------------------------------------------------
# Runes whose Go unicode.ToLower is neither the rune's uppercase nor its
# titlecase partner (computed once over all of Unicode 14).
_LOWER_EXCEPTIONS = {
    "\u0130": "i",  # LATIN CAPITAL LETTER I WITH DOT ABOVE (Go: -> "i")
    "\u03f4": "\u03b8",
    "\u1e9e": "\u00df",
    "\u2126": "\u03c9",  # OHM SIGN
    "\u212a": "k",  # KELVIN SIGN
    "\u212b": "\u00e5",  # ANGSTROM SIGN
}
_LOWER_EXCEPTIONS_INV = {}
for _k, _v in _LOWER_EXCEPTIONS.items():
    _LOWER_EXCEPTIONS_INV[_v] = _LOWER_EXCEPTIONS_INV.get(_v, "") + _k
del _k, _v


def _golower(c: str) -> str:
    """Go's unicode.ToLower for one rune (simple case mapping)."""
    if c < "\x80":
        return c.lower()
    if c == "\u0130":
        return "i"
    lc = c.lower()
    return lc if len(lc) == 1 else c


def _lower_str(s: str) -> str:
    """Go's strings.ToLower (rune by rune; no final-sigma rule)."""
    if s.isascii():
        return s.lower()
    return "".join(map(_golower, s))


# fzf 0.38 src/algo/normalize.go, inverted: target -> runes normalised to it.
_NORM_SRC = {
    "A": (
        "\u00c0\u00c1\u00c2\u00c3\u00c4\u00c5\u023a\u1d00\u1ea4\u1ea6"
        "\u1ea8\u1eaa\u1eac\u1eae\u1eb0\u1eb2\u1eb4\u1eb6"
    ),
    "B": (
        "\u0181\u0243\u0299\u1d03"
    ),
    "C": (
        "\u00c7\u023b\u1d04"
    ),
    "D": (
        "\u0189\u018a\u1d05"
    ),
    "E": (
        "\u00c8\u00c9\u00ca\u00cb\u018e\u0190\u0246\u1d07\u1ebe\u1ec0"
        "\u1ec2\u1ec4\u1ec6"
    ),
    "G": (
        "\u0193\u0262\u029b"
    ),
    "H": (
        "\u029c"
    ),
    "I": (
        "\u00cc\u00cd\u00ce\u00cf\u0130\u0197\u026a"
    ),
    "J": (
        "\u0248\u1d0a"
    ),
    "K": (
        "\u1d0b"
    ),
    "L": (
        "\u023d\u029f\u1d0c"
    ),
    "M": (
        "\u019c\u1d0d"
    ),
    "N": (
        "\u00d1\u019d\u0220\u0274\u1d0e"
    ),
    "O": (
        "\u00d2\u00d3\u00d4\u00d5\u00d6\u00d8\u0186\u019f\u1d0f\u1d10"
        "\u1ed0\u1ed2\u1ed4\u1ed6\u1ed8\u1eda\u1edc\u1ede\u1ee0\u1ee2"
    ),
    "P": (
        "\u1d18"
    ),
    "Q": (
        "\u024a"
    ),
    "R": (
        "\u024c\u0280\u0281\u1d19\u1d1a"
    ),
    "T": (
        "\u01ae\u023e\u1d1b"
    ),
    "U": (
        "\u00d9\u00da\u00db\u00dc\u0244\u1d1c\u1ee8\u1eea\u1eec\u1eee"
        "\u1ef0"
    ),
    "V": (
        "\u01b2\u0245\u1d20"
    ),
    "W": (
        "\u1d21"
    ),
    "Y": (
        "\u00dd\u0178\u024e\u028f"
    ),
    "Z": (
        "\u1d22"
    ),
    "a": (
        "\u00e0\u00e1\u00e2\u00e3\u00e4\u00e5\u0101\u0103\u0105\u01ce"
        "\u0201\u0203\u0227\u0250\u0251\u0363\u1e01\u1e9a\u1ea1\u1ea3"
        "\u1ea5\u1ea7\u1ea9\u1eab\u1ead\u1eaf\u1eb1\u1eb3\u1eb5\u1eb7"
    ),
    "b": (
        "\u0180\u0183\u0253\u1e03\u1e05\u1e07"
    ),
    "c": (
        "\u00e7\u0107\u0109\u010b\u010d\u0188\u023c\u0255\u0297\u0368"
        "\u2184"
    ),
    "d": (
        "\u010f\u0111\u018c\u0221\u0256\u0257\u0369\u1e0b\u1e0d\u1e0f"
        "\u1e11\u1e13"
    ),
    "e": (
        "\u00e8\u00e9\u00ea\u00eb\u0113\u0115\u0117\u0119\u011b\u01dd"
        "\u0205\u0207\u0229\u0247\u0258\u025b\u025c\u025d\u025e\u029a"
        "\u0364\u1d08\u1e19\u1e1b\u1eb9\u1ebb\u1ebd\u1ebf\u1ec1\u1ec3"
        "\u1ec5\u1ec7"
    ),
    "f": (
        "\u0192\u1e1f"
    ),
    "g": (
        "\u011d\u011f\u0121\u0123\u01e5\u01e7\u01f5\u0260\u0261\u1e21"
    ),
    "h": (
        "\u0125\u0127\u021f\u0265\u0266\u02ae\u036a\u1e23\u1e25\u1e27"
        "\u1e29\u1e2b\u1e96\u2095"
    ),
    "i": (
        "\u00ec\u00ed\u00ee\u00ef\u0129\u012b\u012d\u012f\u0131\u01d0"
        "\u0209\u020b\u0268\u0365\u1d09\u1d62\u1e2d\u1ec9\u1ecb\u2071"
    ),
    "j": (
        "\u0135\u01f0\u0237\u0249\u025f\u029d"
    ),
    "k": (
        "\u0137\u0199\u01e9\u029e\u1e31\u1e33\u1e35\u2096"
    ),
    "l": (
        "\u013a\u013c\u013e\u0140\u0142\u019a\u0234\u026b\u026c\u026d"
        "\u1e37\u1e3b\u1e3d\u2097"
    ),
    "m": (
        "\u026f\u0270\u0271\u036b\u1d1f\u1e3f\u1e41\u1e43\u2098"
    ),
    "n": (
        "\u00f1\u0144\u0146\u0148\u019e\u01f9\u0235\u0272\u0273\u1e45"
        "\u1e47\u1e49\u1e4b\u2099"
    ),
    "o": (
        "\u00f2\u00f3\u00f4\u00f5\u00f6\u00f8\u014d\u014f\u0151\u01a1"
        "\u01d2\u01eb\u020d\u020f\u022f\u0254\u0275\u0366\u1d11\u1d12"
        "\u1d13\u1d16\u1d17\u1ecd\u1ecf\u1ed1\u1ed3\u1ed5\u1ed7\u1ed9"
        "\u1edb\u1edd\u1edf\u1ee1\u1ee3"
    ),
    "p": (
        "\u01a5\u1e55\u1e57\u209a"
    ),
    "q": (
        "\u024b\u02a0"
    ),
    "r": (
        "\u0155\u0157\u0159\u0211\u0213\u024d\u0279\u027a\u027b\u027c"
        "\u027d\u027e\u027f\u036c\u1d63\u1e59\u1e5b\u1e5f"
    ),
    "s": (
        "\u00df\u015b\u015d\u015f\u0161\u017f\u0219\u023f\u0282\u1e61"
        "\u1e63\u1e9b\u209b"
    ),
    "t": (
        "\u0163\u0165\u0167\u01ab\u01ad\u021b\u0236\u0287\u0288\u036d"
        "\u1e6b\u1e6d\u1e6f\u1e71\u1e97\u209c"
    ),
    "u": (
        "\u00f9\u00fa\u00fb\u00fc\u0169\u016b\u016d\u016f\u0171\u0173"
        "\u01b0\u01d4\u0215\u0217\u0289\u0367\u1d1d\u1d1e\u1d64\u1e73"
        "\u1e75\u1e77\u1ee5\u1ee7\u1ee9\u1eeb\u1eed\u1eef\u1ef1"
    ),
    "v": (
        "\u028b\u028c\u036e\u1d65\u1e7d\u1e7f"
    ),
    "w": (
        "\u0175\u028d\u1e81\u1e83\u1e85\u1e87\u1e89\u1e98"
    ),
    "x": (
        "\u036f\u1e8b\u1e8d"
    ),
    "y": (
        "\u00fd\u00ff\u0177\u01b4\u0233\u024f\u028e\u1e8f\u1e99\u1ef3"
        "\u1ef5\u1ef7\u1ef9"
    ),
    "z": (
        "\u017a\u017c\u017e\u01b6\u0225\u0240\u0290\u0291\u1e91\u1e93"
        "\u1e95"
    ),
}
_NORM = {src: tgt for tgt, srcs in _NORM_SRC.items() for src in srcs}


def _normalize_str(s: str) -> str:
    if s.isascii():
        return s
    return "".join([_NORM.get(c, c) for c in s])


def _fold_fuzzy(c: str, cs: bool, norm: bool) -> str:
    """How FuzzyMatchV2 sees a text rune (only category Lu is lowercased)."""
    if c < "\x80":
        return c if cs else c.lower()
    if not cs and _category(c) == "Lu":
        c = _golower(c)
    if norm:
        c = _NORM.get(c, c)
    return c


def _fold_exact(c: str, cs: bool, norm: bool) -> str:
    """How the exact/prefix/suffix/equal matchers see a text rune."""
    if not cs:
        c = _golower(c)
    if norm:
        c = _NORM.get(c, c)
    return c


@lru_cache(maxsize=4096)
def _members(p: str, fuzzy: bool, cs: bool, norm: bool) -> str:
    """All text runes that fzf considers equal to pattern rune ``p``."""
    pre = {p}
    if norm:
        pre.update(_NORM_SRC.get(p, ""))
    cands = set(pre)
    if not cs:
        for q in pre:
            for u in (q.upper(), q.title()):
                if len(u) == 1:
                    cands.add(u)
            cands.update(_LOWER_EXCEPTIONS_INV.get(q, ""))
    fold = _fold_fuzzy if fuzzy else _fold_exact
    return "".join(sorted(c for c in cands if fold(c, cs, norm) == p))


def _pos(members: str) -> str:
    if len(members) == 1:
        return re.escape(members)
    return "[" + "".join(map(re.escape, members)) + "]"


def _neg(members: str) -> str:
    return "[^" + "".join(map(re.escape, members)) + "]"


# --------------------------------------------------------------------------
# Terms
# --------------------------------------------------------------------------
_FUZZY, _EXACT, _PREFIX, _SUFFIX, _EQUAL = range(5)
_TYPE_NAMES = ("fuzzy", "exact", "prefix", "suffix", "equal")
# Possessive "*+" (Python 3.11+) never backtracks.  Older Pythons get a plain
# "*", which matches the same strings here (the repeated set excludes what
# follows it) at the cost of some backtracking on failure.
_STAR = "*+" if sys.version_info >= (3, 11) else "*"
_GEN_WS = "[" + "".join(map(re.escape, _GO_SPACE)) + "]" + _STAR
_ASCII_WS = "[\\t\\n\\x0b\\x0c\\r ]" + _STAR
_REV = slice(None, None, -1)
_regs = attrgetter("regs")


def _term_regex(typ: int, text: str, members: Sequence[str], ws: str) -> Optional[str]:
    """Regex for one line, used with .match at position 0; None = impossible."""
    if not all(members):
        return None
    seq = "".join(map(_pos, members))
    if typ == _FUZZY:
        return "".join(_neg(m) + _STAR + _pos(m) for m in members)
    if typ == _EXACT:
        return "(?s:.*?)" + seq
    lead = "" if text[0] in _GO_SPACE else ws
    trail = "" if text[-1] in _GO_SPACE else ws
    if typ == _PREFIX:
        return lead + seq
    if typ == _SUFFIX:
        return "(?s:.*)" + seq + trail + r"\Z"
    return lead + seq + trail + r"\Z"  # _EQUAL


def _term_pred(typ: int, text: str, members: Sequence[str], ws: str):
    """Bulk predicate: f(list of lines) -> iterable of truthy/falsy values.

    Each term type uses the fastest ``re`` idiom for it: fuzzy is a
    possessive, backtracking-free .match, exact a .search (literal-prefix
    scan), suffix a prefix .match on the reversed line.  None = impossible.
    """
    if not all(members):
        return None
    seq = "".join(map(_pos, members))
    lead = "" if text[0] in _GO_SPACE else ws
    trail = "" if text[-1] in _GO_SPACE else ws
    if typ == _SUFFIX:
        rx = re.compile(trail + "".join(map(_pos, reversed(members)))).match
        return lambda strs: map(rx, map(getitem, strs, repeat(_REV)))
    if typ == _FUZZY:
        rx = re.compile("".join(_neg(m) + _STAR + _pos(m) for m in members)).match
    elif typ == _EXACT:
        rx = re.compile(seq).search
    elif typ == _PREFIX:
        rx = re.compile(lead + seq).match
    else:
        rx = re.compile(lead + seq + trail + r"\Z").match
    return lambda strs: map(rx, strs)


class _PairBonus(dict):
    """"ab" -> fzf's bonus for a match at "b" after "a"; "b" -> at the start.

    (Keys are strings, not tuples: tuples are tracked by the garbage
    collector, which made ranking 100k lines markedly slower.)
    """

    def __missing__(self, key):
        prev = _WHITE if len(key) == 1 else _char_class(key[0])
        b = _BONUS[prev][_char_class(key[-1])]
        if len(self) > 100000:
            self.clear()
        self[key] = b
        return b


_PAIR_BONUS = _PairBonus()
_pair_bonus = _PAIR_BONUS.__getitem__


class _ChunkScores(dict):
    """first-char bonus -> calculateScore of a contiguous occurrence.

    Bonuses inside the chunk are judged from the pattern itself.
    """

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def __missing__(self, b0):
        s = _SCORE_MATCH + b0 * _FIRST_MULT
        first = b0
        for b in self.inner:
            if b >= _B_BOUNDARY and b > first:
                first = b
            s += _SCORE_MATCH + max(b, first, _B_CONSECUTIVE)
        self[b0] = s
        return s


class _BoundaryScores(dict):
    """char before a contiguous occurrence (None at the start) -> its score,
    for occurrences whose first char has class ``cls``."""

    def __init__(self, chunk: _ChunkScores, cls: int):
        super().__init__()
        self.chunk = chunk
        self.cls = cls

    def __missing__(self, prev):
        s = self.chunk[_BONUS[_WHITE if prev is None else _char_class(prev)][self.cls]]
        if len(self) > 10000:
            self.clear()
        self[prev] = s
        return s


def _score_positions(line: str, pos: List[int]) -> int:
    """Score of an alignment: fzf's calculateScore, except that the score is
    clipped at 0 after a gap, as in FuzzyMatchV2's matrix."""
    score = 0
    consecutive = 0
    first = 0
    last = -2
    for i, p in enumerate(pos):
        b = _pair_bonus(line[p - 1:p + 1] if p else line[:1])
        if i and p != last + 1:
            # like FuzzyMatchV2, the running score never drops below 0
            score = max(score + _GAP_START + _GAP_EXT * (p - last - 2), 0)
            consecutive = 0
        if consecutive == 0:
            first = b
            score += _SCORE_MATCH + (b * _FIRST_MULT if i == 0 else b)
        else:
            if b >= _B_BOUNDARY and b > first:
                first = b
            score += _SCORE_MATCH + max(b, first, _B_CONSECUTIVE)
        consecutive += 1
        last = p
    return score


def _pair_keys(raws: List[str], starts) -> Iterable[str]:
    """_PAIR_BONUS keys of positions: the char before and the char at each
    start ("ab"), or just the char for position 0 ("b")."""
    if not isinstance(starts, list):
        starts = list(starts)
    return map(getitem, raws, map(
        slice, map(max, map(sub, starts, repeat(1)), repeat(0)), map(add, starts, repeat(1))))


class _ScoreRegexes:
    """Regexes used to score one term in one view (see _Term.view_members)."""

    __slots__ = ("tier_boundary", "tier_camel", "tier_any", "fwd", "rev", "suffix")

    def __init__(self, typ: int, text: str, ms: Sequence[str], ws: str,
                 raw_ms: Sequence[str]):
        self.tier_boundary = self.tier_camel = self.tier_any = None
        self.fwd = self.rev = self.suffix = None
        if typ == _SUFFIX:
            trail = "" if text[-1] in _GO_SPACE else ws
            self.suffix = re.compile(trail + "".join(map(_pos, reversed(ms)))).match
        elif typ in (_EXACT, _FUZZY):
            # contiguous occurrences: the first one at a word boundary
            # (bonus >= 8), else the first one anywhere.  The regexes start
            # with the first pattern rune so that re can scan for it.
            # tier_boundary captures the character before the occurrence.
            first, rest = _pos(ms[0]), "".join(map(_pos, ms[1:]))
            self.tier_boundary = re.compile(
                first + r"(?<![^\W_](?s:.))(?:(?<=((?s:.))(?s:.))|)" + rest).search
            self.tier_any = re.compile(first + rest).search
            # camelCase / letter123 occurrences (bonus 7), on the raw line
            # (lowercase letters before an uppercase one: ASCII and Latin-1)
            p0 = text[0]
            raw_rest = "".join(map(_pos, raw_ms[1:]))
            if _char_class(p0) == _NUMBER:
                self.tier_camel = re.compile(
                    _pos(raw_ms[0]) + r"(?<=[^\W\d_](?s:.))" + raw_rest).search
            elif _char_class(p0) > _NONWORD:
                upper = "".join(c for c in raw_ms[0] if _char_class(c) == _UPPER)
                if upper:
                    self.tier_camel = re.compile(
                        _pos(upper) + "(?<=[a-z\u00df-\u00f6\u00f8-\u00ff](?s:.))"
                        + raw_rest).search
            if typ == _FUZZY and len(ms) > 1:
                self.fwd = re.compile("".join(_neg(m) + _STAR + _pos(m) for m in ms)).match
                self.rev = re.compile(
                    "".join(_neg(m) + _STAR + "(" + _pos(m) + ")" for m in reversed(ms))).match


class _Term:
    __slots__ = (
        "typ", "inv", "text", "cs", "norm", "members", "possible", "_preds",
        "_chunk", "_boundary", "_mid_word_bonus", "_const", "_score_rx",
    )

    def __init__(self, typ: int, inv: bool, text: str, cs: bool, norm: bool):
        self.typ = typ
        self.inv = inv
        self.text = text
        self.cs = cs
        self.norm = norm
        self.members = tuple(_members(p, typ == _FUZZY, cs, norm) for p in text)
        self.possible = all(self.members)  # False: no text can match it
        self._preds = {}
        self._score_rx = {}
        self._chunk = None
        self._boundary = None
        self._const = None

    def __repr__(self) -> str:
        return "Term(%s%s %r%s)" % (
            "!" if self.inv else "", _TYPE_NAMES[self.typ], self.text,
            " case-sensitive" if self.cs else "",
        )

    def view_members(self, view: str) -> Tuple[str, ...]:
        """Pattern runes as character sets for a view: "gen" (any line, as
        is), "ascii-raw" (ASCII lines as they are), "ascii-low" (ASCII lines,
        lowercased)."""
        if view == "gen":
            return self.members
        out = []
        for m in self.members:
            a = "".join(c for c in m if c < "\x80")
            if view == "ascii-low":
                a = "".join(sorted(set(a.lower())))
            out.append(a)
        return tuple(out)

    def pred(self, view: str):
        """Bulk predicate for a view (see view_members)."""
        try:
            return self._preds[view]
        except KeyError:
            pass
        ws = _GEN_WS if view == "gen" else _ASCII_WS
        p = _term_pred(self.typ, self.text, self.view_members(view), ws)
        self._preds[view] = p
        return p

    # -- scoring -------------------------------------------------------------
    def _prepare_scoring(self) -> None:
        text = self.text
        classes = [_char_class(c) for c in text]
        self._chunk = _ChunkScores(
            [_BONUS[classes[i - 1]][classes[i]] for i in range(1, len(text))])
        self._boundary = _BoundaryScores(self._chunk, classes[0])
        # bonus of an occurrence after a letter or digit, not camelCase
        self._mid_word_bonus = {_WHITE: _B_WHITE, _NONWORD: _B_NONWORD}.get(classes[0], 0)
        if self.typ == _EQUAL:
            self._const = (_SCORE_MATCH + _B_WHITE) * len(text) + (_FIRST_MULT - 1) * _B_WHITE
        elif self.typ == _PREFIX:
            self._const = self._chunk[_BONUS[_WHITE][classes[0]]]

    def scores(self, view: str, raws: List[str], texts: List[str], want_pos: bool = False):
        """Scores of lines that are known to match this (positive) term.

        ``view`` is "gen", "ascii-raw" or "ascii-low" (see view_members) and
        ``texts`` the lines as seen in that view; bonuses always come from
        the original lines ``raws``.  Returns (scores, positions); positions
        is None unless ``want_pos``.
        """
        if self._chunk is None:
            self._prepare_scoring()
        n = len(raws)
        k = len(self.text)
        positions = [None] * n if want_pos else None
        if self.typ == _PREFIX or self.typ == _EQUAL:
            if want_pos:
                for i, line in enumerate(raws):
                    s = 0 if self.text[0] in _GO_SPACE else len(line) - len(line.lstrip(_GO_SPACE))
                    positions[i] = list(range(s, s + k))
            return [self._const] * n, positions
        rx = self._score_rx.get(view)
        if rx is None:
            rx = self._score_rx[view] = _ScoreRegexes(
                self.typ, self.text, self.view_members(view),
                _GEN_WS if view == "gen" else _ASCII_WS,
                self.view_members("gen" if view == "gen" else "ascii-raw"))
        scores = [0] * n
        self._score_group(rx, range(n), raws, texts, scores, positions)
        return scores, positions

    def _score_group(self, rx: _ScoreRegexes, idx, raws: List[str], texts: List[str],
                     scores: List[int], positions) -> None:
        k = len(self.text)
        chunk = self._chunk.__getitem__
        if self.typ == _SUFFIX:
            ms = map(rx.suffix, map(getitem, texts, repeat(_REV)))
            starts = list(map(sub, map(len, raws), map(Match.end, ms)))
            vals = map(chunk, map(_pair_bonus, _pair_keys(raws, starts)))
            for i, v in zip(idx, vals):
                scores[i] = v
            if positions is not None:
                for i, s in zip(idx, starts):
                    positions[i] = list(range(s, s + k))
            return
        for tier in (rx.tier_boundary, rx.tier_camel, rx.tier_any):
            if tier is None:
                continue
            on = raws if tier is rx.tier_camel else texts
            hit = list(map(truth, map(tier, on)))
            hit_idx = list(compress(idx, hit))
            if hit_idx:
                # (running the regex again on the hits is cheaper than
                # keeping all match objects alive)
                ms = map(tier, compress(on, hit))
                if positions is not None:
                    ms = list(ms)
                    for i, m in zip(hit_idx, ms):
                        positions[i] = list(range(m.start(), m.start() + k))
                if tier is rx.tier_boundary:
                    # the bonus only depends on the class of the char before
                    vals = map(self._boundary.__getitem__, map(Match.group, ms, repeat(1)))
                elif tier is rx.tier_camel:
                    vals = repeat(self._chunk[_B_CAMEL])
                else:
                    # neither at a word boundary nor camelCase: the bonus
                    # only depends on the class of the first rune
                    vals = repeat(self._chunk[self._mid_word_bonus])
                for i, v in zip(hit_idx, vals):
                    scores[i] = v
                if len(hit_idx) == len(idx):
                    return
                miss = list(map(not_, hit))
                idx = list(compress(idx, miss))
                raws = list(compress(raws, miss))
                texts = list(compress(texts, miss))
        if rx.fwd is None:  # exact terms always have an occurrence
            return
        # fuzzy, not contiguous: fzf's V1 window -- forward scan to the first
        # complete match, then backward scan for the shortest window
        ends = map(Match.end, map(rx.fwd, texts))
        sizes = list(map(len, texts))
        revs = map(getitem, texts, repeat(_REV))
        regs = map(_regs, map(rx.rev, revs, map(sub, sizes, ends)))
        if positions is not None:
            for i, line, size, reg in zip(idx, raws, sizes, regs):
                pos = [size - 1 - a for a, _ in reg[:0:-1]]
                scores[i] = _score_positions(line, pos)
                positions[i] = pos
            return
        # _score_positions, inlined (this loop is the hot spot of ranking);
        # the groups of the reversed match come last rune first.
        pair = _pair_bonus
        for i, line, size, reg in zip(idx, raws, sizes, regs):
            score = first = 0
            prev_a = -1
            for a, _ in reg[:0:-1]:  # a: index in the reversed line
                p = size - 1 - a
                b = pair(line[p - 1:p + 1] if p else line[:1])
                if prev_a < 0:  # first rune
                    score = _SCORE_MATCH + b * _FIRST_MULT
                    first = b
                elif a == prev_a - 1:  # consecutive
                    if b >= _B_BOUNDARY and b > first:
                        first = b
                    score += _SCORE_MATCH + max(b, first, _B_CONSECUTIVE)
                else:  # after a gap of prev_a - a - 1 chars
                    score = max(score + _GAP_START + _GAP_EXT * (prev_a - a - 2), 0)
                    score += _SCORE_MATCH + b
                    first = b
                prev_a = a
            scores[i] = score


# Terms (with their compiled regexes) are shared between queries: typing
# "web p", "web pr"... reuses the "web" term.
_term = lru_cache(maxsize=1024)(_Term)

_SPLIT = re.compile(" +").split


def _parse(query: str) -> List[List[_Term]]:
    """pattern.go BuildPattern + parseTerms (fuzzy, extended, smart case)."""
    s = query.lstrip(" ")
    while s.endswith(" ") and not s.endswith("\\ "):
        s = s[:-1]
    s = s.replace("\\ ", "\t")
    sets: List[List[_Term]] = []
    cur: List[_Term] = []
    switch = False
    after_bar = False
    for token in _SPLIT(s):
        typ, inv = _FUZZY, False
        text = token.replace("\t", " ")
        lower = _lower_str(text)
        cs = text != lower
        norm = lower == _normalize_str(lower)
        if not cs:
            text = lower
        if cur and not after_bar and text == "|":
            switch = False
            after_bar = True
            continue
        after_bar = False
        if text.startswith("!"):
            inv = True
            typ = _EXACT
            text = text[1:]
        if text != "$" and text.endswith("$"):
            typ = _SUFFIX
            text = text[:-1]
        if text.startswith("'"):
            typ = _FUZZY if inv else _EXACT
            text = text[1:]
        elif text.startswith("^"):
            typ = _EQUAL if typ == _SUFFIX else _PREFIX
            text = text[1:]
        if text:
            if switch:
                sets.append(cur)
                cur = []
            if norm:
                text = _normalize_str(text)
            cur.append(_term(typ, inv, text, cs, norm))
            switch = True
    if cur:
        sets.append(cur)
    return sets


# --------------------------------------------------------------------------
# Filtering passes
# --------------------------------------------------------------------------
_ALWAYS = "always"
_NEVER = "never"


def _set_pass(terms: Sequence[_Term], view: str):
    """One OR group -> f(strs) -> flags, or _ALWAYS / _NEVER."""
    preds = []
    for t in terms:
        p = t.pred(view)
        if p is None:  # the term can never match
            if t.inv:
                return _ALWAYS
            continue
        preds.append((t.inv, p))
    if not preds:
        return _NEVER
    if len(preds) == 1:
        inv, p = preds[0]
        if inv:
            return lambda strs: map(not_, p(strs))
        return p

    def either(strs):
        acc = None
        for inv, p in preds:
            flags = map(not_, p(strs)) if inv else map(truth, p(strs))
            acc = list(flags) if acc is None else list(map(or_, acc, flags))
        return acc

    return either


def _run_passes(passes, idx: List[int], raw: List[str]):
    """Apply the groups' passes to a part; returns (idx, raw, low) of the
    lines kept (low: lowercased lines, or None if never needed)."""
    low = None
    for view, fn in passes:
        if fn is _NEVER:
            return [], [], []
        if view == "ascii-low":
            if low is None:
                low = list(map(str.lower, raw))
            strs = low
        else:
            strs = raw
        # (bools, not match objects: keeping 100k of those alive is slow)
        flags = list(map(truth, fn(strs)))
        idx = list(compress(idx, flags))
        if not idx:
            return [], [], []
        if len(idx) < len(raw):
            raw = list(compress(raw, flags))
            if low is not None:
                low = list(compress(low, flags))
    return idx, raw, low


def _pass_order(terms: Sequence[_Term]) -> int:
    # cheap/selective groups first; membership does not depend on the order
    if len(terms) > 1:
        return 1
    return 2 if terms[0].inv else 0


class Query:
    """A parsed fzf extended-search query (immutable, reusable)."""

    __slots__ = ("_text", "_sets", "_single", "_passes_gen", "_passes_ascii")

    def __init__(self, text: str):
        if isinstance(text, Query):
            text = text.text
        if not isinstance(text, str):
            raise TypeError("query must be a str, not %s" % type(text).__name__)
        sets = tuple(tuple(s) for s in _parse(text))
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_sets", sets)
        object.__setattr__(self, "_single", None)  # compiled on first matches()
        # bulk passes, one per OR group
        ordered = sorted(sets, key=_pass_order)
        gen = [("gen", _set_pass(ts, "gen")) for ts in ordered]
        asc = []
        for ts in ordered:
            view = "ascii-raw" if any(t.cs for t in ts) else "ascii-low"
            asc.append((view, _set_pass(ts, view)))
        object.__setattr__(self, "_passes_gen", [p for p in gen if p[1] is not _ALWAYS])
        object.__setattr__(self, "_passes_ascii", [p for p in asc if p[1] is not _ALWAYS])

    def _single_line_regex(self):
        """One regex (lookaheads) for the whole query, for single lines."""
        pieces = []
        for ts in self._sets:
            alts = []
            always = False
            for t in ts:
                if not t.possible:
                    always = always or t.inv
                    continue
                alts.append(("(?!" if t.inv else "(?=")
                            + _term_regex(t.typ, t.text, t.members, _GEN_WS) + ")")
            if not always:
                pieces.append("(?!)" if not alts else "(?:" + "|".join(alts) + ")")
        rx = re.compile("".join(pieces)).match
        object.__setattr__(self, "_single", rx)
        return rx

    def __setattr__(self, name, value):
        raise AttributeError("Query is immutable")

    @property
    def text(self) -> str:
        """The query string as given."""
        return self._text

    def __bool__(self) -> bool:
        return bool(self._sets)

    def __repr__(self) -> str:
        return "Query(%r)" % (self._text,)

    def __eq__(self, other) -> bool:
        return isinstance(other, Query) and other._text == self._text

    def __hash__(self) -> int:
        return hash(self._text)

    # -- single line ---------------------------------------------------------
    def matches(self, line: str) -> bool:
        """True if ``line`` matches (always True for an empty query)."""
        if not self._sets:
            return True
        rx = self._single or self._single_line_regex()
        return rx(line) is not None

    def score(self, line: str) -> Optional[int]:
        """Score of ``line`` (higher is better); None if it does not match.

        Every line scores 0 for an empty query.
        """
        if not self.matches(line):
            return None
        return self._score_part(line.isascii(), [line], None)[0][0]

    def positions(self, line: str) -> List[int]:
        """Sorted character indexes to highlight; [] if no match/empty query."""
        if not self._sets or not self.matches(line):
            return []
        return sorted(set(self._score_part(line.isascii(), [line], None, True)[1][0]))

    # -- many lines ----------------------------------------------------------
    def _parts(self, lines: Sequence[str]):
        """Split into pure-ASCII lines and the others, and filter both:
        [(is_ascii, idx, raws, lows)] for the non-empty parts."""
        n = len(lines)
        rng = range(n)
        flags = list(map(str.isascii, lines))
        asc = list(compress(rng, flags))
        parts = []
        if len(asc) == n:
            todo = [(True, asc, list(lines))]
        else:
            non = list(compress(rng, map(not_, flags)))
            todo = [(True, asc, [lines[i] for i in asc]),
                    (False, non, [lines[i] for i in non])]
        for is_ascii, idx, raws in todo:
            if idx:
                passes = self._passes_ascii if is_ascii else self._passes_gen
                idx, raws, lows = _run_passes(passes, idx, raws)
                if idx:
                    parts.append((is_ascii, idx, raws, lows))
        return parts

    def _filter(self, lines: Sequence[str]) -> List[int]:
        if not self._sets:
            return list(range(len(lines)))
        parts = self._parts(lines)
        if len(parts) == 2:
            return sorted(parts[0][1] + parts[1][1])
        return parts[0][1] if parts else []

    def _score_part(self, is_ascii: bool, raws: List[str], lows: Optional[List[str]],
                    want_pos: bool = False):
        """Scores (and positions) of lines known to match, all pure ASCII
        (then ``lows`` are the lowercased lines, computed if None) or not."""
        n = len(raws)
        total = [0] * n
        allpos = [[] for _ in range(n)] if want_pos else None
        for ts in self._sets:
            positive = [t for t in ts if not t.inv and t.possible]
            if not positive:
                continue
            jobs = []
            if len(ts) == 1:
                jobs.append((positive[0], range(n)))
            else:
                # OR group: the first positive term (in order) that matches
                todo = range(n)
                for t in positive:
                    if not todo:
                        break
                    view, texts = self._view(t, is_ascii, raws, lows)
                    if lows is None and view == "ascii-low":
                        lows = texts
                    p = t.pred(view)
                    if p is None:
                        continue
                    hit = list(map(truth, p([texts[i] for i in todo])))
                    jobs.append((t, list(compress(todo, hit))))
                    todo = list(compress(todo, map(not_, hit)))
            for t, idx in jobs:
                if not idx:
                    continue
                view, texts = self._view(t, is_ascii, raws, lows)
                if lows is None and view == "ascii-low":
                    lows = texts
                if len(idx) == n:
                    sc, pos = t.scores(view, raws, texts, want_pos)
                    total = list(map(add, total, sc))
                else:
                    sc, pos = t.scores(view, [raws[i] for i in idx],
                                       [texts[i] for i in idx], want_pos)
                    for i, v in zip(idx, sc):
                        total[i] += v
                if want_pos:
                    for i, p in zip(idx, pos):
                        allpos[i].extend(p)
        return total, allpos

    @staticmethod
    def _view(t: _Term, is_ascii: bool, raws: List[str], lows: Optional[List[str]]):
        if not is_ascii:
            return "gen", raws
        if t.cs:
            return "ascii-raw", raws
        return "ascii-low", (lows if lows is not None else list(map(str.lower, raws)))

    def _rank(self, lines: Sequence[str]) -> List[int]:
        if not self._sets:
            return list(range(len(lines)))
        parts = self._parts(lines)
        if not parts:
            return []
        idx: List[int] = []
        total: List[int] = []
        for is_ascii, pidx, raws, lows in parts:
            idx += pidx
            total += self._score_part(is_ascii, raws, lows)[0]
        # one int per line: best score first, then input order
        big = len(lines) + 1
        keys = list(map(sub, idx, map(mul, total, repeat(big))))
        keys.sort()
        return list(map(mod, keys, repeat(big)))


@lru_cache(maxsize=256)
def _query(text: str) -> Query:
    return Query(text)


def _as_query(query: Union[str, Query]) -> Query:
    if isinstance(query, Query):
        return query
    return _query(query)


def filter_lines(query: Union[str, Query], lines: Sequence[str]) -> List[int]:
    """Indexes of the lines matching ``query``, in input order."""
    return _as_query(query)._filter(lines)


def rank_lines(query: Union[str, Query], lines: Sequence[str]) -> List[int]:
    """Indexes of the matching lines, best score first (stable for ties)."""
    return _as_query(query)._rank(lines)
