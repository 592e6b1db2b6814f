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
      consecutive chunks, gap penalties; the sum over the AND groups, at
      most 8 distinct ones: see below).  The optimal alignment is
      approximated -- the best contiguous occurrence (picked as fzf picks it
      for exact terms), else fzf's V1 window -- so numbers may differ from
      fzf's, mostly for scattered fuzzy matches.
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

Implementation: a text rune matches a pattern rune if fzf folds it (case,
normalisation) to that rune.  Regexes see a line either as it is, each
pattern rune being the character class of such runes, or folded, each
pattern rune a plain character: pure-ASCII lines are lowercased, other lines
are folded rune by rune when a query would need many wide classes.  Single
terms and OR groups are applied in batches of doubling size, most selective
first, each batch a few C-level ``re`` passes over the lines still in the
running: terms of one shape share a prefix trie (one regex for thousands of
alternatives), ``!a !b ...`` is one "none of" pass, fuzzy terms are
possessive, backtracking-free regexes, suffixes are prefixes of the reversed
line, and a run of one rune is one repeated item.  A term longer than every
line needs no regex, and with few lines left terms are tested in plain
Python.  So pathological queries (10 kB terms, thousands of terms) stay fast.
Scores are computed only for matching lines, mostly by further regex passes
(boundary / camelCase / other occurrences), and only for the first 8
distinct OR groups of a query (repeats count again): beyond that, ranking
and highlighting ignore the rest, whose cost would grow with every group.
Known differences from fzf 0.38: Python's Unicode database
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
from collections.abc import Iterable, Sequence  # not typing: its import costs the warm path

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

_CLASS: dict = {}  # char -> class, filled as characters are met

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
        k = _CLASS[c] = _ascii_class(c) if c < "\x80" else _unicode_class(c)
    return k


def _ascii_class(c: str) -> int:
    if "a" <= c <= "z":
        return _LOWER
    if "A" <= c <= "Z":
        return _UPPER
    if "0" <= c <= "9":
        return _NUMBER
    if c in _ASCII_SPACE:
        return _WHITE
    return _DELIMITER if c in "/,:;|" else _NONWORD


def _unicode_class(c: str) -> int:
    cat = _category(c)
    if cat == "Ll":
        return _LOWER
    if cat == "Lu":
        return _UPPER
    if cat[0] == "N":
        return _NUMBER
    if cat[0] == "L":
        return _LETTER
    return _WHITE if c in _GO_SPACE else _NONWORD


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
_NORM: dict = {}  # rune -> what it normalises to; built on first use


def _norm() -> dict:
    if not _NORM:
        _NORM.update((src, tgt) for tgt, srcs in _NORM_SRC.items() for src in srcs)
    return _NORM


def _normalize_str(s: str) -> str:
    if s.isascii():
        return s
    norm = _norm()
    return "".join([norm.get(c, c) for c in s])


def _fold_fuzzy(c: str, cs: bool, norm: bool) -> str:
    """How FuzzyMatchV2 sees a text rune (only category Lu is lowercased)."""
    if c < "\x80":
        return c if cs else c.lower()
    if not cs and _category(c) == "Lu":
        c = _golower(c)
    if norm:
        c = _norm().get(c, c)
    return c


def _fold_exact(c: str, cs: bool, norm: bool) -> str:
    """How the exact/prefix/suffix/equal matchers see a text rune."""
    if not cs:
        c = _golower(c)
    if norm:
        c = _norm().get(c, c)
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


@lru_cache(maxsize=4096)
def _ascii_members(members: str, lowered: bool) -> str:
    """The members an ASCII line can hold (lowercased, for lowercased lines)."""
    a = "".join(c for c in members if c < "\x80")
    return "".join(sorted(set(a.lower()))) if lowered else a


# (cached: the same sets recur in every term and trie)
@lru_cache(maxsize=4096)
def _pos(members: str) -> str:
    """Regex for one rune of ``members``."""
    if len(members) == 1:
        return re.escape(members)
    return "[" + "".join(map(re.escape, members)) + "]"


@lru_cache(maxsize=4096)
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
# re's parser recurses once per nested group; deeper tries are flattened.
_MAX_NEST = 64
# Capturing groups per regex of a backward scan (see _chunked_scan).
_REV_CHUNK = 64


def _runs(atoms: Sequence[str]) -> list[list]:
    """[atom, count] for each run of equal atoms: a run is one repeated item,
    so that "aaaa…" compiles in constant time."""
    out: list[list] = []
    for a in atoms:
        if out and out[-1][0] == a:
            out[-1][1] += 1
        else:
            out.append([a, 1])
    return out


def _seq_rx(atoms: Sequence[str]) -> str:
    """The runes, contiguous."""
    return "".join(_pos(a) if n == 1 else "%s{%d}" % (_pos(a), n) for a, n in _runs(atoms))


def _fuzzy_rx(atoms: Sequence[str]) -> str:
    """The runes in order, anything between (possessive: no backtracking)."""
    out = []
    for a, n in _runs(atoms):
        step = _neg(a) + _STAR + _pos(a)
        out.append(step if n == 1 else "(?:%s){%d}" % (step, n))
    return "".join(out)


def _steps(atoms: Sequence[str], fuzzy: bool) -> str:
    return _fuzzy_rx(atoms) if fuzzy else _seq_rx(atoms)


# Kinds of regex: .match at position 0, .search, .match on the reversed line.
_MATCH, _SEARCH, _REVERSED = "match", "search", "reversed"


def _shape(t: "_Term", ms: Sequence[str], ws: str):
    """How ``t`` is matched, given its runes as character sets ``ms``:
    ((kind of regex, regex before the runes, fuzzy?), runes in matching
    order, regex after the runes).  Terms of one shape can share a trie."""
    if t.typ == _FUZZY:
        return (_MATCH, "", True), ms, ""
    if t.typ == _EXACT:  # (re's literal-prefix scan: much faster than .*?)
        return (_SEARCH, "", False), ms, ""
    text = t.text
    lead = "" if text[0] in _GO_SPACE else ws
    trail = "" if text[-1] in _GO_SPACE else ws
    if t.typ == _SUFFIX:  # a prefix of the reversed line: no backtracking
        return (_REVERSED, trail, False), ms[::-1], ""
    return (_MATCH, lead, False), ms, (trail + r"\Z" if t.typ == _EQUAL else "")


def _shape_rx(shape, atoms: Sequence[str], tail: str) -> str:
    return shape[1] + _steps(atoms, shape[2]) + tail


def _not_rx(shape, atoms: Sequence[str], tail: str) -> tuple[str, str]:
    """(kind, regex) matching where the shaped term does not."""
    if shape[0] == _SEARCH:
        return _MATCH, "(?!(?s:.*?)%s)" % _shape_rx(shape, atoms, tail)
    return shape[0], "(?!%s)" % _shape_rx(shape, atoms, tail)


def _trie(entries) -> dict:
    """Prefix tree of (atoms, tail) entries: {atom: subtree, None: {tails}}."""
    root: dict = {}
    for atoms, tail in entries:
        node = root
        for a in atoms:
            node = node.setdefault(a, {})
        node.setdefault(None, set()).add(tail)
    return root


def _entries(node: dict) -> list[tuple[tuple[str, ...], str]]:
    """The (atoms, tail) entries under ``node`` (iterative: tries of long
    terms are deep)."""
    out = []
    path: list[str] = []
    stack = [iter(node.items())]
    while stack:
        for atom, child in stack[-1]:
            if atom is None:
                out.extend((tuple(path), tail) for tail in child)
            else:
                path.append(atom)
                stack.append(iter(child.items()))
            break
        else:
            stack.pop()
            if path:
                path.pop()
    return out


def _trie_rx(entries, fuzzy: bool, every: bool) -> str:
    """One regex for many terms of one shape, sharing their common prefixes:
    it matches where any entry matches, or with ``every`` (fuzzy entries
    only) where all do -- the leftmost match of a shared fuzzy prefix is the
    best start for every continuation."""
    return _emit(_trie(entries), fuzzy, every, 0)


def _emit(node: dict, fuzzy: bool, every: bool, depth: int) -> str:
    tails = node.get(None, ())
    if "" in tails and not every:
        return ""  # an entry ends here: what follows cannot matter
    if depth >= _MAX_NEST:
        alts = [_steps(atoms, fuzzy) + tail for atoms, tail in _entries(node)]
    else:
        alts = []
        for atom, child in node.items():
            if atom is None:
                continue
            atoms = [atom]
            while len(child) == 1 and None not in child:  # a chain: no group
                (atom, child), = child.items()
                atoms.append(atom)
            alts.append(_steps(atoms, fuzzy) + _emit(child, fuzzy, every, depth + 1))
        alts.extend(tails)
    if every:  # an entry that ends where others go on is implied by them
        alts = [a for a in alts if a]
        return "".join("(?=%s)" % a for a in alts[:-1]) + (alts[-1] if alts else "")
    return alts[0] if len(alts) == 1 else "(?:%s)" % "|".join(alts)


def _any_rx(rxs: Sequence[str]) -> str | None:
    if not rxs:
        return None
    return rxs[0] if len(rxs) == 1 else "(?:%s)" % "|".join(rxs)


def _all_rx(rxs: Sequence[str]) -> str | None:
    if not rxs:
        return None
    return rxs[0] if len(rxs) == 1 else "".join("(?=%s)" % r for r in rxs)


def _either_rx(items, negs: Sequence[tuple[str, str]]) -> dict:
    """{kind: regex}: together the regexes match where one of ``items``
    (shape, atoms, tail) matches, or one of ``negs`` (see _not_rx) does."""
    by_shape: dict = {}
    for shape, atoms, tail in items:
        by_shape.setdefault(shape, []).append((atoms, tail))
    alts: dict = {}
    for (kind, head, fuzzy), entries in by_shape.items():
        alts.setdefault(kind, []).append(head + _trie_rx(entries, fuzzy, False))
    for kind, rx in negs:
        alts.setdefault(kind, []).append(rx)
    return {kind: _any_rx(rxs) for kind, rxs in alts.items()}


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


def _score_positions(line: str, pos: list[int]) -> int:
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


def _pair_keys(raws: list[str], starts) -> Iterable[str]:
    """_PAIR_BONUS keys of positions: the char before and the char at each
    start ("ab"), or just the char for position 0 ("b")."""
    if not isinstance(starts, list):
        starts = list(starts)
    return map(getitem, raws, map(
        slice, map(max, map(sub, starts, repeat(1)), repeat(0)), map(add, starts, repeat(1))))


class _ScoreRegexes:
    """Regexes used to score one term in one view (see _Term.view_members)."""

    __slots__ = ("tier_boundary", "tier_camel", "tier_any", "fwd", "rev", "rev_regs", "suffix")

    def __init__(self, typ: int, text: str, ms: Sequence[str], ws: str,
                 raw_ms: Sequence[str]):
        self.tier_boundary = self.tier_camel = self.tier_any = None
        self.fwd = self.rev = self.rev_regs = self.suffix = None
        if typ == _SUFFIX:
            trail = "" if text[-1] in _GO_SPACE else ws
            self.suffix = re.compile(trail + _seq_rx(ms[::-1])).match
        elif typ in (_EXACT, _FUZZY):
            # contiguous occurrences: the first one at a word boundary
            # (bonus >= 8), else the first one anywhere.  The regexes start
            # with the first pattern rune so that re can scan for it.
            # tier_boundary captures the character before the occurrence.
            first, rest = _pos(ms[0]), _seq_rx(ms[1:])
            self.tier_boundary = re.compile(
                first + r"(?<![^\W_](?s:.))(?:(?<=((?s:.))(?s:.))|)" + rest).search
            self.tier_any = re.compile(first + rest).search
            # camelCase / letter123 occurrences (bonus 7), on the raw line
            # (lowercase letters before an uppercase one: ASCII and Latin-1)
            p0 = text[0]
            raw_rest = _seq_rx(raw_ms[1:])
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
                self.fwd = re.compile(_fuzzy_rx(ms)).match
                if len(ms) <= _REV_CHUNK:
                    self.rev = re.compile(_rev_rx(ms[::-1])).match
                else:
                    self.rev_regs = _chunked_scan(ms)


def _rev_rx(ms: Sequence[str]) -> str:
    """fzf's backward scan on the reversed line for the fuzzy runes ``ms``
    (given last first): a group per rune."""
    return "".join(_neg(m) + _STAR + "(" + _pos(m) + ")" for m in ms)


def _chunked_scan(ms: Sequence[str]):
    """f(reversed line, start) -> like Match.regs of _rev_rx(ms[::-1]): a
    span (unused), then one per rune.  For long terms: in chunks (identical
    ones, as in "aaaa…", share a regex) rather than with one regex of a
    group per rune."""
    chunks = [ms[::-1][i:i + _REV_CHUNK] for i in range(0, len(ms), _REV_CHUNK)]
    compiled = {c: re.compile(_rev_rx(c)).match for c in set(chunks)}
    scans = [compiled[c] for c in chunks]

    def regs(text: str, pos: int):
        out = [(pos, pos)]
        for match in scans:
            m = match(text, pos)
            out += m.regs[1:]
            pos = m.end()
        return out

    return regs


class _Term:
    __slots__ = (
        "typ", "inv", "text", "cs", "norm", "key", "members", "possible", "inert", "folds",
        "_views",
        "_wide", "_chunk", "_boundary", "_mid_word_bonus", "_const", "_score_rx",
    )

    def __init__(self, typ: int, inv: bool, text: str, cs: bool, norm: bool):
        self.typ = typ
        self.inv = inv
        self.text = text
        self.cs = cs
        self.norm = norm
        self.key = (typ, inv, text, cs, norm)
        self.members = tuple(_members(p, typ == _FUZZY, cs, norm) for p in text)
        self.possible = all(self.members)  # False: no text can match it
        # only itself, in any form, stands for each rune (digits, "-", 서...)
        self.inert = all(_members(p, fuzzy, False, True) == p
                         for p in set(text) for fuzzy in (True, False))
        # the forms of lines where its runes are plain characters (see
        # _Lines): of non-ASCII lines (case-sensitive, fuzzy and exact terms
        # fold alike; without normalisation that folding changes nothing),
        # of ASCII lines
        self.folds = ("raw" if cs and not norm else (typ == _FUZZY or cs, cs, norm),
                      "raw" if cs else "low")
        self._views = {"gen": self.members}
        self._wide = None
        self._score_rx = {}
        self._chunk = None
        self._boundary = None
        self._const = None

    # equal terms are one term, even when the _term cache made two objects
    def __eq__(self, other) -> bool:
        return isinstance(other, _Term) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return "Term(%s%s %r%s)" % (
            "!" if self.inv else "", _TYPE_NAMES[self.typ], self.text,
            " case-sensitive" if self.cs else "",
        )

    def view_members(self, view: str) -> tuple[str, ...]:
        """Pattern runes as character sets for a view: "gen" (any line, as
        is), "ascii-raw" (ASCII lines as they are), "ascii-low" (ASCII lines,
        lowercased)."""
        ms = self._views.get(view)
        if ms is None:
            ms = self._views[view] = tuple(
                _ascii_members(m, view == "ascii-low") for m in self.members)
        return ms

    def wide_sets(self) -> int:
        """How many character sets beyond Latin-1 a regex of this term has
        for non-ASCII lines (see _Lines)."""
        if self._wide is None:
            # members are sorted: the last character is the widest
            wide = sum(1 for m, _ in _runs(self.members) if m[-1:] >= "\u0100")
            self._wide = wide * 2 if self.typ == _FUZZY else wide
        return self._wide

    def found_in(self, s: str) -> bool:
        """Whether the line ``s``, folded as this term sees it (see
        _Lines.folded_texts), matches the term (ignoring its "!"), in Python.
        (Where no character stands for a pattern rune, it is not found.)"""
        text = self.text
        if len(text) > len(s):
            return False
        if self.typ == _FUZZY:
            pos = 0
            for c in text:
                pos = s.find(c, pos) + 1
                if not pos:
                    return False
            return True
        if self.typ == _EXACT:
            return text in s
        if self.typ != _SUFFIX and text[0] not in _GO_SPACE:
            s = s.lstrip(_GO_SPACE)
        if self.typ != _PREFIX and text[-1] not in _GO_SPACE:
            s = s.rstrip(_GO_SPACE)
        if self.typ == _PREFIX:
            return s.startswith(text)
        if self.typ == _SUFFIX:
            return s.endswith(text)
        return s == text

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

    def scores(self, view: str, raws: list[str], texts: list[str], want_pos: bool = False):
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
        if n <= _FEW_LINES:
            # a few lines score faster in Python than the regexes compile
            # (OR groups of thousands of ids: one or two lines each)
            form = self.folds[0]
            folded = texts
            if view == "gen" and form != "raw":  # (ASCII views are folded already)
                folded = list(map(str.translate, raws, repeat(_folding(form))))
            scored = list(map(self._score_line, raws, folded))
            return [sc for sc, _ in scored], [p for _, p in scored] if want_pos else None
        rx = self._score_rx.get(view)
        if rx is None:
            rx = self._score_rx[view] = _ScoreRegexes(
                self.typ, self.text, self.view_members(view),
                _GEN_WS if view == "gen" else _ASCII_WS,
                self.view_members("gen" if view == "gen" else "ascii-raw"))
        scores = [0] * n
        self._score_group(rx, range(n), raws, texts, scores, positions)
        return scores, positions

    def _score_line(self, raw: str, s: str):
        """(score, positions) of a line known to match, as _score_group
        finds them: ``s`` is the line folded as this term sees it (see
        _Lines.folded_texts).  Occurrences are found in ``s``; what comes
        before them is judged on ``raw``, as the regexes do (folding turns
        a few non-alphanumeric runes into letters)."""
        text, k = self.text, len(self.text)
        if self.typ == _SUFFIX:
            end = len(s.rstrip(_GO_SPACE) if text[-1] not in _GO_SPACE else s)
            start = end - k
            pair = raw[start - 1:start + 1] if start else raw[:1]
            return self._chunk[_pair_bonus(pair)], list(range(start, end))
        camel = first = None
        i = s.find(text)
        while i >= 0:
            if not i or not raw[i - 1].isalnum():  # at a word boundary
                return self._boundary[raw[i - 1] if i else None], list(range(i, i + k))
            if camel is None and self._camel_at(raw, i):
                camel = i
            if first is None:
                first = i
            i = s.find(text, i + 1)
        if camel is not None:
            return self._chunk[_B_CAMEL], list(range(camel, camel + k))
        if first is not None:
            return self._chunk[self._mid_word_bonus], list(range(first, first + k))
        # fuzzy, not contiguous: fzf's V1 window (see _score_group)
        end = -1
        for c in text:
            end = s.find(c, end + 1)
        pos = []
        for c in reversed(text):
            end = s.rfind(c, 0, end + 1)
            pos.append(end)
            end -= 1
        pos.reverse()
        return _score_positions(raw, pos), pos

    def _camel_at(self, raw: str, i: int) -> bool:
        """Whether an occurrence at ``i`` (> 0) is camelCase / letter123,
        as _ScoreRegexes.tier_camel sees it."""
        c, prev = raw[i], raw[i - 1]
        cls = _char_class(self.text[0])
        if cls == _NUMBER:
            return prev.isalnum() and not prev.isdecimal()
        return (cls > _NONWORD and _char_class(c) == _UPPER
                and ("a" <= prev <= "z" or "\u00df" <= prev <= "\u00f6" or "\u00f8" <= prev <= "\u00ff"))

    def _score_group(self, rx: _ScoreRegexes, idx, raws: list[str], texts: list[str],
                     scores: list[int], positions) -> None:
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
        starts = map(sub, sizes, ends)
        regs = map(_regs, map(rx.rev, revs, starts)) if rx.rev else map(rx.rev_regs, revs, starts)
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


def _parse(query: str) -> list[list[_Term]]:
    """pattern.go BuildPattern + parseTerms (fuzzy, extended, smart case)."""
    s = query.lstrip(" ")
    while s.endswith(" ") and not s.endswith("\\ "):
        s = s[:-1]
    s = s.replace("\\ ", "\t")
    sets: list[list[_Term]] = []
    cur: list[_Term] = []
    switch = False
    after_bar = False
    for token in s.split(" "):
        if not token:  # runs of spaces separate terms like one space
            continue
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
# Filtering
# --------------------------------------------------------------------------
_ALWAYS = "always"
_NEVER = "never"
# Compiling a character set with characters beyond Latin-1 takes ~0.3 ms,
# and scanning with sets is slower than with plain characters: past this
# many such sets, non-ASCII lines are folded instead (see _Lines).
_WIDE_SETS = 24
# With this few lines left, terms are tested line by line in Python rather
# than compiled into regexes.
_FEW_LINES = 32
# Terms of an OR group tested together when scoring (see _first_found).
_OR_CHUNK = 256
# Scores and highlights count this many OR groups at most (distinct ones, in
# query order): the work per line grows with every group, and with hundreds
# of groups the order stops meaning much.
_MAX_SCORED = 8


def _selectivity(t: _Term) -> int:
    # Longer terms reject more lines (a term longer than every line, none
    # needing a regex), contiguous ones more than fuzzy ones.
    return -len(t.text) * (1 if t.typ == _FUZZY else 2)


class _Folding(dict):
    """ord -> how one kind of term sees the rune (a str.translate table)."""

    def __init__(self, fuzzy: bool, cs: bool, norm: bool):
        super().__init__()
        self.fold = _fold_fuzzy if fuzzy else _fold_exact
        self.cs = cs
        self.norm = norm

    def __missing__(self, o: int) -> str:
        if len(self) > 100000:
            self.clear()
        f = self[o] = self.fold(chr(o), self.cs, self.norm)
        return f


_FOLDINGS: dict = {}


def _folding(form: tuple[bool, bool, bool]) -> _Folding:
    f = _FOLDINGS.get(form)
    if f is None:
        f = _FOLDINGS[form] = _Folding(*form)
    return f


class _Lines:
    """The lines of one kind (pure ASCII or not) still in the running.

    Terms see a line in a *form*: ASCII lines "raw" (case-sensitive terms) or
    "low" (lowercased); other lines "raw", matched with character sets (see
    _members), or -- once ``fold`` is set, for terms with wide sets -- folded
    rune by rune as a kind of term sees them, form (fuzzy?, case-sensitive?,
    normalised?), where every pattern rune is one plain character.  Folding
    costs ~10 µs per line and form; compiling and scanning wide character
    sets costs more for big queries.
    """

    __slots__ = ("is_ascii", "ws", "fold", "idx", "raws", "_maxlen", "_texts")

    def __init__(self, is_ascii: bool, idx: list[int], raws: list[str]):
        self.is_ascii = is_ascii
        self.ws = _ASCII_WS if is_ascii else _GEN_WS
        self.fold = False
        self.idx = idx
        self.raws = raws
        self._maxlen = None
        self._texts: dict = {}

    def fits(self, t: _Term) -> bool:
        """Whether some line is long enough for ``t`` (a rune per character)."""
        n = len(t.text)
        if self.raws and n <= len(self.raws[0]):
            return True
        if self._maxlen is None:
            self._maxlen = max(map(len, self.raws), default=0)
        return n <= self._maxlen

    def folded(self, t: _Term):
        """The form where ``t``'s runes are plain characters."""
        return t.folds[self.is_ascii]

    def form_of(self, t: _Term):
        """The form regexes see ``t`` in (raw: with its character sets, cheap
        unless wide)."""
        return self.folded(t) if self.is_ascii or (self.fold and t.wide_sets()) else "raw"

    def form(self, t: _Term, form=None):
        """(form -- ``t``'s own unless given, ``t``'s runes as character sets
        in it), or None if ``t`` matches none of these lines."""
        if not (t.possible and self.fits(t)):
            return None
        form = form or self.form_of(t)
        if self.is_ascii:
            ms = t.view_members("ascii-" + form)
            return (form, ms) if all(ms) else None
        return form, (t.members if form == "raw" else tuple(t.text))

    def texts(self, form, rev: bool = False) -> list[str]:
        """The lines in ``form``, reversed with ``rev`` (see _shape)."""
        key = (_REVERSED, form) if rev else form
        out = self._texts.get(key)
        if out is None:
            if rev:
                out = list(map(getitem, self.texts(form), repeat(_REV)))
            elif form == "raw":
                out = self.raws
            elif form == "low":
                out = list(map(str.lower, self.raws))
            else:
                out = list(map(str.translate, self.raws, repeat(_folding(form))))
            self._texts[key] = out
        return out

    def copy(self, idx: list[int]) -> "_Lines":
        """The same lines, numbered ``idx``, with what was computed for them."""
        out = _Lines(self.is_ascii, idx, self.raws)
        out.fold = self.fold
        out._texts = dict(self._texts)
        return out

    def subset(self, flags: list[bool]) -> "_Lines":
        out = self.copy(self.idx)
        out.keep(flags)
        return out

    def keep(self, flags: list[bool]) -> None:
        idx = list(compress(self.idx, flags))
        if len(idx) == len(self.idx):
            return
        self.idx = idx
        raws = self.raws
        self.raws = list(compress(raws, flags))
        for key, texts in self._texts.items():
            self._texts[key] = self.raws if texts is raws else list(compress(texts, flags))
        self._maxlen = None

    def drop_all(self) -> None:
        self.keep([False] * len(self.idx))

    def folded_texts(self, t: _Term) -> list[str]:
        """The lines as ``t`` sees them with plain characters (see found_in)."""
        return self.texts(self.folded(t))

    def found(self, t: _Term, i: int) -> bool:
        """Whether line ``i`` matches ``t`` (ignoring its "!"), in Python."""
        return t.found_in(self.folded_texts(t)[i])


def _terms(cond) -> tuple:
    """The terms of a condition: a single term, or an OR group."""
    return cond if isinstance(cond, tuple) else (cond,)


def _first_each(lines: _Lines, terms: Sequence[_Term]):
    """[(term, indexes)]: the lines with the first of ``terms`` that each
    matches, in Python."""
    seen = [(t, lines.folded_texts(t)) for t in terms]
    firsts: dict = {}
    for i, line in enumerate(lines.idx):
        t = next((t for t, texts in seen if t.found_in(texts[i])), None)
        if t is not None:
            firsts.setdefault(t, []).append(line)
    return list(firsts.items())


class Query:
    """A parsed fzf extended-search query (immutable, reusable)."""

    __slots__ = ("_text", "_sets", "_scored", "_conds", "_rejects", "_rx")

    def __init__(self, text: str):
        if isinstance(text, Query):
            text = text.text
        if not isinstance(text, str):
            raise TypeError("query must be a str, not %s" % type(text).__name__)
        sets = tuple(tuple(s) for s in _parse(text))
        # A repeated term or group matches no differently, but counts again
        # in the score.
        counts: dict = {}
        for ts in sets:
            key = tuple(dict.fromkeys(ts))
            counts[key] = counts.get(key, 0) + 1
        singles = [ts[0] for ts in counts if len(ts) == 1 and not ts[0].inv]
        rejects = [ts[0] for ts in counts if len(ts) == 1 and ts[0].inv]
        # an OR group with a term that must match anyway always holds
        ors = {frozenset(ts): ts for ts in counts if len(ts) > 1 and set(singles).isdisjoint(ts)}
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_sets", sets)
        object.__setattr__(self, "_scored", list(counts.items())[:_MAX_SCORED])
        object.__setattr__(self, "_conds", sorted(singles, key=_selectivity) + list(ors.values()))
        object.__setattr__(self, "_rejects", rejects)
        object.__setattr__(self, "_rx", {})

    # -- filtering -------------------------------------------------------------
    def _run(self, lines: _Lines) -> None:
        """Keep the lines that match.  Single terms and OR groups go in
        batches of doubling size, each batch a few regexes: the first, small
        ones usually leave few lines, and a long query needs few passes.
        Once a batch of several keeps (nearly) every line, the rest go in one."""
        conds = self._conds
        i, size = 0, 1
        while lines.idx:
            before = len(lines.idx)
            if before <= _FEW_LINES:
                self._run_each(lines, conds[i:])
                return
            if i >= len(conds):
                break
            if self._run_batch(lines, conds[i:i + size]):
                i += size
                stuck = size >= 8 and len(lines.idx) * 100 >= before * 99
                size = len(conds) if stuck else size * 2
        if self._rejects and lines.idx:
            # !a !b ... is "not (a or b ...)": one pass with them all
            self._choose_form(lines, self._rejects)
            either = self._either(lines, self._rejects, True)
            if either is not _NEVER:
                lines.keep(list(map(not_, self._test(lines, either))))

    def _run_each(self, lines: _Lines, conds) -> None:
        """Apply ``conds`` and the "!" terms line by line, in Python."""
        found = lines.found

        def holds(i: int) -> bool:
            for c in conds:
                if not any(found(t, i) != t.inv for t in _terms(c)):
                    return False
            return not any(found(t, i) for t in self._rejects)

        lines.keep(list(map(holds, range(len(lines.idx)))))

    def _run_batch(self, lines: _Lines, conds) -> bool:
        """Apply ``conds``; False if it stopped with few lines left (the
        batch is then to be done line by line)."""
        self._choose_form(lines, [t for c in conds for t in _terms(c)])
        fuzzy: dict = {}  # form -> fuzzy entries, all to match (one trie)
        every: dict = {}  # (form, kind) -> regexes, all to match (one regex)
        searches = []  # exact terms: a .search each (searches do not combine)
        groups = []  # OR groups that need more than one regex
        for c in conds:
            if isinstance(c, _Term):
                f = lines.form(c)
                if f is None:
                    lines.drop_all()
                    return True
                shape, atoms, tail = _shape(c, f[1], lines.ws)
                if shape[2]:
                    fuzzy.setdefault(f[0], []).append((atoms, tail))
                elif shape[0] == _SEARCH:
                    searches.append({(f[0], _SEARCH): _shape_rx(shape, atoms, tail)})
                else:
                    every.setdefault((f[0], shape[0]), []).append(_shape_rx(shape, atoms, tail))
                continue
            either = self._either(lines, c, False)
            if either is _NEVER:
                lines.drop_all()
                return True
            if either is _ALWAYS:
                continue
            if len(either) == 1 and next(iter(either))[1] != _SEARCH:
                (key, rx), = either.items()
                every.setdefault(key, []).append(rx)
            else:
                groups.append(either)
        for form, entries in fuzzy.items():
            every.setdefault((form, _MATCH), []).append(_trie_rx(entries, True, True))
        for either in searches + [{k: _all_rx(v)} for k, v in every.items()] + groups:
            if len(lines.idx) <= _FEW_LINES:
                return not lines.idx
            lines.keep(self._test(lines, either))
        return True

    @staticmethod
    def _either(lines: _Lines, terms: Sequence[_Term], as_positive: bool):
        """{(form, kind of regex): regex} (see _test) for "one of ``terms``"
        on these lines, or _ALWAYS / _NEVER; ``as_positive`` ignores the
        terms' "!"."""
        by_form: dict = {}  # form -> (items, inverse terms)
        common = Query._common_form(lines, [t for t in terms if not t.inert])
        for t in terms:
            inv = t.inv and not as_positive
            f = lines.form(t, common)
            if f is None:
                if inv:
                    return _ALWAYS
                continue
            shape, atoms, tail = _shape(t, f[1], lines.ws)
            items, negs = by_form.setdefault(f[0], ([], []))
            if inv:
                negs.append(_not_rx(shape, atoms, tail))
            else:
                items.append((shape, atoms, tail))
        if not by_form:
            return _NEVER
        return {(form, kind): rx for form, parts in by_form.items()
                for kind, rx in _either_rx(*parts).items()}

    @staticmethod
    def _common_form(lines: _Lines, terms: Sequence[_Term]):
        """One form for all of ``terms`` (and for inert ones, which fit any),
        or None: on ASCII lines the raw one fits case-insensitive terms too
        ([Ww]-like sets); on folded lines, terms that fold alike share one."""
        forms = {lines.form_of(t) for t in terms}
        if len(forms) > 1 and lines.fold:
            forms = {lines.folded(t) for t in terms}
        if len(forms) == 1:
            return forms.pop()
        return "raw" if forms and lines.is_ascii else None

    @staticmethod
    def _choose_form(lines: _Lines, terms: Sequence[_Term]) -> None:
        """Fold non-ASCII lines once ``terms`` need many wide sets."""
        if lines.is_ascii or lines.fold:
            return
        wide = sum(t.wide_sets() for t in terms if lines.fits(t))
        lines.fold = wide > _WIDE_SETS

    def _test(self, lines: _Lines, either) -> list[bool]:
        """Lines matched by a regex of ``either`` ({(form, kind): regex}):
        the lines in that form, searched or matched (reversed: see _shape)."""
        hits = None
        for (form, kind), pattern in either.items():
            rx = self._compile(pattern)
            run = rx.search if kind == _SEARCH else rx.match
            more = map(truth, map(run, lines.texts(form, kind == _REVERSED)))
            hits = list(more) if hits is None else list(map(or_, hits, more))
        return hits

    def _compile(self, pattern: str) -> re.Pattern:
        # (kept with the query: the same regexes often serve both kinds of
        # lines, and the next call)
        rx = self._rx.get(pattern)
        if rx is None:
            if len(self._rx) >= 64:
                self._rx.clear()
            rx = self._rx[pattern] = re.compile(pattern)
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
        return not self._sets or bool(self._filter([line]))

    def score(self, line: str) -> int | None:
        """Score of ``line`` (higher is better); None if it does not match.

        Every line scores 0 for an empty query.
        """
        if not self.matches(line):
            return None
        return self._score_part(_Lines(line.isascii(), [0], [line]))[0][0]

    def positions(self, line: str) -> list[int]:
        """Sorted character indexes to highlight; [] if no match/empty query."""
        if not self._sets or not self.matches(line):
            return []
        return sorted(set(self._score_part(_Lines(line.isascii(), [0], [line]), True)[1][0]))

    # -- many lines ----------------------------------------------------------
    def _parts(self, lines: Sequence[str]) -> list[_Lines]:
        """Split into pure-ASCII lines and the others, and filter both: the
        lines kept, of each kind that has some."""
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
                kept = _Lines(is_ascii, idx, raws)
                self._run(kept)
                if kept.idx:
                    parts.append(kept)
        return parts

    def _filter(self, lines: Sequence[str]) -> list[int]:
        if not self._sets:
            return list(range(len(lines)))
        parts = self._parts(lines)
        if len(parts) == 2:
            return sorted(parts[0].idx + parts[1].idx)
        return parts[0].idx if parts else []

    def _score_part(self, lines: _Lines, want_pos: bool = False):
        """Scores (and positions) of ``lines``, known to match."""
        raws = lines.raws
        n = len(raws)
        total = [0] * n
        allpos = [[] for _ in range(n)] if want_pos else None
        for ts, count in self._scored:
            positive = [t for t in ts if not t.inv and t.possible]
            if not positive:
                continue
            if len(ts) == 1:
                jobs = [(positive[0], range(n))]
            else:
                jobs = self._first_found(positive, lines)
            for t, idx in jobs:
                if not idx:
                    continue
                view, texts = self._view(t, lines)
                if len(idx) == n:
                    sc, pos = t.scores(view, raws, texts, want_pos)
                else:
                    sc, pos = t.scores(view, [raws[i] for i in idx],
                                       [texts[i] for i in idx], want_pos)
                for i, v in zip(idx, sc):
                    total[i] += v * count
                if want_pos:
                    for i, p in zip(idx, pos):
                        allpos[i].extend(p)
        return total, allpos

    def _first_found(self, terms: Sequence[_Term], lines: _Lines):
        """[(term, positions in ``lines``)]: every line with the first of
        ``terms`` that it matches (an OR group scores that term).  Lines go
        through chunks of terms, a regex for each, then term by term."""
        todo = lines.copy(list(range(len(lines.idx))))
        jobs = []
        for j in range(0, len(terms), _OR_CHUNK):
            chunk = terms[j:j + _OR_CHUNK]
            if len(chunk) < len(terms):
                hits = self._found_any(todo, chunk)
            else:
                hits = [True] * len(todo.idx)
            here = todo.subset(hits)
            todo.keep(list(map(not_, hits)))
            if len(here.idx) <= _FEW_LINES * len(chunk):  # cheaper than a regex a term
                jobs += _first_each(here, chunk)
            else:
                for t in chunk:
                    if not here.idx:
                        break
                    flags = self._found_any(here, [t])
                    jobs.append((t, list(compress(here.idx, flags))))
                    here.keep(list(map(not_, flags)))
            if not todo.idx:
                break
        return jobs

    def _found_any(self, lines: _Lines, terms: Sequence[_Term]) -> list[bool]:
        """Lines that match one of the positive ``terms``."""
        if len(lines.idx) <= _FEW_LINES:
            return [any(lines.found(t, i) for t in terms) for i in range(len(lines.idx))]
        self._choose_form(lines, terms)
        either = self._either(lines, terms, False)
        return [False] * len(lines.idx) if either is _NEVER else self._test(lines, either)

    @staticmethod
    def _view(t: _Term, lines: _Lines):
        """The view ``t`` scores ``lines`` in (see _Term.view_members), and
        the lines as seen in it."""
        if not lines.is_ascii:
            return "gen", lines.raws
        if t.cs:
            return "ascii-raw", lines.raws
        return "ascii-low", lines.texts("low")

    def _rank(self, lines: Sequence[str]) -> list[int]:
        if not self._sets:
            return list(range(len(lines)))
        parts = self._parts(lines)
        if not parts:
            return []
        idx: list[int] = []
        total: list[int] = []
        for part in parts:
            idx += part.idx
            total += self._score_part(part)[0]
        # one int per line: best score first, then input order
        big = len(lines) + 1
        keys = list(map(sub, idx, map(mul, total, repeat(big))))
        keys.sort()
        return list(map(mod, keys, repeat(big)))


@lru_cache(maxsize=256)
def _query(text: str) -> Query:
    return Query(text)


def _as_query(query: str | Query) -> Query:
    if isinstance(query, Query):
        return query
    return _query(query)


def filter_lines(query: str | Query, lines: Sequence[str]) -> list[int]:
    """Indexes of the lines matching ``query``, in input order."""
    return _as_query(query)._filter(lines)


def rank_lines(query: str | Query, lines: Sequence[str]) -> list[int]:
    """Indexes of the matching lines, best score first (stable for ties)."""
    return _as_query(query)._rank(lines)
