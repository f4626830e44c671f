"""A resync request: the run ops ask the daemon for, and when two requests are the same one."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class RequestState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class ResyncScope:
    full: bool = False
    channels: tuple[str, ...] = ()  # as named; empty: every channel
    dry_run: bool = False

    def key(self) -> str:
        """Equal for requests that would do the same run, so that they are merged: the order
        and repetition of the named channels do not matter."""
        channels = ",".join(sorted(set(self.channels)))
        return f"full={int(self.full)};dry_run={int(self.dry_run)};channels={channels}"

    @classmethod
    def from_body(cls, body: object) -> ResyncScope:
        """From POST /resync's JSON body; ValueError names what is wrong."""
        if body is None:
            return cls()
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        unknown = sorted(set(body) - {"full", "channels", "dry_run"})
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r}: use full, channels, dry_run")
        full, dry_run = body.get("full", False), body.get("dry_run", False)
        channels = body.get("channels", [])
        if not isinstance(full, bool) or not isinstance(dry_run, bool):
            raise ValueError("full and dry_run must be true or false")
        if not isinstance(channels, list) or not all(
            isinstance(c, str | int) and not isinstance(c, bool) for c in channels
        ):
            raise ValueError("channels must be a list of channel ids")
        return cls(full, tuple(str(c).strip() for c in channels), dry_run)

    def as_dict(self) -> dict[str, Any]:
        return {"full": self.full, "channels": list(self.channels), "dry_run": self.dry_run}


@dataclass(frozen=True, slots=True)
class ResyncRequest:
    id: str
    scope: ResyncScope
    state: RequestState
    created_at: str
    finished_at: str | None = None
    exit_code: int | None = None  # as `hubsync sync` would exit
    error: str | None = None  # one line, when the run could not complete
    summary: str | None = None  # `hubsync sync`'s summary
    result: dict[str, Any] | None = None  # `hubsync sync --json`'s object
    progress: dict[str, int] | None = None  # sent, planned, calls: while it runs

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.scope.as_dict(),
            "state": self.state.value,
            "created_at": self.created_at,
            "finished_at": self.finished_at,
            "exit_code": self.exit_code,
            "error": self.error,
            "result": self.result,
            "progress": self.progress,
        }
