"""`fuzzyaws tunnel [QUERY|ID|ARN]`: SSM port forwarding to an instance's port, or through a
jump host to a database, cache or any host. Prints the mapping, then runs until Ctrl-C."""
from __future__ import annotations


from fuzzyaws import config
from fuzzyaws.actions import session
from fuzzyaws.actions.aws import AWS, PLUGIN, need
from fuzzyaws.actions.tunnel import free_port, jumphost, mapping, remote_host, remote_port, ssm_reason
from fuzzyaws.cache import Cache
from fuzzyaws.selection import all_records, resolve
from fuzzyaws.status import UsageError


def run(args) -> int:
    settings = config.load(args)
    plugin = need(PLUGIN)

    def usable(record):
        if record["kind"] == "ec2" and not args.via:
            return ssm_reason(record)
        return None if remote_host(record) else "it has no address"

    record = resolve(args, settings, multi=False, usable=usable)[0]
    port = args.remote_port or remote_port(record)
    if not port:
        raise UsageError(f"{record['id']}: which port? give --remote-port")
    if args.local_port:
        local = free_port(args.local_port)
        if local != args.local_port:
            raise UsageError(f"local port {args.local_port} is in use")
    else:
        local = free_port(port)
    aws = AWS(settings)
    if record["kind"] == "ec2" and not args.via:
        via, target = record, record["id"]
        parameters = session.port_parameters(record["id"], port, local)
    else:
        via = jumphost(record, all_records(settings, Cache(settings.cache_dir)), settings.jumphost_tag, args.via)
        target = remote_host(record)
        parameters = session.port_parameters(via["id"], port, local, target)
    argv, env = session.start(aws, via, parameters, plugin)
    print(mapping(local, target, port, None if via is record else via), flush=True)
    return session.become(argv, env)
