"""The operation a REST-protocol request calls, told from its method and path as the
service's own model routes it: each operation's ``http.method`` and ``http.requestUri``
in botocore's service-2.json. For resource-explorer-2, ``POST /Search`` is Search and
``GET /tags/{resourceArn}`` is ListTagsForResource.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

_LABEL = re.compile(r"\{([^}]+)\}")


@lru_cache(maxsize=None)
def _routes(service: str) -> tuple[tuple[str, re.Pattern, frozenset[str], str], ...]:
    """(method, path pattern, query keys required, operation), most specific first."""
    from botocore.loaders import create_loader

    model = create_loader().load_service_model(service, "service-2")
    routes = []
    for name, operation in model["operations"].items():
        path, _, query = operation["http"]["requestUri"].partition("?")
        parts = _LABEL.split(path)  # literal, label, literal, label, ...
        pattern = "".join(
            re.escape(part) if i % 2 == 0 else (".+" if part.endswith("+") else "[^/]+")
            for i, part in enumerate(parts)
        )
        keys = frozenset(key for key, _ in parse_qsl(query, keep_blank_values=True))
        literal = len(_LABEL.sub("", path))
        routes.append((literal, len(keys), operation["http"]["method"], pattern, keys, name))
    # a longer literal path or more required query keys is the more specific route
    routes.sort(key=lambda r: (-r[0], -r[1]))
    return tuple((m, re.compile(p), keys, name) for _, _, m, p, keys, name in routes)


def operation_of(service: str, method: str, target: str) -> str | None:
    """The operation `method target` (path and query string) calls, or None."""
    parts = urlsplit(target)
    query = {key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    for route_method, pattern, keys, name in _routes(service):
        if route_method == method and keys <= query and pattern.fullmatch(parts.path):
            return name
    return None
