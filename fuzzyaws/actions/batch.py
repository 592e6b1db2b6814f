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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import botocore.exceptions as bex

from fuzzyaws.actions.tunnel import ssm_reason

CHUNK = 50  # SendCommand's limit on InstanceIds
TERMINAL = {"Success", "Failed", "TimedOut", "Cancelled", "Undeliverable", "Terminated",
            "DeliveryTimedOut", "ExecutionTimedOut"}
THROTTLED = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
# How the SSM agent builds a plugin's Output in ListCommandInvocations (iohandler.go): stdout,
# then this mark and stderr, cut to 2,500 characters with a mark where either was cut.
ERROR_MARK = "\n----------ERROR-------\n"
TRUNCATED = ("\n---Output truncated---", "\n---Error truncated----")


@dataclass
class Result:
    record: dict
    status: str = "Pending"
    exit_code: "int | None" = None
    stdout: str = ""
    stderr: str = ""
    truncated: bool = False
    reason: str = ""  # why it was skipped or gave no result

    @property
    def ok(self) -> bool:
        return self.status == "Success"

    def to_dict(self) -> dict:
        r = self.record
        return {"id": r["id"], "name": r.get("name"), "account": r["account"], "region": r["region"],
                "status": self.status, "exit_code": self.exit_code, "stdout": self.stdout,
                "stderr": self.stderr, "truncated": self.truncated, "reason": self.reason or None}


@dataclass
class Command:
    account: str
    region: str
    document: str
    results: list  # Result per instance
    comment: str
    id: "str | None" = None
    done: bool = False

    def result(self, instance_id: str) -> "Result | None":
        return next((r for r in self.results if r.record["id"] == instance_id), None)


@dataclass
class Batch:
    aws: object
    command: str  # the shell (or PowerShell) text to run
    timeout: int = 120
    concurrency: str = "50"
    max_errors: str = "0"
    progress: object = None  # callable(results) after each round
    sleep: object = time.sleep
    commands: list = field(default_factory=list)
    results: list = field(default_factory=list)

    def plan(self, records: list) -> list:
        """A Result for every record (the skipped ones final already), and the Commands
        that will carry the rest. `run()` then fills the results in."""
        results, runnable = [], {}
        for record in records:
            result = Result(record)
            results.append(result)
            reason = ssm_reason(record)
            if reason:
                result.status, result.reason = "Skipped", reason
                continue
            windows = "windows" in str((record.get("attrs") or {}).get("platform", "")).lower()
            document = "AWS-RunPowerShellScript" if windows else "AWS-RunShellScript"
            runnable.setdefault((record["account"], record["region"], document), []).append(result)
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
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(self._send, self.commands))
            delay = 1.0
            while not all(c.done for c in self.commands) and time.monotonic() < deadline:
                self.sleep(delay)
                list(pool.map(self._poll, [c for c in self.commands if not c.done]))
                if self.progress:
                    self.progress(results)
                delay = min(5.0, delay * 1.5)
        for result in results:
            if result.status not in TERMINAL and result.status != "Skipped":
                result.status = "TimedOut"
                result.reason = result.reason or f"no result after {self.timeout} s"
        return results

    # -- AWS calls -------------------------------------------------------------------
    def _client(self, command: Command, retries: bool):
        return self.aws.client(command.account, "ssm", command.region, retries=retries)

    def _send(self, command: Command) -> None:
        ids = [r.record["id"] for r in command.results]
        params = {"commands": [self.command], "executionTimeout": [str(self.timeout)]}
        for attempt in range(8):
            try:
                sent = self._client(command, retries=False).send_command(
                    InstanceIds=ids, DocumentName=command.document, Parameters=params,
                    Comment=command.comment, MaxConcurrency=self.concurrency,
                    MaxErrors=self.max_errors, TimeoutSeconds=max(30, self.timeout))
                command.id = sent["Command"]["CommandId"]
                return
            except bex.ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
                if code not in THROTTLED and status < 500:
                    return self._fail(command, f"SendCommand failed: {code}: "
                                               f"{exc.response.get('Error', {}).get('Message', '')}")
                if code not in THROTTLED and self._find_sent(command):
                    return  # it did go through: never send it twice
            except (bex.ConnectionError, bex.HTTPClientError):
                if self._find_sent(command):
                    return
            self.sleep(min(20.0, 0.5 * 2 ** attempt) * random.uniform(0.5, 1.0))
        self._fail(command, "SendCommand kept failing (throttled or AWS errors); not sent")

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
        except bex.ClientError:
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
        except bex.ClientError:
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
