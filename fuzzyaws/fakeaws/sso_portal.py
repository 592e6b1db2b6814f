"""The SSO portal's GetRoleCredentials (moto has no `sso` service): what botocore calls, with
the access token of `aws sso login`, to turn an SSO profile into role credentials. The
request is not signed (a bearer token and the account in the query string: identify.py);
the answer is the account's fake keys, so that what follows is that account's."""

from __future__ import annotations

import time

from .accounts import register
from .local import HandlerTable, LocalRequest


def get_role_credentials(req: LocalRequest) -> dict:
    keys = register(req.info.account)
    return {"roleCredentials": {"accessKeyId": keys["aws_access_key_id"],
                                "secretAccessKey": keys["aws_secret_access_key"],
                                "sessionToken": "fakeaws-sso-session",
                                "expiration": int((time.time() + 3600) * 1000)}}


HANDLERS: HandlerTable = {("sso", "GetRoleCredentials"): get_role_credentials}
