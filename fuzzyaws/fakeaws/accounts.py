"""Fake access keys that moto attributes to a chosen 12-digit account.

moto maps an access key to an account only when the key belongs to an IAM user (or
an assumed role) of that account, otherwise to 123456789012. So each account gets
an IAM user created straight in moto's in-process IAM backend, with a key whose id
and secret are fixed and obviously fake: the same after every reset, so config
files written once stay valid.
"""

from __future__ import annotations

import re

DEFAULT_ACCOUNT = "123456789012"
USER_NAME = "fakeaws"

_ACCOUNT = re.compile(r"^\d{12}$")


def fake_keys(account: str) -> dict[str, str]:
    if not _ACCOUNT.match(account):
        raise ValueError(f"an account id is 12 digits, not {account!r}")
    return {
        "aws_access_key_id": f"FAKEAKID{account}",
        "aws_secret_access_key": f"fake-secret-{account}-not-a-real-key",
    }


def register(account: str) -> dict[str, str]:
    """Create (idempotently) the IAM user + access key of `account` inside moto."""
    from moto.iam.models import iam_backends

    keys = fake_keys(account)
    backend = iam_backends[account]["aws"]
    if keys["aws_access_key_id"] in backend.access_keys:
        return keys
    user = backend.users.get(USER_NAME) or backend.create_user(
        region_name="us-east-1", user_name=USER_NAME
    )
    key = user.create_access_key(prefix="AKIA")
    key.access_key_id = keys["aws_access_key_id"]
    key.secret_access_key = keys["aws_secret_access_key"]
    backend.access_keys[key.physical_resource_id] = key
    return keys
