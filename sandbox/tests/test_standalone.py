"""The emulator stands alone: nothing in it imports hubsync, so hubsync cannot lean on it."""

from __future__ import annotations

import ast
from pathlib import Path

import hubsync_sandbox

PACKAGE_DIR = Path(hubsync_sandbox.__file__).parent


def _imported_modules(source: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def test_no_sandbox_module_imports_hubsync() -> None:
    sources = sorted(PACKAGE_DIR.rglob("*.py"))
    assert len(sources) > 10

    imports_of_hubsync = {
        str(source.relative_to(PACKAGE_DIR)): sorted(
            name for name in _imported_modules(source) if name.split(".")[0] == "hubsync"
        )
        for source in sources
    }

    assert {path: names for path, names in imports_of_hubsync.items() if names} == {}
