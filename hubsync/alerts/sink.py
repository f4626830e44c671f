"""What an alert sink is: somewhere an alert is sent, failing with a reason if it cannot."""

from __future__ import annotations

from typing import Protocol

from hubsync.domain.alert import Alert


class SinkError(Exception):
    """The sink did not take the alert; the message says why (never a secret)."""


class Sink(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, alert: Alert) -> None:
        """Deliver `alert` or raise (SinkError or any transport error): the outbox keeps it."""
        ...
