"""Which HUBSYNC_ names the deployment files may set: hubsync's settings, and no other."""

from __future__ import annotations

from collections.abc import Iterable

from hubsync.settings import PREFIX, setting_names


def unknown_settings(names: Iterable[str]) -> list[str]:
    return sorted({name for name in names if name.startswith(PREFIX)} - set(setting_names()))
