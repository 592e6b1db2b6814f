"""`fuzzyaws run [QUERY] -- COMMAND [ARG...]`: run a command on many instances with SSM Run
Command and report every host's outcome. Targets come from the picker (--multi), from
--targets, or from stdin (`fuzzyaws pick --multi | fuzzyaws run --targets-from-stdin -- uptime`).
"""
from __future__ import annotations

import json
import shlex

from fuzzyaws.actions.batch import TERMINAL, Batch
from fuzzyaws.actions.tunnel import SSM_KINDS
from fuzzyaws.model import clean, plural
from fuzzyaws.actions.guard import refuse_if_read_only
from fuzzyaws.selection import by_ids, resolve
from fuzzyaws.status import Aborted, ExitStatus, UsageError


def run(app, opts) -> ExitStatus:
    if not opts.command:
        raise UsageError("what to run? fuzzyaws run [QUERY] -- COMMAND [ARG...]")
    # One argument is taken as a shell command line as it is (`-- 'df -h | tail -1'`);
    # several are quoted into one, so that what runs is exactly what was typed.
    command = opts.command[0] if len(opts.command) == 1 else shlex.join(opts.command)
    hosts = _targets(app, opts)
    refuse_if_read_only(app, "run commands", hosts)
    batch = Batch(app.aws, command, timeout=opts.timeout, concurrency=opts.concurrency,
                  max_errors=opts.max_errors)
    results = batch.plan(hosts)
    skipped = [r for r in results if r.status == "Skipped"]
    for result in skipped:
        app.console.warn(f"skipping {result.resource.label}: {result.reason}")
    runnable = len(results) - len(skipped)
    if runnable and not opts.yes:
        question = (f"Run {clean(command)!r} on {plural(runnable, 'instance')}"
                    + (f" ({len(skipped)} skipped)" if skipped else "") + "?")
        if not app.console.confirm(question):
            raise Aborted("not confirmed: nothing was run")
    batch.progress = lambda results: _progress(app.console, results)
    batch.run()
    app.console.progress_done()
    if opts.json:
        app.console.out(json.dumps([r.to_dict() for r in results], ensure_ascii=not app.console.utf8,
                                   indent=1) + "\n")
    else:
        _report(app.console, results)
    return ExitStatus.OK if all(r.ok for r in results) else ExitStatus.FAILED


def _targets(app, opts) -> list:
    ids = list(opts.targets)
    if opts.targets_from_stdin:
        ids += [line.strip() for line in app.console.stdin if line.strip()]
    if not ids:
        return resolve(app, opts.query, offline=opts.offline, picker=opts.picker, multi=True,
                       kinds=list(SSM_KINDS))
    return by_ids(app, ids, SSM_KINDS)


def _progress(console, results) -> None:
    finished = [r for r in results if r.status in TERMINAL or r.status == "Skipped"]
    failed = sum(1 for r in finished if not r.ok)
    console.progress(f"{len(finished)}/{len(results)} done, {failed} failed, "
                     f"{len(results) - len(finished)} pending")


def _shown(text: str) -> str:
    """Host output for the terminal: its lines, without control characters (--json is raw)."""
    return "".join(clean(line) + "\n" for line in text.rstrip("\n").split("\n"))


def _report(console, results) -> None:
    out = console.out
    for r in sorted(results, key=lambda r: (r.ok, r.resource.name, r.resource.id)):
        code = "" if r.exit_code is None else f" exit {r.exit_code}"
        out(f"── {clean(r.resource.name)} {r.resource.id} {r.status}{code}"
            + (f": {clean(r.reason)}" if r.reason else "") + "\n")
        if r.stdout:
            out(_shown(r.stdout))
        if r.stderr:
            out("stderr:\n" + _shown(r.stderr))
        if r.truncated:
            out("(output truncated by SSM at 2,500 characters: "
                f"aws ssm get-command-invocation --instance-id {r.resource.id} ... for all of it)\n")
    console.info(f"{sum(r.ok for r in results)}/{len(results)} succeeded")
