"""Which HUBSYNC_ names the deployment files may set: hubsync's settings, and those of the
daemon, the alerts and the budget, named in deploy/ before they are settings here."""

from __future__ import annotations

from collections.abc import Iterable

from hubsync.settings import PREFIX, setting_names

# Remove each name once it is a setting: test_pending_settings_are_not_settings_yet says when.
PENDING_SETTINGS = frozenset(
    {
        "HUBSYNC_ADMIN_HOST",
        "HUBSYNC_ADMIN_PORT",
        "HUBSYNC_ADMIN_TOKEN",
        "HUBSYNC_SYNC_INTERVAL_SECONDS",
        "HUBSYNC_RECONCILE_CRON",
        "HUBSYNC_ALERT_SNS_TOPIC_ARN",
    }
)


def unknown_settings(names: Iterable[str]) -> list[str]:
    known = set(setting_names()) | PENDING_SETTINGS
    return sorted({name for name in names if name.startswith(PREFIX)} - known)
