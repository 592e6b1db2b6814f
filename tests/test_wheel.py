"""The wheel ships the shell scripts: build it, install it into a fresh venv, and run
`fuzzyaws init` from there (not from this checkout)."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ("fuzzyaws.zsh", "fuzzyaws.bash", "fuzzyaws.fish")


def _run(argv, **kw):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)
    assert result.returncode == 0, f"{argv}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.mark.slow
def test_wheel_ships_the_scripts_and_init_reads_them(tmp_path):
    # A copy of the tree (symlinks kept), so that the build leaves nothing in the checkout.
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for name in ("fuzzyaws", "shell"):
        shutil.copytree(ROOT / name, src / name, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    assert (src / "fuzzyaws" / "shell").is_symlink()

    # Offline with setuptools and wheel at hand; otherwise pip fetches them (isolated build).
    offline = importlib.util.find_spec("wheel") is not None
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(src)]
         + (["--no-build-isolation"] if offline else []))
    [wheel] = dist.glob("fuzzyaws-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        for script in SCRIPTS:
            info = zf.getinfo(f"fuzzyaws/shell/{script}")
            assert (info.external_attr >> 16) & 0o170000 in (0, 0o100000)  # a file, not a link
            assert zf.read(info).decode() == (ROOT / "shell" / script).read_text()

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)])
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
          "--force-reinstall", str(wheel)])
    where = _run([str(python), "-c", "import fuzzyaws; print(fuzzyaws.__file__)"], cwd=tmp_path)
    assert where.stdout.strip().startswith(str(venv)), where.stdout  # the wheel's, not the checkout's

    for shell, script in zip(("zsh", "bash", "fish"), SCRIPTS):
        printed = _run([str(venv / "bin" / "fuzzyaws"), "init", shell], cwd=tmp_path).stdout
        assert printed == (ROOT / "shell" / script).read_text()
    check = subprocess.run(["zsh", "-n"], input=_run([str(venv / "bin" / "fuzzyaws"), "init", "zsh"]).stdout,
                           capture_output=True, text=True)
    assert check.returncode == 0 and check.stderr == ""
