"""Reads deploy/requirements.lock and says where it no longer satisfies pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOCK = PROJECT_ROOT / "deploy" / "requirements.lock"

# The container image: CPython 3.11 on Linux (deploy/Dockerfile's base).
IMAGE_ENVIRONMENT = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}

_PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>[^\s;\\]+)\s*(?:;(?P<marker>[^\\]+))?")


@dataclass(frozen=True, slots=True)
class Pin:
    name: str  # canonical
    version: Version
    marker: Marker | None
    hashes: int


def runtime_requirements(pyproject: Path = PROJECT_ROOT / "pyproject.toml") -> list[str]:
    """The project's own dependencies: what the image installs (not the extras)."""
    return list(tomllib.loads(pyproject.read_text())["project"]["dependencies"])


def read_pins(text: str) -> dict[str, Pin]:
    pins: dict[str, Pin] = {}
    current: str | None = None
    for line in text.splitlines():
        match = _PIN.match(line)
        if match:
            marker = match["marker"]
            current = canonicalize_name(match["name"])
            pins[current] = Pin(
                current, Version(match["version"]), Marker(marker) if marker else None, 0
            )
        elif current and line.strip().startswith("--hash=sha256:"):
            pin = pins[current]
            pins[current] = Pin(pin.name, pin.version, pin.marker, pin.hashes + 1)
        elif not line.startswith(" "):
            current = None
    return pins


def lock_problems(requirements: list[str], lock_text: str) -> list[str]:
    """Why the lock does not install what `requirements` ask for in the image, one line each;
    empty when it does."""
    pins = read_pins(lock_text)
    problems = [f"{pin.name}=={pin.version} has no hash" for pin in pins.values() if not pin.hashes]
    for line in requirements:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate(IMAGE_ENVIRONMENT):
            continue
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement.name} is not in the lock")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{requirement.name}=={pin.version} is outside {requirement}")
        elif pin.marker and not pin.marker.evaluate(IMAGE_ENVIRONMENT):
            problems.append(f"{requirement.name} is locked for other platforms only")
    return problems
