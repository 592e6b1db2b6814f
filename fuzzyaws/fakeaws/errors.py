"""AWS error responses in the wire shape each protocol uses, so botocore parses them
into the same ClientError codes (and retry decisions) it would for the real service.

Shapes follow botocore/parsers.py:
- ec2:   <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>
- query: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
- json:  body {"__type": CODE, "message": ...} plus the x-amzn-ErrorType header
- rest-json: body {"Message": ...} plus the x-amzn-ErrorType header (the code)
"""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

# Services whose protocol cannot be told from the request alone. Anything sending
# X-Amz-Target is JSON; every other service we fake speaks the query protocol.
EC2_SERVICES = {"ec2"}
# REST-JSON services the proxy answers itself: the operation is in the path
# (rest_routes.py), the body is JSON.
REST_JSON_SERVICES = {"resource-explorer-2"}

QUERY_NAMESPACES = {
    "rds": "http://rds.amazonaws.com/doc/2014-10-31/",
    "elasticache": "http://elasticache.amazonaws.com/doc/2015-02-02/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}

# kind -> protocol -> (code, HTTP status, message template)
# EC2 answers throttling with 503 (not 400): that is what the real service does.
ERROR_KINDS: dict[str, dict[str, tuple[str, int, str]]] = {
    "throttle": {
        "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded."),
        "query": ("Throttling", 400, "Rate exceeded"),
        "json": ("ThrottlingException", 400, "Rate exceeded"),
        "rest-json": ("ThrottlingException", 429, "Rate exceeded"),
    },
    "access_denied": {
        "ec2": (
            "UnauthorizedOperation",
            403,
            "You are not authorized to perform this operation. User: {principal} is not "
            "authorized to perform: {action} because no identity-based policy allows the "
            "{action} action",
        ),
        "query": (
            "AccessDenied",
            403,
            "User: {principal} is not authorized to perform: {action} because no "
            "identity-based policy allows the {action} action",
        ),
        "json": (
            "AccessDeniedException",
            400,
            "User: {principal} is not authorized to perform: {action} because no "
            "identity-based policy allows the {action} action",
        ),
        "rest-json": (
            "AccessDeniedException",
            403,
            "User: {principal} is not authorized to perform: {action} because no "
            "identity-based policy allows the {action} action",
        ),
    },
    "server_error": {
        "ec2": ("InternalError", 500, "An internal error has occurred"),
        "query": ("InternalError", 500, "An internal error has occurred"),
        "json": ("InternalError", 500, "An internal error has occurred"),
        "rest-json": ("InternalServerException", 500, "An internal error has occurred"),
    },
    "unavailable": {
        "ec2": ("ServiceUnavailable", 503, "Service Unavailable"),
        "query": ("ServiceUnavailable", 503, "Service Unavailable"),
        "json": ("ServiceUnavailable", 503, "Service Unavailable"),
        "rest-json": ("ServiceUnavailable", 503, "Service Unavailable"),
    },
    "expired_token": {
        "ec2": ("RequestExpired", 400, "Request has expired."),
        "query": ("ExpiredToken", 403, "The security token included in the request is expired"),
        "json": (
            "ExpiredTokenException",
            400,
            "The security token included in the request is expired",
        ),
        "rest-json": (
            "ExpiredTokenException",
            403,
            "The security token included in the request is expired",
        ),
    },
    "invalid_credentials": {
        "ec2": (
            "AuthFailure",
            401,
            "AWS was not able to validate the provided access credentials",
        ),
        "query": (
            "InvalidClientTokenId",
            403,
            "The security token included in the request is invalid.",
        ),
        "json": (
            "UnrecognizedClientException",
            400,
            "The security token included in the request is invalid.",
        ),
        "rest-json": (
            "UnrecognizedClientException",
            403,
            "The security token included in the request is invalid.",
        ),
    },
}


def protocol_of(service: str | None, headers) -> str:
    """'ec2', 'json', 'rest-json' or 'query' for a request."""
    if headers.get("X-Amz-Target"):
        return "json"
    if service in REST_JSON_SERVICES or _model_protocol(service) == "rest-json":
        return "rest-json"
    if service in EC2_SERVICES:
        return "ec2"
    return "query"


@functools.lru_cache(maxsize=None)
def _model_protocol(service: str | None) -> str | None:
    """The protocol botocore's model of `service` declares (lambda, eks: rest-json)."""
    if not service:
        return None
    import botocore.loaders

    try:
        model = botocore.loaders.create_loader().load_service_model(service, "service-2")
    except Exception:  # noqa: BLE001 - a signing name that is no model's name
        return None
    return model.get("metadata", {}).get("protocol")


@dataclass
class AwsError(Exception):
    """Raised by locally answered operations; rendered in the request's protocol."""

    code: str
    message: str = ""
    status: int = 400

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def render_error(
    protocol: str,
    code: str,
    message: str,
    status: int,
    *,
    service: str | None = None,
    json_version: str = "1.1",
) -> tuple[int, list[tuple[str, str]], bytes]:
    """(status, headers, body) of an error response for `protocol`."""
    request_id = str(uuid.uuid4())
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = [
            ("Content-Type", f"application/x-amz-json-{json_version}"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", f"{code}:http://internal.amazon.com/coral/com.amazon.coral/"),
        ]
        return status, headers, body
    if protocol == "rest-json":
        # the error shapes' member is "Message"; botocore reads the code from the header
        body = json.dumps({"Message": message}).encode()
        headers = [
            ("Content-Type", "application/json"),
            ("x-amzn-RequestId", request_id),
            ("x-amzn-ErrorType", code),
        ]
        return status, headers, body
    if protocol == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{escape(code)}</Code>"
            f"<Message>{escape(message)}</Message></Error></Errors>"
            f"<RequestID>{request_id}</RequestID></Response>"
        ).encode()
        return status, [("Content-Type", "text/xml;charset=UTF-8")], body
    namespace = QUERY_NAMESPACES.get(service or "")
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    fault_type = "Receiver" if status >= 500 else "Sender"
    body = (
        f"<ErrorResponse{xmlns}><Error><Type>{fault_type}</Type>"
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)], body
