"""Session Manager: starting a session and handing it to session-manager-plugin exactly as
the AWS CLI does (awscli/customizations/sessionmanager.py, ecs/executecommand.py):

    session-manager-plugin RESPONSE REGION StartSession PROFILE PARAMETERS_JSON ENDPOINT_URL

RESPONSE is the StartSession response as JSON; with a plugin newer than 1.2.497.0 it is
instead the name of an environment variable holding it, so that the session token does not
show in `ps`. Both the argv and the environment are returned: the plugin is exec'd with
them (App.become).
"""
from __future__ import annotations

import json
import subprocess

from fuzzyaws.status import Failed

RESPONSE_VAR = "AWS_SSM_START_SESSION_RESPONSE"
ENV_SINCE = (1, 2, 497, 0)  # first plugin version that reads the response from the environment


def reads_env(plugin: str, env: dict) -> bool:
    try:
        out = subprocess.run([plugin, "--version"], capture_output=True, text=True, timeout=10,
                             env=env).stdout
        return tuple(int(x) for x in out.strip().split(".")) > ENV_SINCE
    except (OSError, ValueError, subprocess.SubprocessError):
        return False


def plugin_argv(app, plugin: str, response: dict, region: str, profile: str, parameters: dict,
                endpoint: str) -> tuple:
    """(argv, env) that hand a started session to the plugin."""
    response = json.dumps({k: v for k, v in response.items() if k != "ResponseMetadata"})
    env = {}
    if reads_env(plugin, app.env):
        env, response = {RESPONSE_VAR: response}, RESPONSE_VAR
    return [plugin, response, region, "StartSession", profile, json.dumps(parameters), endpoint], env


def start(app, resource, parameters: dict, plugin: str) -> tuple:
    """Call ssm StartSession for `parameters` (Target, DocumentName, Parameters) in the
    resource's account and region; the plugin's (argv, env) to carry it."""
    ssm = app.aws.client_for(resource, "ssm")
    response = ssm.start_session(**parameters)
    return plugin_argv(app, plugin, response, resource.region, app.aws.profile(resource), parameters,
                       ssm.meta.endpoint_url)


def shell_parameters(instance_id: str, user: "str | None") -> dict:
    """A shell on the instance; as `user`, through AWS-StartInteractiveCommand."""
    if not user:
        return {"Target": instance_id}
    return {"Target": instance_id, "DocumentName": "AWS-StartInteractiveCommand",
            "Parameters": {"command": [f"sudo -i -u {user}"]}}


def port_parameters(instance_id: str, remote_port: int, local_port: int,
                    host: "str | None" = None) -> dict:
    """Port forwarding to the instance (or task: target_of) itself, or through it to `host`."""
    params = {"portNumber": [str(remote_port)], "localPortNumber": [str(local_port)]}
    if host is None:
        return {"Target": instance_id, "DocumentName": "AWS-StartPortForwardingSession",
                "Parameters": params}
    return {"Target": instance_id, "DocumentName": "AWS-StartPortForwardingSessionToRemoteHost",
            "Parameters": {"host": [host], **params}}


def target_of(app, resource) -> str:
    """The SSM target that forwards ports through `resource`: an instance's or node's ID,
    or for an ECS task ecs:CLUSTER_TASK_RUNTIMEID (of its first running container: they
    share the task's network)."""
    if resource.kind != "ecs":
        return resource.id
    described = app.aws.client_for(resource, "ecs").describe_tasks(
        cluster=resource.cluster, tasks=[resource.key])["tasks"]
    runtime = next((c["runtimeId"] for t in described for c in t.get("containers", []) if c.get("runtimeId")), None)
    if runtime is None:
        raise Failed(f"task {resource.id} has no running container to forward through")
    return f"ecs:{resource.cluster}_{resource.id}_{runtime}"


def ssh_parameters(instance_id: str, port: int) -> dict:
    return {"Target": instance_id, "DocumentName": "AWS-StartSSHSession",
            "Parameters": {"portNumber": [str(port)]}}


def ecs_exec(app, task, container: str, runtime_id: str, command: str, plugin: str) -> tuple:
    """ecs ExecuteCommand, then the plugin with the SSM target ecs:CLUSTER_TASK_RUNTIMEID."""
    ecs = app.aws.client_for(task, "ecs")
    response = ecs.execute_command(cluster=task.cluster, task=task.key, container=container,
                                   command=command, interactive=True)
    target = {"Target": f"ecs:{task.cluster}_{task.id}_{runtime_id}"}
    return plugin_argv(app, plugin, response["session"], task.region, app.aws.profile(task), target,
                       ecs.meta.endpoint_url)

