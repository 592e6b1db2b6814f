"""Managed nodes as SSM lists them (ssm:DescribeInstanceInformation): the agent status of
EC2 instances, to merge into their records, and the nodes themselves for hybrid ones."""
from __future__ import annotations

from fuzzyaws.aws.errors import AwsError
from fuzzyaws.inventory.shape import clip

def page_size(fetch) -> int:
    """DescribeInstanceInformation's page size (5 to 50): also the instance ids one call
    asks about."""
    return clip(fetch.page_size, 5, 50)


def agent(info: dict) -> dict:
    """The attrs an SSM node's record carries: `ssm_ping`, `ssm_agent`, `ssm_platform`."""
    return {
        "ssm_ping": info.get("PingStatus"),
        "ssm_agent": info.get("AgentVersion"),
        "ssm_platform": " ".join(filter(None, (info.get("PlatformName"), info.get("PlatformVersion"))))
                        or info.get("PlatformType"),
    }


class Agents:
    """The SSM agent status of EC2 instances, asked for by batches of their ids as EC2 lists
    them, the batches concurrently on the run's pool. Listing every managed node instead
    is one page of 50 after another: 2,000 calls in a row for 100,000 instances, minutes.
    A region without instances costs no call. Once a batch fails the rest are not asked,
    and `found()` raises that error."""

    def __init__(self, fetch):
        self._fetch, self._started, self._failed = fetch, [], None
        self._size = page_size(fetch)

    def ask(self, ids: list) -> None:
        for n in range(0, len(ids), self._size):
            self._started.append(self._fetch.submit(lambda batch=ids[n:n + self._size]: self._batch(batch)))

    def _batch(self, ids: list) -> dict:
        if self._failed is not None:
            return {}
        try:
            pages = self._fetch.client("ssm").get_paginator("describe_instance_information").paginate(
                Filters=[{"Key": "InstanceIds", "Values": ids}], PaginationConfig={"PageSize": self._size})
            return {info["InstanceId"]: agent(info) for page in pages for info in page["InstanceInformationList"]}
        except AwsError as exc:
            self._failed = exc
            raise

    def found(self) -> dict:
        """{instance id: agent(info)} for those of the ids asked about that SSM manages."""
        out: dict = {}
        for batch in self._fetch.results(self._started):
            out.update(batch)
        return out
