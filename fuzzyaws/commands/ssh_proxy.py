"""`fuzzyaws ssh-proxy HOST PORT`: an ssh ProxyCommand that reaches HOST (an instance id,
or a name or ARN from the cache) through SSM (AWS-StartSSHSession), so no port 22 needs to be
open. `connect --ssh` uses it; in ~/.ssh/config: `ProxyCommand fuzzyaws ssh-proxy %h %p`."""
from __future__ import annotations

from fuzzyaws import config
from fuzzyaws.actions import session
from fuzzyaws.actions.aws import AWS, PLUGIN, need
from fuzzyaws.actions.tunnel import ssm_reason
from fuzzyaws.cache import Cache
from fuzzyaws.selection import all_records
from fuzzyaws.status import NO_MATCH, FuzzyAwsError


def run(args) -> int:
    settings = config.load(args)
    plugin = need(PLUGIN)
    found = [r for r in all_records(settings, Cache(settings.cache_dir))
             if r["kind"] == "ec2" and args.host in (r["id"], r["key"], r.get("name"))]
    if not found:
        raise FuzzyAwsError(f"{args.host} is not an EC2 instance in the cache", NO_MATCH)
    reason = ssm_reason(found[0])
    if reason:
        raise FuzzyAwsError(f"{args.host}: {reason}", NO_MATCH)
    aws = AWS(settings)
    return session.become(*session.start(aws, found[0], session.ssh_parameters(found[0]["id"], args.port), plugin))
