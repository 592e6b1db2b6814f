"""Who is calling what: account, region, service and operation of one signed request.

Service and region come from the SigV4 credential scope
(``Credential=AKID/DATE/REGION/SERVICE/aws4_request``), the account from the access
key as moto itself resolves it, the operation from ``X-Amz-Target`` (JSON protocols),
the method and path (REST-JSON services we answer, see rest_routes.py) or the
``Action`` parameter (query and EC2 protocols).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from .rest_routes import operation_of

_CREDENTIAL = re.compile(r"Credential=([^/\s,]+)/(\d{8})/([^/\s,]+)/([^/\s,]+)/aws4_request")


@dataclass(frozen=True)
class RequestInfo:
    access_key: str | None
    account: str | None
    region: str | None
    service: str | None
    operation: str | None
    protocol: str
    json_version: str = "1.1"


def _account_of(access_key: str | None) -> str | None:
    if not access_key:
        return None
    from moto.iam.models import get_account_id_from  # moto runs in this process

    return get_account_id_from(access_key)


def identify(method: str, path: str, headers, body: bytes) -> RequestInfo:
    from .errors import protocol_of

    scope = _CREDENTIAL.search(headers.get("Authorization", ""))
    query = parse_qs(urlsplit(path).query)
    if scope is None and "X-Amz-Credential" in query:  # presigned URL
        scope = _CREDENTIAL.search("Credential=" + query["X-Amz-Credential"][0])
    access_key, _, region, service = scope.groups() if scope else (None, None, None, None)
    account = _account_of(access_key)
    if scope is None and "x-amz-sso_bearer_token" in {k.lower() for k in headers.keys()}:
        # the SSO portal (GetRoleCredentials) is called unsigned: a bearer token, the account
        # in the query string
        service, account = "sso", query.get("account_id", [None])[0]
    protocol = protocol_of(service, headers)

    operation = None
    target = headers.get("X-Amz-Target")
    if target:
        operation = target.rsplit(".", 1)[-1]
    elif protocol == "rest-json":
        operation = operation_of(service, method, path)
    else:
        if "Action" in query:
            operation = query["Action"][0]
        elif body and "x-www-form-urlencoded" in headers.get("Content-Type", ""):
            form = parse_qs(body.decode("utf-8", "replace"))
            if "Action" in form:
                operation = form["Action"][0]

    json_version = "1.1"
    content_type = headers.get("Content-Type", "")
    if "x-amz-json-1.0" in content_type:
        json_version = "1.0"
    return RequestInfo(
        access_key=access_key,
        account=account,
        region=region,
        service=service,
        operation=operation,
        protocol=protocol,
        json_version=json_version,
    )
