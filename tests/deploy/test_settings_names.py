"""The deployment files set only settings hubsync has (or is about to have)."""

from __future__ import annotations

from hubsync.settings import setting_names
from tests.deploy.settings_names import PENDING_SETTINGS, unknown_settings


def test_pending_settings_are_not_settings_yet() -> None:
    arrived = sorted(PENDING_SETTINGS & set(setting_names()))
    assert arrived == [], f"remove {arrived} from PENDING_SETTINGS: they are settings now"


def test_a_typo_is_unknown() -> None:
    assert unknown_settings(["HUBSYNC_STATE_TABLE", "HUBSYNC_STATE_TABEL", "AWS_REGION"]) == [
        "HUBSYNC_STATE_TABEL"
    ]
