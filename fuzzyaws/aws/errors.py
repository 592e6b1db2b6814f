"""AWS failures as typed errors, each one line naming the operation, account and region.

`translate(exc, ...)` turns what botocore raises into one of these. It runs where a
client is called (aws/session.py wraps every client in it), so nothing above sees a
botocore exception. `cause` is the failure without its place, so that the same failure
in many shards is reported once ("endpoint unreachable: 12 shards …").
"""
from __future__ import annotations

from fuzzyaws.status import AuthError, Failed

# Error codes meaning the credentials themselves are bad: other calls with them are pointless.
AUTH_CODES = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
              "UnrecognizedClientException", "AuthFailure", "SignatureDoesNotMatch",
              "InvalidAccessKeyId", "InvalidToken", "RequestExpired", "InvalidSignatureException"}
DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "OptInRequired",
                "AuthorizationError", "UnauthorizedAccess", "Forbidden", "AuthorizationErrorException"}
THROTTLED_CODES = {"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
                   "RequestLimitExceeded", "SlowDown", "RequestThrottled", "RequestThrottledException",
                   "ProvisionedThroughputExceededException"}
NOT_FOUND_SUFFIXES = ("NotFound", "NotFoundException", "NotFoundFault", ".NotFound")


class AwsError(Failed):
    """A failed AWS call (exit 1): `cause` says what went wrong (the same wherever it
    happens: failures are grouped by it), `operation` which call, `detail` what differs,
    `where` the account and region."""

    def __init__(self, cause: str, where: str = "", detail: str = "", operation: str = "",
                 http_status: "int | None" = None):
        self.cause, self.where, self.operation, self.http_status = cause, where, operation, http_status
        detail = _one_line(detail)[:300]
        super().__init__(self.what + (f": {detail}" if detail else "") + (f" ({where})" if where else ""))

    @property
    def what(self) -> str:
        """The cause and the call, without the place."""
        return self.cause + (f" on {self.operation}" if self.operation else "")


class AccessDenied(AwsError):
    pass


class Throttled(AwsError):
    pass


class Unreachable(AwsError):
    """The endpoint could not be reached, or did not answer in time."""


class NotFound(AwsError):
    pass


class CredentialsError(AuthError):
    """Credentials missing, expired or rejected (exit 3). `login`: the command that renews
    them (an expired SSO session: `aws sso login --profile X`), if there is one."""

    def __init__(self, message: str, profile: "str | None" = None, login: "list | None" = None):
        super().__init__(message)
        self.cause, self.profile, self.login = message, profile, login


def place(account: "str | None" = None, region: "str | None" = None) -> str:
    return " ".join(filter(None, (account, region)))


def translate(exc: BaseException, *, account: "str | None" = None, region: "str | None" = None,
              profile: "str | None" = None, service: "str | None" = None) -> Exception:
    """The typed error for what botocore raised; other exceptions are returned as they are."""
    import botocore.exceptions as bex

    if isinstance(exc, (AwsError, CredentialsError)):
        return exc
    who = f"profile {profile!r}" if profile else "the default credentials"
    login = f"aws sso login --profile {profile}" if profile else "aws sso login"
    where = place(account, region)
    if isinstance(exc, bex.ProfileNotFound):
        return CredentialsError(f"AWS profile {exc.kwargs.get('profile', profile)!r} is not defined "
                                "(see `aws configure list-profiles`)", profile)
    if isinstance(exc, (bex.SSOTokenLoadError, bex.UnauthorizedSSOTokenError, bex.TokenRetrievalError,
                        bex.SSOError)):
        return CredentialsError(f"the SSO session of {who} has expired or is missing: run `{login}`",
                                profile, login=login.split())
    if isinstance(exc, bex.NoCredentialsError):
        return CredentialsError("no AWS credentials found: run `aws configure` or `aws sso login`, "
                                "or set AWS_PROFILE", profile)
    if isinstance(exc, bex.NoRegionError):
        return AwsError("no region configured: use --region, set AWS_REGION, "
                        "or add one to the profile in ~/.aws/config")
    if isinstance(exc, (bex.PartialCredentialsError, bex.CredentialRetrievalError,
                        bex.InvalidConfigError, bex.ConfigParseError)):
        return CredentialsError(f"cannot load the credentials of {who}: {_one_line(exc)}", profile)
    if isinstance(exc, bex.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "")) or "error"
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        op = " ".join(filter(None, (service, getattr(exc, "operation_name", ""))))
        if code in AUTH_CODES:
            return CredentialsError(f"AWS rejected the credentials of {who} ({code}): "
                                    f"refresh them, e.g. `{login}`", profile)
        if code in DENIED_CODES or status == 403:
            return AccessDenied(f"access denied ({code})", where, operation=op)
        if code in THROTTLED_CODES or status == 429:
            return Throttled(f"throttled ({code}, after retries)", where, operation=op)
        kind = NotFound if code.endswith(NOT_FOUND_SUFFIXES) or status == 404 else AwsError
        return kind(code, where, error.get("Message", ""), operation=op, http_status=status)
    if isinstance(exc, (bex.EndpointConnectionError, bex.ConnectTimeoutError, bex.ReadTimeoutError,
                        bex.ConnectionClosedError, bex.ProxyConnectionError)):
        what = "timed out" if isinstance(exc, (bex.ConnectTimeoutError, bex.ReadTimeoutError)) else "unreachable"
        return Unreachable(f"endpoint {what}", where, exc.kwargs.get("endpoint_url", ""))
    if isinstance(exc, (bex.HTTPClientError, bex.ConnectionError)):
        return Unreachable("connection failed", where, str(exc))
    if isinstance(exc, bex.BotoCoreError):
        return AwsError(type(exc).__name__, where, str(exc))
    return exc


def _one_line(value) -> str:
    return " ".join(str(value).split())
