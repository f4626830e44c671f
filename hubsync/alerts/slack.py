"""Alerts to a Slack incoming webhook, as a Block Kit message, through slack-sdk."""

from __future__ import annotations

import math
import re
from typing import Any

from slack_sdk.webhook import WebhookClient

from hubsync.alerts.sink import SinkError
from hubsync.domain.alert import Alert

_HEADER_CHARS = 150  # Slack's limit for a header block's text
_SECTION_CHARS = 3000  # ... and for a section's
_URL = re.compile(r"https?://[^\s,<>|]+")
# Links shown by what they open rather than as long URLs.
_LINK_LABELS = (("youtube.com/", "YouTube"), ("hubspot.com/", "open in HubSpot"))


def slack_blocks(alert: Alert) -> list[dict[str, Any]]:
    """The Block Kit message: a header, a section per paragraph, the key as context."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(alert.title, _HEADER_CHARS)}}
    ]
    for section in alert.sections:
        text = _cut(_URL.sub(_link, _escape(section)), _SECTION_CHARS)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"hubsync · {alert.key}"}]}
    )
    return blocks


class SlackSink:
    name = "slack"

    def __init__(self, url: str, timeout_s: float) -> None:
        self._client = WebhookClient(url, timeout=max(1, math.ceil(timeout_s)))

    def send(self, alert: Alert) -> None:
        response = self._client.send(text=alert.title, blocks=slack_blocks(alert))
        if response.status_code != 200:
            raise SinkError(f"Slack answered {response.status_code}: {response.body[:200]}")


def _escape(text: str) -> str:
    """Slack's mrkdwn reads &, < and > as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(match: re.Match[str]) -> str:
    url = match.group(0)
    label = next((label for part, label in _LINK_LABELS if part in url), None)
    return f"<{url}|{label}>" if label else f"<{url}>"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
