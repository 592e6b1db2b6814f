"""Batch run over SSM Run Command, built to stay correct at hundreds of hosts:

- at most 50 instance ids per SendCommand, one command per account × region × platform chunk;
- SendCommand is retried only when AWS certainly did not run it (throttling: the request was
  refused). After an ambiguous failure (5xx, a timeout) the command is looked up by the unique
  Comment it was sent with, so no host ever gets the command twice;
- polling costs one ListCommandInvocations (Details=True, paginated) per command per round,
  not one call per host, with backoff from 1 s to 5 s;
- every target ends in exactly one result: its status, exit code and output, or why it was
  skipped or given up on.
"""
from __future__ import annotations

import random
import time
import uuid

from fuzzyaws.actions.tunnel import ssm_reason
from fuzzyaws.aws.errors import AwsError, Throttled, Unreachable
from fuzzyaws.workers import Pool

CHUNK = 50  # SendCommand's limit on InstanceIds
TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled", "Undeliverable", "Terminated",
            "DeliveryTimedOut", "ExecutionTimedOut"}
# How the SSM agent builds a plugin's Output in ListCommandInvocations (iohandler.go): stdout,
# then this mark and stderr, cut to 2,500 characters with a mark where either was cut.
ERROR_MARK = "\n----------ERROR-------\n"
TRUNCATED = ("\n---Output truncated---", "\n---Error truncated----")


class Result:
    """One host's outcome; filled in as the polls come back."""

    def __init__(self, resource):
        self.resource = resource
        self.status = "Pending"
        self.exit_code: "int | None" = None
        self.stdout = self.stderr = ""
        self.truncated = False
        self.reason = ""  # why it was skipped or gave no result

    @property
    def ok(self) -> bool:
        return self.status == "Success"

    def to_dict(self) -> dict:
        r = self.resource
        return {"id": r.id, "name": r.name, "account": r.account, "region": r.region,
                "status": self.status, "exit_code": self.exit_code, "stdout": self.stdout,
                "stderr": self.stderr, "truncated": self.truncated, "reason": self.reason or None}


class Command:
    """One SendCommand: up to CHUNK hosts of one account × region × document."""

    def __init__(self, account: str, region: str, document: str, results: list, comment: str):
        self.account, self.region, self.document = account, region, document
        self.results = results
        self.comment = comment
        self.id: "str | None" = None
        self.done = False

    def result(self, instance_id: str) -> "Result | None":
        return next((r for r in self.results if r.resource.id == instance_id), None)


class Batch:
    def __init__(self, aws, command: str, timeout: int = 120, concurrency: str = "50",
                 max_errors: str = "0", sleep=time.sleep):
        self.aws = aws
        self.command = command  # the shell (or PowerShell) text to run
        self.timeout, self.concurrency, self.max_errors = timeout, concurrency, max_errors
        self.progress = None  # callable(results) after each round
        self.sleep = sleep
        self.commands: list = []
        self.results: list = []

    def plan(self, resources: list) -> list:
        """A Result for every resource (the skipped ones final already), and the Commands
        that will carry the rest. `run()` then fills the results in."""
        results, runnable = [], {}
        for resource in resources:
            result = Result(resource)
            results.append(result)
            reason = ssm_reason(resource)
            if reason:
                result.status, result.reason = "Skipped", reason
                continue
            document = "AWS-RunPowerShellScript" if resource.windows else "AWS-RunShellScript"
            runnable.setdefault((resource.account, resource.region, document), []).append(result)
        run_id = uuid.uuid4().hex[:12]
        for (account, region, document), group in sorted(runnable.items()):
            for start in range(0, len(group), CHUNK):
                self.commands.append(Command(account, region, document, group[start:start + CHUNK],
                                             comment=f"fuzzyaws run {run_id} #{len(self.commands)}"))
        self.results = results
        return results

    def run(self) -> list:
        results = self.results
        deadline = time.monotonic() + self.timeout + 30  # + delivery and status settling
        pool = Pool(8)
        try:
            pool.each([lambda c=c: self._send(c) for c in self.commands], _raise)
            delay = 1.0
            while not all(c.done for c in self.commands) and time.monotonic() < deadline:
                self.sleep(delay)
                pool.each([lambda c=c: self._poll(c) for c in self.commands if not c.done], _raise)
                if self.progress:
                    self.progress(results)
                delay = min(5.0, delay * 1.5)
        finally:
            pool.cancel()  # queued work is dropped (Ctrl-C), idle threads end
        for result in results:
            if result.status not in TERMINAL and result.status != "Skipped":
                result.status = "TimedOut"
                result.reason = result.reason or f"no result after {self.timeout} s"
        return results

    # -- AWS calls -------------------------------------------------------------------
    def _client(self, command: Command, retries: bool):
        return self.aws.client(self.aws.target_of(command.account, command.region), "ssm", retries=retries)

    def _send(self, command: Command) -> None:
        ids = [r.resource.id for r in command.results]
        params = {"commands": [self.command], "executionTimeout": [str(self.timeout)]}
        last = None
        for attempt in range(8):
            try:
                sent = self._client(command, retries=False).send_command(
                    InstanceIds=ids, DocumentName=command.document, Parameters=params,
                    Comment=command.comment, MaxConcurrency=self.concurrency,
                    MaxErrors=self.max_errors, TimeoutSeconds=max(30, self.timeout))
                command.id = sent["Command"]["CommandId"]
                return
            except Throttled as exc:
                last = exc  # certainly refused: send it again
            except AwsError as exc:
                last = exc
                ambiguous = isinstance(exc, Unreachable) or (exc.http_status or 0) >= 500
                if not ambiguous:
                    return self._fail(command, f"SendCommand failed: {exc}")
                if self._find_sent(command):
                    return  # it did go through: never send it twice
            self.sleep(min(20.0, 0.5 * 2 ** attempt) * random.uniform(0.5, 1.0))
        self._fail(command, f"SendCommand kept failing ({last}); not sent")

    def _find_sent(self, command: Command) -> bool:
        """After an ambiguous SendCommand failure: did AWS take it? Look for our Comment."""
        try:
            pages = self._client(command, retries=True).get_paginator("list_commands").paginate(
                Filters=[{"key": "DocumentName", "value": command.document}])
            for page in pages:
                for sent in page["Commands"]:
                    if sent.get("Comment") == command.comment:
                        command.id = sent["CommandId"]
                        return True
        except AwsError:
            pass
        return False

    def _fail(self, command: Command, reason: str) -> None:
        command.done = True
        for result in command.results:
            result.status, result.reason = "Failed", reason

    def _poll(self, command: Command) -> None:
        if command.id is None:
            command.done = True
            return
        try:
            pages = self._client(command, retries=True).get_paginator("list_command_invocations").paginate(
                CommandId=command.id, Details=True, PaginationConfig={"PageSize": 50})
            invocations = [inv for page in pages for inv in page["CommandInvocations"]]
        except AwsError:
            return  # retried by botocore already; try again next round
        for inv in invocations:
            result = command.result(inv.get("InstanceId"))
            if result is None or result.status in TERMINAL:
                continue
            result.status = inv.get("Status", result.status)
            if result.status in TERMINAL:
                _read_output(result, inv)
        command.done = bool(invocations) and all(r.status in TERMINAL for r in command.results)


def _read_output(result: Result, invocation: dict) -> None:
    plugins = invocation.get("CommandPlugins") or [{}]
    plugin = plugins[0]
    output = plugin.get("Output") or ""
    result.truncated = any(mark in output for mark in TRUNCATED)
    for mark in TRUNCATED:
        output = output.replace(mark, "")
    result.stdout, _, result.stderr = output.partition(ERROR_MARK)
    code = plugin.get("ResponseCode")
    result.exit_code = None if code in (None, -1) else int(code)
    if result.status != "Success" and not result.reason:
        result.reason = invocation.get("StatusDetails") or plugin.get("StatusDetails") or ""


def _raise(task) -> None:
    task.get()  # a bug (or bad credentials) in a send or poll is not swallowed
