"""The alert settings that are credentials are masked like the HubSpot token."""

from __future__ import annotations

import pytest

from hubsync.app import protect_secrets
from hubsync.log import MASK, mask_secrets
from hubsync.settings import ConfigError, load_settings

SLACK = "https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnop"
SECRET = "whsec-very-secret-value"


def test_the_slack_url_and_the_webhook_secret_are_never_printed(monkeypatch):
    monkeypatch.delenv("HUBSYNC_ALERT_SLACK_WEBHOOK_URL", raising=False)
    settings = load_settings(
        hubspot_token="pat-na1-test-token",
        alert_slack_webhook_url=SLACK,
        alert_webhook_secret=SECRET,
    )
    protect_secrets(settings)

    assert mask_secrets(f"POST {SLACK} failed; signed with {SECRET}") == (
        f"POST {MASK} failed; signed with {MASK}"
    )
    assert SLACK not in repr(settings) and SECRET not in repr(settings)


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("alert_slack_webhook_url", "hooks.slack.com/x", "the URL is not shown"),
        ("alert_webhook_url", "ftp://example.com/hook", "http:// or https://"),
        ("alert_sns_topic_arn", "my-topic", "HUBSYNC_ALERT_SNS_TOPIC_ARN is invalid"),
        ("alert_timeout_s", "0", "HUBSYNC_ALERT_TIMEOUT_S is invalid"),
        ("hubspot_portal_id", "abc", "HUBSYNC_HUBSPOT_PORTAL_ID is invalid"),
    ],
)
def test_bad_alert_settings_are_one_line_naming_them(setting, value, says):
    with pytest.raises(ConfigError) as raised:
        load_settings(hubspot_token="pat-na1-test-token", **{setting: value})
    assert says in str(raised.value)
    assert "hooks.slack.com/x" not in str(raised.value)
