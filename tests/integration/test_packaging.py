"""The production wheel holds hubsync's own modules only: never the sandbox or the tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_NOT_SOURCES = shutil.ignore_patterns(
    ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)


def test_the_wheel_holds_only_hubsync_modules(tmp_path: Path) -> None:
    # A copy of the whole project, sandbox/ included, so the build sees what a checkout has.
    source = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT, source, ignore=_NOT_SOURCES)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path / "wheels"), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )  # fmt: skip
    [wheel] = (tmp_path / "wheels").glob("hubsync-*.whl")

    names = zipfile.ZipFile(wheel).namelist()

    modules = [name for name in names if ".dist-info/" not in name]
    assert modules, names
    assert all(name.startswith("hubsync/") for name in modules), modules
    assert not [name for name in modules if "sandbox" in name.removeprefix("hubsync/")]
    assert "hubsync/cli.py" in modules
