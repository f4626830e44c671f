"""Structured logging: JSON lines off a terminal, readable lines on one, secrets masked."""

from __future__ import annotations

import json
import logging
import re
import sys
import urllib.parse
import uuid
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

from hubsync.domain.pii import mask_emails

MASK = "***"
# Shorter values are no real secret (AWS secret keys have 40 characters, HubSpot tokens more),
# and masking them would garble ordinary words: the local sandbox's dummy AWS key is "sandbox".
MIN_SECRET_CHARS = 8
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None
_show_pii = False


def show_pii(show: bool) -> None:
    """Whether log lines show creators' e-mail addresses whole (HUBSYNC_LOG_PII)."""
    global _show_pii
    _show_pii = show


def register_secrets(values: Iterable[str | None]) -> None:
    """Values (tokens, keys) that must never be printed, whatever event carries them."""
    global _pattern
    for value in values:
        if value and len(value.strip()) >= MIN_SECRET_CHARS:
            _secrets.update({value, value.strip()})
    forms = {form for secret in _secrets for form in printed_forms(secret)}
    # Longest first, so that a form containing another is masked whole.
    alternatives = sorted(forms, key=len, reverse=True)
    _pattern = re.compile("|".join(map(re.escape, alternatives))) if alternatives else None


def printed_forms(secret: str) -> set[str]:
    """How a secret can appear in a message: as is, escaped by repr (an exception about a
    header shows b'Bearer ...'), by JSON, or URL-encoded."""
    return {
        secret,
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "surrogateescape"))[2:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        urllib.parse.quote(secret),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    }


def mask_secrets(text: str) -> str:
    return _pattern.sub(MASK, text) if _pattern else text


def _mask_text(text: str) -> str:
    return mask_secrets(text if _show_pii else mask_emails(text))


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return _mask_text(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    if isinstance(value, BaseException):
        return _mask_text(str(value))
    return value


def _mask_processor(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return {key: _mask_value(value) for key, value in event.items()}


def _mask_rendered(_: Any, __: str, rendered: str) -> str:
    # Catches secrets (and e-mails) in rendered tracebacks too, after every other processor.
    return _mask_text(rendered)


class _ToStructlog(logging.Handler):
    """Hands the libraries' own log records (boto3, urllib3, the HubSpot SDK) to structlog, so
    that they are masked and formatted like hubsync's; Python would print them raw."""

    def emit(self, record: logging.LogRecord) -> None:
        structlog.get_logger(record.name).log(
            record.levelno, record.getMessage(), logger=record.name, exc_info=record.exc_info
        )


def configure_logging(log_format: str = "auto", level: str = "INFO") -> None:
    use_console = log_format == "console" or (log_format == "auto" and sys.stderr.isatty())
    renderer: Any = (
        structlog.dev.ConsoleRenderer(colors=False)
        if use_console
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _mask_processor,
            renderer,
            # structlog types every processor as taking the event dict; the last one is
            # handed the rendered line instead.
            _mask_rendered,  # type: ignore[list-item]
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    if not any(isinstance(handler, _ToStructlog) for handler in root.handlers):
        root.addHandler(_ToStructlog())


def debug_enabled() -> bool:
    return bool(structlog.get_logger().is_enabled_for(logging.DEBUG))


def start_run() -> str:
    """Give every log event from now on a fresh run id; returns it."""
    run_id = uuid.uuid4().hex[:12]
    structlog.contextvars.bind_contextvars(run_id=run_id)
    return run_id


def end_run() -> None:
    structlog.contextvars.unbind_contextvars("run_id")


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
