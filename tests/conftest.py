"""Shared fixtures. No test may see real AWS configuration or credentials."""

from __future__ import annotations

import os

import pytest

if __package__:  # tests/ made a package
    from .fakeaws import aws, fake_aws, fleet  # noqa: F401
else:
    from fakeaws import aws, fake_aws, fleet  # noqa: F401


@pytest.fixture(scope="session", autouse=True)
def _no_real_aws():
    """Hide the developer's AWS profile, keys and ~/.aws files from every test."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("AWS_"):
                mp.delenv(name)
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield
