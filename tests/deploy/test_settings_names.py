"""The deployment files set only settings hubsync has."""

from __future__ import annotations

from tests.deploy.settings_names import unknown_settings


def test_a_typo_is_unknown() -> None:
    assert unknown_settings(["HUBSYNC_STATE_TABLE", "HUBSYNC_STATE_TABEL", "AWS_REGION"]) == [
        "HUBSYNC_STATE_TABEL"
    ]
