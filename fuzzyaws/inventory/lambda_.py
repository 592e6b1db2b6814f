"""Lambda functions.

IAM: lambda:ListFunctions, lambda:GetFunction

ListFunctions leaves out a function's State and its tags; GetFunction has both, so each
function costs one GetFunction (run concurrently) rather than a ListTags that would still
leave the state unknown. A function URL would take one more call per function: not fetched.
"""
from __future__ import annotations

from fuzzyaws.inventory.shape import clip, resource, unless_gone


def collect(fetch) -> list:
    lam = fetch.client("lambda")
    pages = lam.get_paginator("list_functions").paginate(
        PaginationConfig={"PageSize": clip(fetch.page_size, 1, 50)})
    names = [f["FunctionName"] for page in pages for f in page["Functions"]]
    got = fetch.gather(*[lambda n=n: unless_gone(lambda: lam.get_function(FunctionName=n)) for n in names])
    return [_function(g, fetch.account, fetch.region) for g in got if g]


def _function(got: dict, account: str, region: str):
    conf = got["Configuration"]
    attrs = {
        "runtime": conf.get("Runtime"), "handler": conf.get("Handler"),
        "memory": conf.get("MemorySize"), "timeout": conf.get("Timeout"),
        "last_modified": conf.get("LastModified"),
        "architecture": ",".join(conf.get("Architectures") or []),
        "package_type": conf.get("PackageType"), "code_size": conf.get("CodeSize"),
        "description": conf.get("Description"), "role": conf.get("Role"),
        "image": (got.get("Code") or {}).get("ImageUri"),
        "layers": [layer.get("Arn") for layer in conf.get("Layers") or []],
        "vpc": (conf.get("VpcConfig") or {}).get("VpcId"),
        "dead_letter": (conf.get("DeadLetterConfig") or {}).get("TargetArn"),
        "log_group": (conf.get("LoggingConfig") or {}).get("LogGroup"),
        "last_update": conf.get("LastUpdateStatus"), "state_reason": conf.get("StateReason"),
    }
    return resource("lambda", conf["FunctionArn"], conf["FunctionName"], account, region,
                    tags=dict(got.get("Tags") or {}), attrs=attrs,
                    state=(conf.get("State") or "").lower())
