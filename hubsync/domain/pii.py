"""Creators' e-mail addresses, as logs and alerts show them: masked unless ops ask otherwise."""

from __future__ import annotations

import re

# Wide on purpose: masking a little too much in a log line costs nothing.
_EMAIL = re.compile(r"([A-Za-z0-9._%+'-])[A-Za-z0-9._%+'-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def mask_email(email: str) -> str:
    """`jane@example.com` -> `j***@example.com`: enough to tell addresses apart by domain."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


def mask_emails(text: str) -> str:
    """Every address in `text`, masked."""
    return _EMAIL.sub(r"\1***@\2", text)
