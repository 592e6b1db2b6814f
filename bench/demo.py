"""The demo's later calls, in a user's install with the demo extra (see common.py): once its
fake AWS runs in the background, `fuzzyaws demo ls --offline` beside `fuzzyaws ls --offline`
over the same (demo) cache, and that venv's `python -c pass`.

    python3 bench/demo.py

Goal (issue 9): a second and later `demo` command costs at most 2x `ls --offline`.
"""
from __future__ import annotations

import os
import subprocess
import tempfile

from common import interleaved, user_env, user_install

RUNS = 15


def main():
    python, fuzzyaws = user_install("demo")
    with tempfile.TemporaryDirectory() as home:
        env = user_env({k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FUZZYAWS_"))})
        env.update(HOME=home, XDG_CACHE_HOME=os.path.join(home, "cache"), XDG_CONFIG_HOME=os.path.join(home, "config"))
        subprocess.run([fuzzyaws, "demo", "refresh"], env=env, check=True, stderr=subprocess.DEVNULL)
        try:
            # the same cache and settings, read by plain `fuzzyaws ls` (no demo in between)
            demo = os.path.join(env["XDG_CACHE_HOME"], "fuzzyaws-demo")
            plain = dict(env, FUZZYAWS_CONFIG=os.path.join(demo, "config.toml"),
                         FUZZYAWS_CACHE_DIR=os.path.join(demo, "cache"),
                         AWS_CONFIG_FILE=os.path.join(demo, "aws", "config"),
                         AWS_SHARED_CREDENTIALS_FILE=os.path.join(demo, "aws", "credentials"))
            key = subprocess.run([fuzzyaws, "demo", "ls", "--offline", "--keys", "^ec2"], env=env,
                                 capture_output=True, text=True).stdout.split()[0]
            rows = list(interleaved({
                "python -c pass (user venv)": ([python, "-c", "pass"], None, None),
                "fuzzyaws ls --offline (the demo's cache)": ([fuzzyaws, "ls", "--offline"], plain, None),
                "fuzzyaws demo ls --offline": ([fuzzyaws, "demo", "ls", "--offline"], env, None),
                "fuzzyaws demo ls (warm)": ([fuzzyaws, "demo", "ls"], env, None),
                "fuzzyaws demo preview ID": ([fuzzyaws, "demo", "preview", key], env, None),
            }, RUNS).items())
        finally:
            subprocess.run([fuzzyaws, "demo", "stop"], env=env, stderr=subprocess.DEVNULL)
    base, ls = rows[0][1], rows[1][1]
    print(f"{'command':40} {'median':>9} {'x python':>9} {'x ls --offline':>15}")
    for name, t in rows:
        print(f"{name:40} {t * 1000:7.1f}ms {t / base:8.2f}x {t / ls:14.2f}x")


if __name__ == "__main__":
    main()
