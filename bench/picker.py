"""The picker with 10,000 cached resources, in a user's install (see common.py): time to
the first frame of `fuzzyaws pick --multi` (what Ctrl-G runs; fzf and built-in) from process
start on a pseudo-terminal (the first resources on screen, and every one loaded: the
counter at 10000/10000; fzf draws while the items still stream in), beside that venv's `python -c pass` and fzf alone reading the
same lines; `fuzzyaws preview KEY` (fzf runs it on every cursor move); what ID completion runs;
and the built-in picker's re-filter per keystroke for 10k and 100k lines beside `fzf --filter`.

    python3 bench/picker.py [COUNT]     # 10,000 by default; 100000 for issue 11's goals

Goals (issue 13): fzf first frame <= 5x `python -c pass`, built-in <= 10x, preview <= 3x,
completion's listing <= 3x. The built-in picker's first frame is its sketch (drawn before
prompt_toolkit is imported); the row below it is when prompt_toolkit draws over it. Re-filter 10k <= 15 ms, 100k <= 150 ms (issue 3).
Issue 11: at 100k, the fzf picker's first frame <= 2x fzf's own on the same lines, also
with a full history (500 recent picks, shown first, wherever they are in the view).

At 100,000 (2026-11-29, a user's venv; x fzf alone): first lines 88.0 ms, 1.00x (247.5 ms,
2.81x before a view was read a block at a time); with 500 picks in history 125.1 ms, 1.43x
(1.76-1.97x while the picks were found by reading every key, before the view's index gave
their rows); preview 1.51x python -c pass; ls --offline 3.63x.
"""
from __future__ import annotations

import fcntl
import os
import pty
import random
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time

from common import interleaved, median_time, run_once, synthetic_cache, user_install

RUNS = 11
HISTORY = 500  # picks a history keeps (history.KEEP)
TYPED = ["p", "pr", "pro", "prod", "prod ", "prod w", "prod we", "prod web"]


def first_frame(argv, env, marker: bytes, stdin_path=None) -> "float | None":
    """Seconds from fork until `marker` is drawn on the pty; then Esc."""
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
        if stdin_path:
            os.dup2(os.open(stdin_path, os.O_RDONLY), 0)
        os.execve(argv[0], argv, env)
    seen, shown = b"", None
    while True:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen = (seen + chunk)[-4096:]
        if b"\x1b[6n" in chunk:
            os.write(fd, b"\x1b[1;1R")  # answer the cursor position request, as a terminal does
        if shown is None and marker in seen:
            shown = time.perf_counter() - t0
            os.write(fd, b"\x1b")
    os.waitpid(pid, 0)
    os.close(fd)
    return shown


def frames(entries: dict, base_argv: list) -> dict:
    """{name: median seconds to the first frame} of `entries` ({name: (argv, env, marker,
    stdin_path)}), run in turns with `python -c pass` (under "python -c pass"), so that a
    shared machine's drift shifts every figure alike."""
    times: dict = {name: [] for name in ["python -c pass (user venv)", *entries]}
    for round_ in range(RUNS + 1):  # the first round warms up
        elapsed = run_once(base_argv)
        if round_:
            times["python -c pass (user venv)"].append(elapsed)
        for name, (argv, env, marker, stdin_path) in entries.items():
            shown = first_frame(argv, env, marker, stdin_path)
            if round_ and shown is not None:
                times[name].append(shown)
    return {name: statistics.median(t) for name, t in times.items()}


def refilter(lines: list) -> float:
    """Median ms per keystroke of the built-in picker's matcher over TYPED."""
    from fuzzyaws.pickers.builtin import Matcher
    times = []
    for _ in range(3):
        matcher = Matcher(lines)
        for query in TYPED:
            t0 = time.perf_counter()
            matcher.rank(query)
            times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    py, fuzzyaws = user_install()
    with tempfile.TemporaryDirectory() as tmp:
        env = synthetic_cache(os.path.join(tmp, "cache"), count)
        env["TERM"] = "xterm-256color"
        env.pop("FZF_DEFAULT_OPTS", None)
        listed = subprocess.run([fuzzyaws, "pick", "--list"], env=env,
                                capture_output=True, text=True, check=True).stdout
        rows = listed.splitlines()[1:]  # LINE<TAB>KEY
        lines_path = os.path.join(tmp, "lines")
        with open(lines_path, "w") as fh:
            fh.write("\n".join(row.rsplit("\t", 1)[0] for row in rows) + "\n")
        key = rows[0].rsplit("\t", 1)[1]
        keyed_path = os.path.join(tmp, "keyed")  # KEY<TAB>LINE, for --with-nth's cost
        with open(keyed_path, "w") as fh:
            fh.write("\n".join("\t".join(row.rsplit("\t", 1)[::-1]) for row in rows) + "\n")
        first = rows[0].split()[1].encode()  # the first resource's name
        # a user's cache has picks in its history: those are shown first (the keys are read
        # to find them), in a copy of the cache, so that the other rows see none
        picked_env = dict(env, FUZZYAWS_CACHE_DIR=os.path.join(tmp, "picked"))
        shutil.copytree(env["FUZZYAWS_CACHE_DIR"], picked_env["FUZZYAWS_CACHE_DIR"])
        picks = random.Random(1).sample(rows, min(HISTORY, len(rows)))
        with open(os.path.join(picked_env["FUZZYAWS_CACHE_DIR"], "history"), "w") as fh:
            fh.write("".join(f"{time.time() - n * 600!r}\t{row.rsplit(chr(9), 1)[1]}\n" for n, row in enumerate(picks)))
        recent = picks[0].split()[1].encode()  # the last one picked: shown first
        fzf = subprocess.run(["which", "fzf"], capture_output=True, text=True).stdout.strip()
        quick = interleaved({  # what runs without a terminal, side by side
            "python -c pass (user venv)": ([py, "-c", "pass"], None, None),
            "preview KEY": ([fuzzyaws, "preview", key], env, None),
            "ls --offline (ID completion, every shell)": ([fuzzyaws, "ls", "--offline"], env, None),
            "pick --list --offline (fzf's reload)": ([fuzzyaws, "pick", "--list", "--offline"], env, None),
        }, RUNS)
        marker = f"{count}/{count}".encode()
        pick = [fuzzyaws, "pick", "--multi"]
        framed = frames({
            "fzf alone, same lines": ([fzf, "--height=40%", "--layout=reverse"], env, marker, lines_path),
            "fzf alone, --with-nth=2..": ([fzf, "--height=40%", "--layout=reverse", "--delimiter=\t",
                                           "--with-nth=2.."], env, marker, keyed_path),
            "pick --multi --picker fzf, first lines": (pick + ["--picker", "fzf"], env, first, None),
            "pick --multi --picker fzf, all loaded": (pick + ["--picker", "fzf"], env, marker, None),
            f"  first lines, {HISTORY} picks in history": (pick + ["--picker", "fzf"], picked_env, recent, None),
            "pick --multi --picker builtin": (pick + ["--picker", "builtin"], env, marker, None),
            # prompt_toolkit's own first frame (its styled prompt), behind the sketch above
            "  its prompt_toolkit frame": (pick + ["--picker", "builtin"], env, b"\x1b[0;34;1maws> ", None),
        }, [py, "-c", "pass"])
        fzf_alone = framed["fzf alone, same lines"]
        table = [(name, t / framed["python -c pass (user venv)"], t) for name, t in framed.items()]
        table += [(name, t / quick["python -c pass (user venv)"], t) for name, t in quick.items()
                  if name != "python -c pass (user venv)"]
        print(f"first frame / run time, {count:,} cached resources (median)")
        print("(each group run in turns with python -c pass; ratios to the baseline of its own group)")
        print(f"{'':40} {'time':>9} {'x python':>9} {'x fzf alone':>12}")
        for name, ratio, t in table:
            print(f"{name:40} {t * 1000:7.1f}ms {ratio:8.2f}x {t / fzf_alone:11.2f}x")

        lines = [row.rsplit("\t", 1)[0] for row in rows]
        print("\nre-filter per keystroke, typing 'prod web' (median)")
        for n in (10_000, 100_000):
            corpus = (lines * (n // len(lines) + 1))[:n]
            path = os.path.join(tmp, f"lines{n}")
            with open(path, "w") as fh:
                fh.write("\n".join(corpus) + "\n")
            ours = refilter(corpus)
            theirs = statistics.median(median_time(["fzf", "--filter", q], 3, stdin_path=path)
                                       for q in TYPED) * 1000
            print(f"{n:>7} lines: built-in {ours:6.1f} ms   fzf --filter (whole process) {theirs:6.1f} ms")


if __name__ == "__main__":
    main()
