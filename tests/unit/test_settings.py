import pytest

from hubsync.domain.identity import DuplicateEmailPolicy
from hubsync.settings import ConfigError, UnknownSetting, load_settings, unknown_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    for name in list(__import__("os").environ):
        if name.startswith("HUBSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_defaults_match_the_documented_ones(monkeypatch):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "pat-na1-abc")
    settings = load_settings()
    assert settings.hubspot_base_url == "https://api.hubapi.com"
    assert settings.dynamo_endpoint_url is None
    assert settings.channels_table == "channels"
    assert settings.state_table == "hubsync_state"
    assert settings.key_property == "gleev_channel_id"
    assert settings.duplicate_email_policy is DuplicateEmailPolicy.SEPARATE
    assert settings.log_format == "auto"
    assert settings.log_level == "INFO"


def test_every_setting_is_documented_in_env_example():
    from pathlib import Path

    from hubsync.settings import Settings

    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"HUBSYNC_{name.upper()}=" in example, name


def test_missing_token_names_the_variable():
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith("HUBSYNC_HUBSPOT_TOKEN is not set")


def test_empty_value_means_default_and_empty_token_means_missing(monkeypatch):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "")
    monkeypatch.setenv("HUBSYNC_DYNAMO_ENDPOINT_URL", "")
    with pytest.raises(ConfigError, match="HUBSYNC_HUBSPOT_TOKEN is not set"):
        load_settings()
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "t0ken")
    assert load_settings().dynamo_endpoint_url is None


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("HUBSYNC_DUPLICATE_EMAIL_POLICY", "merge", "HUBSYNC_DUPLICATE_EMAIL_POLICY is invalid"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "api.hubapi.com", "HUBSYNC_HUBSPOT_BASE_URL is invalid"),
        ("HUBSYNC_LOG_FORMAT", "xml", "HUBSYNC_LOG_FORMAT is invalid"),
        ("HUBSYNC_SCAN_SEGMENTS", "0", "HUBSYNC_SCAN_SEGMENTS is invalid"),
        ("HUBSYNC_CREATE_STATE_TABLE", "perhaps", "HUBSYNC_CREATE_STATE_TABLE is invalid"),
    ],
)
def test_invalid_values_name_the_variable(monkeypatch, name, value, expected):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "t0ken")
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith(expected)
    assert "\n" not in str(error.value)


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("HUBSYNC_HUBSPOT_TOKEN=from-file\nHUBSYNC_LOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.hubspot_token.get_secret_value() == "from-file"
    assert settings.log_level == "DEBUG"


def test_token_is_not_in_the_settings_repr(monkeypatch):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "pat-na1-very-secret")
    settings = load_settings()
    assert "pat-na1-very-secret" not in repr(settings)
    assert "pat-na1-very-secret" not in str(settings.model_dump())


@pytest.mark.parametrize("padding", ["\n", " ", "\r\n", "\t "])
def test_surrounding_whitespace_is_stripped_from_every_setting(monkeypatch, padding):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", f"{padding}pat-na1-abc{padding}")
    monkeypatch.setenv("HUBSYNC_HUBSPOT_BASE_URL", f"{padding}http://localhost:8099/{padding}")
    monkeypatch.setenv("HUBSYNC_STATE_TABLE", f"{padding}dev_hubsync_state{padding}")
    monkeypatch.setenv("HUBSYNC_LOG_FORMAT", f"{padding}json{padding}")
    monkeypatch.setenv("HUBSYNC_LOG_LEVEL", f"{padding}debug{padding}")
    monkeypatch.setenv("HUBSYNC_DUPLICATE_EMAIL_POLICY", f"{padding}hold{padding}")

    settings = load_settings()

    assert settings.hubspot_token.get_secret_value() == "pat-na1-abc"
    assert settings.hubspot_base_url == "http://localhost:8099"
    assert settings.state_table == "dev_hubsync_state"
    assert (settings.log_format, settings.log_level) == ("json", "DEBUG")
    assert settings.duplicate_email_policy is DuplicateEmailPolicy.HOLD


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("pat-na1 abc", "contains a space, a line break or another character"),
        ("pat-na1\nabc", "contains a space, a line break or another character"),
        ("pat-na1-\x7fabc", "contains a space, a line break or another character"),
        ("pat-na1-äbc", "contains a space, a line break or another character"),
        (" \n ", "it is blank"),
    ],
)
def test_a_token_that_cannot_be_one_is_refused_without_showing_it(monkeypatch, token, expected):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", token)

    with pytest.raises(ConfigError) as error:
        load_settings()

    message = str(error.value)
    assert message.startswith("HUBSYNC_HUBSPOT_TOKEN is invalid: ")
    assert expected in message
    assert "Value error" not in message
    assert "abc" not in message


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("HUBSYNC_HUBSPOT_TIMEOUT_S", "inf", "finite"),
        ("HUBSYNC_HUBSPOT_TIMEOUT_S", "nan", "finite"),
        ("HUBSYNC_HUBSPOT_TIMEOUT_S", "-inf", "finite"),
        ("HUBSYNC_HUBSPOT_TIMEOUT_S", "1e20", "less than or equal to 86400"),
        ("HUBSYNC_HUBSPOT_RETRY_MAX_S", "inf", "finite"),
        ("HUBSYNC_HUBSPOT_RETRY_MAX_S", "nan", "finite"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "http://", "has no host"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "https://:8080", "has no host"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "http:/localhost", "must be an http:// or https:// URL"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "ftp://example.com", "must be an http:// or https:// URL"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "http://local host", "must not contain spaces"),
        ("HUBSYNC_HUBSPOT_BASE_URL", "http://localhost:99999", "invalid port"),
        ("HUBSYNC_DYNAMO_ENDPOINT_URL", "http://", "has no host"),
        ("HUBSYNC_DYNAMO_ENDPOINT_URL", "http://localhost:port", "invalid port"),
        ("HUBSYNC_CHANNELS_TABLE", "dev channels", "should match pattern"),
        ("HUBSYNC_STATE_TABLE", "hubsync/state", "should match pattern"),
        ("HUBSYNC_RECONCILE_CRON", "0 25 * * *", "not a valid crontab line"),
        ("HUBSYNC_RECONCILE_CRON", "daily", "five fields"),
        ("HUBSYNC_RECONCILE_CRON", "0 3 * * * *", "five fields"),
        ("HUBSYNC_SYNC_INTERVAL_SECONDS", "0", "greater than 0"),
        ("HUBSYNC_SYNC_INTERVAL_SECONDS", "inf", "finite"),
        ("HUBSYNC_LEASE_TTL_SECONDS", "0.5", "greater than or equal to 1"),
        ("HUBSYNC_REQUEST_POLL_SECONDS", "-1", "greater than 0"),
        ("HUBSYNC_ADMIN_PORT", "70000", "less than or equal to 65535"),
        ("HUBSYNC_DAILY_RESERVE", "1.5", "less than or equal to 1"),
        ("HUBSYNC_SHUTDOWN_GRACE_SECONDS", "0", "greater than 0"),
        ("HUBSYNC_HISTORY_DAYS", "0", "greater than or equal to 1"),
        ("HUBSYNC_ADMIN_TOKEN", "two words", "a token cannot have"),
    ],
)
def test_values_that_would_fail_later_are_refused_now(monkeypatch, name, value, expected):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "t0ken")
    monkeypatch.setenv(name, value)

    with pytest.raises(ConfigError) as error:
        load_settings()

    assert str(error.value).startswith(f"{name} is invalid: ")
    assert expected in str(error.value)


def test_urls_with_a_host_and_port_are_accepted(monkeypatch):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "t0ken")
    monkeypatch.setenv("HUBSYNC_HUBSPOT_BASE_URL", "http://[::1]:8099/")
    monkeypatch.setenv("HUBSYNC_DYNAMO_ENDPOINT_URL", "https://dynamodb.eu-west-1.amazonaws.com")

    settings = load_settings()

    assert settings.hubspot_base_url == "http://[::1]:8099"
    assert settings.dynamo_endpoint_url == "https://dynamodb.eu-west-1.amazonaws.com"


def test_a_dotenv_that_is_not_utf8_names_the_file(tmp_path):
    (tmp_path / ".env").write_bytes(b"HUBSYNC_HUBSPOT_TOKEN=t0ken\nHUBSYNC_LOG_LEVEL=\xe9\n")

    with pytest.raises(ConfigError) as error:
        load_settings()

    assert str(error.value) == (
        f"{tmp_path / '.env'} is not valid UTF-8 (byte 0xe9 at offset 46): save it as UTF-8"
    )


def test_misspelt_settings_are_found_with_the_closest_real_one(monkeypatch, tmp_path):
    monkeypatch.setenv("HUBSYNC_SCAN_SEGMNETS", "4")
    monkeypatch.setenv("hubsync_log_level", "debug")  # names are not case-sensitive
    (tmp_path / ".env").write_text("HUBSYNC_CREATE_TABLE=true\nHUBSYNC_WHATEVER=1\nOTHER=2\n")

    assert unknown_settings() == [
        UnknownSetting("HUBSYNC_CREATE_TABLE", "HUBSYNC_CREATE_STATE_TABLE"),
        UnknownSetting("HUBSYNC_SCAN_SEGMNETS", "HUBSYNC_SCAN_SEGMENTS"),
        UnknownSetting("HUBSYNC_WHATEVER", None),
    ]


def test_a_misspelt_token_variable_is_named_when_the_token_is_missing(monkeypatch):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKNE", "t0ken")

    with pytest.raises(ConfigError) as error:
        load_settings()

    assert str(error.value) == (
        "HUBSYNC_HUBSPOT_TOKEN is not set (HUBSYNC_HUBSPOT_TOKNE is set: a typo?): set it in "
        "the environment or in .env (see .env.example)"
    )


def test_the_daemon_settings_have_their_documented_defaults(monkeypatch):
    monkeypatch.setenv("HUBSYNC_HUBSPOT_TOKEN", "t0ken")
    settings = load_settings(_env_file=None)
    assert (settings.sync_interval_seconds, settings.reconcile_cron) == (300, "0 3 * * *")
    assert (settings.lease_ttl_seconds, settings.request_poll_seconds) == (60, 10)
    assert (settings.admin_host, settings.admin_port, settings.admin_token) == (
        "127.0.0.1",
        8080,
        None,
    )
    assert (settings.daily_reserve, settings.shutdown_grace_seconds) == (0.1, 30)
    assert settings.history_days == 90
