"""Structured logging: JSON lines off a terminal, readable lines on one, secrets masked."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterable, MutableMapping
from typing import Any

import structlog

MASK = "***"
_secrets: set[str] = set()


def register_secrets(values: Iterable[str | None]) -> None:
    """Values (tokens, keys) that must never be printed, whatever event carries them."""
    _secrets.update(v for v in values if v and len(v) >= 4)


def mask_secrets(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _mask_value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {k: _mask_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask_value(v) for v in value]
    if isinstance(value, BaseException):
        return mask_secrets(str(value))
    return value


def _mask_processor(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    return {key: _mask_value(value) for key, value in event.items()}


def _mask_rendered(_: Any, __: str, rendered: str) -> str:
    # Catches secrets in rendered tracebacks too, after every other processor ran.
    return mask_secrets(rendered)


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
            _mask_rendered,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.WriteLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def start_run() -> str:
    """Give every log event from now on a fresh run id; returns it."""
    run_id = uuid.uuid4().hex[:12]
    structlog.contextvars.bind_contextvars(run_id=run_id)
    return run_id


def end_run() -> None:
    structlog.contextvars.unbind_contextvars("run_id")


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
