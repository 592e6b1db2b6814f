"""Exit statuses, the errors that carry them, and the one map from an exception to an
exit status and a line for the user (`exit_status`), used by `cli.main` only.

    0    ok
    1    nothing matched or selected; some shards or targets failed; a target cannot be reached
    2    usage or bad input (unknown option, kind or region, bad config, unusable cache
         directory, a missing tool, no terminal to ask on)
    3    AWS credentials: none, expired SSO token, unknown profile, rejected keys
    130  aborted: Esc / Ctrl-C in the picker, a declined confirmation, Ctrl-C
"""
from __future__ import annotations

import errno


class ExitStatus:
    """Plain ints, not an IntEnum: enum's import would cost every warm command."""

    OK = 0
    NO_MATCH = 1
    FAILED = 1  # an alias: some shards or targets failed
    USAGE = 2
    AUTH = 3
    ABORTED = 130


class FuzzyAwsError(Exception):
    """An error the user can act on: one line on stderr, then exit with `status`.
    An empty message exits quietly (Esc in the picker is as quiet as in fzf)."""

    status = ExitStatus.USAGE

    def __init__(self, message: str = "", status: "ExitStatus | None" = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class UsageError(FuzzyAwsError):
    status = ExitStatus.USAGE


class AuthError(FuzzyAwsError):
    status = ExitStatus.AUTH


class Failed(FuzzyAwsError):
    """Nothing matched, a target cannot be reached, an AWS call failed."""
    status = ExitStatus.FAILED


class Aborted(FuzzyAwsError):
    status = ExitStatus.ABORTED


def exit_status(exc: BaseException) -> "tuple[ExitStatus, str]":
    """(status, message) for an exception that reached `cli.main`; message "" = say nothing."""
    if isinstance(exc, FuzzyAwsError):
        return exc.status, str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return ExitStatus.ABORTED, ""
    if isinstance(exc, BrokenPipeError):
        return ExitStatus.OK, ""  # `fuzzyaws ls | head`: the reader left, nothing is wrong
    if type(exc).__module__.startswith("botocore"):
        from fuzzyaws.aws.errors import translate  # only when botocore is loaded anyway
        error = translate(exc)
        return error.status, str(error)
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS,
                                                 errno.EACCES, errno.EPERM):
        where = f": {exc.filename}" if exc.filename else ""
        return ExitStatus.FAILED, f"{exc.strerror}{where}"
    return ExitStatus.FAILED, (f"internal error: {type(exc).__name__}: {' '.join(str(exc).split())}"
                               " (run with --traceback and report it)")
