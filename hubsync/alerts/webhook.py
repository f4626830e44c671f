"""Alerts to a generic JSON webhook, signed when a secret is set.

Every request carries `X-Hubsync-Idempotency-Key` (the alert's key, the same on every retry).
With a secret, it also carries `X-Hubsync-Timestamp` (Unix seconds) and
`X-Hubsync-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`: a receiver
recomputes it over the raw body and refuses a mismatch or a timestamp too old (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from hubsync.alerts.sink import SinkError
from hubsync.domain.alert import Alert

# How old a timestamp `verify` accepts, in seconds.
REPLAY_WINDOW_S = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, now: float | None = None
) -> bool:
    """The receiver's check: the signature matches and the timestamp is recent."""
    if not timestamp.isdigit():
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > REPLAY_WINDOW_S:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


class WebhookSink:
    name = "webhook"

    def __init__(self, url: str, secret: str | None, timeout_s: float) -> None:
        self._url = url
        self._secret = secret
        self._timeout_s = timeout_s

    def send(self, alert: Alert) -> None:
        body = json.dumps(alert.payload(), sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "hubsync",
            "X-Hubsync-Idempotency-Key": alert.key,
        }
        if self._secret:
            timestamp = int(time.time())
            headers["X-Hubsync-Timestamp"] = str(timestamp)
            headers["X-Hubsync-Signature"] = sign(self._secret, timestamp, body)
        request = urllib.request.Request(self._url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise SinkError(f"the webhook answered {exc.code}") from None
