"""What a command's output looks like, as the SSM agent builds it (amazon-ssm-agent,
iohandler.go):

- A non-zero exit appends "failed to run commands: exit status N" to stderr.
- GetCommandInvocation: StandardOutputContent is the first 24,000 bytes of stdout,
  StandardErrorContent the first 8,000 bytes of stderr, no truncation marker.
- ListCommandInvocations(Details=True): the plugin's Output is stdout and stderr
  joined by "\\n----------ERROR-------\\n" and cut to 2,500 bytes, with
  "\\n---Output truncated---" / "\\n---Error truncated----" where it was cut.

A test sets stdout / stderr per instance as literal strings or callables of one dict
(instance_id, account, region, command_id, document, commands: the Parameters'
commands joined by newlines); the default stdout names the instance and echoes the
commands, so a test sees what ran where.
"""

from __future__ import annotations

from typing import Any

# the agent's limits
PLUGIN_OUTPUT_LIMIT = 2500
STDOUT_LIMIT = 24000
STDERR_LIMIT = 8000
_ERROR_TITLE = "\n----------ERROR-------\n"
_TRUNC_OUT = "\n---Output truncated---"
_TRUNC_ERR = "\n---Error truncated----"


def default_stdout(ctx: dict) -> str:
    return (
        f"fakeaws ran on {ctx['instance_id']} ({ctx['account']}/{ctx['region']}):\n"
        f"{ctx['commands']}\n"
    )


def default_stderr(ctx: dict) -> str:
    return f"fakeaws: simulated failure on {ctx['instance_id']}\n"


def render(value: Any, ctx: dict) -> str:
    """A stdout / stderr setting (None, a string or a callable of ctx) as text."""
    if value is None:
        return ""
    if callable(value):
        return str(value(ctx))
    return str(value)


def final_streams(stdout: str, stderr: str, exit_code: int) -> tuple[str, str]:
    """Full stdout and stderr as the agent reports them once the script exited."""
    if exit_code != 0:
        note = f"failed to run commands: exit status {exit_code}"
        stderr = f"{stderr}\n{note}" if stderr else note
    return stdout, stderr


def cut(text: str, limit: int) -> str:
    """First `limit` UTF-8 bytes, as the Go agent slices; a split character becomes U+FFFD."""
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode("utf-8", "replace")


def plugin_output(stdout: str, stderr: str, capacity: int = PLUGIN_OUTPUT_LIMIT) -> str:
    """The agent's TruncateOutput (iohandler.go): stdout + error title + stderr in
    `capacity` bytes."""
    out, err = stdout.encode(), stderr.encode()
    title = _ERROR_TITLE.encode() if err else b""
    space = capacity - len(title)
    trunc_out, trunc_err = _TRUNC_OUT.encode(), _TRUNC_ERR.encode()
    if len(out) + len(err) < space:
        joined = out + title + err
    elif len(out) > space // 2 and len(err) > space // 2:
        size = space - len(trunc_err) - len(trunc_out)
        joined = out[: size // 2] + trunc_out + title + err[: size // 2] + trunc_err
    elif len(out) < space // 2:
        size = space - len(trunc_err)
        joined = out + title + err[: size - len(out)] + trunc_err
    else:
        size = space - len(trunc_out)
        joined = out[: size - len(err)] + trunc_out + title + err
    return joined.decode("utf-8", "replace")
