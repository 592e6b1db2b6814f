"""The preview pane's text for one resource: what it is, where, how to reach it, every tag.

Every value goes through `clean`: a tag value can hold escape sequences, and the preview
is drawn straight onto the terminal by fzf.
"""
from __future__ import annotations

from fuzzyaws.model import age_text, clean, pad, width

# Attributes worth a row of their own, in this order; the rest follow alphabetically.
_FIRST = ("source", "service", "resource_type", "type", "class", "node_type", "engine", "engine_version", "endpoint", "reader_endpoint",
          "port", "private_ip", "public_ip", "private_dns", "az", "vpc", "subnet", "platform",
          "cluster", "service", "task_definition", "launch_type", "containers", "exec_enabled",
          "members", "iam_auth")
_SSM = ("ssm_ping", "ssm_agent", "ssm_platform", "ssm_unknown")


def _value(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(clean(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return clean(value)


def _table(rows, indent: str = "") -> list:
    cells = max((width(k) for k, _ in rows), default=0)
    return [f"{indent}{pad(k, cells)}  {v}" for k, v in rows]


def render(resource, fetched: "float | None", now: float, error: "str | None" = None) -> str:
    """Identity and reachability first, then every tag, then the details: the pane is
    short, and the top is what is seen without scrolling."""
    attrs = resource.attrs
    state = clean(resource.state)
    if resource.ssm_ping:
        agent = ", ".join(_value(attrs[k]) for k in ("ssm_agent", "ssm_platform") if attrs.get(k))
        state += f" · SSM {clean(resource.ssm_ping)}" + (f" ({agent})" if agent else "")
    elif resource.kind == "ec2":
        state += " · not managed by SSM"
    if resource.ssm_unknown:
        state += f" · {clean(resource.ssm_unknown)}"
    data = f"{age_text(now - fetched)} old" if fetched else "never fetched"
    if attrs.get("source") == "tagging API":
        data += " · from the tagging API, which lists only resources that have or had tags"
    elif attrs.get("source"):
        data += f" · from {clean(attrs['source'])}"
    if error:
        data += f" · last refresh failed: {clean(error)}"
    out = [f"{clean(resource.kind)}  {clean(resource.name)}", ""]
    out += _table([("id", clean(resource.id)), ("state", state),
                   ("address", clean(resource.address) or "-"),
                   ("account", clean(resource.account)),
                   ("region", clean(resource.region)), ("data", data)])
    tags = resource.tags
    out += ["", f"tags ({len(tags)})"]
    out += _table([(clean(k), clean(v)) for k, v in sorted(tags.items())], indent="  ") or ["  none"]
    shown = [k for k in _FIRST if k in attrs] + sorted(k for k in attrs if k not in _FIRST and k not in _SSM)
    details = [(clean(k).replace("_", " "), _value(attrs[k])) for k in shown if attrs[k] not in (None, "", [])]
    if resource.kind == "rds":
        from fuzzyaws.actions.clients import login
        details.append(("connect --client", login(resource, iam=False)
                        + ("; --iam: an IAM token" if attrs.get("iam_auth") else "")))
    out += ["", "details"] + _table(details + [("arn", clean(resource.key))], indent="  ")
    return "\n".join(out)
