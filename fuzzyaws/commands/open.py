"""`fuzzyaws open [QUERY|ID|ARN]`: the resource's AWS console page in the browser, or with
`--print` its URL on stdout. Any kind: native kinds get their own page, other rows the
console's link for their ARN."""
from __future__ import annotations

from fuzzyaws.actions.weblinks import url
from fuzzyaws.selection import resolve
from fuzzyaws.status import ExitStatus, Failed


def run(app, opts) -> ExitStatus:
    resources = resolve(app, opts.query, offline=opts.offline, picker=opts.picker, multi=opts.print)
    links = [url(resource) for resource in resources]
    if opts.print:
        app.console.out("".join(link + "\n" for link in links))
        return ExitStatus.OK
    import webbrowser
    for link in links:
        if not webbrowser.open(link):
            raise Failed(f"no browser to open {link} (set BROWSER, or use --print)")
    return ExitStatus.OK
