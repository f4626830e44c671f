"""hubsync's configuration: environment variables prefixed HUBSYNC_, or an optional .env file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hubsync.domain.identity import DuplicateEmailPolicy
from hubsync.domain.properties import key_property_problem


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="HUBSYNC_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # an empty line copied from .env.example means "the default"
        extra="ignore",
    )

    hubspot_token: SecretStr = Field(min_length=1)
    hubspot_base_url: str = "https://api.hubapi.com"
    hubspot_requests_per_10s: int = Field(default=100, ge=1)
    hubspot_search_per_second: int = Field(default=5, ge=1)
    hubspot_timeout_s: float = Field(default=30.0, gt=0)
    hubspot_retry_attempts: int = Field(default=8, ge=1)
    hubspot_retry_max_s: float = Field(default=300.0, gt=0)

    dynamo_endpoint_url: str | None = None
    channels_table: str = Field(default="channels", min_length=3)
    state_table: str = Field(default="hubsync_state", min_length=3)
    create_state_table: bool = False
    scan_segments: int = Field(default=1, ge=1, le=64)

    key_property: str = Field(default="gleev_channel_id", pattern=r"^[a-z][a-z0-9_]*$")
    duplicate_email_policy: DuplicateEmailPolicy = DuplicateEmailPolicy.SEPARATE
    max_failure_ratio: float = Field(default=0.5, ge=0, le=1)

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("hubspot_base_url", "dynamo_endpoint_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @field_validator("key_property")
    @classmethod
    def _own_key_property(cls, value: str) -> str:
        problem = key_property_problem(value)
        if problem:
            raise ValueError(
                f"{problem}: name a custom property (default gleev_channel_id) and run "
                "`hubsync schema apply`"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class ConfigError(Exception):
    """A setting is missing or invalid; the message names it and says what to do."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "?"
    name = f"HUBSYNC_{field.upper()}"
    if error["type"] == "missing":
        return f"{name} is not set: set it in the environment or in .env (see .env.example)"
    return f"{name} is invalid: {error['msg']} (see .env.example)"
