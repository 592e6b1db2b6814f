"""Start, stop and reboot: EC2 instances (in batches per account and region) and RDS
instances and clusters (one call each), then wait, polling, until each target reports the
state it was asked for.

EC2 reboot has no state to wait for (the instance stays `running`): AWS accepting it is
the end of it. Everything else is watched until it gets there or the timeout passes; a
throttled or unreachable poll is tried again at the next round, a denied one ends the
wait for its targets with that reason.
"""
from __future__ import annotations

import time

from fuzzyaws.aws.errors import AccessDenied, AwsError, NotFound
from fuzzyaws.frozen import Frozen

VERBS = ("start", "stop", "reboot")
# the state each verb leads to, by kind; also what a target must be in to be offered
GOAL = {("start", "ec2"): "running", ("stop", "ec2"): "stopped", ("reboot", "ec2"): "running",
        ("start", "rds"): "available", ("stop", "rds"): "stopped"}
FROM = {("start", "ec2"): ("stopped",), ("stop", "ec2"): ("running", "pending"),
        ("reboot", "ec2"): ("running",), ("start", "rds"): ("stopped",),
        ("stop", "rds"): ("available",)}
EC2_BATCH = 100  # instance IDs per StartInstances/StopInstances/RebootInstances call
POLL = 2.0  # seconds between rounds of state checks


class Outcome(Frozen):
    resource: object
    state: str = ""  # what AWS last said
    done: bool = False
    reason: str = ""  # why not


def usable(verb: str):
    """resource -> None if `verb` applies to it, else why not (for the picker and names)."""
    def check(resource) -> "str | None":
        if (verb, resource.kind) not in GOAL:
            return f"{verb} works on EC2 instances" + ("" if verb == "reboot" else " and RDS databases")
        if resource.state not in FROM[verb, resource.kind]:
            return f"it is {resource.state or 'in an unknown state'}"
        return None
    return check


def is_cluster(resource) -> bool:
    return ":cluster:" in resource.key


def _split(resources) -> tuple:
    """({(account, region): [EC2 instances]}, [RDS databases]): an EC2 call takes many
    instances of one place, an RDS call one database."""
    ec2: dict = {}
    for r in resources:
        if r.kind == "ec2":
            ec2.setdefault((r.account, r.region), []).append(r)
    return ec2, [r for r in resources if r.kind != "ec2"]


def act(aws, verb: str, targets: list) -> list:
    """Ask AWS to `verb` each target; [Outcome] in order (reason set where it refused)."""
    outcomes = {r.key: Outcome(resource=r) for r in targets}
    ec2, databases = _split(targets)
    for r in databases:
        _rds(aws, verb, r, outcomes)
    operation = {"start": "start_instances", "stop": "stop_instances", "reboot": "reboot_instances"}[verb]
    for (account, region), group in sorted(ec2.items()):
        client = aws.client_for(group[0], "ec2")
        for at in range(0, len(group), EC2_BATCH):
            batch = group[at:at + EC2_BATCH]
            try:
                getattr(client, operation)(InstanceIds=[r.id for r in batch])
            except AwsError as exc:
                for r in batch:
                    outcomes[r.key] = outcomes[r.key].replace(reason=str(exc))
            else:
                if verb == "reboot":  # nothing to wait for
                    for r in batch:
                        outcomes[r.key] = outcomes[r.key].replace(state="running", done=True)
    return [outcomes[r.key] for r in targets]


def _rds(aws, verb: str, r, outcomes: dict) -> None:
    client = aws.client_for(r, "rds")
    try:
        if is_cluster(r):
            getattr(client, f"{verb}_db_cluster")(DBClusterIdentifier=r.id)
        else:
            getattr(client, f"{verb}_db_instance")(DBInstanceIdentifier=r.id)
    except AwsError as exc:
        outcomes[r.key] = outcomes[r.key].replace(reason=str(exc))


def wait(aws, verb: str, outcomes: list, timeout: float, progress=None, poll: float = POLL) -> list:
    """Poll until every outcome without a reason is done, or `timeout` seconds have passed
    (those still pending get a reason then). `progress(outcomes)` after each round."""
    current = {o.resource.key: o for o in outcomes}
    deadline = time.monotonic() + timeout
    while True:
        pending = [o for o in current.values() if not o.done and not o.reason]
        if not pending:
            break
        for key, state, reason in _states(aws, [o.resource for o in pending]):
            goal = GOAL[verb, current[key].resource.kind]
            current[key] = current[key].replace(state=state or current[key].state,
                                                done=state == goal, reason=reason)
        if progress:
            progress(list(current.values()))
        if all(o.done or o.reason for o in current.values()):
            break
        left = deadline - time.monotonic()
        if left <= 0:
            for key, o in current.items():
                if not o.done and not o.reason:
                    current[key] = o.replace(reason=f"still {o.state or 'unconfirmed'} after {timeout:g} s")
            break
        time.sleep(min(poll, left))
    return [current[o.resource.key] for o in outcomes]


def _states(aws, resources: list):
    """(key, state or "", reason or "") for each resource, from one round of describes.
    A throttled or unreachable call leaves its resources unknown for this round."""
    ec2, databases = _split(resources)
    for r in databases:
        yield _rds_state(aws, r)
    for group in ec2.values():
        try:
            found = {}
            pages = aws.client_for(group[0], "ec2").get_paginator("describe_instances").paginate(
                InstanceIds=[r.id for r in group])
            for page in pages:
                for reservation in page["Reservations"]:
                    for instance in reservation["Instances"]:
                        found[instance["InstanceId"]] = instance["State"]["Name"]
        except AccessDenied as exc:
            for r in group:
                yield r.key, "", f"cannot watch it: {exc}"
            continue
        except AwsError:
            continue  # throttled, unreachable: the next round asks again
        for r in group:
            yield r.key, found.get(r.id, "gone"), "" if r.id in found else "no longer listed"


def _rds_state(aws, r):
    client = aws.client_for(r, "rds")
    try:
        if is_cluster(r):
            state = client.describe_db_clusters(DBClusterIdentifier=r.id)["DBClusters"][0]["Status"]
        else:
            state = client.describe_db_instances(DBInstanceIdentifier=r.id)["DBInstances"][0]["DBInstanceStatus"]
    except AccessDenied as exc:
        return r.key, "", f"cannot watch it: {exc}"
    except NotFound:
        return r.key, "gone", "no longer listed"
    except AwsError:
        return r.key, "", ""
    return r.key, state, ""


def recollect(app, changed) -> None:
    """Collect again the shards of what changed, so that `ls` and the picker show it now."""
    if changed:
        from fuzzyaws.cache import shard_id
        from fuzzyaws.inventory.refresh import refresh
        refresh(app, sorted({shard_id(r.account, r.region, r.kind) for r in changed}))


def wait_for_agent(aws, instance, timeout: float, poll: float = POLL) -> bool:
    """Poll SSM until the instance's agent is Online; False if `timeout` passes first."""
    client = aws.client_for(instance, "ssm")
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = client.describe_instance_information(
                Filters=[{"Key": "InstanceIds", "Values": [instance.id]}])["InstanceInformationList"]
            if found and found[0].get("PingStatus") == "Online":
                return True
        except AccessDenied:
            raise
        except AwsError:
            pass  # throttled, unreachable: ask again
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(poll, left))
