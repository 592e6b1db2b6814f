"""The resource record, its one-line picker text, and sanitising of AWS text.

AWS text is hostile: a tag value can hold newlines, ESC sequences or bidi overrides.
`clean` makes any string safe to draw: one line, no control characters, so that one
resource is always one line and nothing it contains can drive the terminal. Raw values
stay in `tags`/`attrs` (they are JSON-escaped in `--json`); only display text is cleaned.
"""
from __future__ import annotations

from fuzzyaws.frozen import Frozen

# C0 controls become their visible "control picture" (␊ for \n, ␛ for ESC); DEL, C1
# controls, line/paragraph separators and bidi embeddings/overrides/isolates become U+FFFD.
_CLEAN = {c: 0x2400 + c for c in range(0x20)}
_CLEAN.update({c: 0xFFFD for c in (0x7F, *range(0x80, 0xA0), 0x2028, 0x2029,
                                   *range(0x202A, 0x202F), *range(0x2066, 0x206A))})

MAX_TAG_TEXT = 200  # per tag value in the line; the preview and --json keep it whole


def clean(text: object) -> str:
    """`text` as one safe line: control characters replaced by visible stand-ins."""
    text = str(text)
    # every character _CLEAN replaces is unprintable (Cc, Cf, Zl, Zp): most text is
    # checked in one C loop instead of one dict lookup per character
    return text if text.isprintable() else text.translate(_CLEAN)


def width(text: str) -> int:
    """Terminal cells `text` takes: wide East Asian characters take two."""
    if text.isascii():
        return len(text)
    import unicodedata  # only for text that is not ASCII
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, cells: int) -> str:
    return text + " " * max(0, cells - width(text))


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Resource(Frozen):
    """One resource as collected: identity, where it lives, and what it is (`attrs`, raw
    AWS values by kind); the accessors below are what the actions and preview read."""
    kind: str
    key: str  # the ARN: unique across accounts and regions
    id: str
    name: str
    account: str
    region: str
    state: str = ""
    address: str = ""
    tags: dict = {}
    attrs: dict = {}

    @classmethod
    def from_dict(cls, data: dict) -> "Resource":
        return cls(**{k: v for k, v in data.items() if k in cls._fields})

    # -- what the actions and the preview need to know -------------------------------
    def attr(self, name: str, default=None):
        return self.attrs.get(name, default)

    @property
    def label(self) -> str:
        """`ID (name)`: how a message names a resource (the name cleaned for the terminal)."""
        return f"{self.id} ({clean(self.name)})"

    @property
    def ssm_ping(self) -> str:
        """The SSM agent's PingStatus (Online, ConnectionLost, Inactive), "" if not managed."""
        return self.attrs.get("ssm_ping") or ""

    @property
    def ssm_unknown(self) -> str:
        """Why the SSM status is not current (its listing failed), "" when it is."""
        return self.attrs.get("ssm_unknown") or ""

    @property
    def ssm_platform(self) -> str:
        return self.attrs.get("ssm_platform") or ""

    @property
    def windows(self) -> bool:
        return "windows" in str(self.attrs.get("platform", "")).lower()

    @property
    def engine(self) -> str:
        return self.attrs.get("engine") or ""

    @property
    def endpoint(self) -> str:
        """The host a database or cache answers on."""
        return self.attrs.get("endpoint") or self.address.rsplit(":", 1)[0]

    @property
    def port(self) -> "int | None":
        port = self.attrs.get("port")
        return int(port) if port else None

    @property
    def vpc(self) -> str:
        return self.attrs.get("vpc") or ""

    @property
    def cluster(self) -> str:
        return self.attrs.get("cluster") or ""

    @property
    def exec_enabled(self) -> bool:
        return bool(self.attrs.get("exec_enabled"))

    def line(self) -> str:
        """The stored line (layout.py): nine tab-separated fields, each one safe token."""
        tags = " ".join(f"{clean(k)}={shorten(clean(v), MAX_TAG_TEXT)}"
                        for k, v in sorted(self.tags.items()) if k != "Name")
        ssm = f"ssm:{self.ssm_ping.lower()}" if self.ssm_ping else ""
        fields = (self.kind, self.name, self.id, self.state, ssm, self.address, self.region,
                  self.account, tags)
        return "\t".join(clean(value) or "-" for value in fields)


def tag_dict(tag_list) -> dict:
    """AWS's [{"Key": k, "Value": v}] (or lowercase key/value, as ECS spells it) as a dict."""
    out = {}
    for tag in tag_list or ():
        key = tag.get("Key", tag.get("key"))
        if key is not None:
            out[key] = tag.get("Value", tag.get("value", ""))
    return out


def plural(n: int, noun: str) -> str:
    """`1 resource`, `2 resources`."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def age_text(seconds: float) -> str:
    """How old data is, for people: 40 s, 12 min, 5 h, 3 days."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def partition(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"
