"""Exit codes, and the one exception type that carries them to `cli.main`.

    0    ok
    1    no match, nothing selected, or some shards / targets failed
    2    usage or bad input (unknown kind, bad config, missing tool)
    3    AWS credentials or auth (no credentials, expired SSO token, unknown profile)
    130  aborted (Ctrl-C, Esc in the picker)
"""

OK = 0
NO_MATCH = 1
FAILED = 1
USAGE = 2
AUTH = 3
ABORTED = 130


class FuzzyAwsError(Exception):
    """An error the user can fix: printed as one line on stderr, then exit with `code`."""

    code = USAGE

    def __init__(self, message: str, code: "int | None" = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class UsageError(FuzzyAwsError):
    code = USAGE


class AuthError(FuzzyAwsError):
    code = AUTH
