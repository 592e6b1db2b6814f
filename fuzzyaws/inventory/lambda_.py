"""Lambda functions, with their tags from the region's tagging listing (shared.py).

IAM: lambda:ListFunctions, tag:GetResources (else lambda:ListTags)

ListFunctions leaves out a function's State (only GetFunction has it, one call per
function): the state column shows the runtime instead. A function URL would also take one
more call per function: not fetched.
"""
from __future__ import annotations

from fuzzyaws.inventory import shared
from fuzzyaws.inventory.shape import clip, resource, unless_gone


def collect(fetch) -> list:
    lam = fetch.client("lambda")
    pages = lam.get_paginator("list_functions").paginate(
        PaginationConfig={"PageSize": clip(fetch.page_size, 1, 50)})
    functions = [f for page in pages for f in page["Functions"]]
    tags = shared.tags_of(fetch, [f["FunctionArn"] for f in functions], lambda arn: unless_gone(
        lambda: lam.list_tags(Resource=arn).get("Tags") or {}))
    return [_function(f, t, fetch.account, fetch.region) for f, t in zip(functions, tags) if t is not None]


def _function(conf: dict, tags: dict, account: str, region: str):
    attrs = {
        "runtime": conf.get("Runtime"), "handler": conf.get("Handler"),
        "memory": conf.get("MemorySize"), "timeout": conf.get("Timeout"),
        "last_modified": conf.get("LastModified"),
        "architecture": ",".join(conf.get("Architectures") or []),
        "package_type": conf.get("PackageType"), "code_size": conf.get("CodeSize"),
        "description": conf.get("Description"), "role": conf.get("Role"),
        "layers": [layer.get("Arn") for layer in conf.get("Layers") or []],
        "vpc": (conf.get("VpcConfig") or {}).get("VpcId"),
        "dead_letter": (conf.get("DeadLetterConfig") or {}).get("TargetArn"),
        "log_group": (conf.get("LoggingConfig") or {}).get("LogGroup"),
    }
    return resource("lambda", conf["FunctionArn"], conf["FunctionName"], account, region,
                    tags=dict(tags), attrs=attrs, state=conf.get("Runtime") or conf.get("PackageType"))
