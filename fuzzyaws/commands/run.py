"""`fuzzyaws run [QUERY] -- COMMAND [ARG...]`: run a command on many instances with SSM Run
Command and report every host's outcome. Targets come from the picker (--multi), from
--targets, or from stdin (`fuzzyaws pick --multi | fuzzyaws run --targets-from-stdin -- uptime`).
"""
from __future__ import annotations

import json
import shlex
import sys

from fuzzyaws import config
from fuzzyaws.actions.aws import AWS
from fuzzyaws.actions.batch import TERMINAL, Batch
from fuzzyaws.cache import Cache
from fuzzyaws.model import clean
from fuzzyaws.selection import all_records, resolve
from fuzzyaws.status import FAILED, OK, UsageError


def run(args) -> int:
    argv = args.rest
    if not argv:
        raise UsageError("what to run? fuzzyaws run [QUERY] -- COMMAND [ARG...]")
    # One argument is taken as a shell command line as it is (`-- 'df -h | tail -1'`);
    # several are quoted into one, so that what runs is exactly what was typed.
    command = argv[0] if len(argv) == 1 else shlex.join(argv)
    settings = config.load(args)
    records = _targets(args, settings)
    batch = Batch(AWS(settings), command, timeout=args.timeout, concurrency=args.concurrency,
                  max_errors=args.max_errors)
    results = batch.plan(records)
    skipped = [r for r in results if r.status == "Skipped"]
    _confirm(command, len(results) - len(skipped), skipped, ask=not args.yes)
    progress = Progress(len(results))
    batch.progress = progress.update
    batch.run()
    progress.finish()
    if args.json:
        sys.stdout.write(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=1) + "\n")
    else:
        _report(results)
    return OK if all(r.ok for r in results) else FAILED


def _targets(args, settings) -> list:
    ids = list(args.targets or [])
    if args.targets_from_stdin:
        ids += [line.strip() for line in sys.stdin if line.strip()]
    if not ids:
        return resolve(args, settings, multi=True, kinds=["ec2"])
    known = {}
    for record in all_records(settings, Cache(settings.cache_dir)):
        known[record["key"]] = known[record["id"]] = record
    records, unknown = [], []
    for target in dict.fromkeys(ids):
        (records.append(known[target]) if target in known else unknown.append(target))
    if unknown:
        raise UsageError(f"not in the inventory: {', '.join(unknown[:5])}"
                         + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
                         + " (fuzzyaws refresh?)")
    return records


def _confirm(command: str, runnable: int, skipped: list, ask: bool) -> None:
    for result in skipped:
        print(f"fuzzyaws: skipping {result.record['id']} ({clean(result.record.get('name', ''))}): "
              f"{result.reason}", file=sys.stderr)
    if not runnable or not ask:
        return
    try:
        tty = open("/dev/tty", "r+")
    except OSError:
        raise UsageError("run needs confirmation: pass --yes when there is no terminal") from None
    with tty:
        tty.write(f"Run {clean(command)!r} on {runnable} instances"
                  + (f" ({len(skipped)} skipped)" if skipped else "") + "? [y/N] ")
        tty.flush()
        if tty.readline().strip().lower() not in ("y", "yes"):
            from fuzzyaws.status import ABORTED, FuzzyAwsError
            raise FuzzyAwsError("not confirmed: nothing was run", ABORTED)


class Progress:
    """n/N done, failed, pending on stderr, updated in place on a terminal."""

    def __init__(self, total: int):
        self.total = total
        self.live = sys.stderr.isatty()

    def update(self, results) -> None:
        if not self.live:
            return
        done = sum(1 for r in results if r.status in TERMINAL or r.status == "Skipped")
        failed = sum(1 for r in results if (r.status in TERMINAL or r.status == "Skipped") and not r.ok)
        sys.stderr.write(f"\r\033[Kfuzzyaws: {done}/{self.total} done, {failed} failed, "
                         f"{self.total - done} pending")
        sys.stderr.flush()

    def finish(self) -> None:
        if self.live:
            sys.stderr.write("\r\033[K")


def _shown(text: str) -> str:
    """Host output for the terminal: its lines, without control characters (--json is raw)."""
    return "".join(clean(line) + "\n" for line in text.rstrip("\n").split("\n"))


def _report(results) -> None:
    out = sys.stdout
    for r in sorted(results, key=lambda r: (r.ok, r.record.get("name", ""), r.record["id"])):
        code = "" if r.exit_code is None else f" exit {r.exit_code}"
        out.write(f"── {clean(r.record.get('name', ''))} {r.record['id']} {r.status}{code}"
                  + (f": {clean(r.reason)}" if r.reason else "") + "\n")
        if r.stdout:
            out.write(_shown(r.stdout))
        if r.stderr:
            out.write("stderr:\n" + _shown(r.stderr))
        if r.truncated:
            out.write("(output truncated by SSM at 2,500 characters: "
                      f"aws ssm get-command-invocation --instance-id {r.record['id']} ... for all of it)\n")
    ok = sum(r.ok for r in results)
    print(f"fuzzyaws: {ok}/{len(results)} succeeded", file=sys.stderr)
