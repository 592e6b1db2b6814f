"""pytest fixtures over fuzzyaws.fakeaws: a real moto server behind the fault proxy.

- fake_aws (session): started once per test session.
- aws: the same server, reset (empty moto, no faults, empty call log) before each test.
- fleet: a Fleet builder on it.

Clients for the code under test: ``aws.client("ec2", account, region)`` in process,
``aws.env(account, region, base=os.environ)`` for a subprocess.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def fake_aws():
    pytest.importorskip("moto.server", reason="moto[server] not installed")
    from fuzzyaws.fakeaws import FakeAWS

    with FakeAWS() as server:
        yield server


@pytest.fixture
def aws(fake_aws):
    fake_aws.reset()
    yield fake_aws


@pytest.fixture
def fleet(aws):
    from fuzzyaws.fakeaws import Fleet

    return Fleet(aws)
