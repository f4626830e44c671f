"""hubsync's configuration: environment variables prefixed HUBSYNC_, or an optional .env file."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hubsync.domain.budget import Budget, BudgetPolicy, CostModel
from hubsync.domain.identity import DuplicateEmailPolicy
from hubsync.domain.links import Role
from hubsync.domain.properties import key_property_problem

PREFIX = "HUBSYNC_"
ENV_FILE = ".env"
# DynamoDB's own rule for table names.
TABLE_NAME = r"^[A-Za-z0-9_.-]{3,255}$"
# A token is printable ASCII: anything else (a space, a line break, a control character) is a
# copying accident, and sent in an HTTP header it would fail with the token in the message.
_TOKEN_CHARACTERS = re.compile(r"[\x21-\x7e]+")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # an empty line copied from .env.example means "the default"
        extra="ignore",
    )

    hubspot_token: SecretStr
    hubspot_base_url: str = "https://api.hubapi.com"
    hubspot_requests_per_10s: int = Field(default=100, ge=1)
    hubspot_search_per_second: int = Field(default=5, ge=1)
    # Past a day, the operating system refuses the socket timeout.
    hubspot_timeout_s: float = Field(default=30.0, gt=0, le=86_400, allow_inf_nan=False)
    hubspot_retry_attempts: int = Field(default=8, ge=1)
    hubspot_retry_max_s: float = Field(default=300.0, gt=0, allow_inf_nan=False)

    dynamo_endpoint_url: str | None = None
    channels_table: str = Field(default="channels", pattern=TABLE_NAME)
    state_table: str = Field(default="hubsync_state", pattern=TABLE_NAME)
    create_state_table: bool = False
    scan_segments: int = Field(default=1, ge=1, le=64)

    key_property: str = Field(default="gleev_channel_id", pattern=r"^[a-z][a-z0-9_]*$")
    duplicate_email_policy: DuplicateEmailPolicy = DuplicateEmailPolicy.SEPARATE
    max_failure_ratio: float = Field(default=0.5, ge=0, le=1)

    marketing_contact_limit: int | None = Field(default=None, ge=0)
    budget_warn_ratio: float = Field(default=0.9, gt=0, le=1)
    budget_policy: BudgetPolicy = BudgetPolicy.HOLD
    budget_base_eur: float = Field(default=170.0, ge=0, allow_inf_nan=False)
    budget_included_contacts: int = Field(default=1000, ge=0)
    budget_eur_per_1000: float = Field(default=40.0, ge=0, allow_inf_nan=False)
    # Roles whose new contacts marketing wants as marketing contacts (comma-separated).
    marketing_wanted_roles: str = "customer,referrer,duplicate"

    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: LogLevel = "INFO"
    log_pii: bool = False  # show creators' e-mail addresses whole in logs and alerts

    # Alerts: conflicts opened, resolved or reopened, and runs that failed.
    alert_slack_webhook_url: SecretStr | None = None  # the URL is the credential
    alert_webhook_url: str | None = None
    alert_webhook_secret: SecretStr | None = None
    alert_sns_topic_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:sns:")
    alert_timeout_s: float = Field(default=5.0, gt=0, le=60, allow_inf_nan=False)
    alert_digest_hours: float = Field(default=0, ge=0, allow_inf_nan=False)  # 0: no digest
    hubspot_portal_id: str | None = Field(default=None, pattern=r"^[0-9]+$")

    # The daemon (`hubsync run`), its lease, resync requests and admin HTTP.
    sync_interval_seconds: float = Field(default=300.0, gt=0, le=86_400, allow_inf_nan=False)
    reconcile_cron: str = "0 3 * * *"
    lease_ttl_seconds: float = Field(default=60.0, ge=1, le=3_600, allow_inf_nan=False)
    request_poll_seconds: float = Field(default=10.0, gt=0, le=3_600, allow_inf_nan=False)
    admin_host: str = "127.0.0.1"
    admin_port: int = Field(default=8080, ge=0, le=65_535)
    admin_token: SecretStr | None = None
    daily_reserve: float = Field(default=0.1, ge=0, le=1, allow_inf_nan=False)
    shutdown_grace_seconds: float = Field(default=30.0, gt=0, le=3_600, allow_inf_nan=False)
    history_days: int = Field(default=90, ge=1, le=3_650)

    @field_validator("*", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        """A value copied with a trailing newline or space (a .env written by a script, a
        secret mounted as a file) means the value without it."""
        return value.strip() if isinstance(value, str) else value

    @field_validator("hubspot_token")
    @classmethod
    def _token(cls, value: SecretStr) -> SecretStr:
        return _checked_token(value, "the private app's access token")

    @field_validator("admin_token")
    @classmethod
    def _admin_token(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else _checked_token(value, "a long random string")

    @field_validator("reconcile_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        problem = cron_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("hubspot_base_url", "dynamo_endpoint_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return value
        problem = _url_problem(value)
        if problem:
            raise ValueError(problem)
        return value.rstrip("/")

    @field_validator("alert_webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        problem = value and _url_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("alert_slack_webhook_url")
    @classmethod
    def _slack_url(cls, value: SecretStr | None) -> SecretStr | None:
        problem = value and _url_problem(value.get_secret_value())
        if problem:
            raise ValueError(f"{problem} (the URL is not shown: it is a credential)")
        return value

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

    @field_validator("marketing_wanted_roles")
    @classmethod
    def _roles(cls, value: str) -> str:
        names = [name.strip().lower() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in {role.value for role in Role}]
        if unknown:
            choices = ", ".join(role.value for role in Role)
            raise ValueError(f"{', '.join(unknown)} is not a role: list some of {choices}")
        return ",".join(names)

    @property
    def wanted_roles(self) -> frozenset[Role]:
        return frozenset(Role(name) for name in self.marketing_wanted_roles.split(",") if name)

    @property
    def budget(self) -> Budget:
        return Budget(
            limit=self.marketing_contact_limit,
            policy=self.budget_policy,
            warn_ratio=self.budget_warn_ratio,
            cost=CostModel(
                self.budget_base_eur, self.budget_included_contacts, self.budget_eur_per_1000
            ),
        )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def _url_problem(url: str) -> str | None:
    """Why `url` cannot be an API endpoint, or None if it can."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not url.startswith(f"{parts.scheme}://"):
        return "must be an http:// or https:// URL"
    if any(character.isspace() for character in url):
        return "must not contain spaces"
    if not parts.hostname:
        return "has no host: write it as http(s)://host[:port]"
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        return "has an invalid port: write it as http(s)://host[:port] with a port up to 65535"
    return None


def _checked_token(value: SecretStr, what: str) -> SecretStr:
    token = value.get_secret_value()
    if not token:
        raise ValueError(f"it is blank: set it to {what}")
    if not _TOKEN_CHARACTERS.fullmatch(token):
        raise ValueError(
            "it contains a space, a line break or another character a token cannot have "
            "(not shown here): copy the token again"
        )
    return value


def cron_problem(expression: str) -> str | None:
    """Why `expression` is no five-field crontab line, or None if it is one."""
    from apscheduler.triggers.cron import CronTrigger

    if len(expression.split()) != 5:
        return "must be a crontab line of five fields (minute hour day month weekday), in UTC"
    try:
        CronTrigger.from_crontab(expression, timezone="UTC")
    except ValueError as exc:
        return f"is not a valid crontab line ({exc}): e.g. '0 3 * * *' for 03:00 UTC daily"
    return None


class ConfigError(Exception):
    """A setting is missing or invalid; the message names it and says what to do."""


@dataclass(frozen=True, slots=True)
class UnknownSetting:
    """A HUBSYNC_ variable that is no setting, so is ignored: most likely a typo."""

    name: str
    did_you_mean: str | None


def setting_names() -> list[str]:
    return [f"{PREFIX}{field.upper()}" for field in Settings.model_fields]


def load_settings(**overrides: object) -> Settings:
    try:
        # pydantic validates every value, of whatever type it comes; mypy sees only object.
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{Path(ENV_FILE).resolve()} is not valid UTF-8 (byte {exc.object[exc.start]:#04x} "
            f"at offset {exc.start}): save it as UTF-8"
        ) from None


def describe_validation_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else "?"
    name = f"{PREFIX}{field.upper()}"
    if error["type"] == "missing":
        typo = [u.name for u in unknown_settings() if u.did_you_mean == name]
        hint = f" ({', '.join(typo)} is set: a typo?)" if typo else ""
        return f"{name} is not set{hint}: set it in the environment or in .env (see .env.example)"
    # Our own checks' messages, without pydantic's "Value error, " in front.
    cause = (error.get("ctx") or {}).get("error")
    message = str(cause) if error["type"] == "value_error" and cause else error["msg"]
    return f"{name} is invalid: {message} (see .env.example)"


def unknown_settings() -> list[UnknownSetting]:
    """HUBSYNC_ variables in the environment or in .env that hubsync does not know, each with
    the setting it most likely means."""
    return find_unknown([*os.environ, *dotenv_values(ENV_FILE, encoding="utf-8")], setting_names())


def find_unknown(names: Iterable[str], known: list[str]) -> list[UnknownSetting]:
    unknown = sorted({n.upper() for n in names if n.upper().startswith(PREFIX)} - set(known))
    # Compared without the prefix they all share, which would make any two names look alike.
    suffixes = {name.removeprefix(PREFIX): name for name in known}
    return [UnknownSetting(name, _closest(name.removeprefix(PREFIX), suffixes)) for name in unknown]


def _closest(suffix: str, suffixes: dict[str, str]) -> str | None:
    matches = difflib.get_close_matches(suffix, list(suffixes), n=1)
    return suffixes[matches[0]] if matches else None
