"""An expired SSO session, renewed where the user is: on a terminal, fuzzyaws offers to run
`aws sso login --profile X` (the AWS CLI's own login, in its browser flow) and then runs the
command again. `sso_login = "auto"` in the config (or --yes on the command) runs it without
asking; `"never"`, or no terminal to ask on, leaves the error (exit 3) naming that command."""
from __future__ import annotations

import sys

from fuzzyaws.status import UsageError
from fuzzyaws.which import which


def renewed(app, opts, exc) -> bool:
    """True if the session of `exc` (a CredentialsError with a `login` command) was renewed."""
    login = getattr(exc, "login", None)
    mode = app.settings.sso_login
    if not login or mode == "never":
        return False
    aws = which("aws", app.env.get("PATH"))
    if aws is None:
        return False  # the error names the command; installing the AWS CLI is the user's
    command = " ".join(login)
    if mode == "ask" and not getattr(opts, "yes", False):
        whose = f" of profile {exc.profile}" if exc.profile else ""
        try:
            if not app.console.confirm(f"The SSO session{whose} has expired. Run `{command}` now?"):
                return False
        except UsageError:  # no terminal to ask on
            return False
    app.console.info(f"running {command}")
    # its messages (the URL and code to confirm) on stderr: stdout may be a pipe
    return app.child([aws, *login[1:]], stdout=sys.stderr) == 0
