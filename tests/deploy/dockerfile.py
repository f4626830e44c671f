"""Reads deploy/Dockerfile's stages: what the image runs, as whom, with which environment.

The container-start test runs the default target's exact command and environment without
Docker, so it takes them from here rather than repeating them."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[2] / "deploy" / "Dockerfile"


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)  # (INSTRUCTION, rest)

    def all(self, instruction: str) -> list[str]:
        return [rest for name, rest in self.instructions if name == instruction]

    def last(self, instruction: str) -> str | None:
        found = self.all(instruction)
        return found[-1] if found else None


def logical_lines(text: str) -> list[str]:
    """Instructions with their continuation lines joined, comments dropped."""
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    return lines


def stages() -> list[Stage]:
    found: list[Stage] = []
    for line in logical_lines(DOCKERFILE.read_text()):
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            parts = re.split(r"\s+AS\s+", rest, flags=re.IGNORECASE)
            base, name = parts[0], parts[1] if len(parts) > 1 else str(len(found))
            found.append(Stage(name, base))
        elif found:
            found[-1].instructions.append((instruction, rest))
    return found


def stage(name: str) -> Stage:
    return next(s for s in stages() if s.name == name)


def default_target() -> Stage:
    """The stage `docker build` builds when no --target is given: the last one."""
    return stages()[-1]


def lineage(target: Stage) -> list[Stage]:
    """The stage and every stage it is built FROM, nearest first."""
    by_name = {s.name: s for s in stages()}
    chain = [target]
    while chain[-1].base in by_name:
        chain.append(by_name[chain[-1].base])
    return chain


def _exec_form(rest: str) -> list[str]:
    value = json.loads(rest)
    assert isinstance(value, list), rest
    return [str(part) for part in value]


def image_command() -> list[str]:
    """ENTRYPOINT + CMD of the default target, as the container runs them."""
    chain = lineage(default_target())
    entrypoint = next(s.last("ENTRYPOINT") for s in chain if s.last("ENTRYPOINT"))
    command = next(s.last("CMD") for s in chain if s.last("CMD"))
    assert entrypoint is not None and command is not None
    return [*_exec_form(entrypoint), *_exec_form(command)]


def image_environment() -> dict[str, str]:
    """The ENV the default target sets (PATH as written, with $PATH unexpanded)."""
    environment: dict[str, str] = {}
    for built in reversed(lineage(default_target())):
        for rest in built.all("ENV"):
            for pair in shlex.split(rest):
                name, _, value = pair.partition("=")
                environment[name] = value
    return environment


def image_user() -> str:
    user = next(s.last("USER") for s in lineage(default_target()) if s.last("USER"))
    assert user is not None
    return user
